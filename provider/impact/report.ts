/**
 * The impact report: the access model now and after the simulated update, compared. Per role (every
 * login role; with `allRoles`, every role but the predefined ones): effective privileges gained and
 * lost with the membership path that explains each, attributes that change, memberships gained or
 * lost (with ADMIN); what PUBLIC holds; default privileges for future objects; row level security
 * and policies. Findings a reviewer must not miss are marked with a level. Pure.
 */
import { type AccessModel, type AclItem, type ModelRole, PUBLIC_ID } from "../queries/model";
import { effectiveFromModel, privilegeKey, reachOf } from "../queries/effective";
import type { EffectivePrivilege } from "../queries/types";
import type { SimulationNote, SimulationResult } from "./simulate";
import { defaultEntryAcl } from "./simulate";
import type { PreviewSummary } from "./preview";

/** Marked findings: high first. `change` is any change at all (for --fail-on change). */
export const LEVELS = ["high", "medium", "change"] as const;
export type Level = (typeof LEVELS)[number];

export interface Finding {
  level: Exclude<Level, "change">;
  /** What kind of finding (stable, for scripts). */
  code:
    | "superuser"
    | "bypassrls"
    | "createrole"
    | "replication"
    | "powerful-membership"
    | "public"
    | "rls-disabled-with-policies"
    | "grant-option"
    | "admin-option"
    | "login-write-no-expiry"
    | "not-simulated";
  role?: string;
  message: string;
}

/** The privileges that count as write access (for the login-without-expiry finding): data, not rules. */
export const WRITE_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  table: ["INSERT", "UPDATE", "DELETE", "TRUNCATE"],
  column: ["INSERT", "UPDATE"],
  sequence: ["UPDATE"],
  schema: ["CREATE"],
  database: ["CREATE"],
};

const FLAG_FINDINGS: Array<{
  field: keyof ModelRole;
  attribute: string;
  code: Finding["code"];
  level: Finding["level"];
}> = [
  { field: "superuser", attribute: "SUPERUSER", code: "superuser", level: "high" },
  { field: "bypassrls", attribute: "BYPASSRLS", code: "bypassrls", level: "high" },
  { field: "createrole", attribute: "CREATEROLE", code: "createrole", level: "high" },
  { field: "replication", attribute: "REPLICATION", code: "replication", level: "high" },
];

export interface PrivilegeChange {
  object_type: string;
  schema: string | null;
  object: string;
  column: string | null;
  privilege: string;
  /** gained, lost, or the grant option gained or lost. */
  change: "gained" | "lost" | "grant option gained" | "grant option lost";
  /** The membership path that explains it (after for gains, before for losses). */
  via: string[];
  reason: EffectivePrivilege["reason"];
  /** Held WITH GRANT OPTION (after; before for losses). */
  grantable: boolean;
}

export interface AttributeChange {
  attribute: string;
  before: string | boolean | number | null;
  after: string | boolean | number | null;
}

export interface MembershipChange {
  role: string;
  change:
    "gained" | "lost" | "admin option gained" | "admin option lost" | "now inherited" | "no longer inherited";
  /** Direct, or the path through groups. */
  path: string[];
}

export interface RoleImpact {
  /** The role's name after (or before, if it is dropped). */
  role: string;
  /** Renamed: the name before. */
  renamedFrom?: string;
  status: "new" | "dropped" | "changed";
  login: boolean;
  superuser: { before: boolean; after: boolean };
  attributes: AttributeChange[];
  memberships: MembershipChange[];
  /** Empty for a role that is a superuser before and after (it can do everything either way). */
  privileges: PrivilegeChange[];
  /** A new or dropped role: how many privileges it gains or loses only as every role does (PUBLIC's). */
  throughPublic?: number;
}

export interface AclChange {
  object_type: string;
  schema: string | null;
  object: string;
  column: string | null;
  privilege: string;
  change: "granted" | "revoked" | "grant option granted" | "grant option revoked";
}

export interface DefaultPrivilegeChange {
  owner: string;
  /** null: every schema (the owner's global entry). */
  schema: string | null;
  object_type: string;
  grantee: string;
  privilege: string;
  change: "granted" | "revoked" | "grant option granted" | "grant option revoked";
  /** Login roles that will use it through memberships (the grantee's members, after). */
  reaches: string[];
}

