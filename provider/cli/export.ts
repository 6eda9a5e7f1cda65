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
import { OBJECT_KINDS } from "../common/object-kinds";
import { ROLE_ATTRIBUTES } from "../role/attributes";
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

/** What the section emitters share: the filtered snapshot, names taken so far, and the program's body. */
class Program {
  readonly s: CatalogSnapshot;
  readonly notes: string[] = [];
  readonly body: string[] = [];
  /** The classes the program imports. */
  readonly used = new Set<string>();
  readonly passwordKeys: string[] = [];
  readonly passwordNames = new Names();
  readonly idents = new Names(["config", "pulumi", "database", "opts", "Role", "Grant"]);
  /** Role name -> the variable of its Role. */
  readonly roleVar = new Map<string, string>();
  usesDatabase = false;
  usesConfig = false;
  private readonly excluded = new Set<string>();
  private readonly resourceNames = new Map<string, Names>();
  private readonly options: string | undefined;

  constructor(
    readonly full: CatalogSnapshot,
    readonly opts: ExportOptions,
  ) {
    this.s = applyFilters(full, opts);
    if (!opts.includeAdmin) {
      this.excluded.add(this.s.server.user);
      for (const r of full.roles) if (r.oid === 10) this.excluded.add(r.name);
    }
    this.options = opts.retainOnDelete ? "{ retainOnDelete: true }" : undefined;
  }

  isExcluded(name: string): boolean {
    return this.excluded.has(name);
  }

  resName(kind: string, base: string): string {
    const n = this.resourceNames.get(kind) ?? new Names();
    this.resourceNames.set(kind, n);
    return n.take(base);
  }

  construct(cls: string, name: string, args: string): string {
    if (/\bdatabase[,\n ]/.test(args)) this.usesDatabase = true;
    return `new ${cls}(${lit(name)}, ${args}${this.options ? `, ${this.options}` : ""});`;
  }

  /** A role as the program refers to it: its Role's name output, or the name as a literal. */
  ref(name: string): string {
    return this.roleVar.has(name) ? `${this.roleVar.get(name)}.name` : lit(name);
  }

  /** Starts a section: its class imported, a blank line, its comment. */
  section(cls: string, comment: string): void {
    this.used.add(cls);
    this.body.push("", comment);
  }
}

type Entries = Array<[string, string | undefined]>;

function emitRoles(p: Program): number {
  const { s, full } = p;
  const roles = s.roles.filter((r) => !r.system && !p.isExcluded(r.name)).sort((a, b) => cmp(a.name, b.name));
  for (const r of full.roles) {
    if (p.isExcluded(r.name) && s.roles.some((x) => x.name === r.name))
      p.notes.push(
        `role ${r.name} is left out (the admin the export ran as, or the bootstrap superuser), with its memberships and grants`,
      );
  }
  if (roles.length > 0)
    p.section("Role", "// Roles: an existing role is adopted (converged, not recreated).");
  for (const r of roles) {
    const v = p.idents.takeIdent(identifierFor(r.name));
    p.roleVar.set(r.name, v);
    p.body.push(`const ${v} = ${roleConstructor(p, r)}`);
  }
  return roles.length;
}

