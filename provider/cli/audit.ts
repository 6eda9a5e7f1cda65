/**
 * The audit: a catalog snapshot (see queries/) turned into a report (roles with their attributes,
 * memberships as a tree, grants per role, default privileges, row level security, policies), and
 * that report written as a text table, JSON or Markdown. Pure.
 */
import { type ObjectType, normalizePrivileges } from "../common/privileges";
import type {
  AclEntry,
  CatalogSnapshot,
  PolicyInfo,
  RoleDetail,
  RowLevelSecurityInfo,
  ServerInfo,
} from "../queries/types";
import { type Filters, applyFilters } from "./filter";

export interface AuditOptions extends Filters {
  /** Also list the built-in default privileges (PUBLIC's CONNECT on databases, EXECUTE on functions …). */
  includeDefaults?: boolean;
}

export interface GrantGroup {
  object_type: string;
  schema: string | null;
  /** Object names (columns as `table.column`). */
  objects: string[];
  privileges: string[];
  /** The privileges held WITH GRANT OPTION. */
  grantable: string[];
  /** Built-in default privileges (only with includeDefaults). */
  builtin?: boolean;
}

export interface MembershipNode {
  role: string;
  login: boolean;
  /** Options of the membership that makes this node a member of its parent (absent at the roots). */
  admin?: boolean;
  /** Whether privileges flow from the parent to this node. */
  inherit?: boolean;
  /** PostgreSQL 16+: may SET ROLE to the parent. */
  set?: boolean | null;
  members: MembershipNode[];
}

export interface DefaultPrivilegeGroup {
  owner: string;
  /** null: the owner's global entry (every schema). */
  schema: string | null;
  object_type: string;
  grantee: string;
  privileges: string[];
  grantable: string[];
  /** Built-in defaults this global entry took away (e.g. EXECUTE from PUBLIC). */
  revoked: string[];
}

