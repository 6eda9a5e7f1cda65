import { expect } from "chai";
import { GrantProvider, PrivilegesProvider } from "../../provider";
import type { PrivilegesOutputs } from "../../provider";
import { Lifecycle } from "../support/engine";
import {
  adminIsSuperuser,
  asRole,
  countQueries,
  hostile,
  loggedStatement,
  one,
  q,
  qSuper,
  quoteIdent as qi,
  tablePriv,
  testServer,
} from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";

/** Every ACL entry of the objects of a schema (and the schema), as `grantee privilege object[ (column)]`. */
async function aclOf(schema: string, grantee?: string): Promise<string[]> {
  const rows = await q<{ e: string }>(
    `SELECT e FROM (
       SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END || ' ' || x.privilege_type
              || CASE WHEN x.is_grantable THEN '*' ELSE '' END || ' ' || o.name AS e,
              CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END AS g
         FROM (
           SELECT n.nspname::text AS name, coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl, n.nspowner AS owner FROM pg_namespace n WHERE n.nspname = $1
           UNION ALL SELECT c.relname::text, coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)), c.relowner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r','v','m','f','p','S')
           UNION ALL SELECT c.relname || ' (' || a.attname || ')', a.attacl, c.relowner
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND a.attacl IS NOT NULL
           UNION ALL SELECT p.oid::regprocedure::text, coalesce(p.proacl, acldefault('f', p.proowner)), p.proowner
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
           UNION ALL SELECT t.typname::text, coalesce(t.typacl, acldefault('T', t.typowner)), t.typowner
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind <> 'c')
         ) o CROSS JOIN LATERAL aclexplode(o.acl) x
        WHERE x.grantee <> o.owner) z
      WHERE $2::text IS NULL OR z.g = $2
      ORDER BY 1`,
    [schema, grantee ?? null],
  );
  return rows.map((r) => r.e);
}

type Outs = PrivilegesOutputs;