export interface RowLevelSecurityChange {
  schema: string;
  table: string;
  enabled: { before: boolean; after: boolean };
  force: { before: boolean; after: boolean };
  /** Policies on the table after the update. */
  policies: number;
}

export interface PolicyChange {
  schema: string;
  table: string;
  name: string;
  change: "created" | "dropped" | "changed";
  command: string;
  roles: string[];
}

export interface ImpactReport {
  database: string;
  /** server_version_num */
  version: number;
  summary: {
    steps: number;
    rolesAffected: number;
    gained: number;
    lost: number;
    findings: Record<Exclude<Level, "change">, number>;
    notSimulated: number;
  };
  findings: Finding[];
  roles: RoleImpact[];
  public: AclChange[];
  defaultPrivileges: DefaultPrivilegeChange[];
  rowLevelSecurity: RowLevelSecurityChange[];
  policies: PolicyChange[];
  /** What the report could not tell, step by step. */
  notes: SimulationNote[];
  /** Other resources of the preview that create things this report cannot see into. */
  otherChanges: PreviewSummary["otherChanges"];
}

export interface ImpactOptions {
  /** Every role, not only login roles (predefined pg_* roles are never listed). */
  allRoles?: boolean;
  /** Only these schemas' objects (as the model was read). */
  schemas?: string[];
}

function nameIn(m: AccessModel): (id: string) => string {
  const names = new Map(m.roles.map((r) => [r.id, r.name]));
  return (id) => (id === PUBLIC_ID ? "PUBLIC" : (names.get(id) ?? `(role ${id})`));
}

const ATTRIBUTES: Array<[string, keyof ModelRole]> = [
  ["SUPERUSER", "superuser"],
  ["CREATEROLE", "createrole"],
  ["CREATEDB", "createdb"],
  ["BYPASSRLS", "bypassrls"],
  ["REPLICATION", "replication"],
  ["LOGIN", "login"],
  ["INHERIT", "inherit"],
  ["CONNECTION LIMIT", "connection_limit"],
  ["VALID UNTIL", "valid_until"],
  ["PASSWORD", "has_password"],
];

function privilegeChanges(before: EffectivePrivilege[], after: EffectivePrivilege[]): PrivilegeChange[] {
  const b = new Map(before.map((p) => [privilegeKey(p), p]));
  const a = new Map(after.map((p) => [privilegeKey(p), p]));
  const out: PrivilegeChange[] = [];
  const row = (p: EffectivePrivilege, change: PrivilegeChange["change"]): PrivilegeChange => ({
    object_type: p.object_type,
    schema: p.schema,
    object: p.object_name,
    column: p.column_name,
    privilege: p.privilege,
    change,
    via: p.via,
    reason: p.reason,
    grantable: p.is_grantable,
  });
  for (const [k, p] of a) {
    const old = b.get(k);
    if (!old) out.push(row(p, "gained"));
    else if (p.is_grantable && !old.is_grantable) out.push(row(p, "grant option gained"));
    else if (!p.is_grantable && old.is_grantable) out.push(row(p, "grant option lost"));
  }
  for (const [k, p] of b) if (!a.has(k)) out.push(row(p, "lost"));
  return out;
}

/** Direct memberships of a role with ADMIN, and the roles it reaches (inherited or not). */
function membershipState(m: AccessModel, id: string) {
  const name = nameIn(m);
  const direct = new Map<string, boolean>();
  for (const x of m.memberships)
    if (x.member === id) direct.set(name(x.role), (direct.get(name(x.role)) ?? false) || x.admin);
  const reach = new Map<string, { inherited: boolean; path: string[] }>();
  for (const [rid, p] of reachOf(m, id).paths) {
    if (rid === id) continue;
    reach.set(name(rid), { inherited: p.inherited, path: p.path.map(name) });
  }
  return { direct, reach };
}