export interface AuditReport {
  server: ServerInfo;
  filters: Filters;
  roles: Array<Omit<RoleDetail, "oid" | "system">>;
  memberships: MembershipNode[];
  grants: Array<{ grantee: string; groups: GrantGroup[] }>;
  /** Built-in default privileges an object's ACL no longer has (REVOKE … FROM PUBLIC). */
  revokedDefaults: Array<{
    grantee: string;
    object_type: string;
    schema: string | null;
    object: string;
    privileges: string[];
  }>;
  defaultPrivileges: DefaultPrivilegeGroup[];
  rowLevelSecurity: RowLevelSecurityInfo[];
  policies: PolicyInfo[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function privOrder(type: string, privs: Iterable<string>): string[] {
  const t = (type === "default" ? "table" : type) as ObjectType;
  try {
    return normalizePrivileges(t, [...privs]);
  } catch {
    return [...privs].sort();
  }
}

const objectLabel = (a: Pick<AclEntry, "object_name" | "column_name">) =>
  a.column_name === null ? a.object_name : `${a.object_name}.${a.column_name}`;

/** Privileges per grantee, grouped: objects of one type and schema holding the same privileges. */
export function groupGrants(acl: readonly AclEntry[]): Array<{ grantee: string; groups: GrantGroup[] }> {
  // grantee -> type/schema -> object -> privilege -> grantable
  const held = new Map<string, Map<string, Map<string, Map<string, boolean>>>>();
  const builtinOnly = new Map<string, boolean>();
  for (const a of acl) {
    if (a.revoked) continue;
    const ts = JSON.stringify([a.object_type, a.schema]);
    const byType = held.get(a.grantee) ?? new Map();
    held.set(a.grantee, byType);
    const byObject = byType.get(ts) ?? new Map();
    byType.set(ts, byObject);
    const obj = objectLabel(a);
    const privs = byObject.get(obj) ?? new Map<string, boolean>();
    byObject.set(obj, privs);
    privs.set(a.privilege, (privs.get(a.privilege) ?? false) || a.is_grantable);
    const k = JSON.stringify([a.grantee, ts, obj]);
    builtinOnly.set(k, (builtinOnly.get(k) ?? true) && a.is_default);
  }
  const out: Array<{ grantee: string; groups: GrantGroup[] }> = [];
  for (const grantee of [...held.keys()].sort(cmp)) {
    const groups: GrantGroup[] = [];
    const byType = held.get(grantee)!;
    for (const ts of [...byType.keys()].sort(cmp)) {
      const [type, schema] = JSON.parse(ts) as [string, string | null];
      const bySet = new Map<string, GrantGroup>();
      for (const [obj, privs] of [...byType.get(ts)!].sort((x, y) => cmp(x[0], y[0]))) {
        const p = privOrder(type, privs.keys());
        const g = privOrder(
          type,
          [...privs].filter(([, v]) => v).map(([k]) => k),
        );
        const builtin = builtinOnly.get(JSON.stringify([grantee, ts, obj])) === true;
        const key = JSON.stringify([p, g, builtin]);
        const group = bySet.get(key);
        if (group) group.objects.push(obj);
        else {
          const ng: GrantGroup = { object_type: type, schema, objects: [obj], privileges: p, grantable: g };
          if (builtin) ng.builtin = true;
          bySet.set(key, ng);
        }
      }
      groups.push(...bySet.values());
    }
    out.push({ grantee, groups });
  }
  return out;
}

/** Membership rows aggregated per pair: admin if any grant has it; inherit and set likewise (16+). */
export function membershipPairs(s: CatalogSnapshot): Array<{
  role: string;
  member: string;
  admin: boolean;
  inherit: boolean;
  set: boolean | null;
}> {
  const byName = new Map(s.roles.map((r) => [r.name, r]));
  const pairs = new Map<
    string,
    { role: string; member: string; admin: boolean; inherit: boolean; set: boolean | null }
  >();
  for (const m of s.memberships) {
    const k = JSON.stringify([m.role, m.member]);
    // Before 16 the member's INHERIT attribute decides; from 16 the membership's own option.
    const inherit = m.inherit_option ?? byName.get(m.member)?.inherit ?? true;
    const p = pairs.get(k);
    if (p) {
      p.admin ||= m.admin_option;
      p.inherit ||= inherit;
      if (m.set_option !== null) p.set = (p.set ?? false) || m.set_option;
    } else
      pairs.set(k, { role: m.role, member: m.member, admin: m.admin_option, inherit, set: m.set_option });
  }
  return [...pairs.values()].sort((a, b) => cmp(a.role, b.role) || cmp(a.member, b.member));
}

/**
 * Memberships as a forest: each group with its members beneath (a role in several groups appears
 * under each). Roots are groups that are members of no group (in the filtered memberships).
 */
export function membershipTree(full: CatalogSnapshot, filtered: CatalogSnapshot): MembershipNode[] {
  const login = new Map(full.roles.map((r) => [r.name, r.login]));
  const pairs = membershipPairs({ ...full, memberships: filtered.memberships });
  const membersOf = new Map<string, typeof pairs>();
  for (const p of pairs) membersOf.set(p.role, [...(membersOf.get(p.role) ?? []), p]);
  const isMember = new Set(pairs.map((p) => p.member));
  const roots = [...new Set(pairs.map((p) => p.role))].filter((r) => !isMember.has(r)).sort(cmp);
  const build = (role: string, seen: Set<string>): MembershipNode[] =>
    (membersOf.get(role) ?? [])
      .filter((p) => !seen.has(p.member))
      .map((p) => ({
        role: p.member,
        login: login.get(p.member) ?? false,
        admin: p.admin,
        inherit: p.inherit,
        set: p.set,
        members: build(p.member, new Set([...seen, p.member])),
      }));
  return roots.map((r) => ({ role: r, login: login.get(r) ?? false, members: build(r, new Set([r])) }));
}

export function groupDefaultPrivileges(
  s: CatalogSnapshot,
  includeDefaults: boolean,
): DefaultPrivilegeGroup[] {
  const groups = new Map<string, DefaultPrivilegeGroup>();
  for (const d of s.defaultPrivileges) {
    if (d.builtin && !d.revoked && !includeDefaults) continue;
    const k = JSON.stringify([d.owner, d.schema, d.object_type, d.grantee]);
    const g = groups.get(k) ?? {
      owner: d.owner,
      schema: d.schema,
      object_type: d.object_type,
      grantee: d.grantee,
      privileges: [],
      grantable: [],
      revoked: [],
    };
    groups.set(k, g);
    if (d.revoked) g.revoked.push(d.privilege);
    else {
      g.privileges.push(d.privilege);
      if (d.is_grantable) g.grantable.push(d.privilege);
    }
  }
  return [...groups.values()].map((g) => ({
    ...g,
    privileges: privOrder(g.object_type, g.privileges),
    grantable: privOrder(g.object_type, g.grantable),
    revoked: privOrder(g.object_type, g.revoked),
  }));
}

export function buildAudit(full: CatalogSnapshot, opts: AuditOptions = {}): AuditReport {
  const s = applyFilters(full, opts);
  const visible = opts.includeDefaults ? s.acl : s.acl.filter((a) => !a.is_default || a.revoked);
  const revoked = new Map<string, AuditReport["revokedDefaults"][number]>();
  for (const a of visible.filter((x) => x.revoked)) {
    const k = JSON.stringify([a.grantee, a.object_type, a.schema, objectLabel(a)]);
    const r = revoked.get(k) ?? {
      grantee: a.grantee,
      object_type: a.object_type,
      schema: a.schema,
      object: objectLabel(a),
      privileges: [],
    };
    r.privileges.push(a.privilege);
    revoked.set(k, r);
  }
  const filters: Filters = {};
  if (opts.roles?.length) filters.roles = opts.roles;
  if (opts.schemas?.length) filters.schemas = opts.schemas;
  return {
    server: s.server,
    filters,
    roles: s.roles.map(({ oid: _oid, system: _system, ...r }) => r),
    memberships: membershipTree(full, s),
    grants: groupGrants(visible),
    revokedDefaults: [...revoked.values()],
    defaultPrivileges: groupDefaultPrivileges(s, opts.includeDefaults ?? false),
    rowLevelSecurity: s.rowLevelSecurity,
    policies: s.policies,
  };
}

// ---------------------------------------------------------------------------------------------
// Output formats

/** Control characters would break the layout of a terminal table: shown escaped. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

const yes = (b: boolean) => (b ? "yes" : "");

function roleRows(r: AuditReport["roles"][number]): string[] {
  return [
    r.name,
    yes(r.login),
    yes(r.superuser),
    yes(r.createrole),
    yes(r.createdb),
    yes(r.replication),
    yes(r.bypassrls),
    r.inherit ? "" : "no",
    r.connection_limit === -1 ? "" : String(r.connection_limit),
    r.valid_until ?? "",
    r.member_of.join(", "),
  ];
}
const ROLE_HEADERS = [
  "role",
  "login",
  "superuser",
  "createrole",
  "createdb",
  "replication",
  "bypassrls",
  "inherit",
  "conn limit",
  "valid until",
  "member of",
];

export function textTable(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((r) => r.map(printable));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - [...c].length)))
      .join("  ")
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

export function mdEscape(s: string): string {
  return printable(s)
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/([*_`<>[\]])/g, "\\$1");
}

export function mdTable(headers: string[], rows: string[][]): string {
  const r = (cells: string[]) => `| ${cells.map(mdEscape).join(" | ")} |`;
  return [r(headers), `|${headers.map(() => " --- ").join("|")}|`, ...rows.map(r)].join("\n");
}

function nodeLabel(n: MembershipNode): string {
  const tags: string[] = [];
  if (n.login) tags.push("login");
  if (n.admin) tags.push("admin option");
  if (n.inherit === false) tags.push("no inherit");
  if (n.set === false) tags.push("no set");
  return `${printable(n.role)}${tags.length ? `  [${tags.join(", ")}]` : ""}`;
}

/** The membership forest drawn with box characters, one group per root. */
export function drawTree(nodes: readonly MembershipNode[]): string {
  const lines: string[] = [];
  const walk = (children: readonly MembershipNode[], prefix: string) => {
    children.forEach((c, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${nodeLabel(c)}`);
      walk(c.members, prefix + (last ? "    " : "│   "));
    });
  };
  for (const root of nodes) {
    lines.push(nodeLabel(root));
    walk(root.members, "");
  }
  return lines.join("\n");
}

const typeLabel = (t: string) => t.replace(/_/g, " ");

function grantRows(report: AuditReport): string[][] {
  const rows: string[][] = [];
  for (const { grantee, groups } of report.grants) {
    for (const g of groups) {
      rows.push([
        grantee,
        typeLabel(g.object_type) + (g.builtin ? " (built-in)" : ""),
        g.schema ?? "",
        g.objects.join(", "),
        g.privileges.join(", "),
        g.grantable.join(", "),
      ]);
    }
  }
  return rows;
}
const GRANT_HEADERS = ["grantee", "type", "schema", "objects", "privileges", "grant option"];

function defaultPrivilegesRows(report: AuditReport): string[][] {
  return report.defaultPrivileges.map((d) => [
    d.owner,
    d.schema ?? "(all schemas)",
    typeLabel(d.object_type),
    d.grantee,
    d.privileges.join(", "),
    d.grantable.join(", "),
    d.revoked.join(", "),
  ]);
}
const DEFAULT_PRIVILEGES_HEADERS = [
  "owner",
  "schema",
  "type",
  "grantee",
  "privileges",
  "grant option",
  "revoked built-in",
];

function policyRows(report: AuditReport): string[][] {
  return report.policies.map((p) => [
    `${p.schema}.${p.table}`,
    p.name,
    p.command,
    p.permissive ? "permissive" : "restrictive",
    p.roles.join(", "),
    p.using ?? "",
    p.with_check ?? "",
  ]);
}
const POLICY_HEADERS = ["table", "policy", "command", "kind", "roles", "using", "with check"];

function rowLevelSecurityRows(report: AuditReport): string[][] {
  return report.rowLevelSecurity.map((r) => [r.schema, r.table, yes(r.enabled), yes(r.force)]);
}

function revokedRows(report: AuditReport): string[][] {
  return report.revokedDefaults.map((r) => [
    r.grantee,
    typeLabel(r.object_type),
    r.schema ?? "",
    r.object,
    r.privileges.join(", "),
  ]);
}

function heading(report: AuditReport): string {
  const s = report.server;
  const f: string[] = [];
  if (report.filters.roles) f.push(`roles ${report.filters.roles.join(", ")}`);
  if (report.filters.schemas) f.push(`schemas ${report.filters.schemas.join(", ")}`);
  return `PostgreSQL ${s.version_text}, database ${s.database}, read as ${s.user}${s.superuser ? " (superuser)" : ""}${
    f.length ? `; only ${f.join("; ")}` : ""
  }`;
}

/** One section of the audit, whatever the syntax: a table, or the membership tree. */
type Section = { title: string } & (
  | {
      headers: string[];
      rows: string[][];
      /** Plain text draws this table's header even with no rows (the roles); Markdown says none. */
      headerWhenEmpty?: boolean;
    }
  | { tree: string }
);

/** The audit's content in reading order: what both text syntaxes render. */
function sections(report: AuditReport): Section[] {
  const out: Section[] = [
    {
      title: `Roles (${report.roles.length})`,
      headers: ROLE_HEADERS,
      rows: report.roles.map(roleRows),
      headerWhenEmpty: true,
    },
    { title: "Memberships", tree: drawTree(report.memberships) },
    { title: "Grants", headers: GRANT_HEADERS, rows: grantRows(report) },
  ];
  if (report.revokedDefaults.length)
    out.push({
      title: "Built-in privileges revoked",
      headers: ["grantee", "type", "schema", "object", "privileges"],
      rows: revokedRows(report),
    });
  out.push(
    { title: "Default privileges", headers: DEFAULT_PRIVILEGES_HEADERS, rows: defaultPrivilegesRows(report) },
    {
      title: "Row level security",
      headers: ["schema", "table", "enabled", "forced"],
      rows: rowLevelSecurityRows(report),
    },
    { title: "Policies", headers: POLICY_HEADERS, rows: policyRows(report) },
  );
  return out;
}

/** How a syntax writes the parts of the document. */
interface Syntax {
  /** The lines before the first section. */
  head(heading: string): string[];
  /** The lines of a section's title. */
  title(title: string): string[];
  table(headers: string[], rows: string[][]): string;
  /** The membership tree, drawn as by drawTree. */
  tree(tree: string): string;
  /** What an empty section says. */
  none: string;
  /** Whether tables marked headerWhenEmpty are drawn without rows. */
  headersWhenEmpty: boolean;
}

const TEXT: Syntax = {
  head: (h) => [h, ""],
  title: (t) => [t],
  table: textTable,
  tree: (tree) => tree,
  none: "(none)",
  headersWhenEmpty: true,
};

const MARKDOWN: Syntax = {
  head: (h) => ["# Access audit", "", mdEscape(h), ""],
  title: (t) => [`## ${t}`, ""],
  table: mdTable,
  tree: (tree) => {
    // A fence longer than any run of backticks in the names.
    const fence = "`".repeat(Math.max(3, ...[...tree.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return `${fence}text\n${tree}\n${fence}`;
  },
  none: "_none_",
  headersWhenEmpty: false,
};

function render(report: AuditReport, syntax: Syntax): string {
  const out = syntax.head(heading(report));
  for (const s of sections(report)) {
    let body: string;
    if ("tree" in s) body = s.tree ? syntax.tree(s.tree) : "";
    else if (s.rows.length || (s.headerWhenEmpty && syntax.headersWhenEmpty))
      body = syntax.table(s.headers, s.rows);
    else body = "";
    out.push(...syntax.title(s.title), body || syntax.none, "");
  }
  return out.join("\n").trimEnd() + "\n";
}

export function formatText(report: AuditReport): string {
  return render(report, TEXT);
}

export function formatMarkdown(report: AuditReport): string {
  return render(report, MARKDOWN);
}

export function formatJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