describe("Privileges (real server)", () => {
  const fx = fixtures();
  let version = 0;
  before(async () => {
    version = await serverVersionNum();
  });
  const role = (prefix: string, login = true): Promise<string> => fx.role(prefix, { login });
  const has = async (sql: string, params: unknown[]) => (await one<{ ok: boolean }>(sql, params)).ok;

  it("additive: entries of every schema kind with Grant's meaning; read, no-op, other grants untouched, delete", async () => {
    const reader = await role("reader");
    const writer = await role("writer");
    const other = await role("other");
    const s = await fx.schema("app");
    await q(`CREATE TABLE ${qi(s)}.orders (id int, note text)`);
    await q(`CREATE TABLE ${qi(s)}.users (id int, email text)`);
    await q(`CREATE VIEW ${qi(s)}.v AS SELECT 1 AS one`);
    await q(`CREATE SEQUENCE ${qi(s)}.seq`);
    await q(`CREATE FUNCTION ${qi(s)}.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x'`);
    await q(`CREATE PROCEDURE ${qi(s)}.p() LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE TYPE ${qi(s)}.mood AS ENUM ('a')`);
    await q(`CREATE DOMAIN ${qi(s)}.posint AS int`);
    // A grant made by hand on the same objects: additive mode leaves it alone.
    await q(`GRANT SELECT ON ${qi(s)}.orders TO ${qi(other)}`);
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const grants = [
      { role: reader, objectType: "schema", schema: s, privileges: ["USAGE"] },
      { role: reader, objectType: "table", schema: s, privileges: ["SELECT"] },
      { role: writer, objectType: "table", schema: s, objects: ["orders"], privileges: ["insert", "UPDATE"] },
      { role: writer, objectType: "database", privileges: ["CONNECT", "TEMP"] },
      { role: reader, objectType: "sequence", schema: s, privileges: ["USAGE"] },
      { role: writer, objectType: "function", schema: s, objects: ["f(int)"], privileges: ["EXECUTE"] },
      { role: writer, objectType: "procedure", schema: s, objects: ["p"], privileges: ["EXECUTE"] },
      {
        role: reader,
        objectType: "column",
        schema: s,
        objects: ["users"],
        columns: ["email"],
        privileges: ["UPDATE"],
      },
      { role: writer, objectType: "type", schema: s, objects: ["mood"], privileges: ["USAGE"] },
      { role: writer, objectType: "domain", schema: s, objects: ["posint"], privileges: ["USAGE"] },
      {
        role: writer,
        objectType: "table",
        schema: s,
        objects: ["users"],
        privileges: ["ALL"],
        withGrantOption: true,
      },
    ];
    expect(await p.up({ grants })).to.equal("create");
    expect(await tablePriv(reader, s, "orders", "SELECT")).to.equal(true);
    expect(await tablePriv(reader, s, "v", "SELECT")).to.equal(true);
    expect(await tablePriv(writer, s, "orders", "INSERT")).to.equal(true);
    expect(await tablePriv(writer, s, "orders", "SELECT")).to.equal(false);
    expect(
      await has("SELECT has_database_privilege($1, current_database(), 'TEMPORARY') AS ok", [writer]),
    ).to.equal(true);
    expect(
      await has("SELECT has_sequence_privilege($1, $2, 'USAGE') AS ok", [reader, `${qi(s)}.seq`]),
    ).to.equal(true);
    expect(
      await has("SELECT has_column_privilege($1, $2, 'email', 'UPDATE') AS ok", [reader, `${qi(s)}.users`]),
    ).to.equal(true);
    expect(
      await has("SELECT has_column_privilege($1, $2, 'id', 'UPDATE') AS ok", [reader, `${qi(s)}.users`]),
    ).to.equal(false);
    // Logged in as the reader: it reads every table, and nothing else.
    expect(await asRole(reader, "pw", `SELECT count(*)::int AS n FROM ${qi(s)}.orders`)).to.deep.equal([
      { n: 0 },
    ]);
    const denied = await asRole(reader, "pw", `INSERT INTO ${qi(s)}.orders VALUES (1)`).catch(
      (e: Error) => e.message,
    );
    expect(denied).to.match(/permission denied/);
    const all = version >= 170000 ? 8 : 7;
    expect((await aclOf(s, writer)).filter((e) => e.endsWith(" users") && e.includes("*"))).to.have.length(
      all,
    );
    await p.refresh();
    expect(p.outs!.unmanaged).to.deep.equal([]);
    expect(await p.wouldChange({ grants })).to.equal(false);
    // delete: what the entries granted goes; the hand-made grant stays.
    await p.destroy();
    expect(await aclOf(s, reader)).to.deep.equal([]);
    expect(await aclOf(s, writer)).to.deep.equal([]);
    expect(
      await has("SELECT has_database_privilege($1, current_database(), 'TEMPORARY') AS ok", [writer]),
    ).to.equal(
      true, // PUBLIC's built-in TEMPORARY
    );
    expect(await tablePriv(other, s, "orders", "SELECT")).to.equal(true);
  });

  it("objects omitted: a table created later is drift; overlapping entries are a union and a kept privilege is never revoked", async () => {
    const r = await role("u");
    const s = await fx.schema("ov");
    await q(`CREATE TABLE ${qi(s)}.a (id int)`);
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const both = [
      { role: r, objectType: "table", schema: s, privileges: ["SELECT"] },
      { role: r, objectType: "table", schema: s, objects: ["a"], privileges: ["SELECT", "INSERT"] },
    ];
    await p.up({ grants: both });
    await q(`CREATE TABLE ${qi(s)}.b (id int)`);
    await p.refresh();
    const key = Object.keys(p.outs!.grants).find((k) => k.endsWith(".*"))!;
    expect(p.outs!.drifted?.[key]?.privileges).to.deep.equal([]);
    expect(p.outs!.grants[key]!.privileges).to.deep.equal(["SELECT"]); // the wanted entry, kept
    expect(await p.wouldChange({ grants: both })).to.equal(true);
    await p.up({ grants: both });
    expect(await tablePriv(r, s, "b", "SELECT")).to.equal(true);
    // Dropping the named entry keeps SELECT on a (still wanted by the other) and revokes INSERT only.
    const logBefore = testServer().embedded ? testServer().log().length : 0;
    await p.up({ grants: [both[0]] });
    expect(await tablePriv(r, s, "a", "SELECT")).to.equal(true);
    expect(await tablePriv(r, s, "a", "INSERT")).to.equal(false);
    if (testServer().embedded) {
      // The statements of an apply go in one multi-statement query: its lines follow the log line.
      const revokes = testServer()
        .log()
        .slice(logBefore)
        .split("\n")
        .map((line) => loggedStatement(line) ?? line)
        .filter((x) => /^\s*REVOKE/.test(x));
      expect(revokes.join("\n")).to.include("INSERT");
      expect(revokes.join("\n")).not.to.match(/SELECT/);
    } else if (process.env.CI === "true") throw new Error("the log check needs the embedded server in CI");
    await p.destroy();
    expect(await tablePriv(r, s, "a", "SELECT")).to.equal(false);
  });

  it("drift on one object of an all-objects entry: refresh shows it, up repairs it, a delete after the refresh still revokes everywhere", async () => {
    const reader = await role("drift");
    const s = await fx.schema("drift");
    for (const t of ["t0", "t1", "t2"]) await q(`CREATE TABLE ${qi(s)}.${t} (id int)`);
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const grants = [{ role: reader, objectType: "table", schema: s, privileges: ["SELECT"] }];
    expect(await p.up({ grants })).to.equal("create");
    await q(`REVOKE SELECT ON ${qi(s)}.t0 FROM ${qi(reader)}`);
    await p.refresh();
    // the drift is reported apart from the wanted entries, which the outputs keep
    expect(Object.values(p.outs!.drifted ?? {})).to.deep.equal([{ privileges: [], withGrantOption: false }]);
    expect(Object.values(p.outs!.grants).map((e) => e.privileges)).to.deep.equal([["SELECT"]]);
    expect(await p.wouldChange({ grants })).to.equal(true);
    expect(await p.up({ grants })).to.equal("update");
    expect(await tablePriv(reader, s, "t0", "SELECT")).to.equal(true);
    await p.refresh();
    expect(p.outs!.drifted).to.equal(undefined);
    expect(await p.wouldChange({ grants })).to.equal(false);
    // drift again, refresh, then delete from that state: the other tables' SELECT goes too
    await q(`REVOKE SELECT ON ${qi(s)}.t1 FROM ${qi(reader)}`);
    await p.refresh();
    await p.destroy();
    expect(await aclOf(s, reader)).to.deep.equal([]);
    await q(`DROP ROLE ${qi(reader)}`); // nothing left that would block it (2BP01)
  });

  it("authoritative schemas: hand-made grants and PUBLIC's defaults are unmanaged, up revokes them; owners untouched", async () => {
    const r = await role("app");
    const intruder = await role("intruder");
    const s = await fx.schema("auth");
    await q(`CREATE TABLE ${qi(s)}.t (id int, secret text)`);
    await q(`CREATE FUNCTION ${qi(s)}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE TYPE ${qi(s)}.kind AS ENUM ('x')`);
    const grants = [
      { role: r, objectType: "schema", schema: s, privileges: ["USAGE"] },
      { role: r, objectType: "table", schema: s, privileges: ["SELECT"] },
    ];
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    await p.up({ grants, authoritative: { schemas: [s] } });
    // PUBLIC's built-in EXECUTE and USAGE are gone; the owner keeps everything.
    expect(
      await has("SELECT has_function_privilege($1, $2, 'EXECUTE') AS ok", [intruder, `${qi(s)}.f()`]),
    ).to.equal(false);
    expect(
      await has("SELECT has_type_privilege($1, $2, 'USAGE') AS ok", [intruder, `${qi(s)}.kind`]),
    ).to.equal(false);
    expect(await aclOf(s)).to.deep.equal([`${r} SELECT t`, `${r} USAGE ${s}`].sort());
    expect(
      await has("SELECT has_function_privilege(current_user, $1, 'EXECUTE') AS ok", [`${qi(s)}.f()`]),
    ).to.equal(true);
    // Grants by hand: on the table, a column, the schema; refresh reports them, up revokes them.
    await q(`GRANT DELETE ON ${qi(s)}.t TO ${qi(intruder)}`);
    await q(`GRANT UPDATE (secret) ON ${qi(s)}.t TO ${qi(intruder)}`);
    await q(`GRANT CREATE ON SCHEMA ${qi(s)} TO ${qi(r)}`);
    await q(`GRANT SELECT ON ${qi(s)}.t TO ${qi(r)} WITH GRANT OPTION`);
    await p.refresh();
    const u = p.outs!.unmanaged.map(
      (x) => `${x.role} ${x.privilege} ${x.object}${x.column ? `(${x.column})` : ""}`,
    );
    expect(u.sort()).to.deep.equal(
      [
        `${intruder} DELETE t`,
        `${intruder} UPDATE t(secret)`,
        `${r} CREATE ${s}`,
        `${r} GRANT OPTION FOR SELECT t`,
      ].sort(),
    );
    expect(await p.wouldChange({ grants, authoritative: { schemas: [s] } })).to.equal(true);
    await p.up({ grants, authoritative: { schemas: [s] } });
    expect(await aclOf(s)).to.deep.equal([`${r} SELECT t`, `${r} USAGE ${s}`].sort());
    await p.refresh();
    expect(p.outs!.unmanaged).to.deep.equal([]);
    expect(await p.wouldChange({ grants, authoritative: { schemas: [s] } })).to.equal(false);
  });

  it("authoritative roles: the role holds nothing else in the database, apart from what it owns; other roles untouched", async () => {
    const r = await role("ar");
    const bystander = await role("by");
    const s1 = await fx.schema("r1");
    const s2 = await fx.schema("r2");
    await q(`CREATE TABLE ${qi(s1)}.t (id int)`);
    await q(`CREATE TABLE ${qi(s2)}.u (id int)`);
    await q(`GRANT SELECT, INSERT ON ${qi(s2)}.u TO ${qi(r)}`);
    await q(`GRANT SELECT ON ${qi(s2)}.u TO ${qi(bystander)}`);
    await q(`GRANT CREATE ON DATABASE ${qi(testServer().database)} TO ${qi(r)}`);
    // A table the role owns: its privileges there are not touched.
    await q(`GRANT CREATE ON SCHEMA ${qi(s1)} TO ${qi(r)}`);
    await asRole(r, "pw", `CREATE TABLE ${qi(s1)}.mine (id int)`);
    const grants = [
      { role: r, objectType: "schema", schema: s1, privileges: ["USAGE", "CREATE"] },
      { role: r, objectType: "table", schema: s1, objects: ["t"], privileges: ["SELECT"] },
    ];
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    await p.up({ grants, authoritative: { roles: [r] } });
    expect(await tablePriv(r, s2, "u", "SELECT")).to.equal(false);
    expect(await tablePriv(r, s2, "u", "INSERT")).to.equal(false);
    expect(await tablePriv(bystander, s2, "u", "SELECT")).to.equal(true);
    expect(await has("SELECT has_database_privilege($1, current_database(), 'CREATE') AS ok", [r])).to.equal(
      false,
    );
    expect(await tablePriv(r, s1, "t", "SELECT")).to.equal(true);
    expect(await tablePriv(r, s1, "mine", "DELETE")).to.equal(true);
    await p.refresh();
    expect(p.outs!.unmanaged).to.deep.equal([]);
    await p.destroy();
    await q(`DROP TABLE ${qi(s1)}.mine`);
  });

  it("a privilege granted by another grantor is revoked as that grantor", async () => {
    const middle = await role("mid");
    const end = await role("end");
    const s = await fx.schema("gr");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(middle)}`);
    await q(`GRANT SELECT ON ${qi(s)}.t TO ${qi(middle)} WITH GRANT OPTION`);
    await asRole(middle, "pw", `GRANT SELECT ON ${qi(s)}.t TO ${qi(end)}`);
    const grants = [
      {
        role: middle,
        objectType: "table",
        schema: s,
        objects: ["t"],
        privileges: ["SELECT"],
        withGrantOption: true,
      },
    ];
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    // Superusers may SET ROLE to anyone; a CREATEROLE admin on 16+ is a member (SET) of the roles it
    // creates; before 16 it is not, and is told which privilege it cannot revoke and why.
    const canActAsGrantor = adminIsSuperuser() || version >= 160000;
    const err = await p.up({ grants, authoritative: { schemas: [s] } }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    if (!canActAsGrantor) {
      expect(err).to.include(`SELECT on table `).and.include(`.t to ${end}, granted by ${middle}`);
      expect(err).to.include("SQLSTATE 42501");
      expect(await tablePriv(end, s, "t", "SELECT")).to.equal(true); // nothing applied
    } else {
      expect(err).to.equal(undefined);
      // Superusers may SET ROLE to anyone; a CREATEROLE admin on 16+ is a member (SET) of the roles it creates.
      expect(await tablePriv(end, s, "t", "SELECT")).to.equal(false);
      expect(await tablePriv(middle, s, "t", "SELECT")).to.equal(true);
      expect((await aclOf(s)).filter((e) => e.startsWith(end))).to.deep.equal([]);
      await p.refresh();
      expect(p.outs!.unmanaged).to.deep.equal([]);
    }
  });

  it("the number of queries does not grow with entries or objects", async () => {
    const s = await fx.schema("qc");
    const roles: string[] = [];
    for (let i = 0; i < 12; i++) roles.push(await role(`qc${i}`, false));
    for (let i = 0; i < 40; i++) await q(`CREATE TABLE ${qi(s)}.t${i} (id int, v text)`);
    const entries = (n: number) =>
      roles.slice(0, n).flatMap((r, i) => [
        {
          role: r,
          objectType: "table",
          schema: s,
          objects: [`t${i}`, `t${i + 20}`],
          privileges: ["SELECT", "UPDATE"],
        },
        {
          role: r,
          objectType: "column",
          schema: s,
          objects: [`t${i + 1}`],
          columns: ["v"],
          privileges: ["UPDATE"],
        },
        { role: r, objectType: "schema", schema: s, privileges: ["USAGE"] },
      ]);
    const counts: number[] = [];
    for (const n of [2, 12]) {
      const p = new Lifecycle<Outs>(new PrivilegesProvider());
      counts.push(await countQueries(() => p.up({ grants: entries(n), authoritative: { schemas: [s] } })));
      counts.push(await countQueries(() => p.refresh()));
      counts.push(await countQueries(() => p.destroy()));
    }
    expect(counts.slice(0, 3)).to.deep.equal(counts.slice(3));
  });

  it("hostile names; a missing role or object is a clear error; a stale update converges (idempotent)", async () => {
    const r = await fx.createRole(hostile("r"));
    const s = await fx.schema("h");
    const t = hostile("t");
    await q(`CREATE TABLE ${qi(s)}.${qi(t)} (${qi(hostile("c"))} int)`);
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const grants = [{ role: r, objectType: "table", schema: s, objects: [t], privileges: ["SELECT"] }];
    await p.up({ grants, authoritative: { schemas: [s] } });
    expect(await tablePriv(r, s, t, "SELECT")).to.equal(true);
    const missing = await new Lifecycle(new PrivilegesProvider())
      .up({
        grants: [
          {
            role: "no_such_role_x",
            objectType: "table",
            schema: s,
            objects: ["nope"],
            privileges: ["SELECT"],
          },
        ],
      })
      .catch((e: Error) => e.message);
    expect(missing).to.include('role "no_such_role_x" does not exist');
    const noTable = await new Lifecycle(new PrivilegesProvider())
      .up({
        grants: [{ role: r, objectType: "table", schema: s, objects: ["nope"], privileges: ["SELECT"] }],
      })
      .catch((e: Error) => e.message);
    expect(noTable).to.include("does not exist");
    // An update whose result was applied but never recorded (the process died after COMMIT) runs again
    // from the old outputs: nothing left to do, same catalog.
    const olds = p.outs!;
    const next = [{ ...grants[0]!, privileges: ["SELECT", "INSERT"] }];
    await p.up({ grants: next, authoritative: { schemas: [s] } });
    const provider = new PrivilegesProvider();
    const again = await provider.check!({}, { grants: next, authoritative: { schemas: [s] } });
    await provider.update!(p.id!, olds, again.inputs as Outs);
    expect(await aclOf(s, r)).to.deep.equal([`${r} INSERT ${t}`, `${r} SELECT ${t}`].sort());
    await p.destroy();
    expect(await aclOf(s, r)).to.deep.equal([]);
  });

  it("an admin without the right gets an error, not a silent 'no privileges were granted'; nothing is applied", async () => {
    const weak = await role("weak");
    const grantee = await role("ge");
    const s = await fx.schema("w");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    await q(`CREATE TABLE ${qi(s)}.mine (id int)`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(weak)}`);
    // The weak admin may grant SELECT on `mine` (grant option) and holds SELECT on t without it.
    await q(`GRANT SELECT ON ${qi(s)}.mine TO ${qi(weak)} WITH GRANT OPTION`);
    await q(`GRANT SELECT ON ${qi(s)}.t TO ${qi(weak)}`);
    const server = testServer();
    const connection = {
      host: server.host,
      port: server.port,
      user: weak,
      password: "pw",
      database: server.database,
    };
    const err = await new Lifecycle(new PrivilegesProvider())
      .up({
        grants: [
          { role: grantee, objectType: "table", schema: s, objects: ["mine", "t"], privileges: ["SELECT"] },
        ],
        connection,
      })
      .catch((e: Error) => e.message);
    expect(err)
      .to.include("did not apply")
      .and.include("no privileges were granted for")
      .and.include("42501");
    // One transaction: the grant that PostgreSQL did make on `mine` is rolled back with the rest.
    expect(await tablePriv(grantee, s, "mine", "SELECT")).to.equal(false);
  });

  it("check: every problem at once, each entry's property named", async () => {
    const r = await new PrivilegesProvider().check!(
      {},
      {
        grants: [
          { role: "a", objectType: "tabel", privileges: ["SELECT"] },
          { role: "b", objectType: "table", privileges: ["EXECUTE"], database: "x" },
          { role: "PUBLIC", objectType: "schema", schema: "s", privileges: ["USAGE"], withGrantOption: true },
        ],
        authoritative: { schemas: "s", other: 1 },
      },
    );
    const props = (r.failures ?? []).map((f) => f.property);
    expect(props).to.include.members([
      "grants[0].objectType",
      "grants[1].privileges",
      "grants[1].database",
      "grants[2].withGrantOption",
      "authoritative.schemas",
      "authoritative.other",
    ]);
  });

  it("languages, foreign data wrappers, servers, tablespaces and parameters, as Grant does them", async () => {
    const r = await role("misc");
    const fdw = `fdw_${r}`;
    const srv = `srv_${r}`;
    await qSuper(`CREATE FOREIGN DATA WRAPPER ${qi(fdw)}`);
    await qSuper(`CREATE SERVER ${qi(srv)} FOREIGN DATA WRAPPER ${qi(fdw)}`);
    try {
      const grants: Array<Record<string, unknown>> = [
        { role: r, objectType: "language", objects: ["sql"], privileges: ["USAGE"] },
        { role: r, objectType: "foreign_data_wrapper", objects: [fdw], privileges: ["USAGE"] },
        { role: r, objectType: "foreign_server", objects: [srv], privileges: ["USAGE"] },
        { role: r, objectType: "tablespace", objects: ["pg_default"], privileges: ["CREATE"] },
      ];
      const param = { role: r, objectType: "parameter", objects: ["work_mem"], privileges: ["SET"] };
      if (version < 150000) {
        const err = await new Lifecycle(new PrivilegesProvider())
          .up({ grants: [param] })
          .catch((e: Error) => e.message);
        expect(err).to.include("PostgreSQL 15");
      } else grants.push(param);
      const p = new Lifecycle<Outs>(new PrivilegesProvider());
      if (!adminIsSuperuser()) {
        // A managed-service admin owns none of these: PostgreSQL refuses, the error says so, nothing changes.
        const err = await p.up({ grants }).catch((e: Error) => e.message);
        expect(err)
          .to.match(/permission denied|did not apply/)
          .and.include("42501");
        expect(await has("SELECT has_server_privilege($1, $2, 'USAGE') AS ok", [r, srv])).to.equal(false);
        return;
      }
      await p.up({ grants });
      expect(
        await has("SELECT has_foreign_data_wrapper_privilege($1, $2, 'USAGE') AS ok", [r, fdw]),
      ).to.equal(true);
      expect(await has("SELECT has_server_privilege($1, $2, 'USAGE') AS ok", [r, srv])).to.equal(true);
      expect(await has("SELECT has_tablespace_privilege($1, 'pg_default', 'CREATE') AS ok", [r])).to.equal(
        true,
      );
      if (version >= 150000)
        expect(await has("SELECT has_parameter_privilege($1, 'work_mem', 'SET') AS ok", [r])).to.equal(true);
      await p.refresh();
      expect(await p.wouldChange({ grants })).to.equal(false);
      await p.destroy();
      expect(await has("SELECT has_server_privilege($1, $2, 'USAGE') AS ok", [r, srv])).to.equal(false);
      expect(await has("SELECT has_tablespace_privilege($1, 'pg_default', 'CREATE') AS ok", [r])).to.equal(
        false,
      );
    } finally {
      await qSuper(`DROP FOREIGN DATA WRAPPER ${qi(fdw)} CASCADE`);
    }
  });

  it("works beside a Grant on another scope (additive entries never touch it)", async () => {
    const r = await role("beside");
    const s = await fx.schema("bs");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, objects: ["t"], privileges: ["INSERT"] });
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    await p.up({ grants: [{ role: r, objectType: "table", schema: s, privileges: ["SELECT"] }] });
    await p.destroy();
    expect(await tablePriv(r, s, "t", "INSERT")).to.equal(true);
    await g.destroy();
  });
});