function membershipChanges(
  before: AccessModel | undefined,
  bid: string | undefined,
  after: AccessModel | undefined,
  aid: string | undefined,
): MembershipChange[] {
  // Compare by role identity: a renamed group is the same group.
  const idName = (m: AccessModel | undefined, id: string | undefined) =>
    m && id ? membershipState(m, id) : undefined;
  const b = idName(before, bid);
  const a = idName(after, aid);
  const out: MembershipChange[] = [];
  for (const [role, r] of a?.reach ?? []) {
    const old = b?.reach.get(role);
    if (!old) out.push({ role, change: "gained", path: r.path });
    else if (r.inherited && !old.inherited) out.push({ role, change: "now inherited", path: r.path });
    else if (!r.inherited && old.inherited) out.push({ role, change: "no longer inherited", path: r.path });
  }
  for (const [role, r] of b?.reach ?? [])
    if (!a?.reach.has(role)) out.push({ role, change: "lost", path: r.path });
  for (const [role, admin] of a?.direct ?? []) {
    const old = b?.direct.get(role) ?? false;
    if (admin && !old) out.push({ role, change: "admin option gained", path: [] });
  }
  for (const [role, admin] of b?.direct ?? []) {
    if (admin && !(a?.direct.get(role) ?? false) && a?.direct.has(role))
      out.push({ role, change: "admin option lost", path: [] });
  }
  return out;
}

/**
 * The before-model with its roles named as after the update (renames applied), so that memberships
 * and privileges compare by role, not by name.
 */
function renamedAs(before: AccessModel, after: AccessModel): AccessModel {
  const names = new Map(after.roles.map((r) => [r.id, r.name]));
  return { ...before, roles: before.roles.map((r) => ({ ...r, name: names.get(r.id) ?? r.name })) };
}

function aclKey(o: { object_type: string; oid: string; column: string | null }): string {
  return `${o.object_type}\u0000${o.oid}\u0000${o.column ?? ""}`;
}

function grantsTo(items: AclItem[] | null, grantee: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const x of items ?? [])
    if (x.grantee === grantee) out.set(x.privilege, (out.get(x.privilege) ?? false) || x.grantable);
  return out;
}

function publicChanges(before: AccessModel, after: AccessModel, opts: ImpactOptions): AclChange[] {
  const b = new Map(before.objects.map((o) => [aclKey(o), o]));
  const out: AclChange[] = [];
  const seen = new Set<string>();
  const inScope = (o: { system: boolean; schema: string | null }) =>
    !o.system && (!opts.schemas || (o.schema !== null && opts.schemas.includes(o.schema)));
  for (const o of after.objects) {
    if (!inScope(o)) continue;
    seen.add(aclKey(o));
    const old = b.get(aclKey(o));
    const was = grantsTo(old ? (old.acl ?? old.def) : [], PUBLIC_ID);
    const now = grantsTo(o.acl ?? o.def, PUBLIC_ID);
    const base = { object_type: o.object_type, schema: o.schema, object: o.name, column: o.column };
    for (const [p, g] of now) {
      if (!was.has(p)) out.push({ ...base, privilege: p, change: g ? "grant option granted" : "granted" });
      else if (g && !was.get(p)) out.push({ ...base, privilege: p, change: "grant option granted" });
      else if (!g && was.get(p)) out.push({ ...base, privilege: p, change: "grant option revoked" });
    }
    for (const [p] of was) if (!now.has(p)) out.push({ ...base, privilege: p, change: "revoked" });
  }
  return out;
}

function defaultChanges(
  before: AccessModel,
  after: AccessModel,
  afterNames: (id: string) => string,
): DefaultPrivilegeChange[] {
  const keys = new Map<
    string,
    { owner: string; schema: string | null; object_type: AccessModel["defaultAcls"][number]["object_type"] }
  >();
  for (const d of [...before.defaultAcls, ...after.defaultAcls])
    keys.set(`${d.owner}\u0000${d.schema ?? ""}\u0000${d.object_type}`, d);
  const out: DefaultPrivilegeChange[] = [];
  for (const k of keys.values()) {
    // A role that does not exist (yet, or any more) has the built-in default: what its objects would get.
    const b = defaultEntryAcl(before, k.owner, k.schema, k.object_type);
    const a = defaultEntryAcl(after, k.owner, k.schema, k.object_type);
    const grantees = new Set([...b, ...a].map((x) => x.grantee));
    for (const g of grantees) {
      const was = grantsTo(b, g);
      const now = grantsTo(a, g);
      const reaches = loginMembersOf(after, g);
      const base = {
        owner: afterNames(k.owner),
        schema: k.schema,
        object_type: k.object_type,
        grantee: afterNames(g),
        reaches,
      };
      for (const [p, opt] of now) {
        if (!was.has(p))
          out.push({ ...base, privilege: p, change: opt ? "grant option granted" : "granted" });
        else if (opt && !was.get(p)) out.push({ ...base, privilege: p, change: "grant option granted" });
        else if (!opt && was.get(p)) out.push({ ...base, privilege: p, change: "grant option revoked" });
      }
      for (const [p] of was) if (!now.has(p)) out.push({ ...base, privilege: p, change: "revoked" });
    }
  }
  return out;
}