function roleConstructor(p: Program, r: RoleDetail): string {
  const entries: Entries = [["name", lit(r.name)]];
  for (const a of ROLE_ATTRIBUTES) if (r[a.info] !== a.default) entries.push([a.key, String(r[a.info])]);
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
    const key = passwordKey(r.name, p.passwordNames);
    if (r.has_password === true) {
      p.usesConfig = true;
      p.passwordKeys.push(key);
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
  return p.construct("Role", p.resName("role", slug(r.name)), text);
}

function emitMemberships(p: Program): number {
  const pairs = membershipPairs({ ...p.full, memberships: p.s.memberships }).filter(
    (m) => !p.isExcluded(m.member) && !p.isExcluded(m.role),
  );
  if (pairs.length > 0) p.section("RoleMembership", "// Memberships.");
  for (const m of pairs) {
    const entries: Entries = [
      ["role", p.ref(m.role)],
      ["member", p.ref(m.member)],
    ];
    if (m.admin) entries.push(["withAdmin", "true"]);
    if (p.s.server.version >= 160000) {
      entries.push(["inherit", String(m.inherit)]);
      entries.push(["set", String(m.set ?? true)]);
    }
    p.body.push(
      p.construct(
        "RoleMembership",
        p.resName("membership", `${slug(m.member)}-in-${slug(m.role)}`),
        objectLiteral(entries),
      ),
    );
  }
  return pairs.length;
}

/** Grants, then (as a comment) the built-in privileges revoked, which no resource declares. */
function emitGrants(p: Program): number {
  const acl = p.s.acl.filter((a) => !p.isExcluded(a.grantee));
  const routinesBySchema = new Map<string, Map<string, number>>();
  for (const a of p.s.acl) {
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
  if (groups.length > 0)
    p.section(
      "Grant",
      "// Grants: create grants only what is missing, so declaring what is there sends nothing.",
    );
  let count = 0;
  for (const g of groups) {
    const entries: Entries = [
      ["role", p.ref(g.grantee)],
      ["objectType", lit(g.type)],
    ];
    const type = g.type;
    const kind = OBJECT_KINDS[type];
    let objects = g.objects;
    if (kind.prokinds) {
      objects = objects.map((sig) => {
        if (Buffer.byteLength(sig, "utf8") <= MAX_NAME_BYTES) return sig;
        const bare = sig.slice(0, sig.indexOf("("));
        if (routineNameCount(g.schema, bare) === 1) return bare;
        p.notes.push(
          `${type} ${g.schema}.${sig}: its signature is longer than ${MAX_NAME_BYTES} bytes, which Grant does not accept, and the name is overloaded`,
        );
        return sig;
      });
    }
    if (type === "database") {
      entries.push(["database", lit(g.objects[0])]);
    } else {
      if (kind.scope !== "cluster") entries.push(["database", "database"]);
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
        kind.slug,
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
        ) as Entries;
        p.body.push(
          p.construct(
            "Grant",
            p.resName(
              "grant",
              [slug(g.grantee), type, slug(o), slug(g.privileges.join("_").toLowerCase())].join("-") +
                (g.withGrantOption ? "-wgo" : ""),
            ),
            objectLiteral(e2),
          ),
        );
        count++;
      }
      continue;
    }
    p.body.push(p.construct("Grant", p.resName("grant", base), objectLiteral(entries)));
    count++;
  }
  emitRevoked(p, acl);
  return count;
}

/** Built-in privileges revoked: no resource says "not granted" on an object; left as they are. */
function emitRevoked(p: Program, acl: readonly AclEntry[]): void {
  const revoked = new Map<string, { a: AclEntry; privs: string[] }>();
  for (const a of acl.filter((x) => x.revoked)) {
    const k = JSON.stringify([a.grantee, a.object_type, a.schema, a.object_name, a.column_name]);
    const r = revoked.get(k) ?? { a, privs: [] };
    r.privs.push(a.privilege);
    revoked.set(k, r);
  }
  if (revoked.size === 0) return;
  p.body.push(
    "",
    "// Built-in privileges revoked from these objects (no resource declares an absence; left as they are):",
  );
  for (const { a, privs } of revoked.values()) {
    const obj = a.schema && a.object_type !== "schema" ? `${a.schema}.${a.object_name}` : a.object_name;
    p.body.push(
      `//   ${privs.join(", ")} on ${a.object_type.replace(/_/g, " ")} ${commentSafe(obj)} from ${commentSafe(a.grantee)}`,
    );
  }
}

