/**
 * Program generation from a catalog snapshot value (no server): the generated TypeScript is
 * transpiled and run against recording stand-ins for the resource classes, so the tests check the
 * arguments the program would really pass, hostile names included.
 */
import { expect } from "chai";
import * as vm from "node:vm";
import * as ts from "typescript";
import { defaultGroups, generateProgram, grantGroups, identifierFor, slug } from "../../provider/cli/export";
import { checkGrant } from "../../provider/grant/inputs";
import { checkPolicy } from "../../provider/policy/inputs";
import { checkRole } from "../../provider/role/inputs";
import { checkMembership } from "../../provider/membership/inputs";
import { checkDefaultPrivileges } from "../../provider/default-privileges/inputs";
import type {
  AclEntry,
  CatalogSnapshot,
  DefaultPrivilegeEntry,
  RoleDetail,
} from "../../provider/queries/types";

const HOSTILE = `we"ird 'name' \\b Ünï; DROP ROLE x;--*/`;

function role(name: string, extra: Partial<RoleDetail> = {}): RoleDetail {
  return {
    oid: 20000 + name.length,
    name,
    superuser: false,
    createrole: false,
    createdb: false,
    login: false,
    replication: false,
    connection_limit: -1,
    valid_until: null,
    inherit: true,
    bypassrls: false,
    member_of: [],
    comment: null,
    settings: {},
    has_password: false,
    system: false,
    ...extra,
  };
}

function acl(
  e: Partial<AclEntry> & Pick<AclEntry, "grantee" | "object_type" | "object_name" | "privilege">,
): AclEntry {
  return {
    schema: "app",
    column_name: null,
    owner: "owner",
    grantor: "owner",
    is_grantable: false,
    is_default: false,
    revoked: false,
    ...e,
  };
}

function dflt(
  e: Partial<DefaultPrivilegeEntry> & Pick<DefaultPrivilegeEntry, "grantee" | "object_type" | "privilege">,
): DefaultPrivilegeEntry {
  return {
    owner: "owner",
    schema: null,
    grantor: "owner",
    is_grantable: false,
    builtin: false,
    revoked: false,
    ...e,
  };
}

