import { expect } from "chai";
import { DefaultPrivilegesProvider } from "../../provider";
import { CheckFailed, Lifecycle } from "../support/engine";
import {
  asOwner,
  asRole,
  one,
  q,
  quoteIdent as qi,
  tablePriv,
  testServer,
  unique,
  loggedStatement,
} from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";

type Outs = { privileges: string[]; withGrantOption: boolean };

const TABLE_ALL_16 = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];

/** The grantee's privileges in one pg_default_acl row (sorted; [] without a row), and the row itself. */
async function entry(
  owner: string,
  schema: string | null,
  objtype: string,
  grantee: string,
  database?: string,
): Promise<{ exists: boolean; privileges: string[] }> {
  const rows = await q<{ privileges: string[] | null }>(
    `SELECT (SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type)
               FROM aclexplode(d.defaclacl) a
              WHERE a.grantee = CASE WHEN $4 = 'PUBLIC' THEN 0 ELSE (SELECT oid FROM pg_roles WHERE rolname = $4) END
            ) AS privileges
       FROM pg_default_acl d
      WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $1)
        AND d.defaclnamespace = CASE WHEN $2::text IS NULL THEN 0 ELSE (SELECT oid FROM pg_namespace WHERE nspname = $2::text) END
        AND d.defaclobjtype = $3::"char"`,
    [owner, schema, objtype, grantee],
    database,
  );
  return { exists: rows.length > 0, privileges: rows[0]?.privileges ?? [] };
}

/** Statements the embedded server logged since `mark` (a length of the log). */
function loggedSince(mark: number): string[] {
  return testServer()
    .log()
    .slice(mark)
    .split("\n")
    .map((l) => loggedStatement(l))
    .filter((x): x is string => x !== undefined && x.startsWith("ALTER DEFAULT PRIVILEGES"));
}

