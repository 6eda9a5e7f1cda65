/** The pure parts of the query functions: object references, privileges, error wording, queries. */
import { expect } from "chai";
import {
  describeConnectError,
  describeQueryError,
  resolveQueryConnection,
} from "../../provider/queries/connect";
import { normalizeWhoCanPrivilege, objectTypesOf, parseObjectRef } from "../../provider/queries/refs";
import * as SQL from "../../provider/queries/sql";
import type { ResolvedConnection } from "../../provider/db/connection";

const conn: ResolvedConnection = {
  host: "db.internal",
  port: 5432,
  user: "auditor",
  password: undefined,
  database: "app",
  sslmode: "prefer",
  sslrootcert: "/nonexistent/root.crt",
  sslcert: "/nonexistent/postgresql.crt",
  sslkey: "/nonexistent/postgresql.key",
  passfile: "/nonexistent/.pgpass",
  applicationName: "pulumi-postgres-roles",
  connectTimeout: 30,
  maxConnections: 1,
  lockTimeout: "30s",
};

describe("query functions (pure parts)", () => {
  describe("object references", () => {
    it("SQL text is passed through for PostgreSQL to parse; exact names are quoted", () => {
      expect(parseObjectRef({ table: "app.orders" })).to.deep.equal({
        kind: "table",
        text: "app.orders",
        label: "table app.orders",
      });
      expect(parseObjectRef({ view: { schema: "My Schema", name: 'we"ird' } }).text).to.equal(
        '"My Schema"."we""ird"',
      );
      expect(parseObjectRef({ table: { name: "orders" } }).text).to.equal("public.orders");
      expect(parseObjectRef({ table: "app.orders", column: "amount" })).to.deep.include({
        kind: "column",
        text: "app.orders",
        column: "amount",
      });
      expect(
        parseObjectRef({ function: { schema: "app", name: "f", args: ["integer", "text"] } }).text,
      ).to.equal("app.f(integer, text)");
      expect(parseObjectRef({ procedure: "app.p(int)" })).to.deep.include({
        kind: "procedure",
        text: "app.p(int)",
      });
      expect(parseObjectRef({ foreign_server: "files" })).to.deep.include({
        kind: "foreign_server",
        text: "files",
      });
      expect(parseObjectRef({ parameter: "work_mem" })).to.deep.include({ kind: "parameter" });
    });

    it("rejects what names no object, or two", () => {
      expect(() => parseObjectRef({} as never)).to.throw(/exactly one of/);
      expect(() => parseObjectRef({ table: "a", schema: "b" } as never)).to.throw(/exactly one of/);
      expect(() => parseObjectRef({ schema: "" })).to.throw(/must name an object/);
      expect(() => parseObjectRef({ sequence: "s", column: "c" } as never)).to.throw(
        /column goes with table/,
      );
      expect(() => parseObjectRef({ database: 5 } as never)).to.throw(/must be a name/);
    });

    it("columns are found under the table's and the column's ACLs; types and domains under both", () => {
      expect(objectTypesOf("column")).to.deep.equal(["table", "column"]);
      expect(objectTypesOf("domain")).to.deep.equal(["type", "domain"]);
      expect(objectTypesOf("sequence")).to.deep.equal(["sequence"]);
    });

    it("privileges: any case, aliases, one at a time, of the object's type", () => {
      expect(normalizeWhoCanPrivilege("select", "table")).to.equal("SELECT");
      expect(normalizeWhoCanPrivilege("temp", "database")).to.equal("TEMPORARY");
      expect(normalizeWhoCanPrivilege("alter  system", "parameter")).to.equal("ALTER SYSTEM");
      expect(() => normalizeWhoCanPrivilege("ALL", "table")).to.throw(/one privilege at a time/);
      expect(() => normalizeWhoCanPrivilege("EXECUTE", "table")).to.throw(/not a privilege of a table/);
      expect(() => normalizeWhoCanPrivilege("USAGE", "foreign_server")).not.to.throw();
    });
  });

  describe("connection and errors", () => {
    it("explicit fields first, then the libpq environment", () => {
      const saved = { ...process.env };
      try {
        process.env.PGHOST = "env-host";
        process.env.PGUSER = "env-user";
        process.env.PGDATABASE = "env-db";
        delete process.env.DATABASE_URL;
        const c = resolveQueryConnection({ connection: { host: "flag-host", port: 6000 } });
        expect(c).to.deep.include({ host: "flag-host", port: 6000, user: "env-user", database: "env-db" });
        const u = resolveQueryConnection({
          connection: { connectionString: "postgres://u@h:7/d", user: "x" },
        });
        expect(u).to.deep.include({ host: "h", port: 7, user: "x", database: "d" });
      } finally {
        process.env = saved;
      }
    });

    it("connection failures read as one sentence with a hint", () => {
      const refused = describeConnectError(
        Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
        conn,
      );
      expect(refused.message).to.equal(
        "could not connect to PostgreSQL at db.internal:5432: connection refused",
      );
      expect(refused.hint).to.match(/--host/);
      const auth = describeConnectError(
        { message: 'password authentication failed for user "auditor"', code: "28P01" },
        conn,
      );
      expect(auth.message).to.match(
        /could not log in to db.internal:5432 as "auditor": password authentication failed/,
      );
      expect(auth.hint).to.match(/PGPASSWORD/);
      const noPw = describeConnectError(
        new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string"),
        conn,
      );
      expect(noPw.message).to.match(/asks for a password and none was given/);
      const noDb = describeConnectError({ message: 'database "app" does not exist', code: "3D000" }, conn);
      expect(noDb.message).to.match(/database "app" does not exist/);
      const denied = describeConnectError(
        { message: 'permission denied for database "app"', code: "42501" },
        conn,
      );
      expect(denied.hint).to.match(/CONNECT/);
      expect(
        describeConnectError(Object.assign(new Error("x"), { code: "ENOTFOUND" }), conn).message,
      ).to.match(/host "db.internal" not found/);
    });

    it("a permission error while reading names what failed", () => {
      const e = describeQueryError(
        { message: "permission denied for table pg_policy", code: "42501" },
        "reading the catalog",
      );
      expect(e.message).to.equal(
        "permission denied while reading the catalog: permission denied for table pg_policy",
      );
      expect(e.code).to.equal("42501");
      expect(describeQueryError(new Error("boom"), "listing roles").message).to.equal(
        "listing roles failed: boom",
      );
    });
  });

  describe("the queries", () => {
    const all = Object.entries(SQL).filter(([, v]) => typeof v === "string") as Array<[string, string]>;

    it("take values as bind parameters $1…$n, every one used (a gap would leave its type unknown)", () => {
      expect(all.length).to.be.greaterThan(15);
      for (const [name, sql] of all) {
        const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        const max = Math.max(0, ...used);
        for (let i = 1; i <= max; i++)
          expect(used.has(i), `${name} uses $${max} but not $${i}`).to.equal(true);
        expect(sql, name).not.to.match(/format\(|quote_ident|EXECUTE /i);
      }
    });

    it("read every object of a kind with aclexplode(coalesce(acl, acldefault(…))) in one pass", () => {
      for (const name of ["ACL_ENTRIES_QUERY_15", "EFFECTIVE_QUERY_16", "WHO_CAN_QUERY_16"]) {
        const sql = (SQL as unknown as Record<string, string>)[name]!;
        expect(sql, name).to.include("aclexplode(coalesce(o.acl, o.def))");
        for (const kind of ["'d'", "'n'", "'f'", "'T'", "'l'", "'F'", "'S'", "'t'", "'p'"])
          expect(sql, `${name} ${kind}`).to.include(`acldefault(${kind}`);
      }
      // Before 15 there is no pg_parameter_acl; before 16 no inherit_option.
      expect(SQL.ACL_ENTRIES_QUERY_13).not.to.include("pg_parameter_acl");
      expect(SQL.EFFECTIVE_QUERY_15).not.to.include("inherit_option");
      expect(SQL.EFFECTIVE_QUERY_15).to.include("rolinherit");
      expect(SQL.EFFECTIVE_QUERY_16).to.include("inherit_option");
      expect(SQL.WHO_CAN_QUERY_13).to.include("WITH RECURSIVE");
    });
  });
});