function sampleSnapshot(): CatalogSnapshot {
  return {
    server: {
      version: 170004,
      version_text: "17.4",
      database: "appdb",
      user: "postgres",
      superuser: true,
      passwords_readable: true,
    },
    roles: [
      { ...role("postgres", { superuser: true, login: true, has_password: true }), oid: 10 },
      role("owner"),
      role("readers"),
      role("alice", {
        login: true,
        has_password: true,
        connection_limit: 5,
        valid_until: "2031-01-02T03:04:05Z",
        comment: "Alice */ from accounting",
        settings: { search_path: "app, public", statement_timeout: "30s" },
      }),
      role("bob", { login: true, inherit: false, has_password: false }),
      role(HOSTILE, { login: true, has_password: true, createdb: true, createrole: true }),
      role("pg_read_all_data", { system: true }),
    ],
    memberships: [
      {
        role: "readers",
        member: "alice",
        grantor: "postgres",
        admin_option: false,
        inherit_option: true,
        set_option: true,
      },
      {
        role: "readers",
        member: "bob",
        grantor: "postgres",
        admin_option: true,
        inherit_option: false,
        set_option: false,
      },
      {
        role: "readers",
        member: "bob",
        grantor: "owner",
        admin_option: false,
        inherit_option: false,
        set_option: true,
      },
      {
        role: "readers",
        member: HOSTILE,
        grantor: "postgres",
        admin_option: false,
        inherit_option: true,
        set_option: true,
      },
      {
        role: "readers",
        member: "postgres",
        grantor: "postgres",
        admin_option: true,
        inherit_option: true,
        set_option: true,
      },
    ],
    acl: [
      acl({
        grantee: "readers",
        object_type: "schema",
        schema: "app",
        object_name: "app",
        privilege: "USAGE",
      }),
      acl({ grantee: "readers", object_type: "table", object_name: "orders", privilege: "SELECT" }),
      acl({ grantee: "readers", object_type: "table", object_name: "items", privilege: "SELECT" }),
      acl({
        grantee: "readers",
        object_type: "table",
        object_name: "items",
        privilege: "INSERT",
        is_grantable: true,
      }),
      // The same privilege from two grantors: one held, grantable if either is.
      acl({
        grantee: "readers",
        object_type: "table",
        object_name: "orders",
        privilege: "INSERT",
        grantor: "alice",
      }),
      acl({
        grantee: "readers",
        object_type: "table",
        object_name: "orders",
        privilege: "INSERT",
        is_grantable: true,
      }),
      acl({
        grantee: "bob",
        object_type: "column",
        object_name: "orders",
        column_name: "amount",
        privilege: "SELECT",
      }),
      acl({
        grantee: "bob",
        object_type: "column",
        object_name: "orders",
        column_name: "id",
        privilege: "SELECT",
      }),
      acl({
        grantee: HOSTILE,
        object_type: "sequence",
        schema: HOSTILE,
        object_name: HOSTILE,
        privilege: "USAGE",
      }),
      acl({
        grantee: "alice",
        object_type: "function",
        object_name: "f(integer, text)",
        privilege: "EXECUTE",
      }),
      acl({
        grantee: "alice",
        object_type: "function",
        object_name: `g(${"character varying, ".repeat(4)}integer)`,
        privilege: "EXECUTE",
      }),
      acl({
        grantee: "alice",
        object_type: "database",
        schema: null,
        object_name: "appdb",
        privilege: "CREATE",
      }),
      acl({
        grantee: "alice",
        object_type: "database",
        schema: null,
        object_name: "other",
        privilege: "CREATE",
      }),
      acl({
        grantee: "alice",
        object_type: "parameter",
        schema: null,
        object_name: "work_mem",
        privilege: "SET",
      }),
      acl({
        grantee: "alice",
        object_type: "language",
        schema: null,
        object_name: "plperl",
        privilege: "USAGE",
      }),
      acl({ grantee: "alice", object_type: "domain", object_name: "posint", privilege: "USAGE" }),
      acl({ grantee: "postgres", object_type: "table", object_name: "orders", privilege: "DELETE" }),
      // Built-in defaults (left alone) and a revoked one (a comment).
      acl({
        grantee: "PUBLIC",
        object_type: "database",
        schema: null,
        object_name: "appdb",
        privilege: "CONNECT",
        is_default: true,
      }),
      acl({
        grantee: "PUBLIC",
        object_type: "function",
        object_name: "f(integer, text)",
        privilege: "EXECUTE",
        is_default: true,
        revoked: true,
      }),
    ],
    defaultPrivileges: [
      // A global entry: PUBLIC's EXECUTE revoked, the owner's own (built-in) kept, readers added.
      dflt({
        grantee: "PUBLIC",
        object_type: "function",
        privilege: "EXECUTE",
        builtin: true,
        revoked: true,
      }),
      dflt({ grantee: "owner", object_type: "function", privilege: "EXECUTE", builtin: true }),
      dflt({ grantee: "readers", object_type: "function", privilege: "EXECUTE" }),
      // Per schema, with and without the grant option.
      dflt({ grantee: "readers", object_type: "table", schema: "app", privilege: "SELECT" }),
      dflt({
        grantee: "readers",
        object_type: "table",
        schema: "app",
        privilege: "UPDATE",
        is_grantable: true,
      }),
      // A global entry that equals the built-in default: nothing to declare.
      dflt({ owner: "readers", grantee: "readers", object_type: "type", privilege: "USAGE", builtin: true }),
      dflt({ owner: "readers", grantee: "PUBLIC", object_type: "type", privilege: "USAGE", builtin: true }),
      dflt({ owner: "readers", grantee: "bob", object_type: "type", privilege: "USAGE" }),
    ],
    rowLevelSecurity: [{ schema: "app", table: "orders", enabled: true, force: true }],
    policies: [
      {
        name: "own rows",
        schema: "app",
        table: "orders",
        command: "SELECT",
        permissive: false,
        roles: ["alice", "readers"],
        using: "(owner = CURRENT_USER)",
        with_check: null,
      },
      {
        name: "ins",
        schema: "app",
        table: "orders",
        command: "INSERT",
        permissive: true,
        roles: ["PUBLIC"],
        using: null,
        with_check: "(amount > (0)::numeric)",
      },
    ],
  };
}

interface Made {
  cls: string;
  name: string;
  args: Record<string, unknown>;
  opts?: Record<string, unknown>;
}

