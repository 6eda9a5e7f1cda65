/**
 * `export`: a catalog snapshot turned into a Pulumi TypeScript program that declares exactly that
 * state with this package, so that `pulumi up` takes it over without recreating anything. Pure.
 *
 *   - Roles with `adoptExisting: true` (create converges an existing role instead of failing).
 *     Passwords are not exported: a login role that has a password gets
 *     `config.requireSecret("<role>Password")`; when pg_authid was not readable (not a superuser)
 *     the line is written commented out.
 *   - RoleMembership per (role, member), Grant per grantee, object type, schema and privilege set
 *     (privileges held WITH GRANT OPTION in a Grant of their own), DefaultPrivileges per entry and
 *     grantee, RowLevelSecurity per table, Policy (with `adoptExisting: true`) per policy. Their
 *     create hooks plan from the catalog, so declaring what is there sends nothing.
 *   - What a resource cannot declare (a built-in privilege revoked from an object, e.g. EXECUTE
 *     from PUBLIC) is listed in a comment and left as it is.
 *   - The admin the export runs as and the bootstrap superuser are left out (their memberships and
 *     grants too) unless `includeAdmin`: destroying the stack must not drop the admin.
 */
import { normalizePrivileges, type ObjectType } from "../common/privileges";
import type { AclEntry, CatalogSnapshot, DefaultPrivilegeEntry, RoleDetail } from "../queries/types";
import { membershipPairs } from "./audit";
import { type Filters, applyFilters } from "./filter";

export interface ExportOptions extends Filters {
  /** Add `retainOnDelete: true` to every resource: `pulumi destroy` then forgets instead of dropping. */
  retainOnDelete?: boolean;
  /** Also declare the connecting admin and the bootstrap superuser (default: left out). */
  includeAdmin?: boolean;
  /** The package the program imports (default "pulumi-postgres-roles"). */
  packageName?: string;
  /** Written in the header (default: now). */
  generatedAt?: string;
}

export interface ExportResult {
  program: string;
  counts: {
    roles: number;
    memberships: number;
    grants: number;
    defaultPrivileges: number;
    rowLevelSecurity: number;
    policies: number;
  };
  /** Config keys of the password placeholders (`pulumi config set --secret <key> …`). */
  passwordKeys: string[];
  /** What was left out or needs attention, in words (also in the program's comments). */
  notes: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lit = (v: unknown) => JSON.stringify(v);
const MAX_NAME_BYTES = 63;

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "as implements interface let package private protected public static yield any boolean number string symbol " +
    "type of await async config pulumi database opts undefined arguments eval"
  ).split(" "),
);