function emitDefaultPrivileges(p: Program): number {
  const defaults = defaultGroups(p.s.defaultPrivileges.filter((d) => !p.isExcluded(d.grantee)));
  if (defaults.length > 0)
    p.section("DefaultPrivileges", "// Default privileges: what objects created later by the owner get.");
  for (const d of defaults) {
    const entries: Entries = [
      ["role", p.ref(d.grantee)],
      ["owner", p.ref(d.owner)],
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
    p.body.push(p.construct("DefaultPrivileges", p.resName("defaults", base), objectLiteral(entries)));
  }
  return defaults.length;
}

function emitRowLevelSecurity(p: Program): number {
  const tables = p.s.rowLevelSecurity;
  if (tables.length > 0) p.section("RowLevelSecurity", "// Row level security, as each table has it.");
  for (const r of tables) {
    const entries: Entries = [
      ["schema", lit(r.schema)],
      ["table", lit(r.table)],
      ["enabled", String(r.enabled)],
    ];
    if (r.force) entries.push(["force", "true"]);
    entries.push(["database", "database"]);
    p.body.push(
      p.construct(
        "RowLevelSecurity",
        p.resName("rls", `${slug(r.schema)}.${slug(r.table)}`),
        objectLiteral(entries),
      ),
    );
  }
  return tables.length;
}

function emitPolicies(p: Program): number {
  const policies = p.s.policies;
  if (policies.length > 0)
    p.section(
      "Policy",
      "// Policies: USING and WITH CHECK as PostgreSQL prints them (trusted SQL); an existing policy is adopted.",
    );
  for (const pol of policies) {
    const entries: Entries = [
      ["name", lit(pol.name)],
      ["schema", lit(pol.schema)],
      ["table", lit(pol.table)],
    ];
    if (pol.command !== "ALL") entries.push(["command", lit(pol.command)]);
    if (!pol.permissive) entries.push(["permissive", "false"]);
    if (!(pol.roles.length === 1 && pol.roles[0] === "PUBLIC"))
      entries.push(["roles", arrayLiteral(pol.roles.map((r) => p.ref(r)))]);
    if (pol.using !== null) entries.push(["using", lit(pol.using)]);
    if (pol.with_check !== null) entries.push(["withCheck", lit(pol.with_check)]);
    entries.push(["database", "database"]);
    entries.push(["adoptExisting", "true"]);
    p.body.push(
      p.construct(
        "Policy",
        p.resName("policy", `${slug(pol.schema)}.${slug(pol.table)}.${slug(pol.name)}`),
        objectLiteral(entries),
      ),
    );
  }
  return policies.length;
}

/** The comment at the top: where the program comes from, the password placeholders, the notes. */
function header(p: Program): string[] {
  const { opts, s } = p;
  const database = s.server.database;
  const f: string[] = [];
  if (opts.roles?.length) f.push(`--role ${opts.roles.join(",")}`);
  if (opts.schemas?.length) f.push(`--schema ${opts.schemas.join(",")}`);
  return [
    "/**",
    ` * Generated by \`pulumi-postgres-roles export\`${f.length ? ` (${commentSafe(f.join(" "))})` : ""} from database ${commentSafe(database)}`,
    ` * (PostgreSQL ${commentSafe(s.server.version_text)}) at ${opts.generatedAt ?? new Date().toISOString()}.`,
    " *",
    " * It declares the roles, memberships, grants, default privileges, row level security and policies",
    " * as they were, so that `pulumi up` takes them over without recreating anything. Connect it to the",
    " * same server (PGHOST … or `pulumi config set postgres-roles:host …`); per-database resources name",
    ` * the database ${commentSafe(database)}.`,
    ...(p.passwordKeys.length > 0
      ? [
          " *",
          " * Passwords are not exported. Before `pulumi up`, set each placeholder (this sets the password):",
          ...p.passwordKeys.map((k) => ` *   pulumi config set --secret ${k} '…'`),
        ]
      : []),
    ...(p.notes.length > 0 ? [" *", " * Notes:", ...p.notes.map((n) => ` *   - ${commentSafe(n)}`)] : []),
    " */",
  ];
}

const IMPORTS = ["DefaultPrivileges", "Grant", "Policy", "Role", "RoleMembership", "RowLevelSecurity"];

export function generateProgram(full: CatalogSnapshot, opts: ExportOptions = {}): ExportResult {
  const p = new Program(full, opts);
  const counts = {
    roles: emitRoles(p),
    memberships: emitMemberships(p),
    grants: emitGrants(p),
    defaultPrivileges: emitDefaultPrivileges(p),
    rowLevelSecurity: emitRowLevelSecurity(p),
    policies: emitPolicies(p),
  };
  const database = p.s.server.database;
  const imports = IMPORTS.filter((c) => p.used.has(c));
  const lines = [
    ...header(p),
    ...(p.usesConfig ? ['import * as pulumi from "@pulumi/pulumi";'] : []),
    ...(imports.length > 0
      ? [`import { ${imports.join(", ")} } from ${lit(opts.packageName ?? "pulumi-postgres-roles")};`]
      : []),
    "",
    ...(p.usesConfig ? ["const config = new pulumi.Config();"] : []),
    `const database = ${lit(database)};`,
    "",
    ...p.body,
    "",
  ];
  let program = lines.join("\n").replace(/\n{3,}/g, "\n\n");
  // Nothing per database: no unused variable.
  if (!p.usesDatabase) program = program.replace(`const database = ${lit(database)};\n\n`, "");
  return { program, counts, passwordKeys: p.passwordKeys, notes: p.notes };
}

/** Text safe inside a block or line comment. */
function commentSafe(s: string): string {
  const controls = /[\u0000-\u001f\u007f\u2028\u2029]/g; // eslint-disable-line no-control-regex
  return s.replace(/\*\//g, "*\\/").replace(controls, (c) => JSON.stringify(c).slice(1, -1));
}