/** Login roles that inherit a grantee's privileges (PUBLIC: "every role"). */
function loginMembersOf(m: AccessModel, grantee: string): string[] {
  if (grantee === PUBLIC_ID) return ["every role"];
  return m.roles
    .filter((r) => r.login && !r.system && reachOf(m, r.id).paths.get(grantee)?.inherited === true)
    .map((r) => r.name)
    .sort();
}

function policyKey(p: { schema: string; table: string; name: string }): string {
  return `${p.schema}\u0000${p.table}\u0000${p.name}`;
}

function policyChanges(before: AccessModel, after: AccessModel): PolicyChange[] {
  const bn = nameIn(before);
  const an = nameIn(after);
  const b = new Map(before.policies.map((p) => [policyKey(p), p]));
  const a = new Map(after.policies.map((p) => [policyKey(p), p]));
  const out: PolicyChange[] = [];
  for (const [k, p] of a) {
    const old = b.get(k);
    const roles = p.roles.map(an).sort();
    if (!old)
      out.push({
        schema: p.schema,
        table: p.table,
        name: p.name,
        change: "created",
        command: p.command,
        roles,
      });
    else if (
      old.command !== p.command ||
      old.permissive !== p.permissive ||
      old.roles.join() !== p.roles.join() ||
      (old.using ?? "") !== (p.using ?? "") ||
      (old.with_check ?? "") !== (p.with_check ?? "")
    )
      out.push({
        schema: p.schema,
        table: p.table,
        name: p.name,
        change: "changed",
        command: p.command,
        roles,
      });
  }
  for (const [k, p] of b)
    if (!a.has(k))
      out.push({
        schema: p.schema,
        table: p.table,
        name: p.name,
        change: "dropped",
        command: p.command,
        roles: p.roles.map(bn).sort(),
      });
  return out;
}

function rlsChanges(before: AccessModel, after: AccessModel): RowLevelSecurityChange[] {
  const b = new Map(before.rowLevelSecurity.map((t) => [`${t.schema}\u0000${t.table}`, t]));
  const out: RowLevelSecurityChange[] = [];
  for (const t of after.rowLevelSecurity) {
    const old = b.get(`${t.schema}\u0000${t.table}`);
    if (!old || (old.enabled === t.enabled && old.force === t.force)) continue;
    out.push({
      schema: t.schema,
      table: t.table,
      enabled: { before: old.enabled, after: t.enabled },
      force: { before: old.force, after: t.force },
      policies: after.policies.filter((p) => p.schema === t.schema && p.table === t.table).length,
    });
  }
  return out;
}

const isWrite = (p: { object_type: string; privilege: string }) =>
  WRITE_PRIVILEGES[p.object_type]?.includes(p.privilege) ?? false;

