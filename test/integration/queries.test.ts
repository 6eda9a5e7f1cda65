/**
 * The query functions against the real server, checked against the catalog's own answers
 * (has_*_privilege) and by logging in as the roles: every object type, NOINHERIT, PostgreSQL 16's
 * WITH INHERIT FALSE membership, PUBLIC, pg_read_all_data; a fixed number of queries whatever the
 * number of tables; connections closed. Runs as a superuser admin and as a managed-service admin
 * (superuser-only fixtures are made with qSuper).
 */
import { expect } from "chai";
import {
  QueryError,
  effectivePrivileges,
  listRoleGrants,
  listRoleMembers,
  listRoles,
  roleExists,
  whoCan,
} from "../../provider";
import {
  adminConnection,
  asRole,
  hostile,
  one,
  q,
  qSuper,
  quoteIdent as qi,
  testServer,
  unique,
  serverVersionNum,
} from "../support/db";
import { Fixtures } from "../support/fixtures";
import { effectiveShape } from "../support/effective";
import { readAccessModel } from "../../provider/queries/model";
import { effectiveFromModel } from "../../provider/queries/effective";

const TABLE_PRIVS = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];

describe("query functions (real server)", function () {
  this.timeout(120_000);
  let version = 0;
  const f = new Fixtures(); // cleaned up last, in the after hook below
  let s = "";
  const p = unique("q");
  const grp = `${p}_grp`;
  const sub = `${p}_sub`;
  const alice = `${p}_alice`; // member of sub, member of grp: inherits
  const bob = `${p}_bob`; // NOINHERIT member of grp
  const carol = `${p}_carol`; // 16+: member of grp WITH INHERIT FALSE
  const dave = `${p}_dave`; // no membership: PUBLIC only
  const reader = `${p}_reader`; // member of pg_read_all_data
  const odd = hostile("qodd"); // a hostile name, member of grp
  const oddTable = `${unique("T")} "x".y`;
  const fdw = unique("qfdw");
  const srv = unique("qsrv");
  const db = () => testServer().database;
  const param = "log_min_duration_statement";

  before(async () => {
    version = await serverVersionNum();
    await f.createRole(grp);
    await f.createRole(sub, { inRoles: [grp] });
    await f.createRole(alice, { login: true, inRoles: [sub] });
    await f.createRole(bob, { login: true, inherit: false, inRoles: [grp] });
    await f.createRole(carol, { login: true });
    if (version >= 160000) await q(`GRANT ${qi(grp)} TO ${qi(carol)} WITH INHERIT FALSE`);
    await f.createRole(dave, { login: true });
    await f.createRole(reader, { login: true, validUntil: "2040-05-06 07:08:09+00" });
    await f.createRole(odd, { login: true, connectionLimit: 3, inRoles: [grp] });
    if (version >= 140000) await qSuper(`GRANT pg_read_all_data TO ${qi(reader)}`); // 14+

    s = await f.schema("qs");
    const t = (n: string) => `${qi(s)}.${qi(n)}`;
    await q(`CREATE TABLE ${t("orders")} (id serial PRIMARY KEY, amount numeric, note text)`);
    await q(`CREATE TABLE ${t(oddTable)} (id int)`);
    await q(`CREATE VIEW ${t("v")} AS SELECT id FROM ${t("orders")}`);
    await q(`CREATE MATERIALIZED VIEW ${t("mv")} AS SELECT 1 AS x`);
    await q(`CREATE TABLE ${t("parts")} (id int) PARTITION BY RANGE (id)`);
    await q(`CREATE TABLE ${t("parts_1")} PARTITION OF ${t("parts")} FOR VALUES FROM (0) TO (10)`);
    await q(`CREATE TABLE ${t("pub")} (id int)`);
    await q(`CREATE SEQUENCE ${t("seq")}`);
    await q(`CREATE FUNCTION ${t("fn")}(a integer, b text) RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE FUNCTION ${t("fn")}(a text) RETURNS int LANGUAGE sql AS 'SELECT 1'`); // an overload
    await q(`CREATE FUNCTION ${t("fpub")}() RETURNS int LANGUAGE sql AS 'SELECT 2'`);
    await q(`CREATE PROCEDURE ${t("pr")}(integer) LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE TYPE ${t("pair")} AS (a int, b int)`);
    await q(`CREATE DOMAIN ${t("posint")} AS integer CHECK (VALUE > 0)`);
    await qSuper(`CREATE FOREIGN DATA WRAPPER ${qi(fdw)}`);
    await qSuper(`CREATE SERVER ${qi(srv)} FOREIGN DATA WRAPPER ${qi(fdw)}`);
    await qSuper(`CREATE FOREIGN TABLE ${t("ft")} (id int) SERVER ${qi(srv)}`);

    await q(`GRANT CREATE ON DATABASE ${qi(db())} TO ${qi(grp)}`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(grp)}, PUBLIC`);
    await q(`GRANT SELECT, INSERT ON ${t("orders")} TO ${qi(grp)} WITH GRANT OPTION`);
    await q(`GRANT DELETE ON ${t("orders")} TO ${qi(grp)}`);
    await q(`GRANT UPDATE (amount) ON ${t("orders")} TO ${qi(grp)}`);
    await q(`GRANT SELECT ON ${t(oddTable)} TO ${qi(odd)}`);
    await q(`GRANT SELECT ON ${t("v")}, ${t("mv")} TO ${qi(grp)}`);
    await q(`GRANT INSERT ON ${t("parts")} TO ${qi(grp)}`);
    await q(`GRANT SELECT ON ${t("pub")} TO PUBLIC`);
    await qSuper(`GRANT SELECT ON ${t("ft")} TO ${qi(grp)}`);
    await q(`GRANT USAGE ON SEQUENCE ${t("seq")} TO ${qi(grp)}`);
    await q(`REVOKE EXECUTE ON FUNCTION ${t("fn")}(integer, text) FROM PUBLIC`);
    await q(`GRANT EXECUTE ON FUNCTION ${t("fn")}(integer, text) TO ${qi(grp)}`);
    await q(`GRANT EXECUTE ON PROCEDURE ${t("pr")}(integer) TO ${qi(grp)}`);
    await q(`GRANT USAGE ON TYPE ${t("pair")} TO ${qi(grp)}`);
    await q(`GRANT USAGE ON DOMAIN ${t("posint")} TO ${qi(grp)}`);
    await qSuper(`GRANT USAGE ON LANGUAGE plpgsql TO ${qi(grp)}`);
    await qSuper(`GRANT USAGE ON FOREIGN DATA WRAPPER ${qi(fdw)} TO ${qi(grp)}`);
    await qSuper(`GRANT USAGE ON FOREIGN SERVER ${qi(srv)} TO ${qi(grp)}`);
    await qSuper(`GRANT CREATE ON TABLESPACE pg_default TO ${qi(grp)}`);
    if (version >= 150000) await qSuper(`GRANT SET ON PARAMETER ${param} TO ${qi(grp)}`);
    await q(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${qi(s)} GRANT SELECT ON TABLES TO ${qi(grp)}`);
  });

  after(async () => {
    await qSuper(`REVOKE USAGE ON LANGUAGE plpgsql FROM ${qi(grp)}`).catch(() => undefined);
    await qSuper(`REVOKE CREATE ON TABLESPACE pg_default FROM ${qi(grp)}`).catch(() => undefined);
    if (version >= 150000)
      await qSuper(`REVOKE SET ON PARAMETER ${param} FROM ${qi(grp)}`).catch(() => undefined);
    await qSuper(`DROP SERVER IF EXISTS ${qi(srv)} CASCADE`);
    await qSuper(`DROP FOREIGN DATA WRAPPER IF EXISTS ${qi(fdw)} CASCADE`);
    await q(`REVOKE CREATE ON DATABASE ${qi(db())} FROM ${qi(grp)}`).catch(() => undefined);
    await f.cleanup();
  });

  it("roleExists; listRoles with attributes and direct memberships, pg_* only when asked", async () => {
    expect(await roleExists(alice)).to.equal(true);
    expect(await roleExists(`${p}_nobody`)).to.equal(false);
    expect(await roleExists(odd)).to.equal(true);
    const all = await listRoles();
    const by = new Map(all.map((r) => [r.name, r]));
    expect(by.get(alice)).to.deep.equal({
      name: alice,
      superuser: false,
      createrole: false,
      createdb: false,
      login: true,
      replication: false,
      connection_limit: -1,
      valid_until: null,
      inherit: true,
      bypassrls: false,
      member_of: [sub],
    });
    expect(by.get(bob)).to.deep.include({ inherit: false, member_of: [grp] });
    expect(by.get(reader)).to.deep.include({
      valid_until: "2040-05-06T07:08:09Z",
      member_of: version >= 140000 ? ["pg_read_all_data"] : [],
    });
    expect(by.get(odd)).to.deep.include({ connection_limit: 3 });
    expect(by.get(grp)).to.deep.include({ login: false, member_of: [] });
    expect(all.some((r) => r.name.startsWith("pg_"))).to.equal(false);
    const withSystem = await listRoles({ includeSystem: true });
    expect(withSystem.map((r) => r.name)).to.include("pg_monitor");
    // Every attribute as pg_roles has it, for every role.
    const rows = await q<{ rolname: string; rolsuper: boolean; rolcanlogin: boolean; rolconnlimit: number }>(
      "SELECT rolname, rolsuper, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname !~ '^pg_'",
    );
    expect(all.map((r) => [r.name, r.superuser, r.login, r.connection_limit]).sort()).to.deep.equal(
      rows.map((r) => [r.rolname, r.rolsuper, r.rolcanlogin, r.rolconnlimit]).sort(),
    );
  });

  it("listRoleMembers: direct, and recursive with depth and path", async () => {
    // (A managed-service admin is a member of the roles it creates: createrole_self_grant.)
    const direct = (await listRoleMembers(grp)).filter((m) => m.member !== adminConnection().user);
    const expected = [bob, odd, sub, ...(version >= 160000 ? [carol] : [])];
    expect(direct.map((m) => m.member).sort()).to.deep.equal(expected.sort());
    const bobRow = direct.find((m) => m.member === bob)!;
    expect(bobRow).to.deep.include({ depth: 1, path: [grp, bob], admin_option: false, login: true });
    if (version >= 160000) {
      expect(bobRow.inherit_option).to.equal(false); // NOINHERIT makes the default FALSE on 16+
      expect(direct.find((m) => m.member === carol)).to.deep.include({
        inherit_option: false,
        set_option: true,
      });
      expect(direct.find((m) => m.member === sub)).to.deep.include({ inherit_option: true });
    } else {
      expect(bobRow.inherit_option).to.equal(null);
    }
    const all = await listRoleMembers(grp, { recursive: true });
    expect(all.find((m) => m.member === alice)).to.deep.include({ depth: 2, path: [grp, sub, alice] });
    const err = await listRoleMembers(`${p}_nobody`).catch((e: Error) => e);
    expect(err).to.be.instanceOf(QueryError);
    expect((err as Error).message).to.equal(`role "${p}_nobody" does not exist`);
  });

  it("listRoleGrants: every object type, grant options, grantor, column and default privileges", async () => {
    const g = await listRoleGrants(grp);
    const has = (
      object_type: string,
      object_name: string | null,
      privilege: string,
      extra: Record<string, unknown> = {},
    ) =>
      expect(
        g.filter(
          (x) =>
            x.object_type === object_type &&
            x.object_name === object_name &&
            x.privilege === privilege &&
            Object.entries(extra).every(([k, v]) => (x as unknown as Record<string, unknown>)[k] === v),
        ),
        `${object_type} ${object_name} ${privilege} ${JSON.stringify(extra)}`,
      ).to.have.length(1);
    has("database", db(), "CREATE", { schema: null, source: "object" });
    has("schema", s, "USAGE", { schema: s });
    has("table", "orders", "SELECT", { is_grantable: true, schema: s });
    has("table", "orders", "INSERT", { is_grantable: true });
    has("table", "orders", "DELETE", { is_grantable: false });
    has("column", "orders", "UPDATE", { column_name: "amount" });
    has("table", "v", "SELECT");
    has("table", "mv", "SELECT");
    has("table", "parts", "INSERT");
    has("table", "ft", "SELECT", { owner: testServer().user });
    has("sequence", "seq", "USAGE");
    has("function", "fn(integer, text)", "EXECUTE");
    has("procedure", "pr(integer)", "EXECUTE");
    has("type", "pair", "USAGE");
    has("domain", "posint", "USAGE");
    has("language", "plpgsql", "USAGE", { schema: null });
    has("foreign_data_wrapper", fdw, "USAGE");
    has("foreign_server", srv, "USAGE");
    has("tablespace", "pg_default", "CREATE");
    if (version >= 150000) has("parameter", param, "SET");
    const admin = adminConnection().user;
    has("table", null, "SELECT", { source: "default", schema: s, owner: admin, grantor: admin });
    for (const x of g) expect(x.grantee).to.equal(grp);
    // Schema filter: only objects of the schema (and its default privileges).
    const only = await listRoleGrants(grp, { schema: s });
    expect(new Set(only.map((x) => x.schema))).to.deep.equal(new Set([s]));
    expect(only.some((x) => x.object_type === "database")).to.equal(false);
    // PUBLIC: built-in defaults (CONNECT on the database) and explicit grants; not the revoked EXECUTE.
    const pub = await listRoleGrants("PUBLIC", { schema: s });
    expect(
      pub.filter((x) => x.object_type === "table").map((x) => [x.object_name, x.privilege]),
    ).to.deep.equal([["pub", "SELECT"]]);
    expect(pub.some((x) => x.object_name === "fn(integer, text)")).to.equal(false);
    expect(pub.some((x) => x.object_name === "fpub()" && x.privilege === "EXECUTE")).to.equal(true);
    // The owner's own privileges only with includeOwned.
    const own = await listRoleGrants(admin, { schema: s });
    expect(own.filter((x) => x.source === "object")).to.deep.equal([]);
    const owned = await listRoleGrants(admin, { schema: s, includeOwned: true });
    expect(owned.some((x) => x.object_name === "orders" && x.privilege === "TRUNCATE")).to.equal(true);
    // Grant options agree with the catalog.
    for (const x of g.filter((y) => y.object_type === "table" && y.source === "object")) {
      const r = await one<{ ok: boolean }>(
        "SELECT has_table_privilege($1, (quote_ident($2) || '.' || quote_ident($3))::regclass, $4) AS ok",
        [grp, s, x.object_name, `${x.privilege} WITH GRANT OPTION`],
      );
      expect(r.ok, `${x.object_name} ${x.privilege}`).to.equal(x.is_grantable);
    }
  });

  /** has_*_privilege for every (object, privilege) of the schema, as one query per kind. */
  async function catalogTruth(role: string): Promise<Set<string>> {
    const rows = await q<{ k: string }>(
      `SELECT 'table/' || c.relname || '/' || p AS k
         FROM pg_class c CROSS JOIN unnest($3::text[]) AS p
        WHERE c.relnamespace = $2::regnamespace AND c.relkind IN ('r','v','m','f','p')
          AND has_table_privilege($1, c.oid, p)
       UNION ALL
       SELECT 'sequence/' || c.relname || '/' || p FROM pg_class c CROSS JOIN unnest(ARRAY['USAGE','SELECT','UPDATE']) AS p
        WHERE c.relnamespace = $2::regnamespace AND c.relkind = 'S' AND has_sequence_privilege($1, c.oid, p)
       UNION ALL
       SELECT 'function/' || replace(f.oid::regprocedure::text, ',', ', ') || '/EXECUTE' FROM pg_proc f
        WHERE f.pronamespace = $2::regnamespace AND has_function_privilege($1, f.oid, 'EXECUTE')
       UNION ALL
       SELECT 'schema/' || p FROM unnest(ARRAY['USAGE','CREATE']) AS p WHERE has_schema_privilege($1, $2, p)
       UNION ALL
       SELECT 'database/' || p FROM unnest(ARRAY['CREATE','CONNECT','TEMPORARY']) AS p
        WHERE has_database_privilege($1, current_database(), p)`,
      [role, s, version >= 170000 ? [...TABLE_PRIVS, "MAINTAIN"] : TABLE_PRIVS],
    );
    return new Set(rows.map((r) => r.k));
  }

  async function reported(role: string): Promise<Set<string>> {
    const e = await effectivePrivileges(role);
    const out = new Set<string>();
    for (const x of e.privileges) {
      if (x.column_name !== null) continue;
      if (x.object_type === "database" && x.object_name === db()) out.add(`database/${x.privilege}`);
      if (x.schema !== s) continue;
      if (x.object_type === "schema") out.add(`schema/${x.privilege}`);
      else if (x.object_type === "table" || x.object_type === "sequence")
        out.add(`${x.object_type}/${x.object_name}/${x.privilege}`);
      else if (x.object_type === "function" || x.object_type === "procedure") {
        const sig = `${qi(s)}.${x.object_name}`.replace(/^"([a-z_][a-z0-9_]*)"\./, "$1.");
        out.add(`function/${sig}/EXECUTE`);
      }
    }
    return out;
  }

  it("effectivePrivileges agrees with has_*_privilege for every role, on every object of the schema", async () => {
    for (const role of [
      alice,
      bob,
      carol,
      dave,
      reader,
      odd,
      grp,
      sub,
      adminConnection().user,
      testServer().user,
    ]) {
      const truth = await catalogTruth(role);
      expect([...(await reported(role))].sort(), role).to.deep.equal([...truth].sort());
    }
  });

  it("effectivePrivileges explains: inherited path, NOINHERIT and INHERIT FALSE stop it, PUBLIC, predefined, superuser", async () => {
    const a = await effectivePrivileges(alice);
    expect(a.superuser).to.equal(false);
    expect(a.memberships).to.deep.include({ role: grp, inherited: true, path: [alice, sub, grp] });
    const sel = a.privileges.find(
      (x) => x.object_name === "orders" && x.privilege === "SELECT" && x.schema === s,
    )!;
    expect(sel).to.deep.include({
      reason: "grant",
      grantee: grp,
      via: [alice, sub, grp],
      is_grantable: true,
    });
    const col = a.privileges.find((x) => x.object_type === "column" && x.column_name === "amount")!;
    expect(col).to.deep.include({ privilege: "UPDATE", grantee: grp });

    const b = await effectivePrivileges(bob);
    expect(b.memberships).to.deep.include({ role: grp, inherited: false, path: [bob, grp] });
    expect(b.privileges.some((x) => x.object_name === "orders" && x.schema === s)).to.equal(false);
    const pub = b.privileges.find((x) => x.object_name === "pub" && x.schema === s)!;
    expect(pub).to.deep.include({ reason: "public", grantee: "PUBLIC", via: [bob, "PUBLIC"] });

    if (version >= 160000) {
      const c = await effectivePrivileges(carol);
      expect(c.memberships).to.deep.include({ role: grp, inherited: false, path: [carol, grp] });
      expect(c.privileges.some((x) => x.object_name === "orders" && x.schema === s)).to.equal(false);
    }
    if (version >= 140000) {
      const r = await effectivePrivileges(reader);
      const rd = r.privileges.find(
        (x) => x.object_name === "orders" && x.privilege === "SELECT" && x.schema === s,
      )!;
      expect(rd).to.deep.include({
        reason: "predefined",
        grantee: "pg_read_all_data",
        via: [reader, "pg_read_all_data"],
      });
    }

    const su = await effectivePrivileges(testServer().user, { schema: s });
    expect(su.superuser).to.equal(true);
    expect(
      su.privileges.find((x) => x.object_name === "orders" && x.privilege === "TRUNCATE"),
    ).to.deep.include({
      reason: "superuser",
      grantee: null,
    });
    // Scope: one schema.
    expect(
      new Set((await effectivePrivileges(alice, { schema: s })).privileges.map((x) => x.schema)),
    ).to.deep.equal(new Set([s]));
  });

  it("…and logging in as the roles shows the same", async () => {
    const sql = `SELECT count(*) FROM ${qi(s)}.orders`;
    await asRole(alice, "pw", sql); // through sub and grp
    if (version >= 140000) await asRole(reader, "pw", sql); // pg_read_all_data
    expect(await asRole(bob, "pw", sql).catch((e: Error) => e.message)).to.match(/permission denied/);
    expect(await asRole(dave, "pw", sql).catch((e: Error) => e.message)).to.match(/permission denied/);
    await asRole(dave, "pw", `SELECT count(*) FROM ${qi(s)}.pub`); // PUBLIC
    await asRole(dave, "pw", `SELECT ${qi(s)}.fpub()`); // PUBLIC's built-in EXECUTE
    expect(await asRole(dave, "pw", `SELECT ${qi(s)}.fn(1, 'x')`).catch((e: Error) => e.message)).to.match(
      /permission denied/,
    );
    await asRole(alice, "pw", `SELECT ${qi(s)}.fn(1, 'x')`);
    // bob can use grp's privileges only after SET ROLE (NOINHERIT).
    await asRole(bob, "pw", `SET ROLE ${qi(grp)}; ${sql}`);
    if (version >= 160000) {
      expect(await asRole(carol, "pw", sql).catch((e: Error) => e.message)).to.match(/permission denied/);
      await asRole(carol, "pw", `SET ROLE ${qi(grp)}; ${sql}`);
    }
    await asRole(odd, "pw", `SELECT count(*) FROM ${qi(s)}.${qi(oddTable)}`);
  });

  /** Every login role for which has_*_privilege says yes. */
  async function loginRolesThatCan(check: string, params: unknown[]): Promise<string[]> {
    return (
      await q<{ rolname: string }>(
        `SELECT rolname FROM pg_roles WHERE rolcanlogin AND ${check} ORDER BY rolname COLLATE "C"`,
        params,
      )
    ).map((r) => r.rolname);
  }

  const sorted = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  it("whoCan: every login role that can, with the path; the same answer as has_*_privilege", async () => {
    const table = `${qi(s)}.orders`;
    const who = await whoCan("SELECT", { table: `${s}.orders` });
    expect(sorted(who.map((w) => w.role))).to.deep.equal(
      await loginRolesThatCan("has_table_privilege(oid, $1::regclass, 'SELECT')", [table]),
    );
    const by = new Map(who.map((w) => [w.role, w]));
    expect(by.get(alice)).to.deep.include({
      reason: "grant",
      grantee: grp,
      via: [alice, sub, grp],
      is_grantable: true,
    });
    expect(by.get(odd)).to.deep.include({ via: [odd, grp] });
    if (version >= 140000)
      expect(by.get(reader)).to.deep.include({ reason: "predefined", grantee: "pg_read_all_data" });
    expect(by.get(testServer().user)).to.deep.include({ reason: "superuser", superuser: true });
    for (const r of [bob, carol, dave]) expect(by.has(r), r).to.equal(false);
    // Non-login roles on request.
    const all = await whoCan("SELECT", { table: `${s}.orders` }, { includeNoLogin: true });
    expect(all.map((w) => w.role)).to.include.members([grp, sub]);

    const cases: Array<[string, Parameters<typeof whoCan>[1], string, unknown[]]> = [
      [
        "UPDATE",
        { table: `${s}.orders`, column: "amount" },
        "has_column_privilege(oid, $1::regclass, 'amount', 'UPDATE')",
        [table],
      ],
      [
        "UPDATE",
        { table: `${s}.orders`, column: "note" },
        "has_column_privilege(oid, $1::regclass, 'note', 'UPDATE')",
        [table],
      ],
      ["SELECT", { view: `${s}.v` }, "has_table_privilege(oid, $1::regclass, 'SELECT')", [`${qi(s)}.v`]],
      ["SELECT", { table: `${s}.ft` }, "has_table_privilege(oid, $1::regclass, 'SELECT')", [`${qi(s)}.ft`]],
      ["SELECT", { table: `${s}.pub` }, "has_table_privilege(oid, $1::regclass, 'SELECT')", [`${qi(s)}.pub`]],
      [
        "INSERT",
        { table: { schema: s, name: "parts" } },
        "has_table_privilege(oid, $1::regclass, 'INSERT')",
        [`${qi(s)}.parts`],
      ],
      [
        "SELECT",
        { table: { schema: s, name: oddTable } },
        "has_table_privilege(oid, $1::regclass, 'SELECT')",
        [`${qi(s)}.${qi(oddTable)}`],
      ],
      [
        "USAGE",
        { sequence: `${s}.seq` },
        "has_sequence_privilege(oid, $1::regclass, 'USAGE')",
        [`${qi(s)}.seq`],
      ],
      [
        "EXECUTE",
        { function: `${s}.fn(int, text)` },
        "has_function_privilege(oid, $1::regprocedure, 'EXECUTE')",
        [`${qi(s)}.fn(int, text)`],
      ],
      [
        "EXECUTE",
        { function: `${s}.fpub` },
        "has_function_privilege(oid, $1::regprocedure, 'EXECUTE')",
        [`${qi(s)}.fpub()`],
      ],
      [
        "EXECUTE",
        { procedure: { schema: s, name: "pr", args: ["integer"] } },
        "has_function_privilege(oid, $1::regprocedure, 'EXECUTE')",
        [`${qi(s)}.pr(integer)`],
      ],
      ["USAGE", { schema: s }, "has_schema_privilege(oid, $1, 'USAGE')", [s]],
      ["CREATE", { schema: s }, "has_schema_privilege(oid, $1, 'CREATE')", [s]],
      ["CREATE", { database: db() }, "has_database_privilege(oid, $1, 'CREATE')", [db()]],
      ["CONNECT", { database: db() }, "has_database_privilege(oid, $1, 'CONNECT')", [db()]],
      ["USAGE", { type: `${s}.pair` }, "has_type_privilege(oid, $1::regtype, 'USAGE')", [`${qi(s)}.pair`]],
      [
        "USAGE",
        { domain: `${s}.posint` },
        "has_type_privilege(oid, $1::regtype, 'USAGE')",
        [`${qi(s)}.posint`],
      ],
      ["USAGE", { language: "plpgsql" }, "has_language_privilege(oid, $1, 'USAGE')", ["plpgsql"]],
      ["USAGE", { foreign_data_wrapper: fdw }, "has_foreign_data_wrapper_privilege(oid, $1, 'USAGE')", [fdw]],
      ["USAGE", { foreign_server: srv }, "has_server_privilege(oid, $1, 'USAGE')", [srv]],
      ["CREATE", { tablespace: "pg_default" }, "has_tablespace_privilege(oid, $1, 'CREATE')", ["pg_default"]],
    ];
    if (version >= 150000) {
      cases.push(["SET", { parameter: param }, "has_parameter_privilege(oid, $1, 'SET')", [param]]);
      cases.push([
        "ALTER SYSTEM",
        { parameter: "work_mem" },
        "has_parameter_privilege(oid, $1, 'ALTER SYSTEM')",
        ["work_mem"],
      ]);
    }
    for (const [priv, object, check, params] of cases) {
      const got = sorted((await whoCan(priv, object)).map((w) => w.role));
      expect(got, `${priv} ${JSON.stringify(object)}`).to.deep.equal(await loginRolesThatCan(check, params));
    }
  });

  it("whoCan: clear errors for objects that do not exist and privileges that do not apply", async () => {
    const msg = (p: Promise<unknown>) =>
      p.then(
        () => "no error",
        (e: Error) => e.message,
      );
    expect(await msg(whoCan("SELECT", { table: `${s}.nope` }))).to.equal(`table ${s}.nope does not exist`);
    expect(await msg(whoCan("EXECUTE", { table: `${s}.orders` }))).to.match(/not a privilege of a table/);
    expect(await msg(whoCan("SELECT", { table: `${s}.orders`, column: "nope" }))).to.match(/does not exist/);
    expect(await msg(whoCan("EXECUTE", { function: `${s}.fn` }))).to.match(
      /does not exist \(or is overloaded/,
    );
    expect(await msg(whoCan("USAGE", { schema: `${s}_nope` }))).to.match(/does not exist/);
  });

  it("explicit connection fields win over the environment; a bad one fails clearly", async () => {
    const c = adminConnection();
    expect(await roleExists(alice, { connection: c })).to.equal(true);
    const err = await roleExists(alice, { connection: { ...c, password: "wrong" } }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(QueryError);
    expect((err as QueryError).message).to.match(
      /could not log in to .* as ".*": password authentication failed/,
    );
    const refused = await listRoles({ connection: { port: 1 } }).catch((e: Error) => e);
    expect((refused as QueryError).message).to.equal(
      `could not connect to PostgreSQL at ${c.host}:1: connection refused`,
    );
  });

  it("closes its connections", async () => {
    const count = async () =>
      Number(
        (
          await one<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pulumi-postgres-roles' AND usename = current_user",
          )
        ).n,
      );
    const before = await count();
    for (let i = 0; i < 10; i++) {
      await roleExists(alice);
      await whoCan("SELECT", { table: `${s}.orders` });
      await listRoleGrants(grp, { schema: s });
    }
    await listRoles({ connection: { port: 1 } }).catch(() => undefined);
    let after = await count();
    for (let i = 0; i < 40 && after > before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await count();
    }
    expect(after).to.be.at.most(before);
  });

  it("a fixed number of queries, whatever the number of tables", async function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("needs the embedded server (its log) in CI");
      this.skip();
    }
    /** Statements the server logged while `work` ran. */
    const statements = async (work: () => Promise<unknown>) => {
      const mark = testServer().log().length;
      await work();
      await new Promise((r) => setTimeout(r, 200));
      return testServer()
        .log()
        .slice(mark)
        .split("\n")
        .filter((l) => /LOG:\s+(statement|execute [^:]*):/.test(l)).length;
    };
    const small = [];
    for (const f of [
      () => listRoleGrants(grp),
      () => effectivePrivileges(alice),
      () => whoCan("SELECT", { table: `${s}.orders` }),
    ])
      small.push(await statements(f));
    const big = unique("qbig");
    await q(`CREATE SCHEMA ${qi(big)}`);
    try {
      await q(
        `DO $$ BEGIN FOR i IN 1..300 LOOP
           EXECUTE format('CREATE TABLE %I.%I (id int)', ${"'" + big.replace(/'/g, "''") + "'"}, 't' || i);
           EXECUTE format('GRANT SELECT ON %I.%I TO %I', ${"'" + big.replace(/'/g, "''") + "'"}, 't' || i, ${"'" + grp.replace(/'/g, "''") + "'"});
         END LOOP; END $$`,
      );
      const large = [];
      for (const f of [
        () => listRoleGrants(grp),
        () => effectivePrivileges(alice),
        () => whoCan("SELECT", { table: `${s}.orders` }),
      ])
        large.push(await statements(f));
      expect(large).to.deep.equal(small);
      for (const n of small) expect(n).to.be.within(1, 8);
      expect((await listRoleGrants(grp, { schema: big })).length).to.equal(300);
    } finally {
      await q(`DROP SCHEMA ${qi(big)} CASCADE`);
    }
  });

  it("effectiveFromModel (pure, over readAccessModel) answers as effectivePrivileges (SQL) for every role", async () => {
    const model = await readAccessModel();
    const names = [grp, sub, alice, bob, carol, dave, reader, odd, adminConnection().user];
    for (const name of names) {
      const role = model.roles.find((r) => r.name === name)!;
      expect(role, name).to.not.equal(undefined);
      const sql = await effectivePrivileges(name);
      expect(effectiveShape(effectiveFromModel(model, role.id)), name).to.deep.equal(effectiveShape(sql));
    }
    const scoped = await readAccessModel({ schema: s });
    const aliceId = scoped.roles.find((r) => r.name === alice)!.id;
    expect(effectiveShape(effectiveFromModel(scoped, aliceId))).to.deep.equal(
      effectiveShape(await effectivePrivileges(alice, { schema: s })),
    );
  });
});