/** Unique names: TypeScript identifiers for variables, slugs for Pulumi resource names. */
class Names {
  private readonly used = new Set<string>();
  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.used.add(r);
  }
  take(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}${base.endsWith("-") ? "" : "-"}${i}`;
    this.used.add(name);
    return name;
  }
  takeIdent(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name) || RESERVED.has(name); i++) name = `${base}${i}`;
    this.used.add(name);
    return name;
  }
}

/** camelCase identifier from any role name (`app-reader` -> appReader; others -> role). */
export function identifierFor(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let id = words
    .map((w, i) =>
      i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1),
    )
    .join("");
  if (!id) id = "role";
  if (/^[0-9]/.test(id)) id = `role${id}`;
  return id;
}

/** A resource-name part: letters, digits, `_`, `.`, `-` (the real names are in the arguments). */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "x";
}

/** Renders an object literal; values are TypeScript code. Long arrays go one item a line. */
function objectLiteral(entries: Array<[string, string | undefined]>, indent = ""): string {
  const items = entries.filter(([, v]) => v !== undefined) as Array<[string, string]>;
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : lit(k));
  const one = `{ ${items.map(([k, v]) => (k === v ? k : `${key(k)}: ${v}`)).join(", ")} }`;
  if (one.length + indent.length <= 100 && !one.includes("\n")) return one;
  return `{\n${items.map(([k, v]) => `${indent}  ${k === v ? k : `${key(k)}: ${v}`},`).join("\n")}\n${indent}}`;
}

function arrayLiteral(values: string[], indent = "  "): string {
  const one = `[${values.join(", ")}]`;
  if (one.length <= 70) return one;
  return `[\n${values.map((v) => `${indent}    ${v},`).join("\n")}\n${indent}  ]`;
}

const strings = (xs: readonly string[], indent = "  ") => arrayLiteral(xs.map(lit), indent);

/** Documentation order, as `check` normalizes them. */
function ordered(type: ObjectType, privs: Iterable<string>): string[] {
  return normalizePrivileges(type, [...privs]);
}

function passwordKey(role: string, names: Names): string {
  return names.takeIdent(`${identifierFor(role)}Password`);
}

interface Group {
  grantee: string;
  type: AclEntry["object_type"];
  schema: string | null;
  /** Column grants: the table. */
  table?: string;
  objects: string[];
  privileges: string[];
  withGrantOption: boolean;
}

/**
 * Explicit privileges (not the built-in default, not the owner's own) grouped into Grants: per
 * grantee, type, schema, privilege set and grant option; column privileges per table.
 */
export function grantGroups(acl: readonly AclEntry[]): Group[] {
  // grantee/type/schema/object[/column] -> privilege -> grantable
  const held = new Map<string, { a: AclEntry; privs: Map<string, boolean> }>();
  for (const a of acl) {
    if (a.revoked || a.is_default) continue;
    const k = JSON.stringify([a.grantee, a.object_type, a.schema, a.object_name, a.column_name]);
    const h = held.get(k) ?? { a, privs: new Map<string, boolean>() };
    held.set(k, h);
    h.privs.set(a.privilege, (h.privs.get(a.privilege) ?? false) || a.is_grantable);
  }
  const groups = new Map<string, Group>();
  for (const { a, privs } of held.values()) {
    for (const wgo of [true, false]) {
      const ps = [...privs].filter(([, g]) => g === wgo).map(([p]) => p);
      if (ps.length === 0) continue;
      const type = a.object_type;
      const privileges = ordered(type as ObjectType, ps);
      const column = type === "column";
      const k = JSON.stringify([a.grantee, type, a.schema, column ? a.object_name : null, privileges, wgo]);
      const g = groups.get(k);
      const item = column ? a.column_name! : a.object_name;
      if (g) g.objects.push(item);
      else {
        const ng: Group = {
          grantee: a.grantee,
          type,
          schema: a.schema,
          objects: [item],
          privileges,
          withGrantOption: wgo,
        };
        if (column) ng.table = a.object_name;
        groups.set(k, ng);
      }
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, objects: [...new Set(g.objects)].sort(cmp) }))
    .sort(
      (x, y) =>
        cmp(x.grantee, y.grantee) ||
        cmp(x.type, y.type) ||
        cmp(x.schema ?? "", y.schema ?? "") ||
        cmp(x.table ?? "", y.table ?? "") ||
        cmp(x.privileges.join(), y.privileges.join()) ||
        Number(y.withGrantOption) - Number(x.withGrantOption),
    );
}

interface DefaultGroup {
  owner: string;
  schema: string | null;
  type: DefaultPrivilegeEntry["object_type"];
  grantee: string;
  privileges: string[];
  withGrantOption: boolean;
}

/**
 * Default-privilege entries as DefaultPrivileges resources. A global entry that equals the
 * built-in default for a grantee needs nothing; one that lacks a built-in privilege (EXECUTE
 * revoked from PUBLIC) is declared with what is left (possibly `[]`), which is how the resource
 * says "revoked".
 */
export function defaultGroups(entries: readonly DefaultPrivilegeEntry[]): DefaultGroup[] {
  const by = new Map<string, DefaultPrivilegeEntry[]>();
  for (const e of entries) {
    const k = JSON.stringify([e.owner, e.schema, e.object_type, e.grantee]);
    by.set(k, [...(by.get(k) ?? []), e]);
  }
  const out: DefaultGroup[] = [];
  const typeOf = (t: DefaultPrivilegeEntry["object_type"]): ObjectType => (t === "function" ? "function" : t);
  for (const list of by.values()) {
    const { owner, schema, object_type, grantee } = list[0]!;
    const held = list.filter((e) => !e.revoked);
    const changedFromBuiltin = list.some((e) => e.revoked || !e.builtin);
    if (!changedFromBuiltin) continue;
    const t = typeOf(object_type);
    const grantable = ordered(
      t,
      held.filter((e) => e.is_grantable).map((e) => e.privilege),
    );
    const plain = ordered(
      t,
      held.filter((e) => !e.is_grantable).map((e) => e.privilege),
    );
    if (grantable.length > 0)
      out.push({ owner, schema, type: object_type, grantee, privileges: grantable, withGrantOption: true });
    // A global entry always gets its plain resource (it controls the built-in defaults, even `[]`).
    if (plain.length > 0 || (schema === null && grantable.length === 0))
      out.push({ owner, schema, type: object_type, grantee, privileges: plain, withGrantOption: false });
  }
  return out.sort(
    (x, y) =>
      cmp(x.owner, y.owner) ||
      cmp(x.schema ?? "", y.schema ?? "") ||
      cmp(x.type, y.type) ||
      cmp(x.grantee, y.grantee) ||
      Number(y.withGrantOption) - Number(x.withGrantOption),
  );
}

const TYPE_SLUG: Record<string, string> = {
  foreign_data_wrapper: "fdw",
  foreign_server: "server",
};

export function generateProgram(full: CatalogSnapshot, opts: ExportOptions = {}): ExportResult {
  const s = applyFilters(full, opts);
  const server = s.server;
  const version = server.version;
  const notes: string[] = [];
  const excluded = new Set<string>();
  if (!opts.includeAdmin) {
    excluded.add(server.user);
    for (const r of full.roles) if (r.oid === 10) excluded.add(r.name);
  }
  const isExcluded = (name: string) => excluded.has(name);

  const idents = new Names(["config", "pulumi", "database", "opts", "Role", "Grant"]);
  const resourceNames = new Map<string, Names>();
  const resName = (kind: string, base: string) => {
    const n = resourceNames.get(kind) ?? new Names();
    resourceNames.set(kind, n);
    return n.take(base);
  };
  const passwordNames = new Names();
  const options = opts.retainOnDelete ? "{ retainOnDelete: true }" : undefined;
  const construct = (cls: string, name: string, args: string) => {
    if (/\bdatabase[,\n ]/.test(args)) usesDatabase = true;
    return `new ${cls}(${lit(name)}, ${args}${options ? `, ${options}` : ""});`;
  };

  const body: string[] = [];
  let usesDatabase = false;
  const passwordKeys: string[] = [];
  let usesConfig = false;
  const used = new Set<string>();

  // Roles
  const roleVar = new Map<string, string>();
  const roles = s.roles.filter((r) => !r.system && !isExcluded(r.name)).sort((a, b) => cmp(a.name, b.name));
  for (const r of full.roles) {
    if (excluded.has(r.name) && s.roles.some((x) => x.name === r.name))
      notes.push(
        `role ${r.name} is left out (the admin the export ran as, or the bootstrap superuser), with its memberships and grants`,
      );
  }
  if (roles.length > 0) {
    used.add("Role");
    body.push("// Roles: an existing role is adopted (converged, not recreated).");
  }
  for (const r of roles) {
    const v = idents.takeIdent(identifierFor(r.name));
    roleVar.set(r.name, v);
    body.push(`const ${v} = ${roleConstructor(r)}`);
  }

  function roleConstructor(r: RoleDetail): string {
    const entries: Array<[string, string | undefined]> = [["name", lit(r.name)]];
    if (r.login) entries.push(["login", "true"]);
    if (r.superuser) entries.push(["superuser", "true"]);
    if (r.createdb) entries.push(["createDatabase", "true"]);
    if (r.createrole) entries.push(["createRole", "true"]);
    if (!r.inherit) entries.push(["inherit", "false"]);
    if (r.replication) entries.push(["replication", "true"]);
    if (r.bypassrls) entries.push(["bypassRowLevelSecurity", "true"]);
    if (r.connection_limit !== -1) entries.push(["connectionLimit", String(r.connection_limit)]);
    if (r.valid_until !== null) entries.push(["validUntil", lit(r.valid_until)]);
    const settings = Object.entries(r.settings).sort(([a], [b]) => cmp(a, b));
    if (settings.length > 0)
      entries.push([
        "settings",
        objectLiteral(
          settings.map(([k, v]) => [k, lit(v)]),
          "  ",
        ),
      ]);
    if (r.comment !== null) entries.push(["comment", lit(r.comment)]);
    let passwordLine: string | undefined;
    if (r.login && r.has_password !== false) {
      const key = passwordKey(r.name, passwordNames);
      if (r.has_password === true) {
        usesConfig = true;
        passwordKeys.push(key);
        entries.push(["password", `config.requireSecret(${lit(key)})`]);
      } else {
        passwordLine = `  // password: config.requireSecret(${lit(key)}), // pg_authid was not readable: uncomment if the role has a password`;
      }
    }
    entries.push(["adoptExisting", "true"]);
    let text = objectLiteral(entries);
    if (passwordLine) {
      text = `{\n${entries.map(([k, v]) => `  ${k}: ${v},`).join("\n")}\n${passwordLine}\n}`;
    }
    return construct("Role", resName("role", slug(r.name)), text);
  }

  const ref = (name: string) => (roleVar.has(name) ? `${roleVar.get(name)}.name` : lit(name));

  // Memberships
  const pairs = membershipPairs({ ...full, memberships: s.memberships }).filter(
    (p) => !isExcluded(p.member) && !isExcluded(p.role),
  );
  if (pairs.length > 0) {
    used.add("RoleMembership");
    body.push("", "// Memberships.");
  }
  for (const p of pairs) {
    const entries: Array<[string, string | undefined]> = [
      ["role", ref(p.role)],
      ["member", ref(p.member)],
    ];
    if (p.admin) entries.push(["withAdmin", "true"]);
    if (version >= 160000) {
      entries.push(["inherit", String(p.inherit)]);
      entries.push(["set", String(p.set ?? true)]);
    }
    body.push(
      construct(
        "RoleMembership",
        resName("membership", `${slug(p.member)}-in-${slug(p.role)}`),
        objectLiteral(entries),
      ),
    );
  }

  // Grants
  const database = server.database;
  const acl = s.acl.filter((a) => !isExcluded(a.grantee));
  const routinesBySchema = new Map<string, Map<string, number>>();
  for (const a of s.acl) {
    if (a.object_type !== "function" && a.object_type !== "procedure") continue;
    const m = routinesBySchema.get(a.schema ?? "") ?? new Map<string, number>();
    routinesBySchema.set(a.schema ?? "", m);
    m.set(a.object_name, 0);
  }
  const routineNameCount = (schema: string | null, bare: string) =>
    [...(routinesBySchema.get(schema ?? "")?.keys() ?? [])].filter(
      (sig) => sig.slice(0, sig.indexOf("(")) === bare,
    ).length;
  const groups = grantGroups(acl);
  if (groups.length > 0) {
    used.add("Grant");
    body.push("", "// Grants: create grants only what is missing, so declaring what is there sends nothing.");
  }
  for (const g of groups) {
    const entries: Array<[string, string | undefined]> = [
      ["role", ref(g.grantee)],
      ["objectType", lit(g.type)],
    ];
    const type = g.type;
    let objects = g.objects;
    if (type === "function" || type === "procedure") {
      objects = objects.map((sig) => {
        if (Buffer.byteLength(sig, "utf8") <= MAX_NAME_BYTES) return sig;
        const bare = sig.slice(0, sig.indexOf("("));
        if (routineNameCount(g.schema, bare) === 1) return bare;
        notes.push(
          `${type} ${g.schema}.${sig}: its signature is longer than ${MAX_NAME_BYTES} bytes, which Grant does not accept, and the name is overloaded`,
        );
        return sig;
      });
    }
    if (type === "database") {
      entries.push(["database", lit(g.objects[0])]);
    } else {
      if (!["tablespace", "parameter"].includes(type)) entries.push(["database", "database"]);
      if (type === "schema") entries.push(["schema", lit(g.objects[0])]);
      else if (g.schema !== null) entries.push(["schema", lit(g.schema)]);
      if (type === "column") {
        entries.push(["objects", strings([g.table!])]);
        entries.push(["columns", strings(objects)]);
      } else if (type !== "schema") entries.push(["objects", strings(objects)]);
    }
    entries.push(["privileges", strings(g.privileges)]);
    if (g.withGrantOption) entries.push(["withGrantOption", "true"]);
    const where = type === "database" || type === "schema" ? g.objects[0]! : (g.table ?? g.schema ?? "");
    const base =
      [
        slug(g.grantee),
        TYPE_SLUG[type] ?? type,
        where ? slug(where) : undefined,
        slug(g.privileges.join("_").toLowerCase()),
      ]
        .filter(Boolean)
        .join("-") + (g.withGrantOption ? "-wgo" : "");
    // Database and schema grants: one object each (several databases or schemas: several grants).
    if ((type === "database" || type === "schema") && g.objects.length > 1) {
      for (const o of g.objects) {
        const e2 = entries.map(([k, v]) =>
          k === "database" && type === "database"
            ? [k, lit(o)]
            : k === "schema" && type === "schema"
              ? [k, lit(o)]
              : [k, v],
        ) as Array<[string, string | undefined]>;
        body.push(
          construct(
            "Grant",
            resName(
              "grant",
              [slug(g.grantee), type, slug(o), slug(g.privileges.join("_").toLowerCase())].join("-") +
                (g.withGrantOption ? "-wgo" : ""),
            ),
            objectLiteral(e2),
          ),
        );
      }
      continue;
    }
    body.push(construct("Grant", resName("grant", base), objectLiteral(entries)));
  }

  // Built-in privileges revoked: no resource says "not granted" on an object; left as they are.
  const revoked = new Map<string, { a: AclEntry; privs: string[] }>();
  for (const a of acl.filter((x) => x.revoked)) {
    const k = JSON.stringify([a.grantee, a.object_type, a.schema, a.object_name, a.column_name]);
    const r = revoked.get(k) ?? { a, privs: [] };
    r.privs.push(a.privilege);
    revoked.set(k, r);
  }
  if (revoked.size > 0) {
    body.push(
      "",
      "// Built-in privileges revoked from these objects (no resource declares an absence; left as they are):",
    );
    for (const { a, privs } of revoked.values()) {
      const obj = a.schema && a.object_type !== "schema" ? `${a.schema}.${a.object_name}` : a.object_name;
      body.push(
        `//   ${privs.join(", ")} on ${a.object_type.replace(/_/g, " ")} ${commentSafe(obj)} from ${commentSafe(a.grantee)}`,
      );
    }
  }

  // Default privileges
  const defaults = defaultGroups(s.defaultPrivileges.filter((d) => !isExcluded(d.grantee)));
  if (defaults.length > 0) {
    used.add("DefaultPrivileges");
    body.push("", "// Default privileges: what objects created later by the owner get.");
  }
  for (const d of defaults) {
    const entries: Array<[string, string | undefined]> = [
      ["role", ref(d.grantee)],
      ["owner", ref(d.owner)],
      ["objectType", lit(d.type)],
    ];
    if (d.schema !== null) entries.push(["schema", lit(d.schema)]);
    entries.push(["privileges", strings(d.privileges)]);
    if (d.withGrantOption) entries.push(["withGrantOption", "true"]);
    entries.push(["database", "database"]);
    const base =
      [
        slug(d.grantee),
        "defaults",
        slug(d.owner),
        d.schema === null ? "global" : slug(d.schema),
        d.type,
      ].join("-") + (d.withGrantOption ? "-wgo" : "");
    body.push(construct("DefaultPrivileges", resName("defaults", base), objectLiteral(entries)));
  }

  // Row level security
  if (s.rowLevelSecurity.length > 0) {
    used.add("RowLevelSecurity");
    body.push("", "// Row level security, as each table has it.");
  }
  for (const r of s.rowLevelSecurity) {
    const entries: Array<[string, string | undefined]> = [
      ["schema", lit(r.schema)],
      ["table", lit(r.table)],
      ["enabled", String(r.enabled)],
    ];
    if (r.force) entries.push(["force", "true"]);
    entries.push(["database", "database"]);
    body.push(
      construct(
        "RowLevelSecurity",
        resName("rls", `${slug(r.schema)}.${slug(r.table)}`),
        objectLiteral(entries),
      ),
    );
  }

  // Policies
  if (s.policies.length > 0) {
    used.add("Policy");
    body.push(
      "",
      "// Policies: USING and WITH CHECK as PostgreSQL prints them (trusted SQL); an existing policy is adopted.",
    );
  }
  for (const p of s.policies) {
    const entries: Array<[string, string | undefined]> = [
      ["name", lit(p.name)],
      ["schema", lit(p.schema)],
      ["table", lit(p.table)],
    ];
    if (p.command !== "ALL") entries.push(["command", lit(p.command)]);
    if (!p.permissive) entries.push(["permissive", "false"]);
    if (!(p.roles.length === 1 && p.roles[0] === "PUBLIC"))
      entries.push(["roles", arrayLiteral(p.roles.map(ref))]);
    if (p.using !== null) entries.push(["using", lit(p.using)]);
    if (p.with_check !== null) entries.push(["withCheck", lit(p.with_check)]);
    entries.push(["database", "database"]);
    entries.push(["adoptExisting", "true"]);
    body.push(
      construct(
        "Policy",
        resName("policy", `${slug(p.schema)}.${slug(p.table)}.${slug(p.name)}`),
        objectLiteral(entries),
      ),
    );
  }

  const imports = [
    "DefaultPrivileges",
    "Grant",
    "Policy",
    "Role",
    "RoleMembership",
    "RowLevelSecurity",
  ].filter((c) => used.has(c));
  const pkg = opts.packageName ?? "pulumi-postgres-roles";
  const f: string[] = [];
  if (opts.roles?.length) f.push(`--role ${opts.roles.join(",")}`);
  if (opts.schemas?.length) f.push(`--schema ${opts.schemas.join(",")}`);
  const header = [
    "/**",
    ` * Generated by \`pulumi-postgres-roles export\`${f.length ? ` (${commentSafe(f.join(" "))})` : ""} from database ${commentSafe(database)}`,
    ` * (PostgreSQL ${commentSafe(server.version_text)}) at ${opts.generatedAt ?? new Date().toISOString()}.`,
    " *",
    " * It declares the roles, memberships, grants, default privileges, row level security and policies",
    " * as they were, so that `pulumi up` takes them over without recreating anything. Connect it to the",
    " * same server (PGHOST … or `pulumi config set postgres-roles:host …`); per-database resources name",
    ` * the database ${commentSafe(database)}.`,
    ...(passwordKeys.length > 0
      ? [
          " *",
          " * Passwords are not exported. Before `pulumi up`, set each placeholder (this sets the password):",
          ...passwordKeys.map((k) => ` *   pulumi config set --secret ${k} '…'`),
        ]
      : []),
    ...(notes.length > 0 ? [" *", " * Notes:", ...notes.map((n) => ` *   - ${commentSafe(n)}`)] : []),
    " */",
  ];
  const lines = [
    ...header,
    ...(usesConfig ? ['import * as pulumi from "@pulumi/pulumi";'] : []),
    ...(imports.length > 0 ? [`import { ${imports.join(", ")} } from ${lit(pkg)};`] : []),
    "",
    ...(usesConfig ? ["const config = new pulumi.Config();"] : []),
    `const database = ${lit(database)};`,
    "",
    ...body,
    "",
  ];
  let program = lines.join("\n").replace(/\n{3,}/g, "\n\n");
  // Nothing per database: no unused variable.
  if (!usesDatabase) program = program.replace(`const database = ${lit(database)};\n\n`, "");
  return {
    program,
    counts: {
      roles: roles.length,
      memberships: pairs.length,
      grants: body.filter((l) => l.startsWith("new Grant(")).length,
      defaultPrivileges: defaults.length,
      rowLevelSecurity: s.rowLevelSecurity.length,
      policies: s.policies.length,
    },
    passwordKeys,
    notes,
  };
}

/** Text safe inside a block or line comment. */
function commentSafe(s: string): string {
  const controls = /[\u0000-\u001f\u007f\u2028\u2029]/g; // eslint-disable-line no-control-regex
  return s.replace(/\*\//g, "*\\/").replace(controls, (c) => JSON.stringify(c).slice(1, -1));
}