/** The report of a simulation: before (the catalog now) against after. */
export function buildImpact(
  before: AccessModel,
  result: SimulationResult,
  preview: PreviewSummary,
  opts: ImpactOptions = {},
): ImpactReport {
  const after = result.after;
  const renamedBefore = renamedAs(before, after);
  const afterName = nameIn(after);
  const scope = { schemas: opts.schemas };
  const ids = new Set<string>();
  for (const r of [...before.roles, ...after.roles]) {
    if (r.system) continue;
    const a = after.roles.find((x) => x.id === r.id);
    const b = before.roles.find((x) => x.id === r.id);
    if (opts.allRoles || a?.login || b?.login) ids.add(r.id);
  }
  const findings: Finding[] = [];
  const roles: RoleImpact[] = [];
  for (const id of ids) {
    const b = before.roles.find((r) => r.id === id);
    const a = after.roles.find((r) => r.id === id);
    const name = a?.name ?? b!.name;
    const eb = b ? effectiveFromModel(renamedBefore, id, scope) : undefined;
    const ea = a ? effectiveFromModel(after, id, scope) : undefined;
    const attributes: AttributeChange[] = [];
    for (const [attribute, field] of ATTRIBUTES) {
      const vb = b ? b[field] : null;
      const va = a ? a[field] : null;
      if (b && a && vb !== va)
        attributes.push({
          attribute,
          before: vb as AttributeChange["before"],
          after: va as AttributeChange["after"],
        });
    }
    const superuser = { before: b?.superuser ?? false, after: a?.superuser ?? false };
    // A superuser before and after can do everything either way: its object privileges are not listed.
    const all =
      superuser.before && superuser.after ? [] : privilegeChanges(eb?.privileges ?? [], ea?.privileges ?? []);
    // A role created or dropped gains or loses what PUBLIC holds like every role: counted, not listed.
    const throughPublic = b && a ? [] : all.filter((p) => p.reason === "public");
    const privileges = b && a ? all : all.filter((p) => p.reason !== "public");
    const memberships = membershipChanges(renamedBefore, b ? id : undefined, after, a ? id : undefined);
    if (!a && !b) continue;
    const status = !b ? "new" : !a ? "dropped" : "changed";
    if (
      status === "changed" &&
      attributes.length === 0 &&
      memberships.length === 0 &&
      privileges.length === 0
    )
      continue;
    roles.push({
      role: name,
      ...(b && a && b.name !== a.name ? { renamedFrom: b.name } : {}),
      status,
      login: a?.login ?? b?.login ?? false,
      superuser,
      attributes,
      memberships,
      privileges,
      ...(throughPublic.length > 0 ? { throughPublic: throughPublic.length } : {}),
    });
    if (a) {
      for (const f of FLAG_FINDINGS) {
        if (a[f.field] === true && b?.[f.field] !== true)
          findings.push({
            level: f.level,
            code: f.code,
            role: name,
            message: `${name} gains ${f.attribute}`,
          });
      }
      for (const mc of memberships) {
        const group = after.roles.find((r) => r.name === mc.role);
        const powers = FLAG_FINDINGS.filter((f) => group?.[f.field] === true).map((f) => f.attribute);
        if (mc.change === "gained" && powers.length > 0)
          findings.push({
            level: "high",
            code: "powerful-membership",
            role: name,
            message: `${name} becomes a member of ${mc.role} (via ${mc.path.join(" → ")}), which has ${powers.join(", ")}: usable through SET ROLE`,
          });
        if (mc.change === "admin option gained")
          findings.push({
            level: "medium",
            code: "admin-option",
            role: name,
            message: `${name} gets ADMIN OPTION on ${mc.role} (may grant it to others)`,
          });
      }
      const optioned = privileges.filter(
        (p) => p.change === "grant option gained" || (p.change === "gained" && p.grantable),
      );
      if (optioned.length > 0 && !superuser.after)
        findings.push({
          level: "medium",
          code: "grant-option",
          role: name,
          message: `${name} gets WITH GRANT OPTION on ${optioned.length} privilege${optioned.length === 1 ? "" : "s"} (may grant them to others), e.g. ${describe(optioned[0]!)}`,
        });
      const noExpiry = a.valid_until === null || a.valid_until === "infinity";
      const writes = privileges.filter((p) => p.change === "gained" && isWrite(p));
      if (a.login && noExpiry && writes.length > 0 && !superuser.after)
        findings.push({
          level: "medium",
          code: "login-write-no-expiry",
          role: name,
          message: `${name} (login, no password expiry) gains write access: ${writes.length} privilege${writes.length === 1 ? "" : "s"}, e.g. ${describe(writes[0]!)}`,
        });
    }
  }
  const pub = publicChanges(before, after, opts);
  for (const c of pub.filter((x) => x.change === "granted" || x.change === "grant option granted"))
    findings.push({
      level: "high",
      code: "public",
      role: "PUBLIC",
      message: `PUBLIC (every role) gets ${c.privilege} on ${c.object_type} ${qualifiedName(c)}`,
    });
  const defaults = defaultChanges(renamedBefore, after, afterName);
  for (const d of defaults) {
    if (d.grantee === "PUBLIC" && (d.change === "granted" || d.change === "grant option granted"))
      findings.push({
        level: "high",
        code: "public",
        role: "PUBLIC",
        message: `PUBLIC (every role) gets ${d.privilege} on future ${d.object_type}s of ${d.owner}${d.schema ? ` in schema ${d.schema}` : ""}`,
      });
    if (d.change === "grant option granted" && d.grantee !== "PUBLIC")
      findings.push({
        level: "medium",
        code: "grant-option",
        role: d.grantee,
        message: `${d.grantee} gets ${d.privilege} WITH GRANT OPTION on future ${d.object_type}s of ${d.owner}`,
      });
  }
  const rls = rlsChanges(before, after);
  for (const t of rls) {
    const policies = Math.max(
      t.policies,
      before.policies.filter((p) => p.schema === t.schema && p.table === t.table).length,
    );
    if (t.enabled.before && !t.enabled.after && policies > 0)
      findings.push({
        level: "high",
        code: "rls-disabled-with-policies",
        message: `row level security switched off on ${t.schema}.${t.table}, which has ${policies} polic${policies === 1 ? "y" : "ies"}: they no longer apply`,
      });
  }
  for (const n of result.notes.filter((x) => x.reason !== "partial"))
    findings.push({
      level: "medium",
      code: "not-simulated",
      message: `${n.urn.slice(n.urn.lastIndexOf("::") + 2)} (${n.kind}): ${n.message}`,
    });
  findings.sort((x, y) => LEVELS.indexOf(x.level) - LEVELS.indexOf(y.level));
  roles.sort((x, y) => (x.role < y.role ? -1 : x.role > y.role ? 1 : 0));
  return {
    database: before.database,
    version: before.version,
    summary: {
      steps: preview.steps.length,
      rolesAffected: roles.length,
      gained: roles.reduce((n, r) => n + r.privileges.filter((p) => p.change === "gained").length, 0),
      lost: roles.reduce((n, r) => n + r.privileges.filter((p) => p.change === "lost").length, 0),
      findings: {
        high: findings.filter((f) => f.level === "high").length,
        medium: findings.filter((f) => f.level === "medium").length,
      },
      notSimulated: result.notes.filter((n) => n.reason !== "partial").length,
    },
    findings,
    roles,
    public: pub,
    defaultPrivileges: defaults,
    rowLevelSecurity: rls,
    policies: policyChanges(renamedBefore, after),
    notes: result.notes,
    otherChanges: preview.otherChanges,
  };
}

