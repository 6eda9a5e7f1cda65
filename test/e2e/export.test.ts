/**
 * The adoption path end to end: a realistic brownfield database built by the test (dozens of
 * roles, hundreds of tables in several schemas, nested groups, NOINHERIT and 16's INHERIT FALSE
 * memberships, grants with grant option and from other grantors, column grants, default
 * privileges, row level security and policies), `pulumi-postgres-roles export` (the real command),
 * the generated program run by the real Pulumi engine from a folder inside this repository: `up`
 * creates every resource and changes nothing in the catalog, a refresh and a second preview show no
 * changes, and a full dump of every ACL, membership, default ACL, policy and role attribute (with
 * OIDs: nothing recreated) is identical before and after.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  dropRoles,
  q,
  quoteIdent as qi,
  testServer,
  unique,
  serverVersionNum,
  clientFor,
} from "../support/db";
import { E2eEnv, REPO_ROOT, changes, findCli } from "./harness";

const run = promisify(execFile);

describe("e2e: export a brownfield database, then pulumi up takes it over without a change", function () {
  this.timeout(900_000);
  let env: E2eEnv | undefined;
  let version = 0;
  let programDir = "";
  const P = unique("bf").replace(/_/g, "");
  const database = `${P}_db`;
  const r = (n: string) => `${P}_${n}`;
  const odd = `${P}_"odd" Ünï name`;
  const schemas = [1, 2, 3, 4, 5].map((i) => `${P}_s${i}`);
  const TABLES = 60;
  const groups = ["read", "write", "admin", "audit", "etl"].map(r);
  const teams = ["a", "b", "c", "d", "e"].map((t) => r(`team_${t}`));
  const users = Array.from({ length: 24 }, (_, i) => r(`user_${i + 1}`));
  const services = Array.from({ length: 4 }, (_, i) => r(`svc_${i + 1}`));
  const allRoles = [r("owner"), ...groups, ...teams, ...users, ...services, odd];

  /** Runs statements in the fixture database as the admin. */
  async function inDb(statements: string[]): Promise<void> {
    const s = testServer();
    const c = clientFor(s, { database });
    await c.connect();
    try {
      for (const sql of statements) await c.query(sql);
    } finally {
      await c.end();
    }
  }

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    version = await serverVersionNum();
    await q(`CREATE DATABASE ${qi(database)}`);

    const [read, write, admin, audit, etl] = groups as [string, string, string, string, string];
    const owner = r("owner");
    const sql: string[] = [];
    // Roles: groups nested (admin > write > read), teams in groups, users in teams.
    sql.push(`CREATE ROLE ${qi(owner)}`);
    for (const g of groups) sql.push(`CREATE ROLE ${qi(g)}`);
    sql.push(`ALTER ROLE ${qi(admin)} CREATEROLE`);
    sql.push(`GRANT ${qi(read)} TO ${qi(write)}`, `GRANT ${qi(write)} TO ${qi(admin)}`);
    teams.forEach((t, i) => {
      sql.push(`CREATE ROLE ${qi(t)}`);
      sql.push(`GRANT ${qi(i % 2 === 0 ? read : write)} TO ${qi(t)}`);
    });
    users.forEach((u, i) => {
      const attrs = [
        "LOGIN",
        i % 3 === 0 ? "" : `PASSWORD 'pw-${i}'`, // some log in without a password (e.g. certificates)
        i === 1 ? "NOINHERIT" : "",
        i === 2 ? "CONNECTION LIMIT 5 VALID UNTIL '2035-01-01 00:00:00+00'" : "",
        i === 4 ? "CREATEDB" : "",
      ];
      sql.push(`CREATE ROLE ${qi(u)} ${attrs.join(" ")}`);
      sql.push(`GRANT ${qi(teams[i % teams.length]!)} TO ${qi(u)}${i === 3 ? " WITH ADMIN OPTION" : ""}`);
    });
    if (version >= 160000) sql.push(`GRANT ${qi(admin)} TO ${qi(users[5]!)} WITH INHERIT FALSE, SET TRUE`);
    else sql.push(`GRANT ${qi(admin)} TO ${qi(users[5]!)}`);
    sql.push(`ALTER ROLE ${qi(users[2]!)} SET search_path = app, public`);
    sql.push(`ALTER ROLE ${qi(users[2]!)} SET statement_timeout = '30s'`);
    sql.push(`COMMENT ON ROLE ${qi(users[2]!)} IS 'Second user; it''s "quoted"'`);
    for (const s of services) sql.push(`CREATE ROLE ${qi(s)} LOGIN PASSWORD 'svc' IN ROLE ${qi(etl)}`);
    sql.push(`CREATE ROLE ${qi(odd)} LOGIN PASSWORD 'odd' IN ROLE ${qi(audit)}`);
    await q(sql.join(";\n"));

    // Objects, owned by the owner role.
    const db: string[] = [`REVOKE CONNECT ON DATABASE ${qi(database)} FROM PUBLIC`];
    db.push(`GRANT CONNECT, TEMPORARY ON DATABASE ${qi(database)} TO ${qi(read)}`);
    db.push(`GRANT CREATE ON DATABASE ${qi(database)} TO ${qi(admin)}`);
    for (const s of schemas) db.push(`CREATE SCHEMA ${qi(s)} AUTHORIZATION ${qi(owner)}`);
    db.push(`SET ROLE ${qi(owner)}`);
    for (const s of schemas) {
      db.push(
        `DO $$ BEGIN FOR i IN 1..${TABLES} LOOP EXECUTE format('CREATE TABLE %I.%I (id int PRIMARY KEY, user_id int, amount numeric, note text)', ${lit(s)}, 't' || i); END LOOP; END $$`,
      );
      db.push(`CREATE VIEW ${qi(s)}.v AS SELECT id, amount FROM ${qi(s)}.t1`);
      db.push(`CREATE SEQUENCE ${qi(s)}.seq`);
      db.push(`CREATE FUNCTION ${qi(s)}.f(a integer, b text) RETURNS int LANGUAGE sql AS 'SELECT a'`);
      db.push(`CREATE TYPE ${qi(s)}.ty AS (a int, b text)`);
      db.push(`CREATE DOMAIN ${qi(s)}.posint AS integer CHECK (VALUE > 0)`);
    }
    db.push(`CREATE MATERIALIZED VIEW ${qi(schemas[0]!)}.mv AS SELECT 1 AS x`);
    db.push(`RESET ROLE`);
    const [s1, s2, s3, s4, s5] = schemas as [string, string, string, string, string];
    const tablesOf = (s: string, from = 1, to = TABLES) =>
      Array.from({ length: to - from + 1 }, (_, i) => `${qi(s)}.t${from + i}`).join(", ");
    for (const s of schemas) db.push(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(read)}`);
    db.push(`GRANT CREATE ON SCHEMA ${qi(s1)} TO ${qi(admin)}`);
    for (const s of [s1, s2, s3, s4]) db.push(`GRANT SELECT ON ${tablesOf(s)}, ${qi(s)}.v TO ${qi(read)}`);
    for (const s of [s1, s2]) db.push(`GRANT INSERT, UPDATE, DELETE ON ${tablesOf(s)} TO ${qi(write)}`);
    db.push(`GRANT SELECT ON ${qi(s1)}.mv TO ${qi(read)}`);
    db.push(`GRANT SELECT ON ${tablesOf(s3)} TO ${qi(etl)} WITH GRANT OPTION`);
    db.push(`GRANT TRUNCATE ON ${tablesOf(s5, 1, 30)} TO ${qi(etl)}`);
    // A grant made by another grantor (etl passes on what it holds with grant option).
    db.push(`GRANT USAGE ON SCHEMA ${qi(s3)}, ${qi(s5)} TO ${qi(etl)}`);
    db.push(`SET ROLE ${qi(etl)}`, `GRANT SELECT ON ${tablesOf(s3, 1, 10)} TO ${qi(audit)}`, `RESET ROLE`);
    db.push(`GRANT SELECT (id, amount) ON ${qi(s4)}.t1 TO ${qi(audit)}`);
    db.push(`GRANT UPDATE (note) ON ${qi(s4)}.t2 TO ${qi(odd)}`);
    db.push(`GRANT USAGE ON SEQUENCE ${qi(s1)}.seq, ${qi(s2)}.seq TO ${qi(write)}`);
    db.push(`REVOKE EXECUTE ON FUNCTION ${qi(s1)}.f(integer, text) FROM PUBLIC`);
    db.push(`GRANT EXECUTE ON FUNCTION ${qi(s1)}.f(integer, text) TO ${qi(read)}`);
    db.push(`GRANT USAGE ON TYPE ${qi(s2)}.ty TO ${qi(read)}`);
    db.push(`GRANT USAGE ON DOMAIN ${qi(s2)}.posint TO ${qi(write)} WITH GRANT OPTION`);
    db.push(`GRANT SELECT ON ${qi(s5)}.t1 TO PUBLIC`);
    db.push(`GRANT SELECT, INSERT ON ${tablesOf(s5, 31, 60)} TO ${services.map(qi).join(", ")}`);
    // Default privileges: global and per schema, with and without grant option, PUBLIC's EXECUTE revoked.
    db.push(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} IN SCHEMA ${qi(s1)} GRANT SELECT ON TABLES TO ${qi(read)}`,
    );
    db.push(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} IN SCHEMA ${qi(s2)} GRANT INSERT ON TABLES TO ${qi(write)} WITH GRANT OPTION`,
    );
    db.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} GRANT USAGE ON SEQUENCES TO ${qi(write)}`);
    db.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
    db.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} GRANT USAGE ON TYPES TO ${qi(read)}`);
    // Row level security and policies.
    db.push(`ALTER TABLE ${qi(s1)}.t1 ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    db.push(`ALTER TABLE ${qi(s2)}.t1 ENABLE ROW LEVEL SECURITY`);
    db.push(
      `CREATE POLICY own_rows ON ${qi(s1)}.t1 FOR ALL TO ${qi(read)}, ${qi(write)} USING (user_id = current_setting('app.user_id')::integer)`,
    );
    db.push(
      `CREATE POLICY "no big ones" ON ${qi(s1)}.t1 AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK (amount < 1000)`,
    );
    db.push(`CREATE POLICY auditors ON ${qi(s2)}.t1 FOR SELECT TO ${qi(audit)} USING (true)`);
    db.push(
      `CREATE POLICY writers ON ${qi(s2)}.t1 FOR UPDATE TO ${qi(write)} USING (note IS NOT NULL) WITH CHECK (amount >= 0)`,
    );
    await inDb(db);
  });

  after(async function () {
    // The fixture first (so that destroying the stack finds everything gone), then the stack.
    await q(`DROP DATABASE IF EXISTS ${qi(database)} WITH (FORCE)`).catch(() => undefined);
    await dropRoles(...allRoles);
    await env?.cleanup();
    if (programDir) rmSync(programDir, { recursive: true, force: true });
  });

  /**
   * Everything the export should take over, as sorted lines: every ACL entry of every catalog
   * (aclexplode of the raw ACL: a NULL ACL and an explicit default differ), memberships with
   * their options, default ACLs, policies, row level security, role attributes; OIDs included.
   */
  async function dump(): Promise<string[]> {
    const lines: string[] = [];
    const add = (rows: Array<Record<string, unknown>>) => {
      for (const row of rows) lines.push(JSON.stringify(row));
    };
    const acls = (cat: string, name: string, acl: string, where = "true") =>
      `SELECT '${cat}' AS cat, o.oid::int8 AS oid, ${name} AS name, x.grantor::int8 AS grantor, x.grantee::int8 AS grantee,
              x.privilege_type, x.is_grantable
         FROM ${cat} o CROSS JOIN LATERAL aclexplode(o.${acl}) x WHERE ${where}`;
    const s = testServer();
    const c = clientFor(s, { database });
    await c.connect();
    try {
      const local = [
        acls("pg_namespace", "o.nspname", "nspacl"),
        acls("pg_class", "o.relname", "relacl"),
        acls("pg_proc", "o.proname", "proacl"),
        acls("pg_type", "o.typname", "typacl"),
        acls("pg_language", "o.lanname", "lanacl"),
        acls("pg_foreign_data_wrapper", "o.fdwname", "fdwacl"),
        acls("pg_foreign_server", "o.srvname", "srvacl"),
        acls("pg_largeobject_metadata", "o.oid::text", "lomacl"),
        `SELECT 'pg_attribute' AS cat, o.attrelid::int8 AS oid, o.attname AS name, x.grantor::int8 AS grantor,
                x.grantee::int8 AS grantee, x.privilege_type, x.is_grantable
           FROM pg_attribute o CROSS JOIN LATERAL aclexplode(o.attacl) x`,
        `SELECT 'pg_default_acl' AS cat, o.oid::int8 AS oid, o.defaclrole::int8 || '/' || o.defaclnamespace::int8 || '/' || o.defaclobjtype::text AS name,
                x.grantor::int8 AS grantor, x.grantee::int8 AS grantee, x.privilege_type, x.is_grantable
           FROM pg_default_acl o CROSS JOIN LATERAL aclexplode(o.defaclacl) x`,
        `SELECT 'pg_policy' AS cat, p.oid::int8 AS oid, p.polname AS name, p.polrelid::int8 AS rel, p.polcmd::text AS cmd,
                p.polpermissive, p.polroles::int8[]::text AS roles, pg_get_expr(p.polqual, p.polrelid) AS qual,
                pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
           FROM pg_policy p`,
        `SELECT 'rls' AS cat, c.oid::int8 AS oid, c.relname AS name, c.relrowsecurity, c.relforcerowsecurity
           FROM pg_class c WHERE c.relrowsecurity OR c.relforcerowsecurity`,
      ];
      const cluster = [
        acls("pg_database", "o.datname", "datacl"),
        acls("pg_tablespace", "o.spcname", "spcacl"),
        ...(version >= 150000 ? [acls("pg_parameter_acl", "o.parname", "paracl")] : []),
        `SELECT 'pg_auth_members' AS cat, ${version >= 160000 ? "m.oid::int8 AS oid, m.inherit_option, m.set_option," : ""}
                m.roleid::int8 AS roleid, m.member::int8 AS member, m.grantor::int8 AS grantor, m.admin_option
           FROM pg_auth_members m`,
        `SELECT 'pg_roles' AS cat, r.oid::int8 AS oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
                r.rolcanlogin, r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text AS valid_until,
                r.rolconfig::text AS config, shobj_description(r.oid, 'pg_authid') AS comment
           FROM pg_roles r`,
      ];
      for (const sql of [...local, ...cluster]) add((await c.query(sql)).rows);
    } finally {
      await c.end();
    }
    return lines.sort();
  }

  it("export → up (no change in the catalog) → refresh and preview show nothing to do", async function () {
    const before = await dump();
    expect(before.length).to.be.greaterThan(1000);
    const s = testServer();

    // The real command, as a user runs it: flags first, the libpq environment for the rest. The program
    // is written inside the repository (it finds node_modules) but not under node_modules, as a user's
    // is: Node.js 22.18+ refuses to load TypeScript from there (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING).
    mkdirSync(join(REPO_ROOT, ".e2e-work"), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, ".e2e-work", "export-program-"));
    programDir = dir;
    // the tsconfig.json of Pulumi's TypeScript template, as a user's project has (else the repository's is used)
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          outDir: "bin",
          target: "es2020",
          module: "commonjs",
          moduleResolution: "node",
          sourceMap: true,
          experimentalDecorators: true,
          noFallthroughCasesInSwitch: true,
          noImplicitReturns: true,
          forceConsistentCasingInFileNames: true,
        },
        files: ["index.ts"],
      }),
    );
    const programFile = join(dir, "index.ts");
    const started = Date.now();
    const { stderr } = await run(
      process.execPath,
      [
        join(REPO_ROOT, "bin", "pulumi-postgres-roles.js"),
        "export",
        "--database",
        database,
        "--role",
        `${P}_*,PUBLIC`,
        "-o",
        programFile,
      ],
      {
        env: {
          ...process.env,
          PGHOST: s.host,
          PGPORT: String(s.port),
          PGUSER: s.user,
          PGPASSWORD: s.password ?? "",
          PGDATABASE: "no-such-database-the-flag-wins",
        },
      },
    );
    const exportMs = Date.now() - started;
    expect(stderr).to.match(
      /^exported 40 roles, \d+ memberships, \d+ grants, \d+ default privileges, 2 row level security settings and 4 policies from database /,
    );
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "brownfield", private: true, main: "index.ts" }),
    );
    const program = readFileSync(programFile, "utf8");
    // A few things the program must say.
    expect(program).to.include("adoptExisting: true");
    expect(program).to.include(
      `config.requireSecret("${users[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}Password")`,
    );
    expect(program).to.include("//   CONNECT on database");
    expect(exportMs).to.be.lessThan(30_000);

    // the generated program is type-checked as it runs (nothing else compiles it)
    const stack = await env!.folder("e2e-export", "brownfield", dir, { typeCheck: true });
    // Passwords are not exported: the placeholders get values (setting a password is not in the dump).
    const keys = [...program.matchAll(/config\.requireSecret\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(keys.length).to.equal(users.filter((_, i) => i % 3 !== 0).length + services.length + 1);
    await stack.setAllConfig(Object.fromEntries(keys.map((k) => [k, { value: `new-${k}`, secret: true }])));

    const out: string[] = [];
    const up = await stack.up({ onOutput: (x) => out.push(x), parallel: 16 });
    const created = changes(up.summary.resourceChanges);
    expect(Object.keys(created), out.join("")).to.deep.equal(["create"]);
    const resources = (
      program.match(
        /^(?:const \w+ = )?new (Role|RoleMembership|Grant|DefaultPrivileges|RowLevelSecurity|Policy)\(/gm,
      ) ?? []
    ).length;
    expect(created.create).to.equal(resources + 1); // and the stack

    const after = await dump();
    // Identical, but for nothing: no ACL entry, membership, default ACL, policy or role attribute changed.
    const removed = before.filter((l) => !after.includes(l));
    const added = after.filter((l) => !before.includes(l));
    expect({ removed, added }).to.deep.equal({ removed: [], added: [] });

    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({});
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    expect(await dump()).to.deep.equal(before);
  });
});

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
