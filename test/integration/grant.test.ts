import { expect } from "chai";
import { type GrantOutputs, GrantProvider, RoleProvider, RoleMembershipProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import {
  adminConnection,
  asRole,
  clientFor,
  one,
  q,
  quoteIdent as qi,
  tablePriv,
  testServer,
  unique,
} from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";

const TABLE_ALL_16 = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];

describe("Grant (real server)", () => {
  const fx = fixtures();
  const roles = fx.roles;
  let version = 0;
  before(async () => {
    version = await serverVersionNum();
  });
  const role = (prefix: string, login = false): Promise<string> => fx.role(prefix, { login });
  /** A fresh schema with the given tables (and a sequence per `seq`). */
  async function schema(tables: string[], seqs: string[] = [], prefix = "s"): Promise<string> {
    const s = await fx.schema(prefix);
    for (const t of tables) await q(`CREATE TABLE ${qi(s)}.${qi(t)} (id serial, v text)`);
    for (const x of seqs) await q(`CREATE SEQUENCE ${qi(s)}.${qi(x)}`);
    return s;
  }
  const allTable = () => (version >= 170000 ? [...TABLE_ALL_16, "MAINTAIN"] : TABLE_ALL_16);
  async function privs(r: string, s: string, t: string): Promise<string[]> {
    const out: string[] = [];
    for (const p of allTable()) {
      if (await tablePriv(r, s, t, p)) out.push(p);
    }
    return out;
  }

  it("SELECT on one table; several privileges; ALL; each a no-op the second time", async () => {
    const r = await role("reader");
    const s = await schema(["users", "orders", "products"]);
    const g1 = new Lifecycle(new GrantProvider());
    await g1.up({ role: r, objectType: "table", schema: s, objects: ["users"], privileges: ["SELECT"] });
    expect(await privs(r, s, "users")).to.deep.equal(["SELECT"]);
    expect(await privs(r, s, "orders")).to.deep.equal([]);
    const g2 = new Lifecycle(new GrantProvider());
    await g2.up({
      role: r,
      objectType: "TABLE",
      schema: s,
      objects: ["orders"],
      privileges: ["select", "Insert", "UPDATE"],
    });
    expect(await privs(r, s, "orders")).to.deep.equal(["SELECT", "INSERT", "UPDATE"]);
    const g3 = new Lifecycle(new GrantProvider());
    await g3.up({ role: r, objectType: "table", schema: s, objects: ["products"], privileges: ["ALL"] });
    expect(await privs(r, s, "products")).to.deep.equal(allTable());
    for (const g of [g1, g2, g3]) {
      await g.refresh();
    }
    expect(
      await g3.wouldChange({
        role: r,
        objectType: "table",
        schema: s,
        objects: ["products"],
        privileges: ["ALL"],
      }),
    ).to.equal(false);
    expect(
      await g2.wouldChange({
        role: r,
        objectType: "table",
        schema: s,
        objects: ["orders"],
        privileges: ["SELECT", "INSERT", "UPDATE"],
      }),
    ).to.equal(false);
    for (const g of [g1, g2, g3]) await g.destroy();
    for (const t of ["users", "orders", "products"]) expect(await privs(r, s, t)).to.deep.equal([]);
  });

  it("updates only the delta: a privilege that stays wanted is never revoked", async () => {
    const r = await role("app");
    const s = await schema(["orders"]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({
      role: r,
      objectType: "table",
      schema: s,
      objects: ["orders"],
      privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    });
    const before = await q("SELECT count(*) FROM pg_stat_activity"); // keep the pool warm
    expect(before).to.have.length(1);
    // Watch the table's ACL from another session: SELECT must be present in every state we can observe.
    expect(
      await g.up({
        role: r,
        objectType: "table",
        schema: s,
        objects: ["orders"],
        privileges: ["SELECT", "TRUNCATE"],
      }),
    ).to.equal("update");
    expect(g.lastDiff?.replaces ?? []).to.deep.equal([]);
    expect(await privs(r, s, "orders")).to.deep.equal(["SELECT", "TRUNCATE"]);
    // Revoke several at once.
    await g.up({ role: r, objectType: "table", schema: s, objects: ["orders"], privileges: ["SELECT"] });
    expect(await privs(r, s, "orders")).to.deep.equal(["SELECT"]);
    await g.destroy();
  });

  it("the statements sent on update are the delta only (server log)", async function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("needs the embedded server in CI");
      this.skip();
    }
    const r = await role("delta");
    const s = await schema(["t"]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, objects: ["t"], privileges: ["SELECT", "INSERT"] });
    const mark = testServer().log().length;
    await g.up({ role: r, objectType: "table", schema: s, objects: ["t"], privileges: ["SELECT", "UPDATE"] });
    const sent = testServer().log().slice(mark);
    expect(sent).to.include(`GRANT UPDATE ON TABLE ${s}.t TO ${r}`);
    expect(sent).to.include(`REVOKE INSERT ON TABLE ${s}.t FROM ${r}`);
    expect(sent).not.to.match(/REVOKE ALL|REVOKE SELECT|GRANT SELECT/);
    await g.destroy();
  });

  it("all tables in a schema: covers views too; a table created later is drift; update covers it", async () => {
    const r = await role("ro");
    const s = await schema(["a", "b"]);
    await q(`CREATE VIEW ${qi(s)}.v AS SELECT 1 AS x`);
    const args = { role: r, objectType: "table", schema: s, privileges: ["SELECT"] };
    const g = new Lifecycle<GrantOutputs>(new GrantProvider());
    await g.up(args);
    for (const t of ["a", "b", "v"]) expect(await tablePriv(r, s, t, "SELECT"), t).to.equal(true);
    await g.refresh();
    expect(await g.wouldChange(args)).to.equal(false);
    await q(`CREATE TABLE ${qi(s)}.later (id int)`);
    await g.refresh();
    expect(g.outs!.drifted?.privileges).to.deep.equal([]);
    expect(g.outs!.privileges).to.deep.equal(["SELECT"]); // the wanted list, kept for delete
    expect(await g.wouldChange(args)).to.equal(true);
    expect(await g.up(args)).to.equal("update");
    expect(await tablePriv(r, s, "later", "SELECT")).to.equal(true);
    await g.destroy();
    for (const t of ["a", "b", "v", "later"]) expect(await tablePriv(r, s, t, "SELECT"), t).to.equal(false);
  });

  it("ALL on all tables; an empty schema is no drift", async () => {
    const r = await role("admin");
    const s = await schema([]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, privileges: ["ALL"] });
    await g.refresh();
    expect(await g.wouldChange({ role: r, objectType: "table", schema: s, privileges: ["ALL"] })).to.equal(
      false,
    );
    await q(`CREATE TABLE ${qi(s)}.x (id int)`);
    await g.up({ role: r, objectType: "table", schema: s, privileges: ["ALL"] });
    await g.refresh(); // x was created after: drift, repaired by the up above
    expect(await g.wouldChange({ role: r, objectType: "table", schema: s, privileges: ["ALL"] })).to.equal(
      true,
    );
    await g.up({ role: r, objectType: "table", schema: s, privileges: ["ALL"] });
    expect(await privs(r, s, "x")).to.deep.equal(allTable());
    await g.destroy();
  });

  it("schema USAGE, CREATE and ALL; revoke on a schema", async () => {
    const r = await role("user");
    const s = await schema([]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "schema", schema: s, privileges: ["USAGE"] });
    const sp = async () =>
      one<{ u: boolean; c: boolean }>(
        "SELECT has_schema_privilege($1, $2, 'USAGE') AS u, has_schema_privilege($1, $2, 'CREATE') AS c",
        [r, s],
      );
    expect(await sp()).to.deep.equal({ u: true, c: false });
    await g.up({ role: r, objectType: "schema", schema: s, privileges: ["CREATE"] });
    expect(await sp()).to.deep.equal({ u: false, c: true });
    await g.up({ role: r, objectType: "schema", schema: s, privileges: ["ALL"] });
    expect(await sp()).to.deep.equal({ u: true, c: true });
    await g.refresh();
    expect(await g.wouldChange({ role: r, objectType: "schema", schema: s, privileges: ["ALL"] })).to.equal(
      false,
    );
    await g.destroy();
    expect(await sp()).to.deep.equal({ u: false, c: false });
  });

  it("database CONNECT and CREATE, in the connection's database and in another one", async () => {
    const r = await role("dbuser", true);
    const db = unique("db");
    await q(`CREATE DATABASE ${qi(db)}`);
    await q(`REVOKE ALL ON DATABASE ${qi(db)} FROM PUBLIC`);
    try {
      expect(await asRole(r, "pw", "SELECT 1", [], db).catch((e: Error) => e.message)).to.match(
        /permission denied/,
      );
      const g = new Lifecycle(new GrantProvider());
      await g.up({ role: r, objectType: "database", database: db, privileges: ["CONNECT"] });
      expect(await asRole(r, "pw", "SELECT 1 AS one", [], db)).to.deep.equal([{ one: 1 }]);
      await g.up({ role: r, objectType: "database", database: db, privileges: ["CONNECT", "CREATE"] });
      expect((await one("SELECT has_database_privilege($1, $2, 'CREATE') AS ok", [r, db])).ok).to.equal(true);
      // A grant on a table inside the other database connects there.
      await q("CREATE TABLE inside (id int)", [], db);
      const t = new Lifecycle(new GrantProvider());
      await t.up({ role: r, objectType: "table", database: db, objects: ["inside"], privileges: ["SELECT"] });
      expect(await asRole(r, "pw", "SELECT count(*)::int AS n FROM inside", [], db)).to.deep.equal([
        { n: 0 },
      ]);
      await t.destroy();
      await g.destroy();
      expect((await one("SELECT has_database_privilege($1, $2, 'CONNECT') AS ok", [r, db])).ok).to.equal(
        false,
      );
    } finally {
      await q(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
    }
  });

  it("NULL ACLs read as the built-in defaults: PUBLIC's CONNECT on a database is no drift", async () => {
    const db = unique("db");
    await q(`CREATE DATABASE ${qi(db)}`);
    try {
      const g = new Lifecycle(new GrantProvider());
      const args = { role: "public", objectType: "database", database: db, privileges: ["CONNECT", "TEMP"] };
      await g.up(args);
      expect(
        (await one<{ datacl: unknown }>("SELECT datacl FROM pg_database WHERE datname = $1", [db])).datacl,
      ).to.equal(null);
      await g.refresh();
      expect(await g.wouldChange(args)).to.equal(false);
      await g.destroy();
      expect((await one("SELECT has_database_privilege('public', $1, 'CONNECT') AS ok", [db])).ok).to.equal(
        false,
      );
    } finally {
      await q(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
    }
  });

  it("all sequences USAGE + SELECT", async () => {
    const r = await role("app", true);
    const s = await schema([], ["s1", "s2"]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "sequence", schema: s, privileges: ["USAGE", "SELECT"] });
    for (const x of ["s1", "s2"]) {
      const p = await one(
        "SELECT has_sequence_privilege($1, $2, 'USAGE') AS u, has_sequence_privilege($1, $2, 'SELECT') AS s, has_sequence_privilege($1, $2, 'UPDATE') AS up",
        [r, `${qi(s)}.${x}`],
      );
      expect(p).to.deep.equal({ u: true, s: true, up: false });
    }
    await g.refresh();
    expect(
      await g.wouldChange({ role: r, objectType: "sequence", schema: s, privileges: ["USAGE", "SELECT"] }),
    ).to.equal(false);
    await g.destroy();
  });

  it("functions by signature: overloads are distinct objects", async () => {
    const r = await role("caller", true);
    const s = await schema([]);
    await q(`CREATE FUNCTION ${qi(s)}.calc(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a'`);
    await q(`CREATE FUNCTION ${qi(s)}.calc(a text) RETURNS text LANGUAGE sql AS 'SELECT a'`);
    await q(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ${qi(s)} FROM PUBLIC`);
    const g = new Lifecycle(new GrantProvider());
    await g.up({
      role: r,
      objectType: "function",
      schema: s,
      objects: ["calc(int)"],
      privileges: ["EXECUTE"],
    });
    const can = async (sig: string) =>
      (await one("SELECT has_function_privilege($1, $2, 'EXECUTE') AS ok", [r, `${qi(s)}.${sig}`])).ok;
    expect(await can("calc(integer)")).to.equal(true);
    expect(await can("calc(text)")).to.equal(false);
    await g.refresh();
    expect(
      await g.wouldChange({
        role: r,
        objectType: "function",
        schema: s,
        objects: ["calc(int)"],
        privileges: ["EXECUTE"],
      }),
    ).to.equal(false);
    const ambiguous = new Lifecycle(new GrantProvider());
    const err = await ambiguous
      .up({ role: r, objectType: "function", schema: s, objects: ["calc"], privileges: ["EXECUTE"] })
      .catch((e: Error) => e);
    expect((err as Error).message).to.include("overloaded");
    await g.destroy();
    expect(await can("calc(integer)")).to.equal(false);
  });

  it("with grant option: the grantee can grant; dropping the option keeps the privilege; cascade revokes dependents", async () => {
    const lead = await role("team_lead", true);
    const other = await role("other");
    const s = await schema(["users"]);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(lead)}`);
    const g = new Lifecycle(new GrantProvider());
    await g.up({
      role: lead,
      objectType: "table",
      schema: s,
      objects: ["users"],
      privileges: ["SELECT"],
      withGrantOption: true,
    });
    await asRole(lead, "pw", `GRANT SELECT ON ${qi(s)}.users TO ${qi(other)}`);
    expect(await tablePriv(other, s, "users", "SELECT")).to.equal(true);
    // Without cascade, removing the option fails with PostgreSQL's reason (dependent privileges).
    const err = await g
      .up({
        role: lead,
        objectType: "table",
        schema: s,
        objects: ["users"],
        privileges: ["SELECT"],
        withGrantOption: false,
      })
      .catch((e: Error) => e);
    expect((err as Error).message).to.include("2BP01");
    expect(await tablePriv(lead, s, "users", "SELECT WITH GRANT OPTION")).to.equal(true);
    expect(
      await g.up({
        role: lead,
        objectType: "table",
        schema: s,
        objects: ["users"],
        privileges: ["SELECT"],
        withGrantOption: false,
        cascade: true,
      }),
    ).to.equal("update");
    expect(await tablePriv(lead, s, "users", "SELECT")).to.equal(true);
    expect(await tablePriv(lead, s, "users", "SELECT WITH GRANT OPTION")).to.equal(false);
    expect(await tablePriv(other, s, "users", "SELECT")).to.equal(false);
    // revoke(..., cascade=True) on delete.
    await g.up({
      role: lead,
      objectType: "table",
      schema: s,
      objects: ["users"],
      privileges: ["SELECT"],
      withGrantOption: true,
      cascade: true,
    });
    await asRole(lead, "pw", `GRANT SELECT ON ${qi(s)}.users TO ${qi(other)}`);
    await g.destroy();
    expect(await tablePriv(lead, s, "users", "SELECT")).to.equal(false);
    expect(await tablePriv(other, s, "users", "SELECT")).to.equal(false);
  });

  it("drift: a privilege revoked by hand is seen and restored; a grantee dropped by hand reads as gone", async () => {
    const r = await role("drift");
    const s = await schema(["t"]);
    const args = {
      role: r,
      objectType: "table",
      schema: s,
      objects: ["t"],
      privileges: ["SELECT", "INSERT"],
    };
    const g = new Lifecycle<GrantOutputs>(new GrantProvider());
    await g.up(args);
    await q(`REVOKE INSERT ON ${qi(s)}.t FROM ${qi(r)}`);
    await g.refresh();
    expect(g.outs!.drifted).to.deep.equal({ privileges: ["SELECT"], withGrantOption: false });
    expect(await g.up(args)).to.equal("update");
    expect(await privs(r, s, "t")).to.deep.equal(["SELECT", "INSERT"]);
    await q(`REVOKE ALL ON ${qi(s)}.t FROM ${qi(r)}`);
    await q(`DROP ROLE ${qi(r)}`);
    expect(await g.refresh()).to.equal(false);
  });

  it("drift on one table of an all-tables grant: refresh keeps the wanted list, up repairs every table, delete after a refresh revokes everywhere", async () => {
    const r = await role("partial");
    const s = await schema(["t0", "t1", "t2"]);
    const args = { role: r, objectType: "table", schema: s, privileges: ["SELECT", "INSERT"] };
    const g = new Lifecycle<GrantOutputs>(new GrantProvider());
    await g.up(args);
    expect(g.outs!.drifted).to.equal(undefined);
    expect(Object.keys(g.outs!)).not.to.include("drifted"); // no bytes added without drift
    await q(`REVOKE SELECT ON ${qi(s)}.t0 FROM ${qi(r)}`);
    await g.refresh();
    expect(g.outs!.privileges).to.deep.equal(["SELECT", "INSERT"]);
    expect(g.outs!.drifted).to.deep.equal({ privileges: ["INSERT"], withGrantOption: false });
    expect(await g.wouldChange(args)).to.equal(true);
    expect(await g.up(args)).to.equal("update");
    for (const t of ["t0", "t1", "t2"]) expect(await privs(r, s, t), t).to.deep.equal(["SELECT", "INSERT"]);
    await g.refresh();
    expect(g.outs!.drifted).to.equal(undefined);
    expect(await g.wouldChange(args)).to.equal(false);
    // drift again, refresh, then delete from that state: nothing is left on any table
    await q(`REVOKE SELECT, INSERT ON ${qi(s)}.t1 FROM ${qi(r)}`);
    await g.refresh();
    expect(g.outs!.drifted).to.deep.equal({ privileges: [], withGrantOption: false });
    await g.destroy();
    for (const t of ["t0", "t1", "t2"]) expect(await privs(r, s, t), t).to.deep.equal([]);
    await q(`DROP ROLE ${qi(r)}`); // nothing left that would block it (2BP01)
  });

  it("named objects: one loses its privilege by hand; refresh, then delete revokes on the others too", async () => {
    const r = await role("named");
    const s = await schema(["a", "b"]);
    const g = new Lifecycle<GrantOutputs>(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, objects: ["a", "b"], privileges: ["UPDATE"] });
    await q(`REVOKE UPDATE ON ${qi(s)}.a FROM ${qi(r)}`);
    await g.refresh();
    expect(g.outs!.drifted?.privileges).to.deep.equal([]);
    await g.destroy();
    expect(await tablePriv(r, s, "b", "UPDATE")).to.equal(false);
    await q(`DROP ROLE ${qi(r)}`);
  });

  it("state of an earlier release (privileges narrowed to [] by its refresh): delete revokes what was left; up repairs", async () => {
    const r = await role("legacy");
    const s = await schema(["t0", "t1"]);
    const args = { role: r, objectType: "table", schema: s, privileges: ["SELECT"] };
    const g = new Lifecycle<GrantOutputs>(new GrantProvider());
    await g.up(args);
    await q(`REVOKE SELECT ON ${qi(s)}.t0 FROM ${qi(r)}`);
    const legacy = { ...g.outs!, privileges: [] }; // what that release's read wrote
    g.outs = legacy;
    await g.refresh(); // this release's read of such a state: nothing to compare with, no drift
    expect(g.outs!.drifted).to.equal(undefined);
    expect(await g.wouldChange(args)).to.equal(true);
    expect(await g.up(args)).to.equal("update");
    for (const t of ["t0", "t1"]) expect(await tablePriv(r, s, t, "SELECT"), t).to.equal(true);
    await q(`REVOKE SELECT ON ${qi(s)}.t0 FROM ${qi(r)}`);
    g.outs = legacy;
    await g.destroy();
    for (const t of ["t0", "t1"]) expect(await tablePriv(r, s, t, "SELECT"), t).to.equal(false);
    await q(`DROP ROLE ${qi(r)}`);
  });

  it("delete of something already gone succeeds (table, schema, database dropped)", async () => {
    const r = await role("gone");
    const s = await schema(["t"]);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, objects: ["t"], privileges: ["SELECT"] });
    await q(`DROP TABLE ${qi(s)}.t`);
    await g.destroy();
    const g2 = new Lifecycle(new GrantProvider());
    await g2.up({ role: r, objectType: "schema", schema: s, privileges: ["USAGE"] });
    await q(`DROP SCHEMA ${qi(s)} CASCADE`);
    await g2.destroy();
  });

  it("hostile schema, table and role names", async () => {
    const r = await role("!grantee");
    const t = `T "x" 'y' \\ ü; DROP TABLE z;--`;
    const s = await schema([t], [], "!sch");
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: r, objectType: "table", schema: s, objects: [t], privileges: ["SELECT", "UPDATE"] });
    expect(await tablePriv(r, s, t, "SELECT")).to.equal(true);
    expect(await tablePriv(r, s, t, "UPDATE")).to.equal(true);
    await g.refresh();
    expect(
      await g.wouldChange({
        role: r,
        objectType: "table",
        schema: s,
        objects: [t],
        privileges: ["SELECT", "UPDATE"],
      }),
    ).to.equal(false);
    await g.destroy();
    expect(await tablePriv(r, s, t, "SELECT")).to.equal(false);
  });

  it("check rejects EXECUTE on a table, objects on a schema grant, an unknown object type: all at once, before any DDL", async () => {
    const res = await new GrantProvider().check(
      {},
      { role: "", objectType: "table", privileges: ["EXECUTE", "SELECT"], objects: [] },
    );
    expect(res.failures!.map((f) => f.property)).to.include.members(["role", "privileges", "objects"]);
    const res2 = await new GrantProvider().check(
      {},
      { role: "x", objectType: "schema", schema: "s", objects: ["a"], privileges: ["usage"] },
    );
    expect(res2.failures!.map((f) => f.property)).to.deep.equal(["objects"]);
    const res3 = await new GrantProvider().check(
      {},
      { role: "x", objectType: "view", privileges: ["SELECT"] },
    );
    expect(res3.failures!.map((f) => f.property)).to.deep.equal(["objectType"]);
  });

  it("an admin without the right gets an error, not a silent 'no privileges were granted'", async () => {
    const weak = await role("weak", true);
    const grantee = await role("grantee");
    const s = await schema(["t"]);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(weak)}`);
    const server = testServer();
    const connection = {
      host: server.host,
      port: server.port,
      user: weak,
      password: "pw",
      database: server.database,
    };
    const args = {
      role: grantee,
      objectType: "table",
      schema: s,
      objects: ["t"],
      privileges: ["SELECT"],
      connection,
    };
    // No privilege at all on the table: PostgreSQL refuses, and the error carries its words.
    const g = new Lifecycle(new GrantProvider());
    const refused = await g.up(args).catch((e: Error) => e);
    expect((refused as Error).message)
      .to.include("permission denied for table t")
      .and.include("SQLSTATE 42501");
    // Some privilege but no grant option: PostgreSQL only warns "no privileges were granted" and succeeds.
    await q(`GRANT SELECT ON ${qi(s)}.t TO ${qi(weak)}`);
    const err = await g.up(args).catch((e: Error) => e);
    expect((err as Error).message)
      .to.include("did not apply")
      .and.include(`grant SELECT on table t to ${grantee}`)
      .and.include("42501")
      .and.include("own the objects");
    expect(await tablePriv(grantee, s, "t", "SELECT")).to.equal(false);
    expect(g.id, "nothing recorded in the state").to.equal(undefined);
  });

  it("a refresh reads while our own transaction on the schema holds its lock; a change waits for it (lockTimeout)", async () => {
    const r = await role("locked");
    const s = await schema(["t"]);
    const connection = { ...adminConnection(), lockTimeout: "1s" };
    const g = new Lifecycle(new GrantProvider());
    const args = { role: r, objectType: "table", schema: s, privileges: ["SELECT"], connection };
    await g.up(args);
    // another apply of ours on the same schema, in progress: it holds the schema's advisory lock
    const holder = clientFor(testServer());
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `pulumi-postgres-roles/grant/relation/${s}`,
      ]);
      expect(await g.refresh(), "the read went through").to.equal(true);
      const err = await g.up({ ...args, privileges: ["SELECT", "INSERT"] }).then(
        () => undefined,
        (e: Error) => e.message,
      );
      expect(err, "the change queued behind the lock until lockTimeout").to.include("lockTimeout (1s");
      expect(await tablePriv(r, s, "t", "INSERT")).to.equal(false);
    } finally {
      await holder.end();
    }
    await g.up({ ...args, privileges: ["SELECT", "INSERT"] });
    expect(await tablePriv(r, s, "t", "INSERT")).to.equal(true);
    await g.destroy();
  });

  it("fifty grants on one table created concurrently all succeed", async () => {
    const s = await schema(["hot"]);
    const grantees = await Promise.all(Array.from({ length: 50 }, (_, i) => role(`c${i}`)));
    const grants = grantees.map(() => new Lifecycle(new GrantProvider()));
    await Promise.all(
      grants.map((g, i) =>
        g.up({
          role: grantees[i],
          objectType: "table",
          schema: s,
          objects: ["hot"],
          privileges: ["SELECT", "INSERT"],
        }),
      ),
    );
    for (const r of grantees) expect(await privs(r, s, "hot"), r).to.deep.equal(["SELECT", "INSERT"]);
    await Promise.all(grants.map((g) => g.destroy()));
    for (const r of grantees) expect(await privs(r, s, "hot"), r).to.deep.equal([]);
  });

  describe("the reference document's patterns, checked by logging in", () => {
    it("read-only user", async () => {
      const s = await schema(["users"]);
      await q(`INSERT INTO ${qi(s)}.users (v) VALUES ('a'), ('b')`);
      const readonly = unique("readonly");
      const reader = unique("reader");
      roles.push(readonly, reader);
      const steps = [
        [new RoleProvider(), { name: readonly, login: false }],
        [new GrantProvider(), { role: readonly, objectType: "schema", schema: s, privileges: ["USAGE"] }],
        [new GrantProvider(), { role: readonly, objectType: "table", schema: s, privileges: ["SELECT"] }],
        [new RoleProvider(), { name: reader, password: "secret", login: true, inRoles: [readonly] }],
      ] as const;
      const made: Lifecycle[] = [];
      for (const [p, args] of steps) {
        const l = new Lifecycle(p);
        await l.up({ ...args });
        made.push(l);
      }
      expect(await asRole(reader, "secret", `SELECT count(*)::int AS n FROM ${qi(s)}.users`)).to.deep.equal([
        { n: 2 },
      ]);
      const denied = await asRole(reader, "secret", `INSERT INTO ${qi(s)}.users (v) VALUES ('x')`).catch(
        (e: Error) => e,
      );
      expect((denied as Error).message).to.match(/permission denied/);
      for (const l of made.reverse()) await l.destroy();
    });

    it("application user, admin user, team hierarchy", async () => {
      const s = await schema(["orders", "code_reviews"], ["orders_seq"]);
      const [appuser, admin, engineering, senior, alice, bob] = [
        "appuser",
        "admin",
        "engineering",
        "senior_engineers",
        "alice",
        "bob",
      ].map(unique);
      roles.push(appuser, admin, engineering, senior, alice, bob);
      const R = (args: Record<string, unknown>) => ({ p: new RoleProvider(), args });
      const G = (args: Record<string, unknown>) => ({ p: new GrantProvider(), args });
      const steps = [
        R({ name: appuser, password: "secret", login: true }),
        G({ role: appuser, objectType: "schema", schema: s, privileges: ["USAGE"] }),
        G({
          role: appuser,
          objectType: "table",
          schema: s,
          privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
        }),
        G({ role: appuser, objectType: "sequence", schema: s, privileges: ["USAGE", "SELECT"] }),
        R({
          name: admin,
          password: "secret",
          login: true,
          superuser: false,
          createDatabase: true,
          createRole: true,
        }),
        G({ role: admin, objectType: "table", schema: s, privileges: ["ALL"] }),
        G({ role: admin, objectType: "schema", schema: s, privileges: ["ALL"] }),
        R({ name: engineering, login: false }),
        R({ name: senior, login: false, inRoles: [engineering] }),
        G({ role: engineering, objectType: "schema", schema: s, privileges: ["USAGE"] }),
        G({ role: engineering, objectType: "table", schema: s, privileges: ["SELECT"] }),
        G({
          role: engineering,
          objectType: "table",
          schema: s,
          objects: ["code_reviews"],
          privileges: ["INSERT", "UPDATE"],
        }),
        G({
          role: senior,
          objectType: "table",
          schema: s,
          objects: ["code_reviews"],
          privileges: ["DELETE"],
        }),
        R({ name: alice, password: "secret", login: true, inRoles: [engineering] }),
        R({ name: bob, password: "secret", login: true, inRoles: [senior] }),
      ];
      const made: Lifecycle[] = [];
      for (const { p, args } of steps) {
        const l = new Lifecycle(p);
        await l.up(args);
        made.push(l);
      }
      const t = (x: string) => `${qi(s)}.${x}`;
      expect(
        await asRole(appuser, "secret", `INSERT INTO ${t("orders")} (id, v) VALUES (1, 'o') RETURNING id`),
      ).to.have.length(1);
      expect(await asRole(appuser, "secret", `SELECT nextval('${t("orders_seq")}')::int AS n`)).to.deep.equal(
        [{ n: 1 }],
      );
      expect(
        await asRole(appuser, "secret", `TRUNCATE ${t("orders")}`).catch((e: Error) => e.message),
      ).to.match(/permission denied/);
      expect(await asRole(admin, "secret", `TRUNCATE ${t("orders")}`)).to.deep.equal([]);
      expect(await roleRow(admin)).to.include({ rolcreatedb: true, rolcreaterole: true, rolsuper: false });
      // alice (engineering): read all, write code_reviews, not delete; bob (senior, inherits engineering) may delete.
      await asRole(alice, "secret", `INSERT INTO ${t("code_reviews")} (id, v) VALUES (1, 'r1'), (2, 'r2')`);
      expect(await asRole(alice, "secret", `SELECT count(*)::int AS n FROM ${t("orders")}`)).to.deep.equal([
        { n: 0 },
      ]); // admin truncated it
      expect(
        await asRole(alice, "secret", `DELETE FROM ${t("code_reviews")}`).catch((e: Error) => e.message),
      ).to.match(/permission denied/);
      expect(
        await asRole(bob, "secret", `DELETE FROM ${t("code_reviews")} WHERE v = 'r1' RETURNING v`),
      ).to.deep.equal([{ v: "r1" }]);
      for (const l of made.reverse()) await l.destroy();
      for (const n of [appuser, admin, engineering, senior, alice, bob])
        expect(await roleRow(n), n).to.equal(undefined);
    });
  });

  it("RoleMembership and Grant together: a member inherits a group's grant", async () => {
    const group = await role("grp");
    const member = await role("mem", true);
    const s = await schema(["t"]);
    const m = new Lifecycle(new RoleMembershipProvider());
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: group, objectType: "table", schema: s, objects: ["t"], privileges: ["SELECT"] });
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(group)}`);
    await m.up({ role: group, member });
    expect(await asRole(member, "pw", `SELECT count(*)::int AS n FROM ${qi(s)}.t`)).to.deep.equal([{ n: 0 }]);
    await m.destroy();
    expect(await asRole(member, "pw", `SELECT 1 FROM ${qi(s)}.t`).catch((e: Error) => e.message)).to.match(
      /permission denied/,
    );
    await g.destroy();
  });
});

async function roleRow(name: string) {
  return (await q("SELECT rolcreatedb, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = $1", [name]))[0];
}