/** Transpiles and runs a generated program with stand-ins; returns what it constructed. */
function run(program: string, config: Record<string, string> = {}): Made[] {
  const js = ts.transpileModule(program, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  expect(js.diagnostics ?? []).to.deep.equal([]);
  const made: Made[] = [];
  const resource = (cls: string) =>
    class {
      readonly name: unknown;
      constructor(name: string, args: Record<string, unknown>, opts?: Record<string, unknown>) {
        made.push({ cls, name, args, ...(opts ? { opts } : {}) });
        this.name = cls === "Role" ? { ref: args.name } : undefined;
      }
    };
  const pkg = Object.fromEntries(
    ["Role", "RoleMembership", "Grant", "DefaultPrivileges", "RowLevelSecurity", "Policy"].map((c) => [
      c,
      resource(c),
    ]),
  );
  const pulumi = {
    Config: class {
      requireSecret(k: string) {
        if (!(k in config)) throw new Error(`missing config ${k}`);
        return { secret: config[k] };
      }
    },
  };
  const sandbox = {
    exports: {},
    require: (m: string) => {
      if (m === "pulumi-postgres-roles") return pkg;
      if (m === "@pulumi/pulumi") return pulumi;
      throw new Error(`unexpected require ${m}`);
    },
  };
  vm.runInNewContext(js.outputText, sandbox);
  return made;
}

/** A role reference as the stand-in Role passes it on (`role.name`), or a plain string. */
const roleName = (v: unknown) =>
  typeof v === "object" && v !== null && "ref" in v ? (v as { ref: string }).ref : v;

describe("export: program generation (pure)", () => {
  const at = "2030-01-01T00:00:00.000Z";

  it("declares every role but the admin, with its attributes, adoptExisting and password placeholders", () => {
    const r = generateProgram(sampleSnapshot(), { generatedAt: at });
    const made = run(r.program, { alicePassword: "a", weIrdNameBNDROPROLEXPassword: "h" });
    const roles = made.filter((m) => m.cls === "Role").map((m) => m.args);
    expect(roles.map((x) => x.name)).to.deep.equal(["alice", "bob", "owner", "readers", HOSTILE]);
    for (const x of roles) expect(x.adoptExisting).to.equal(true);
    const alice = roles.find((x) => x.name === "alice")!;
    expect(alice).to.deep.include({
      login: true,
      connectionLimit: 5,
      validUntil: "2031-01-02T03:04:05Z",
      comment: "Alice */ from accounting",
      settings: { search_path: "app, public", statement_timeout: "30s" },
      password: { secret: "a" },
    });
    // bob logs in without a password: no placeholder; NOINHERIT kept.
    const bob = roles.find((x) => x.name === "bob")!;
    expect(bob).to.deep.equal({ name: "bob", login: true, inherit: false, adoptExisting: true });
    expect(roles.find((x) => x.name === HOSTILE)).to.deep.include({ createDatabase: true, createRole: true });
    expect(r.passwordKeys).to.deep.equal(["alicePassword", "weIrdNameBNDROPROLEXPassword"]);
    expect(r.program).to.include("(PostgreSQL 17.4) at 2030-01-01T00:00:00.000Z");
    expect(r.notes.join("\n")).to.include("role postgres is left out");
    // What check makes of them is valid.
    for (const x of roles)
      expect(checkRole({ ...x, password: x.password ? "pw" : undefined }).failures).to.deep.equal([]);
  });

  it("without pg_authid the password line is written commented out", () => {
    const s = sampleSnapshot();
    s.server.passwords_readable = false;
    s.roles = s.roles.map((x) => ({ ...x, has_password: null }));
    const r = generateProgram(s, { generatedAt: at });
    expect(r.passwordKeys).to.deep.equal([]);
    expect(r.program).to.include('// password: config.requireSecret("alicePassword")');
    expect(r.program).not.to.include("new pulumi.Config()");
    run(r.program);
  });

  it("memberships per pair: options aggregated over grantors, 16's inherit and set written out", () => {
    const made = run(generateProgram(sampleSnapshot(), { generatedAt: at }).program, {
      alicePassword: "a",
      weIrdNameBNDROPROLEXPassword: "h",
    });
    const ms = made
      .filter((m) => m.cls === "RoleMembership")
      .map((m) => ({ ...m.args, role: roleName(m.args.role), member: roleName(m.args.member) }));
    expect(ms).to.deep.equal([
      { role: "readers", member: "alice", inherit: true, set: true },
      { role: "readers", member: "bob", withAdmin: true, inherit: false, set: true },
      { role: "readers", member: HOSTILE, inherit: true, set: true },
    ]);
    for (const m of ms) expect(checkMembership(m).failures).to.deep.equal([]);
    const s15 = sampleSnapshot();
    s15.server.version = 150000;
    const made15 = run(generateProgram(s15, { generatedAt: at }).program, {
      alicePassword: "a",
      weIrdNameBNDROPROLEXPassword: "h",
    });
    expect(made15.filter((m) => m.cls === "RoleMembership").map((m) => Object.keys(m.args))).to.deep.equal([
      ["role", "member"],
      ["role", "member", "withAdmin"],
      ["role", "member"],
    ]);
  });

  it("grants grouped by grantee, type, schema, privileges and grant option; columns per table", () => {
    const made = run(generateProgram(sampleSnapshot(), { generatedAt: at }).program, {
      alicePassword: "a",
      weIrdNameBNDROPROLEXPassword: "h",
    });
    const grants = made
      .filter((m) => m.cls === "Grant")
      .map((m) => ({ ...m.args, role: roleName(m.args.role) }));
    const db = "appdb";
    expect(grants).to.deep.equal([
      { role: "alice", objectType: "database", database: "appdb", privileges: ["CREATE"] },
      { role: "alice", objectType: "database", database: "other", privileges: ["CREATE"] },
      {
        role: "alice",
        objectType: "domain",
        database: db,
        schema: "app",
        objects: ["posint"],
        privileges: ["USAGE"],
      },
      {
        role: "alice",
        objectType: "function",
        database: db,
        schema: "app",
        // The long signature (over 63 bytes) is written by its name, which is not overloaded.
        objects: ["f(integer, text)", "g"],
        privileges: ["EXECUTE"],
      },
      { role: "alice", objectType: "language", database: db, objects: ["plperl"], privileges: ["USAGE"] },
      { role: "alice", objectType: "parameter", objects: ["work_mem"], privileges: ["SET"] },
      {
        role: "bob",
        objectType: "column",
        database: db,
        schema: "app",
        objects: ["orders"],
        columns: ["amount", "id"],
        privileges: ["SELECT"],
      },
      { role: "readers", objectType: "schema", database: db, schema: "app", privileges: ["USAGE"] },
      {
        role: "readers",
        objectType: "table",
        database: db,
        schema: "app",
        objects: ["items", "orders"],
        privileges: ["INSERT"],
        withGrantOption: true,
      },
      {
        role: "readers",
        objectType: "table",
        database: db,
        schema: "app",
        objects: ["items", "orders"],
        privileges: ["SELECT"],
      },
      {
        role: HOSTILE,
        objectType: "sequence",
        database: db,
        schema: HOSTILE,
        objects: [HOSTILE],
        privileges: ["USAGE"],
      },
    ]);
    // Resource names are unique, and check accepts every grant.
    const names = made.filter((m) => m.cls === "Grant").map((m) => m.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const g of grants) expect(checkGrant(g).failures, JSON.stringify(g)).to.deep.equal([]);
  });

  it("a revoked built-in privilege is a comment; built-in defaults and the admin's grants are left out", () => {
    const r = generateProgram(sampleSnapshot(), { generatedAt: at });
    expect(r.program).to.include("//   EXECUTE on function app.f(integer, text) from PUBLIC");
    expect(r.program).not.to.include('"CONNECT"');
    expect(r.program).not.to.include('"DELETE"'); // postgres's grant
  });

  it("default privileges: revoked built-ins as [], per-schema entries split by grant option, built-in-only entries skipped", () => {
    const made = run(generateProgram(sampleSnapshot(), { generatedAt: at }).program, {
      alicePassword: "a",
      weIrdNameBNDROPROLEXPassword: "h",
    });
    const d = made
      .filter((m) => m.cls === "DefaultPrivileges")
      .map((m) => ({ ...m.args, role: roleName(m.args.role), owner: roleName(m.args.owner) }));
    expect(d).to.deep.equal([
      { role: "PUBLIC", owner: "owner", objectType: "function", privileges: [], database: "appdb" },
      { role: "readers", owner: "owner", objectType: "function", privileges: ["EXECUTE"], database: "appdb" },
      {
        role: "readers",
        owner: "owner",
        objectType: "table",
        schema: "app",
        privileges: ["UPDATE"],
        withGrantOption: true,
        database: "appdb",
      },
      {
        role: "readers",
        owner: "owner",
        objectType: "table",
        schema: "app",
        privileges: ["SELECT"],
        database: "appdb",
      },
      { role: "bob", owner: "readers", objectType: "type", privileges: ["USAGE"], database: "appdb" },
    ]);
    for (const x of d) expect(checkDefaultPrivileges(x).failures, JSON.stringify(x)).to.deep.equal([]);
  });

  it("row level security and policies (adoptExisting, expressions as stored)", () => {
    const made = run(generateProgram(sampleSnapshot(), { generatedAt: at }).program, {
      alicePassword: "a",
      weIrdNameBNDROPROLEXPassword: "h",
    });
    expect(made.filter((m) => m.cls === "RowLevelSecurity").map((m) => m.args)).to.deep.equal([
      { schema: "app", table: "orders", enabled: true, force: true, database: "appdb" },
    ]);
    const ps = made
      .filter((m) => m.cls === "Policy")
      .map((m) => ({ ...m.args, roles: (m.args.roles as unknown[] | undefined)?.map(roleName) }));
    expect(ps).to.deep.equal([
      {
        name: "own rows",
        schema: "app",
        table: "orders",
        command: "SELECT",
        permissive: false,
        roles: ["alice", "readers"],
        using: "(owner = CURRENT_USER)",
        database: "appdb",
        adoptExisting: true,
      },
      {
        name: "ins",
        schema: "app",
        table: "orders",
        command: "INSERT",
        roles: undefined,
        withCheck: "(amount > (0)::numeric)",
        database: "appdb",
        adoptExisting: true,
      },
    ]);
    for (const p of ps) {
      const { roles, ...rest } = p;
      expect(checkPolicy(roles ? p : rest).failures).to.deep.equal([]);
    }
  });

  it("--role narrows to the matching roles and grantees; PUBLIC only when named", () => {
    const r = generateProgram(sampleSnapshot(), { generatedAt: at, roles: ["read*"] });
    const made = run(r.program);
    expect(made.filter((m) => m.cls === "Role").map((m) => m.args.name)).to.deep.equal(["readers"]);
    expect(new Set(made.filter((m) => m.cls === "Grant").map((m) => roleName(m.args.role)))).to.deep.equal(
      new Set(["readers"]),
    );
    // Memberships of readers name their members by string (not declared here).
    expect(made.filter((m) => m.cls === "RoleMembership").map((m) => m.args.member)).to.deep.equal([
      "alice",
      "bob",
      HOSTILE,
    ]);
    expect(made.filter((m) => m.cls === "DefaultPrivileges").map((m) => roleName(m.args.role))).to.deep.equal(
      ["readers", "readers", "readers"],
    );
    expect(made.filter((m) => m.cls === "Policy").map((m) => m.args.name)).to.deep.equal(["own rows"]);
    const withPublic = run(
      generateProgram(sampleSnapshot(), { generatedAt: at, roles: ["readers", "public"] }).program,
    );
    expect(
      withPublic.filter((m) => m.cls === "DefaultPrivileges").map((m) => roleName(m.args.role)),
    ).to.include("PUBLIC");
  });

  it("--retain-on-delete adds the option to every resource; --include-admin declares the admin", () => {
    const made = run(
      generateProgram(sampleSnapshot(), { generatedAt: at, retainOnDelete: true, includeAdmin: true })
        .program,
      {
        alicePassword: "a",
        postgresPassword: "p",
        weIrdNameBNDROPROLEXPassword: "h",
      },
    );
    for (const m of made) expect(m.opts).to.deep.equal({ retainOnDelete: true });
    expect(made.filter((m) => m.cls === "Role").map((m) => m.args.name)).to.include("postgres");
    expect(
      made.filter((m) => m.cls === "Grant").some((m) => (m.args.privileges as string[]).includes("DELETE")),
    ).to.equal(true);
  });

  it("the same snapshot gives the same program (stable order)", () => {
    const a = generateProgram(sampleSnapshot(), { generatedAt: at }).program;
    const s = sampleSnapshot();
    s.acl.reverse();
    s.roles.reverse();
    s.defaultPrivileges.reverse();
    expect(generateProgram(s, { generatedAt: at }).program).to.equal(a);
  });

  it("an empty database gives a program that runs and declares nothing", () => {
    const s = sampleSnapshot();
    s.roles = [];
    s.memberships = [];
    s.acl = [];
    s.defaultPrivileges = [];
    s.rowLevelSecurity = [];
    s.policies = [];
    const r = generateProgram(s, { generatedAt: at });
    expect(run(r.program)).to.deep.equal([]);
    expect(r.program).not.to.include("import {");
  });

  it("helpers: identifiers, slugs, groups", () => {
    expect(identifierFor("app-reader")).to.equal("appReader");
    expect(identifierFor("2fa_users")).to.equal("role2faUsers");
    expect(identifierFor('"";--')).to.equal("role");
    expect(slug("a b::c")).to.equal("a_b_c");
    expect(
      grantGroups([
        acl({ grantee: "x", object_type: "table", object_name: "t", privilege: "SELECT", is_default: true }),
      ]),
    ).to.deep.equal([]);
    expect(
      defaultGroups([
        dflt({ grantee: "PUBLIC", object_type: "function", privilege: "EXECUTE", builtin: true }),
      ]),
    ).to.deep.equal([]);
  });
});