describe("DefaultPrivileges (real server)", () => {
  const fx = fixtures();
  const schemas = fx.schemas;
  let version = 0;
  before(async () => {
    version = await serverVersionNum();
  });
  const role = (prefix: string, login = false): Promise<string> => fx.role(prefix, { login, actFor: true });
  /** A schema owned by `owner`, where `users` may look (USAGE). */
  async function schema(owner: string, users: string[] = [], prefix = "s"): Promise<string> {
    const s = await fx.schema(prefix, { owner });
    for (const u of users) await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(u)}`);
    return s;
  }
  /** A group, and a login role in it (password "pw"). */
  async function groupWithMember(prefix: string): Promise<[string, string]> {
    const group = await role(prefix);
    const member = await role(`${prefix}_m`, true);
    await q(`GRANT ${qi(group)} TO ${qi(member)}`);
    return [group, member];
  }
  const allTable = () => (version >= 170000 ? [...TABLE_ALL_16, "MAINTAIN"] : TABLE_ALL_16);
  const fn = async (grantee: string, signature: string, priv = "EXECUTE") =>
    (
      await one<{ ok: boolean }>("SELECT has_function_privilege($1, $2, $3) AS ok", [
        grantee,
        signature,
        priv,
      ])
    ).ok;
  /** Whether the routine's own ACL names the grantee (not through PUBLIC). */
  const inProacl = async (grantee: string, signature: string) =>
    (
      await one<{ ok: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
                         WHERE p.oid = $2::regprocedure AND a.grantee = $1::regrole AND a.privilege_type = 'EXECUTE') AS ok`,
        [grantee, signature],
      )
    ).ok;

  it("tables created afterwards by the owner carry SELECT (checked by logging in); earlier ones do not; second apply is a no-op", async () => {
    const owner = await role("owner");
    const [readonly, reader] = await groupWithMember("ro");
    const s = await schema(owner, [readonly]);
    await asOwner(owner, `CREATE TABLE ${qi(s)}.before (id int)`);
    const args = { role: readonly, owner, objectType: "table", privileges: ["select"] };
    const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    expect(await dp.up(args)).to.equal("create");
    expect(await entry(owner, null, "r", readonly)).to.deep.equal({ exists: true, privileges: ["SELECT"] });

    await asOwner(owner, `CREATE TABLE ${qi(s)}.after (id int); INSERT INTO ${qi(s)}.after VALUES (1), (2)`);
    expect(await tablePriv(readonly, s, "after", "SELECT")).to.equal(true);
    expect(await tablePriv(readonly, s, "after", "INSERT")).to.equal(false);
    expect(await tablePriv(readonly, s, "before", "SELECT")).to.equal(false);
    expect(await asRole(reader, "pw", `SELECT count(*)::int AS n FROM ${qi(s)}.after`)).to.deep.equal([
      { n: 2 },
    ]);
    expect(
      await asRole(reader, "pw", `INSERT INTO ${qi(s)}.after VALUES (3)`).catch((e: Error) => e.message),
    ).to.match(/permission denied/);
    expect(
      await asRole(reader, "pw", `SELECT 1 FROM ${qi(s)}.before`).catch((e: Error) => e.message),
    ).to.match(/permission denied/);

    expect(await dp.refresh()).to.equal(true);
    expect(dp.outs!.privileges).to.deep.equal(["SELECT"]);
    expect(await dp.wouldChange(args)).to.equal(false);
    const mark = testServer().log().length;
    expect(await dp.up(args)).to.equal("same");
    if (testServer().embedded) expect(loggedSince(mark)).to.deep.equal([]);

    await dp.destroy();
    expect(await entry(owner, null, "r", readonly)).to.deep.equal({ exists: false, privileges: [] });
    await asOwner(owner, `CREATE TABLE ${qi(s)}.later (id int)`);
    expect(await tablePriv(readonly, s, "later", "SELECT")).to.equal(false);
    expect(await tablePriv(readonly, s, "after", "SELECT")).to.equal(true); // existing objects keep theirs
  });

  it("sequences, functions and procedures (routine) created afterwards carry their privileges", async () => {
    const owner = await role("owner");
    const [app, appLogin] = await groupWithMember("app");
    const s = await schema(owner, [app]);
    const seq = new Lifecycle(new DefaultPrivilegesProvider());
    await seq.up({ role: app, owner, objectType: "sequence", privileges: ["USAGE", "SELECT"] });
    const fns = new Lifecycle(new DefaultPrivilegesProvider());
    await fns.up({ role: app, owner, objectType: "function", schema: s, privileges: ["EXECUTE"] });
    const other = await role("other");
    const procs = new Lifecycle(new DefaultPrivilegesProvider());
    await procs.up({ role: other, owner, objectType: "ROUTINE", privileges: ["ALL"] });

    await asOwner(
      owner,
      `CREATE SEQUENCE ${qi(s)}.counter;
       CREATE FUNCTION ${qi(s)}.add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
       CREATE PROCEDURE ${qi(s)}.noop() LANGUAGE sql AS 'SELECT 1'`,
    );
    const seqPriv = async (p: string) =>
      (
        await one<{ ok: boolean }>("SELECT has_sequence_privilege($1, $2, $3) AS ok", [
          app,
          `${qi(s)}.counter`,
          p,
        ])
      ).ok;
    expect([await seqPriv("USAGE"), await seqPriv("SELECT"), await seqPriv("UPDATE")]).to.deep.equal([
      true,
      true,
      false,
    ]);
    expect(await asRole(appLogin, "pw", `SELECT nextval('${qi(s)}.counter')::int AS n`)).to.deep.equal([
      { n: 1 },
    ]);
    expect(await fn(app, `${qi(s)}.add(int, int)`)).to.equal(true);
    expect(await inProacl(app, `${qi(s)}.add(int, int)`)).to.equal(true);
    expect(await asRole(appLogin, "pw", `SELECT ${qi(s)}.add(1, 2) AS n`)).to.deep.equal([{ n: 3 }]);
    // "routine" is the same entry as "function" and covers procedures.
    expect(await inProacl(other, `${qi(s)}.noop()`)).to.equal(true);
    expect(await inProacl(other, `${qi(s)}.add(int, int)`)).to.equal(true);
    expect(await inProacl(app, `${qi(s)}.noop()`)).to.equal(true);

    for (const l of [seq, fns, procs]) expect(await l.refresh()).to.equal(true);
    expect(
      await fns.wouldChange({ role: app, owner, objectType: "function", schema: s, privileges: ["EXECUTE"] }),
    ).to.equal(false);
    expect(
      await seq.wouldChange({ role: app, owner, objectType: "sequence", privileges: ["USAGE", "SELECT"] }),
    ).to.equal(false);
    expect(
      await procs.wouldChange({ role: other, owner, objectType: "routine", privileges: ["ALL"] }),
    ).to.equal(false);
    for (const l of [seq, fns, procs]) await l.destroy();
    expect(await entry(owner, null, "S", app)).to.deep.equal({ exists: false, privileges: [] });
    expect(await entry(owner, s, "f", app)).to.deep.equal({ exists: false, privileges: [] });
    expect(await entry(owner, null, "f", other)).to.deep.equal({ exists: false, privileges: [] });
  });

  it("update is a delta: GRANT the new, REVOKE the dropped, never the kept", async () => {
    const owner = await role("owner");
    const g = await role("writer");
    const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    const args = (privileges: string[]) => ({ role: g, owner, objectType: "table", privileges });
    await dp.up(args(["SELECT"]));
    let mark = testServer().log().length;
    expect(await dp.up(args(["SELECT", "INSERT", "UPDATE"]))).to.equal("update");
    expect((await entry(owner, null, "r", g)).privileges).to.deep.equal(["INSERT", "SELECT", "UPDATE"]);
    if (testServer().embedded) {
      expect(loggedSince(mark)).to.deep.equal([
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT INSERT, UPDATE ON TABLES TO ${g}`,
      ]);
    }
    mark = testServer().log().length;
    expect(await dp.up(args(["select", "DELETE"]))).to.equal("update");
    expect((await entry(owner, null, "r", g)).privileges).to.deep.equal(["DELETE", "SELECT"]);
    if (testServer().embedded) {
      expect(loggedSince(mark)).to.deep.equal([
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT DELETE ON TABLES TO ${g}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} REVOKE INSERT, UPDATE ON TABLES FROM ${g}`,
      ]);
    }
    // A privilege granted by someone else is not this resource's to revoke.
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} GRANT TRUNCATE ON TABLES TO ${qi(g)}`);
    expect(await dp.up(args(["SELECT"]))).to.equal("update");
    expect((await entry(owner, null, "r", g)).privileges).to.deep.equal(["SELECT", "TRUNCATE"]);
    await dp.destroy();
    expect((await entry(owner, null, "r", g)).privileges).to.deep.equal(["TRUNCATE"]);
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} REVOKE TRUNCATE ON TABLES FROM ${qi(g)}`);
  });

  it("drift: a default privilege revoked by hand shows on refresh and up restores it", async () => {
    const owner = await role("owner");
    const g = await role("drift");
    const s = await schema(owner, [g]);
    const args = { role: g, owner, schema: s, objectType: "table", privileges: ["SELECT", "INSERT"] };
    const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    await dp.up(args);
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} IN SCHEMA ${qi(s)} REVOKE INSERT ON TABLES FROM ${qi(g)}`,
    );
    await dp.refresh();
    expect(dp.outs!.privileges).to.deep.equal(["SELECT"]);
    expect(await dp.wouldChange(args)).to.equal(true);
    expect(await dp.up(args)).to.equal("update");
    await asOwner(owner, `CREATE TABLE ${qi(s)}.t (id int)`);
    expect(await tablePriv(g, s, "t", "INSERT")).to.equal(true);
    await dp.refresh();
    expect(await dp.wouldChange(args)).to.equal(false);

    // Every privilege revoked by hand: the entry's row is gone, and read says so (not "gone").
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} IN SCHEMA ${qi(s)} REVOKE ALL ON TABLES FROM ${qi(g)}`,
    );
    expect((await entry(owner, s, "r", g)).exists).to.equal(false);
    expect(await dp.refresh()).to.equal(true);
    expect(dp.outs!.privileges).to.deep.equal([]);
    expect(await dp.up(args)).to.equal("update");
    expect((await entry(owner, s, "r", g)).privileges).to.deep.equal(["INSERT", "SELECT"]);
    await dp.destroy();
    expect((await entry(owner, s, "r", g)).exists).to.equal(false);
  });

  it("global vs IN SCHEMA: a per-schema entry adds to the global one, in its schema only", async () => {
    const owner = await role("owner");
    const g = await role("mixed");
    const s1 = await schema(owner, [g]);
    const s2 = await schema(owner, [g]);
    const global = new Lifecycle(new DefaultPrivilegesProvider());
    await global.up({ role: g, owner, objectType: "table", privileges: ["INSERT"] });
    const inS1 = new Lifecycle(new DefaultPrivilegesProvider());
    await inS1.up({ role: g, owner, schema: s1, objectType: "table", privileges: ["SELECT"] });
    expect(await entry(owner, null, "r", g)).to.deep.equal({ exists: true, privileges: ["INSERT"] });
    expect(await entry(owner, s1, "r", g)).to.deep.equal({ exists: true, privileges: ["SELECT"] });
    expect((await entry(owner, s2, "r", g)).exists).to.equal(false);

    await asOwner(owner, `CREATE TABLE ${qi(s1)}.t (id int); CREATE TABLE ${qi(s2)}.t (id int)`);
    expect([await tablePriv(g, s1, "t", "SELECT"), await tablePriv(g, s1, "t", "INSERT")]).to.deep.equal([
      true,
      true,
    ]);
    expect([await tablePriv(g, s2, "t", "SELECT"), await tablePriv(g, s2, "t", "INSERT")]).to.deep.equal([
      false,
      true,
    ]);
    // Declaring in the schema what the global entry already gives still writes the schema entry.
    const overlap = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    await overlap.up({ role: g, owner, schema: s2, objectType: "table", privileges: ["INSERT"] });
    expect(await entry(owner, s2, "r", g)).to.deep.equal({ exists: true, privileges: ["INSERT"] });
    await overlap.refresh();
    expect(overlap.outs!.privileges).to.deep.equal(["INSERT"]);

    await inS1.destroy();
    await asOwner(owner, `CREATE TABLE ${qi(s1)}.u (id int)`);
    expect([await tablePriv(g, s1, "u", "SELECT"), await tablePriv(g, s1, "u", "INSERT")]).to.deep.equal([
      false,
      true,
    ]);
    // Removing the global entry leaves the per-schema one (and its INSERT) in place.
    await global.destroy();
    await asOwner(owner, `CREATE TABLE ${qi(s2)}.u (id int); CREATE TABLE ${qi(s1)}.v (id int)`);
    expect(await tablePriv(g, s2, "u", "INSERT")).to.equal(true);
    expect(await tablePriv(g, s1, "v", "INSERT")).to.equal(false);
    await overlap.destroy();
  });

  it("PUBLIC's EXECUTE on functions revoked globally: later functions are not executable by PUBLIC; delete restores the default", async () => {
    const owner = await role("owner");
    const [callers, caller] = await groupWithMember("callers");
    const outsider = await role("outsider", true);
    const s = await schema(owner, [callers, outsider]);
    await asOwner(owner, `CREATE FUNCTION ${qi(s)}.early() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    const hardenArgs = { role: "public", owner, objectType: "function", privileges: [] };
    const harden = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    const mark = testServer().log().length;
    expect(await harden.up(hardenArgs)).to.equal("create");
    if (testServer().embedded) {
      expect(loggedSince(mark)).to.deep.equal([
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`,
      ]);
    }
    const allow = new Lifecycle(new DefaultPrivilegesProvider());
    await allow.up({ role: callers, owner, objectType: "function", privileges: ["EXECUTE"] });

    await asOwner(owner, `CREATE FUNCTION ${qi(s)}.secret() RETURNS int LANGUAGE sql AS 'SELECT 42'`);
    expect(await fn("public", `${qi(s)}.secret()`)).to.equal(false);
    expect(await fn(outsider, `${qi(s)}.secret()`)).to.equal(false);
    expect(await asRole(outsider, "pw", `SELECT ${qi(s)}.secret()`).catch((e: Error) => e.message)).to.match(
      /permission denied for function secret/,
    );
    expect(await asRole(caller, "pw", `SELECT ${qi(s)}.secret() AS n`)).to.deep.equal([{ n: 42 }]);
    expect(await fn("public", `${qi(s)}.early()`)).to.equal(true); // existing functions keep theirs

    // Read reports [] (no perpetual diff); a hand-made GRANT back to PUBLIC is drift.
    await harden.refresh();
    expect(harden.outs!.privileges).to.deep.equal([]);
    expect(await harden.up(hardenArgs)).to.equal("same");
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} GRANT EXECUTE ON FUNCTIONS TO PUBLIC`);
    await harden.refresh();
    expect(harden.outs!.privileges).to.deep.equal(["ALL"]); // EXECUTE is all a function has
    expect(await harden.up(hardenArgs)).to.equal("update");
    expect(await entry(owner, null, "f", "PUBLIC")).to.deep.equal({ exists: true, privileges: [] });

    // The same in one schema cannot be expressed: check explains instead of running a no-op.
    const inSchema = await new Lifecycle(new DefaultPrivilegesProvider())
      .up({ ...hardenArgs, schema: s })
      .catch((e: Error) => e);
    expect(inSchema).to.be.instanceOf(CheckFailed);
    expect((inSchema as CheckFailed).failures.map((f) => f.property)).to.deep.equal(["privileges"]);

    await allow.destroy();
    await harden.destroy();
    expect((await entry(owner, null, "f", "PUBLIC")).exists).to.equal(false); // back to the built-in default
    await asOwner(owner, `CREATE FUNCTION ${qi(s)}.open() RETURNS int LANGUAGE sql AS 'SELECT 7'`);
    expect(await asRole(outsider, "pw", `SELECT ${qi(s)}.open() AS n`)).to.deep.equal([{ n: 7 }]);
  });

  it("declaring a built-in default is a no-op, and deleting it keeps PostgreSQL's default; types", async () => {
    const owner = await role("owner");
    const g = await role("typeuser");
    const s = await schema(owner, [g]);
    const pub = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    const mark = testServer().log().length;
    await pub.up({ role: "PUBLIC", owner, objectType: "type", privileges: ["usage"] });
    if (testServer().embedded) expect(loggedSince(mark)).to.deep.equal([]);
    expect((await entry(owner, null, "T", "PUBLIC")).exists).to.equal(false);
    await pub.refresh();
    expect(pub.outs!.privileges).to.deep.equal(["USAGE"]);
    await pub.destroy();
    expect((await entry(owner, null, "T", "PUBLIC")).exists).to.equal(false);

    // Types only for g: PUBLIC's built-in USAGE revoked, g's granted.
    const noPublic = new Lifecycle(new DefaultPrivilegesProvider());
    await noPublic.up({ role: "PUBLIC", owner, objectType: "type", privileges: [] });
    const forG = new Lifecycle(new DefaultPrivilegesProvider());
    await forG.up({ role: g, owner, objectType: "TYPE", privileges: ["ALL"] });
    await asOwner(owner, `CREATE TYPE ${qi(s)}.mood AS ENUM ('ok', 'meh')`);
    const typePriv = async (r: string) =>
      (await one<{ ok: boolean }>("SELECT has_type_privilege($1, $2, 'USAGE') AS ok", [r, `${qi(s)}.mood`]))
        .ok;
    expect(await typePriv(g)).to.equal(true);
    expect(await typePriv("public")).to.equal(false);
    await forG.destroy();
    await noPublic.destroy();
    expect((await entry(owner, null, "T", "PUBLIC")).exists).to.equal(false);
  });

  it("schemas created afterwards by the owner", async () => {
    const owner = await role("owner");
    const g = await role("schemauser");
    await q(`GRANT CREATE ON DATABASE ${qi(testServer().database)} TO ${qi(owner)}`);
    const dp = new Lifecycle(new DefaultPrivilegesProvider());
    await dp.up({ role: g, owner, objectType: "schema", privileges: ["USAGE"] });
    const made = unique("made");
    schemas.push(made);
    await asOwner(owner, `CREATE SCHEMA ${qi(made)}`);
    const sp = async (p: string) =>
      (await one<{ ok: boolean }>("SELECT has_schema_privilege($1, $2, $3) AS ok", [g, made, p])).ok;
    expect([await sp("USAGE"), await sp("CREATE")]).to.deep.equal([true, false]);
    expect(await dp.wouldChange({ role: g, owner, objectType: "schema", privileges: ["USAGE"] })).to.equal(
      false,
    );
    await dp.destroy();
    expect((await entry(owner, null, "n", g)).exists).to.equal(false);
    await q(`REVOKE CREATE ON DATABASE ${qi(testServer().database)} FROM ${qi(owner)}`);
  });

  it("ALL on tables (MAINTAIN on 17+) reads back as ALL; withGrantOption on and off in place", async () => {
    const owner = await role("owner");
    const g = await role("lead");
    const s = await schema(owner, [g]);
    const args = { role: g, owner, schema: s, objectType: "table", privileges: ["all"] };
    const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    await dp.up(args);
    expect((await entry(owner, s, "r", g)).privileges).to.deep.equal([...allTable()].sort());
    await dp.refresh();
    expect(dp.outs!.privileges).to.deep.equal(["ALL"]);
    expect(await dp.wouldChange(args)).to.equal(false);
    await asOwner(owner, `CREATE TABLE ${qi(s)}.a (id int)`);
    for (const p of allTable()) expect(await tablePriv(g, s, "a", p), p).to.equal(true);

    expect(await dp.up({ ...args, privileges: ["SELECT"], withGrantOption: true })).to.equal("update");
    await asOwner(owner, `CREATE TABLE ${qi(s)}.b (id int)`);
    expect(await tablePriv(g, s, "b", "SELECT WITH GRANT OPTION")).to.equal(true);
    expect(await tablePriv(g, s, "b", "INSERT")).to.equal(false);
    await dp.refresh();
    expect(dp.outs!.withGrantOption).to.equal(true);

    expect(await dp.up({ ...args, privileges: ["SELECT"], withGrantOption: false })).to.equal("update");
    await asOwner(owner, `CREATE TABLE ${qi(s)}.c (id int)`);
    expect(await tablePriv(g, s, "c", "SELECT")).to.equal(true);
    expect(await tablePriv(g, s, "c", "SELECT WITH GRANT OPTION")).to.equal(false);
    await dp.destroy();
  });

  it("function -> routine names the same entry: replaced old-first, EXECUTE still there after", async () => {
    const owner = await role("owner");
    const g = await role("exec");
    const dp = new Lifecycle(new DefaultPrivilegesProvider());
    await dp.up({ role: g, owner, objectType: "function", privileges: ["EXECUTE"] });
    expect(await dp.up({ role: g, owner, objectType: "routine", privileges: ["EXECUTE"] })).to.equal(
      "replace",
    );
    expect(dp.lastDiff!.deleteBeforeReplace).to.equal(true);
    expect((await entry(owner, null, "f", g)).privileges).to.deep.equal(["EXECUTE"]);
    await dp.destroy();
    expect((await entry(owner, null, "f", g)).exists).to.equal(false);
  });

  it("the owner as its own grantee: the global entry narrows its built-in default; delete restores it", async () => {
    const owner = await role("owner");
    const s = await schema(owner);
    const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
    await dp.up({
      role: owner,
      owner,
      objectType: "table",
      privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    });
    await asOwner(owner, `CREATE TABLE ${qi(s)}.t (id int)`);
    expect(await tablePriv(owner, s, "t", "INSERT")).to.equal(true);
    expect(await tablePriv(owner, s, "t", "TRUNCATE")).to.equal(false);
    await dp.refresh();
    expect(dp.outs!.privileges).to.deep.equal(["SELECT", "INSERT", "UPDATE", "DELETE"]);
    await dp.destroy();
    expect((await entry(owner, null, "r", owner)).exists).to.equal(false);
  });

  it("in another database: connects to it; a dropped database reads as gone and deletes as success", async () => {
    const owner = await role("owner");
    const g = await role("elsewhere");
    const db = unique("db");
    await q(`CREATE DATABASE ${qi(db)}`);
    try {
      await q(`GRANT CREATE ON SCHEMA public TO ${qi(owner)}`, [], db);
      const dp = new Lifecycle<Outs>(new DefaultPrivilegesProvider());
      await dp.up({ role: g, owner, objectType: "table", database: db, privileges: ["SELECT"] });
      expect(await entry(owner, null, "r", g, db)).to.deep.equal({ exists: true, privileges: ["SELECT"] });
      expect((await entry(owner, null, "r", g)).exists).to.equal(false); // not in the connection's database
      await asOwner(owner, "CREATE TABLE public.t (id int)", db);
      expect(
        (await one<{ ok: boolean }>("SELECT has_table_privilege($1, 'public.t', 'SELECT') AS ok", [g], db))
          .ok,
      ).to.equal(true);
      await dp.refresh();
      expect(dp.outs!.privileges).to.deep.equal(["SELECT"]);
      const { id, outs } = dp;
      await q(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
      expect(await dp.refresh()).to.equal(false);
      [dp.id, dp.outs] = [id, outs]; // still in the state: pulumi destroy without refresh
      await dp.destroy();
    } finally {
      await q(`DROP DATABASE IF EXISTS ${qi(db)} WITH (FORCE)`);
    }
  });

  it("gone counts as success: grantee, owner or schema dropped by hand", async () => {
    const owner = await role("owner");
    const g = await role("gone");
    const s = await schema(owner, [g]);
    const byGrantee = new Lifecycle(new DefaultPrivilegesProvider());
    await byGrantee.up({ role: g, owner, objectType: "table", privileges: ["SELECT"] });
    const bySchema = new Lifecycle(new DefaultPrivilegesProvider());
    await bySchema.up({ role: owner, owner, schema: s, objectType: "sequence", privileges: ["USAGE"] });

    await q(`DROP SCHEMA ${qi(s)} CASCADE`);
    expect(await bySchema.refresh()).to.equal(false);
    expect(
      await bySchema
        .up({ role: owner, owner, schema: s, objectType: "sequence", privileges: ["USAGE"] })
        .then(() => "created")
        .catch((e: Error) => e.message),
    ).to.match(/schema .* does not exist/);
    const stale = new Lifecycle(new DefaultPrivilegesProvider());
    stale.id = "x";
    stale.outs = {
      role: owner,
      owner,
      schema: s,
      objectType: "sequence",
      privileges: ["USAGE"],
      withGrantOption: false,
    };
    await stale.destroy();

    // A grantee named in a default ACL cannot be dropped until DROP OWNED BY (or REVOKE) removes it.
    const blocked = await q(`DROP ROLE ${qi(g)}`).catch(
      (e: Error & { detail?: string }) => `${e.message} ${e.detail}`,
    );
    expect(blocked).to.match(/default privileges on new relations/);
    await q(`DROP OWNED BY ${qi(g)}`);
    await q(`DROP ROLE ${qi(g)}`);
    expect(await byGrantee.refresh()).to.equal(false);
    const stale2 = new Lifecycle(new DefaultPrivilegesProvider());
    stale2.id = "y";
    stale2.outs = { role: g, owner, objectType: "table", privileges: ["SELECT"], withGrantOption: false };
    await stale2.destroy();

    const dp = new Lifecycle(new DefaultPrivilegesProvider());
    const g2 = await role("gone2");
    await dp.up({ role: g2, owner, objectType: "table", privileges: ["SELECT"] });
    await q(`DROP OWNED BY ${qi(owner)}`);
    await q(`DROP ROLE ${qi(owner)}`);
    expect(await dp.refresh()).to.equal(false);
  });

  it("create names a missing owner, grantee or schema", async () => {
    const owner = await role("owner");
    const missing = unique("nobody");
    const err = (args: Record<string, unknown>) =>
      new Lifecycle(new DefaultPrivilegesProvider())
        .up({ objectType: "table", privileges: ["SELECT"], ...args })
        .then(() => "no error")
        .catch((e: Error) => e.message);
    expect(await err({ role: owner, owner: missing })).to.include(
      `role "${missing}" (the owner) does not exist`,
    );
    expect(await err({ role: missing, owner })).to.include(`role "${missing}" does not exist`);
    expect(await err({ role: owner, owner, schema: missing })).to.include(
      `schema "${missing}" does not exist`,
    );
  });

  it("hostile owner, grantee, schema and table names", async () => {
    const owner = await role("!owner");
    const [g, member] = await groupWithMember("!grantee");
    const s = await schema(owner, [g], "!sch");
    const t = `T "x" 'y' \\ ü; DROP TABLE z;--`;
    const args = { role: g, owner, schema: s, objectType: "table", privileges: ["SELECT", "UPDATE"] };
    const dp = new Lifecycle(new DefaultPrivilegesProvider());
    await dp.up(args);
    const global = new Lifecycle(new DefaultPrivilegesProvider());
    await global.up({ role: g, owner, objectType: "sequence", privileges: ["USAGE"] });
    await asOwner(
      owner,
      `CREATE TABLE ${qi(s)}.${qi(t)} (id int); CREATE SEQUENCE ${qi(s)}.${qi(`${t}_seq`)}`,
    );
    expect(await tablePriv(g, s, t, "SELECT")).to.equal(true);
    expect(await tablePriv(g, s, t, "UPDATE")).to.equal(true);
    expect(
      (
        await one<{ ok: boolean }>("SELECT has_sequence_privilege($1, $2, 'USAGE') AS ok", [
          g,
          `${qi(s)}.${qi(`${t}_seq`)}`,
        ])
      ).ok,
    ).to.equal(true);
    expect(await asRole(member, "pw", `SELECT count(*)::int AS n FROM ${qi(s)}.${qi(t)}`)).to.deep.equal([
      { n: 0 },
    ]);
    await dp.refresh();
    await global.refresh();
    expect(await dp.wouldChange(args)).to.equal(false);
    await dp.destroy();
    await global.destroy();
    expect((await entry(owner, s, "r", g)).exists).to.equal(false);
    expect((await entry(owner, null, "S", g)).exists).to.equal(false);
  });

  it("twenty grantees on one owner's entry, applied concurrently, all succeed", async () => {
    const owner = await role("owner");
    const grantees = await Promise.all(Array.from({ length: 20 }, (_, i) => role(`c${i}`)));
    const all = grantees.map(() => new Lifecycle(new DefaultPrivilegesProvider()));
    await Promise.all(
      all.map((l, i) =>
        l.up({ role: grantees[i], owner, objectType: "table", privileges: ["SELECT", "INSERT"] }),
      ),
    );
    for (const g of grantees)
      expect((await entry(owner, null, "r", g)).privileges, g).to.deep.equal(["INSERT", "SELECT"]);
    await Promise.all(all.map((l) => l.destroy()));
    expect((await entry(owner, null, "r", grantees[0]!)).exists).to.equal(false);
  });
});