export function qualifiedName(p: {
  schema: string | null;
  object: string;
  column: string | null;
  object_type?: string;
}): string {
  const base = p.schema !== null && p.object_type !== "schema" ? `${p.schema}.${p.object}` : p.object;
  return p.column ? `${base}.${p.column}` : base;
}

export function describe(p: PrivilegeChange): string {
  return `${p.privilege} on ${p.object_type} ${qualifiedName(p)}`;
}

/** Whether the report has anything at or above a level (`change`: anything changes at all). */
export function reaches(report: ImpactReport, level: Level): boolean {
  if (level === "change")
    return (
      report.findings.length > 0 ||
      report.roles.length > 0 ||
      report.public.length > 0 ||
      report.defaultPrivileges.length > 0 ||
      report.rowLevelSecurity.length > 0 ||
      report.policies.length > 0
    );
  const limit = LEVELS.indexOf(level);
  return report.findings.some((f) => LEVELS.indexOf(f.level) <= limit);
}

/** The exit status under `--fail-on`: 0, or EXIT_FINDINGS when the report reaches the level. */
export const EXIT_FINDINGS = 3;
export function exitStatus(report: ImpactReport, failOn: Level | undefined): number {
  return failOn !== undefined && reaches(report, failOn) ? EXIT_FINDINGS : 0;
}
