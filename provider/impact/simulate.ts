/**
 * Applies the planned steps of a preview to a copy of the access model, the way the resources'
 * hooks would apply them to the catalog: the same rules as their planners (only the delta: GRANT
 * what is not held, REVOKE what the resource managed and no longer wants, memberships and default
 * privileges likewise), in the engine's order. Pure.
 *
 * What cannot be known before apply is not guessed: a step whose relevant inputs are unknown in the
 * preview, an object that does not exist yet (created by another resource of the same update), a
 * database or server other than the one read, is left out and reported as such (`notes`).
 */
import { isPublic } from "../common/quote";
import { expandPrivileges, type ObjectType } from "../common/privileges";
import { OBJECT_KINDS } from "../common/object-kinds";
import { typeInfo, type DefaultObjectType } from "../default-privileges/object-types";
import { controlled } from "../default-privileges/planner";
import { diffGrant } from "../grant/inputs";
import { diffMembership } from "../membership/inputs";
import { diffPolicy } from "../policy/inputs";
import { diffRole } from "../role/inputs";
import { ROLE_INFO_DEFAULTS } from "../role/attributes";
import { diffRowLevelSecurity } from "../row-level-security/inputs";
import { diffDefaultPrivileges } from "../default-privileges/inputs";
import { splitRoutine } from "../grant/inputs";
import {
  type AccessModel,
  type AclItem,
  type ModelDefaultAcl,
  type ModelDefaultType,
  type ModelObject,
  type ModelRole,
  PUBLIC_ID,
} from "../queries/model";
import { reachOf } from "../queries/effective";
import { type PlannedStep, type ResourceKind, SECRET, isUnknownValue } from "./preview";
import { diffPrivileges } from "../privileges/inputs";
import { diffRoles } from "../roles/inputs";
import { privilegesHandler } from "./privileges";
import { rolesHandler, rolesRenames } from "./roles";

/** A step whose effect the simulation could not (fully) tell, and why. */
export interface SimulationNote {
  urn: string;
  kind: ResourceKind;
  /** unknown: depends on a value known only at apply; missing: names something that does not exist
   * now (created later by the same update, or an error at apply); elsewhere: another database or
   * server; failure: the real `up` would fail here; partial: simulated, with a caveat. */
  reason: "unknown" | "missing" | "elsewhere" | "failure" | "partial";
  message: string;
}

/** Pre-resolved routine signatures: `schema\u0000item` -> OID (PostgreSQL's own type-name rules). */
export type RoutineOids = ReadonlyMap<string, string | null>;

export interface SimulationContext {
  routineOids?: RoutineOids;
  /** `schema NUL table NUL column` of existing columns (those without privileges are not in the model). */
  columns?: ReadonlySet<string>;
  /** Other plug-ins (a resource kind this module does not know yet). */
  extensions?: Partial<Record<ResourceKind, StepHandler>>;
}

export interface SimulationResult {
  after: AccessModel;
  notes: SimulationNote[];
  /** Role id -> the URN of the Role resource that created it (new roles only). */
  created: Map<string, string>;
}

/** What a handler of one resource kind does to the model for one step. */
export type StepHandler = (
  sim: Simulation,
  action: "create" | "update" | "delete",
  step: PlannedStep,
) => void;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The mutable simulation: the model being changed, the notes, and the helpers the handlers share. */
export class Simulation {
  readonly model: AccessModel;
  readonly notes: SimulationNote[] = [];
  readonly created = new Map<string, string>();
  private counter = 0;

  constructor(
    before: AccessModel,
    readonly ctx: SimulationContext = {},
  ) {
    this.model = clone(before);
  }

  note(step: PlannedStep, reason: SimulationNote["reason"], message: string): void {
    this.notes.push({ urn: step.urn, kind: step.kind, reason, message });
  }

  /**
   * The role of that name; with `followRenames` (deletes, and updates of a Grant or RoleMembership
   * whose role changed), else the role a step of this simulation renamed from that name, as the hooks
   * find it through the rename recorded on the server (db/renames.ts).
   */
  roleByName(name: string, followRenames = false): ModelRole | undefined {
    const role = this.model.roles.find((r) => r.name === name);
    if (role || !followRenames) return role;
    const id = this.formerNames.get(name);
    return id === undefined ? undefined : this.model.roles.find((r) => r.id === id);
  }

  /** The id of a grantee name (PUBLIC -> "0"), or undefined when no such role exists at this point. */
  granteeId(name: string, followRenames = false): string | undefined {
    if (isPublic(name)) return PUBLIC_ID;
    return this.roleByName(name, followRenames)?.id;
  }

  /** Renames a role of the model, remembering its former name (see roleByName). */
  rename(role: ModelRole, to: string): void {
    if (role.name === to) return;
    this.formerNames.delete(to);
    this.formerNames.set(role.name, role.id);
    role.name = to;
  }

  private readonly formerNames = new Map<string, string>();

  newRoleId(urn: string): string {
    const id = `new:${++this.counter}`;
    this.created.set(id, urn);
    return id;
  }

  /** Whether the connecting admin holds the privileges of `roleId` (superusers hold every role's). */
  actsAs(roleId: string): boolean {
    if (this.model.superuser || roleId === this.model.user) return true;
    const reach = reachOf(this.model, this.model.user).paths.get(roleId);
    return reach?.inherited === true;
  }

  /** The grantor PostgreSQL records for a GRANT on an object: its owner when the admin acts as the owner. */
  grantorFor(o: ModelObject): string {
    return this.actsAs(o.owner) ? o.owner : this.model.user;
  }

  /** The grantor of a GRANT of a role (PostgreSQL 16+: the bootstrap superuser for a superuser). */
  membershipGrantor(): string {
    return this.model.superuser ? this.model.bootstrap : this.model.user;
  }

  /** Whether a step acts in another database than the one read: noted, and the step left out. */
  elsewhere(step: PlannedStep, database: unknown): boolean {
    if (database === undefined || database === this.model.database) return false;
    const where = `acts in database ${String(database)}; this report reads ${this.model.database}`;
    this.note(step, "elsewhere", `${where}: not simulated`);
    return true;
  }

  /** Whether a step's inputs (or some of them) are unknown until apply: noted, and the step left out. */
  unknown(step: PlannedStep, values: Record<string, unknown> | undefined, keys: string[]): boolean {
    const which = keys.filter((k) => values && isUnknownValue(values[k]));
    if (which.length === 0) return false;
    this.note(
      step,
      "unknown",
      `${which.join(", ")} ${which.length === 1 ? "is" : "are"} known only when \`pulumi up\` runs: the effect of this ${step.kind} is not simulated`,
    );
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Object ACLs

function heldBy(o: ModelObject, grantee: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const x of o.acl ?? o.def) {
    if (x.grantee === grantee) out[x.privilege] = (out[x.privilege] ?? false) || x.grantable;
  }
  return out;
}

function explicitAcl(o: ModelObject): AclItem[] {
  if (o.acl === null) o.acl = clone(o.def);
  return o.acl;
}

function grantOn(
  o: ModelObject,
  grantee: string,
  grantor: string,
  privs: string[],
  grantable: boolean,
): void {
  const acl = explicitAcl(o);
  for (const p of privs) {
    const x = acl.find((e) => e.grantee === grantee && e.grantor === grantor && e.privilege === p);
    if (x) x.grantable ||= grantable;
    else acl.push({ grantee, grantor, privilege: p, grantable });
  }
}

function revokeOn(
  m: AccessModel,
  o: ModelObject,
  grantee: string,
  grantor: string,
  privs: string[],
  optionOnly: boolean,
): void {
  const acl = explicitAcl(o);
  const set = new Set(privs);
  const hit = (x: AclItem) => x.grantee === grantee && x.grantor === grantor && set.has(x.privilege);
  const apply = (items: AclItem[]): AclItem[] => {
    if (!optionOnly) return items.filter((x) => !hit(x));
    for (const x of items) if (hit(x)) x.grantable = false;
    return items;
  };
  o.acl = apply(acl);
  // Revoking a privilege (or its grant option) on a table revokes it on each of its columns too
  // (PostgreSQL's rule: https://www.postgresql.org/docs/current/sql-revoke.html).
  if (o.object_type === "table") {
    for (const c of m.objects)
      if (c.object_type === "column" && c.oid === o.oid && c.acl) c.acl = apply(c.acl);
  }
}

interface PrivilegeSet {
  privileges: string[];
  withGrantOption: boolean;
}

/** planGrant's rules on the model, per object: GRANT what is not held, REVOKE what is no longer wanted. */
export function applyGrantPlan(
  sim: Simulation,
  objects: ModelObject[],
  grantee: string,
  previous: PrivilegeSet | undefined,
  desired: PrivilegeSet | undefined,
): void {
  for (const o of objects) {
    const held = heldBy(o, grantee);
    const grantor = sim.grantorFor(o);
    if (desired) {
      const wgo = desired.withGrantOption;
      const missing = desired.privileges.filter((p) => !(p in held) || (wgo && !held[p]));
      if (missing.length > 0) grantOn(o, grantee, grantor, missing, wgo);
    }
    if (previous) {
      const keep = new Set(desired?.privileges ?? []);
      const unwanted = previous.privileges.filter((p) => !keep.has(p) && p in held);
      if (unwanted.length > 0) revokeOn(sim.model, o, grantee, grantor, unwanted, false);
      if (desired && previous.withGrantOption && !desired.withGrantOption) {
        const optioned = desired.privileges.filter((p) => held[p] === true);
        if (optioned.length > 0) revokeOn(sim.model, o, grantee, grantor, optioned, true);
      }
    }
  }
}

/** The kinds of model objects a Grant object type covers. */
function modelTypes(t: ObjectType): string[] {
  if (t === "routine") return ["function", "procedure"];
  if (t === "type") return ["type", "domain"];
  return [t];
}

const routineName = (name: string) => name.replace(/\([^()]*\)$/, "");

export interface GrantTargetInputs {
  objectType: ObjectType;
  database?: string;
  schema?: string;
  objects?: string[];
  columns?: string[];
}

/**
 * The model objects a Grant (or Privileges entry) acts on, as its catalog read finds them now.
 * Undefined (with a note) when that cannot be told here.
 */
export function targetObjects(
  sim: Simulation,
  step: PlannedStep,
  t: GrantTargetInputs,
): ModelObject[] | undefined {
  const m = sim.model;
  const kind = OBJECT_KINDS[t.objectType];
  if (kind.scope !== "cluster" && sim.elsewhere(step, t.database)) return undefined;
  if (t.objectType === "database") {
    const name = t.database ?? m.database;
    const o = m.objects.find((x) => x.object_type === "database" && x.name === name);
    if (!o) sim.note(step, "missing", `database ${name} does not exist now`);
    return o ? [o] : undefined;
  }
  if (t.objectType === "schema") {
    const o = m.objects.find((x) => x.object_type === "schema" && x.name === t.schema);
    if (!o)
      sim.note(
        step,
        "missing",
        `schema ${t.schema} does not exist now (created by this update?): not simulated`,
      );
    return o ? [o] : undefined;
  }
  const types = modelTypes(t.objectType);
  if (kind.scope !== "schema") {
    const found: ModelObject[] = [];
    const missing: string[] = [];
    for (const name of t.objects ?? []) {
      let o = m.objects.find((x) => types.includes(x.object_type) && x.name === name);
      if (!o && t.objectType === "parameter") {
        // Only parameters with an ACL have a row; the first GRANT makes one (owner: the bootstrap superuser).
        o = {
          object_type: "parameter",
          oid: `new:${name}`,
          schema: null,
          name,
          column: null,
          owner: m.bootstrap,
          acl: null,
          def: [],
          system: false,
        };
        m.objects.push(o);
      }
      if (o) found.push(o);
      else missing.push(name);
    }
    if (missing.length > 0)
      sim.note(step, "missing", `${t.objectType} ${missing.join(", ")} not found now: left out`);
    return found;
  }
  const schema = t.schema ?? "public";
  if (!m.objects.some((x) => x.object_type === "schema" && x.name === schema)) {
    sim.note(step, "missing", `schema ${schema} does not exist now (created by this update?): not simulated`);
    return undefined;
  }
  if (t.objectType === "column") {
    const out: ModelObject[] = [];
    const missing: string[] = [];
    for (const table of t.objects ?? []) {
      const tbl = m.objects.find((x) => x.object_type === "table" && x.schema === schema && x.name === table);
      if (!tbl) {
        missing.push(table);
        continue;
      }
      for (const column of t.columns ?? []) {
        let o = m.objects.find((x) => x.object_type === "column" && x.oid === tbl.oid && x.column === column);
        if (!o) {
          if (!sim.ctx.columns?.has(`${schema}\u0000${table}\u0000${column}`)) {
            missing.push(`${table}.${column}`);
            continue;
          }
          // A column with no ACL of its own has no model row: one is made on the first GRANT.
          o = {
            object_type: "column",
            oid: tbl.oid,
            schema,
            name: table,
            column,
            owner: tbl.owner,
            acl: null,
            def: [],
            system: tbl.system,
          };
          sim.model.objects.push(o);
        }
        out.push(o);
      }
    }
    if (missing.length > 0)
      sim.note(step, "missing", `${missing.join(", ")} in ${schema} not found now: left out`);
    return out;
  }
  const inSchema = m.objects.filter((x) => types.includes(x.object_type) && x.schema === schema);
  if (t.objects === undefined) return inSchema;
  const out: ModelObject[] = [];
  const missing: string[] = [];
  for (const item of t.objects) {
    let matches: ModelObject[];
    if (kind.prokinds) {
      const { args } = splitRoutine(item);
      if (args !== undefined) {
        const oid = sim.ctx.routineOids?.get(`${schema}\u0000${item}`);
        if (oid === undefined) {
          sim.note(step, "partial", `routine ${item} was not resolved by the server: left out`);
          continue;
        }
        matches = inSchema.filter((x) => x.oid === oid);
      } else matches = inSchema.filter((x) => routineName(x.name) === item);
    } else matches = inSchema.filter((x) => x.name === item);
    if (matches.length === 0) missing.push(item);
    else if (matches.length > 1)
      sim.note(step, "failure", `${item} is overloaded: the real update fails here`);
    else out.push(matches[0]!);
  }
  if (missing.length > 0)
    sim.note(
      step,
      "missing",
      `${t.objectType} ${missing.join(", ")} in ${schema} not found now (created by this update? then the grant applies to it, which this report cannot show): left out`,
    );
  return out;
}

function privilegeSet(
  sim: Simulation,
  t: ObjectType,
  v: Record<string, unknown> | undefined,
): PrivilegeSet | undefined {
  if (!v) return undefined;
  const privs = Array.isArray(v.privileges) ? (v.privileges as string[]) : [];
  return {
    privileges: expandPrivileges(t, privs, sim.model.version),
    withGrantOption: v.withGrantOption === true,
  };
}

const GRANT_KEYS = [
  "role",
  "objectType",
  "database",
  "schema",
  "objects",
  "columns",
  "privileges",
  "withGrantOption",
];

function grantTarget(v: Record<string, unknown>): GrantTargetInputs {
  return {
    objectType: v.objectType as ObjectType,
    database: str(v.database),
    schema: str(v.schema),
    objects: v.objects as string[] | undefined,
    columns: v.columns as string[] | undefined,
  };
}

const grantHandler: StepHandler = (sim, action, step) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (sim.unknown(step, v, GRANT_KEYS)) return;
  const grantee = sim.granteeId(v.role as string, action === "delete");
  if (grantee === undefined) {
    sim.note(
      step,
      action === "delete" ? "partial" : "failure",
      `role ${String(v.role)} does not exist at this point`,
    );
    return;
  }
  const objects = targetObjects(sim, step, grantTarget(v));
  if (!objects) return;
  const t = v.objectType as ObjectType;
  if (action === "create") applyGrantPlan(sim, objects, grantee, undefined, privilegeSet(sim, t, step.news));
  else if (action === "delete")
    applyGrantPlan(sim, objects, grantee, privilegeSet(sim, t, step.olds), undefined);
  else {
    // A new grantee is an update: the old one (unless it is this one renamed) loses the old privileges.
    const was = step.olds!.role === v.role ? grantee : sim.granteeId(step.olds!.role as string, true);
    if (was !== undefined && was !== grantee) {
      applyGrantPlan(sim, objects, was, privilegeSet(sim, t, step.olds), undefined);
      applyGrantPlan(sim, objects, grantee, undefined, privilegeSet(sim, t, step.news));
    } else
      applyGrantPlan(sim, objects, grantee, privilegeSet(sim, t, step.olds), privilegeSet(sim, t, step.news));
  }
};

// ---------------------------------------------------------------------------------------------
// Roles and memberships

/** Pairs (member, role) of the model with their aggregated options (planMembership's `actual`). */
export function membershipActual(sim: Simulation, role: string, member: string) {
  const rows = sim.model.memberships.filter((m) => m.role === role && m.member === member);
  if (rows.length === 0) return undefined;
  return {
    admin: rows.some((r) => r.admin),
    inherit: rows.some((r) => r.inherit === true),
    set: rows.some((r) => r.set === true),
  };
}

/** GRANT role TO member [WITH …] as the admin: the grantor's row is added or its options changed. */
export function grantMembership(
  sim: Simulation,
  role: string,
  member: string,
  opts: { admin?: boolean; inherit?: boolean; set?: boolean },
): void {
  const m = sim.model;
  const v16 = m.version >= 160000;
  const grantor = sim.membershipGrantor();
  let row = m.memberships.find(
    (x) => x.role === role && x.member === member && (!v16 || x.grantor === grantor),
  );
  if (!row) {
    const memberRole = m.roles.find((r) => r.id === member);
    row = {
      role,
      member,
      grantor,
      admin: false,
      inherit: v16 ? (memberRole?.inherit ?? true) : null,
      set: v16 ? true : null,
    };
    m.memberships.push(row);
  }
  if (opts.admin) row.admin = true;
  if (v16 && opts.inherit !== undefined) row.inherit = opts.inherit;
  if (v16 && opts.set !== undefined) row.set = opts.set;
}

/** REVOKE role FROM member (16+: the admin's grant only), or only its ADMIN OPTION. */
export function revokeMembership(sim: Simulation, role: string, member: string, adminOnly: boolean): void {
  const m = sim.model;
  const v16 = m.version >= 160000;
  const grantor = sim.membershipGrantor();
  const mine = (x: { role: string; member: string; grantor: string }) =>
    x.role === role && x.member === member && (!v16 || x.grantor === grantor);
  if (adminOnly) {
    for (const x of m.memberships) if (mine(x)) x.admin = false;
  } else m.memberships = m.memberships.filter((x) => !mine(x));
}

const membershipHandler: StepHandler = (sim, action, step) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (sim.unknown(step, v, ["role", "member", "withAdmin", "inherit", "set"])) return;
  const role = sim.roleByName(v.role as string, action === "delete")?.id;
  const member = sim.roleByName(v.member as string, action === "delete")?.id;
  if (role === undefined || member === undefined) {
    sim.note(
      step,
      action === "delete" ? "partial" : "failure",
      `role ${role === undefined ? String(v.role) : String(v.member)} does not exist at this point`,
    );
    return;
  }
  if (action === "update" && (step.olds!.role !== v.role || step.olds!.member !== v.member)) {
    // A new group or member is an update: the old pair (unless it is this one renamed) is revoked.
    const wasRole = sim.roleByName(step.olds!.role as string, true)?.id ?? role;
    const wasMember = sim.roleByName(step.olds!.member as string, true)?.id ?? member;
    if ((wasRole !== role || wasMember !== member) && membershipActual(sim, wasRole, wasMember))
      revokeMembership(sim, wasRole, wasMember, false);
  }
  const actual = membershipActual(sim, role, member);
  if (action === "delete") {
    if (actual) revokeMembership(sim, role, member, false);
    return;
  }
  const desired = {
    admin: v.withAdmin === true,
    inherit: v.inherit as boolean | undefined,
    set: v.set as boolean | undefined,
  };
  if (!actual) {
    grantMembership(sim, role, member, desired);
    return;
  }
  if (desired.admin && !actual.admin) grantMembership(sim, role, member, { admin: true });
  if (!desired.admin && actual.admin) revokeMembership(sim, role, member, true);
  const inherit =
    desired.inherit !== undefined && desired.inherit !== actual.inherit ? desired.inherit : undefined;
  const set = desired.set !== undefined && desired.set !== actual.set ? desired.set : undefined;
  if (inherit !== undefined || set !== undefined) grantMembership(sim, role, member, { inherit, set });
};

export const ROLE_FLAG_FIELDS: Array<[string, keyof ModelRole]> = [
  ["login", "login"],
  ["superuser", "superuser"],
  ["createDatabase", "createdb"],
  ["createRole", "createrole"],
  ["inherit", "inherit"],
  ["replication", "replication"],
  ["bypassRowLevelSecurity", "bypassrls"],
];

/** A validUntil input as listRoles shows it, when it can be told without the server's time zone. */
function validUntilOf(v: unknown): string | null {
  if (typeof v !== "string") return null;
  if (v === "infinity") return "infinity";
  const d = /(Z|[+-]\d{2}(:?\d{2})?|UTC)$/i.test(v.trim())
    ? new Date(v.trim().replace(/ UTC$/i, "Z"))
    : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString().replace(/\.000Z$/, "Z") : v;
}

export function setRoleAttributes(role: ModelRole, v: Record<string, unknown>, oldPassword: unknown): void {
  for (const [input, field] of ROLE_FLAG_FIELDS) {
    if (typeof v[input] === "boolean") (role as unknown as Record<string, unknown>)[field] = v[input];
  }
  if (typeof v.connectionLimit === "number") role.connection_limit = v.connectionLimit;
  role.valid_until = v.validUntil === undefined ? null : validUntilOf(v.validUntil);
  if (v.password !== undefined) role.has_password = role.has_password === null ? null : true;
  else if (oldPassword !== undefined) role.has_password = role.has_password === null ? null : false;
}

export function dropRole(
  sim: Simulation,
  step: PlannedStep,
  role: ModelRole,
  v: Record<string, unknown>,
): void {
  const m = sim.model;
  const id = role.id;
  const target = str(v.reassignOwnedTo);
  if (target !== undefined) {
    const to = sim.roleByName(target);
    if (!to) sim.note(step, "failure", `reassignOwnedTo ${target} does not exist at this point`);
    else {
      const swap = (x: AclItem) => ({
        ...x,
        grantee: x.grantee === id ? to.id : x.grantee,
        grantor: x.grantor === id ? to.id : x.grantor,
      });
      for (const o of m.objects) {
        if (o.owner !== id) continue;
        o.owner = to.id;
        o.def = o.def.map(swap);
        if (o.acl) o.acl = o.acl.map(swap);
      }
    }
  }
  if (v.dropOwned === true) {
    m.objects = m.objects.filter(
      (o) => o.owner !== id || o.object_type === "database" || o.object_type === "tablespace",
    );
    for (const o of m.objects) if (o.acl) o.acl = o.acl.filter((x) => x.grantee !== id);
    m.defaultAcls = m.defaultAcls
      .filter((d) => d.owner !== id)
      .map((d) => ({ ...d, acl: d.acl.filter((x) => x.grantee !== id) }))
      .filter((d) => d.acl.length > 0);
    for (const p of m.policies) p.roles = p.roles.filter((r) => r !== id);
  }
  const what = (o: ModelObject) =>
    `${o.object_type} ${o.schema !== null && o.object_type !== "schema" ? `${o.schema}.` : ""}${o.name}${o.column ? `.${o.column}` : ""}`;
  const owned = m.objects.find((o) => o.owner === id);
  const holding = m.objects.find((o) => (o.acl ?? []).some((x) => x.grantee === id || x.grantor === id));
  const defaults = m.defaultAcls.find((d) => d.owner === id || d.acl.some((x) => x.grantee === id));
  const holds = owned
    ? `owns ${what(owned)}`
    : holding
      ? `holds or granted privileges on ${what(holding)}`
      : defaults
        ? `has default privileges (${defaults.object_type}s${defaults.schema ? ` in ${defaults.schema}` : ""})`
        : undefined;
  if (holds) {
    sim.note(
      step,
      "failure",
      `role ${role.name} still ${holds}: DROP ROLE fails (set reassignOwnedTo and/or dropOwned)`,
    );
    return;
  }
  m.memberships = m.memberships.filter((x) => x.role !== id && x.member !== id && x.grantor !== id);
  m.roles = m.roles.filter((r) => r.id !== id);
}

/** A role CREATE ROLE makes (every default), added to the model. */
export function addRole(sim: Simulation, urn: string, name: string): ModelRole {
  const m = sim.model;
  const role: ModelRole = {
    ...(ROLE_INFO_DEFAULTS as Pick<
      ModelRole,
      "superuser" | "createrole" | "createdb" | "login" | "replication" | "inherit" | "bypassrls"
    >),
    id: sim.newRoleId(urn),
    name,
    connection_limit: -1,
    valid_until: null,
    has_password: m.roles.some((r) => r.has_password !== null) ? false : null,
    system: false,
  };
  m.roles.push(role);
  return role;
}

const roleHandler: StepHandler = (sim, action, step) => {
  const m = sim.model;
  if (action === "delete") {
    const v = step.olds!;
    const role =
      typeof v.oid === "number"
        ? m.roles.find((r) => r.id === String(v.oid))
        : sim.roleByName(v.name as string);
    if (!role) return; // gone already: delete succeeds
    dropRole(sim, step, role, v);
    return;
  }
  const v = step.news!;
  if (
    sim.unknown(step, v, [
      "name",
      "inRoles",
      ...ROLE_FLAG_FIELDS.map(([k]) => k),
      "connectionLimit",
      "validUntil",
    ])
  )
    return;
  let role: ModelRole | undefined;
  let oldPassword: unknown;
  let previousInRoles: string[] = [];
  if (action === "update") {
    const o = step.olds!;
    role =
      typeof o.oid === "number"
        ? m.roles.find((r) => r.id === String(o.oid))
        : sim.roleByName(o.name as string);
    oldPassword = o.password;
    previousInRoles = (o.inRoles as string[] | undefined) ?? [];
    if (!role) {
      sim.note(
        step,
        "failure",
        `role ${String(o.name)} no longer exists (dropped outside Pulumi?): the update fails`,
      );
      return;
    }
  } else {
    role = sim.roleByName(v.name as string);
    if (role && v.adoptExisting !== true) {
      sim.note(
        step,
        "failure",
        `role ${String(v.name)} exists already: create fails (adoptExisting takes it over)`,
      );
      return;
    }
    if (!role) role = addRole(sim, step.urn, v.name as string);
    else oldPassword = role.has_password ? SECRET : undefined;
  }
  setRoleAttributes(role, v, oldPassword);
  sim.rename(role, v.name as string);
  const inRoles = (v.inRoles as string[] | undefined) ?? [];
  for (const g of inRoles) {
    const group = sim.roleByName(g);
    if (!group) {
      sim.note(step, "failure", `inRoles: role ${g} does not exist at this point`);
      continue;
    }
    if (!membershipActual(sim, group.id, role.id)) grantMembership(sim, group.id, role.id, {});
  }
  for (const g of previousInRoles.filter((x) => !inRoles.includes(x))) {
    const group = sim.roleByName(g);
    if (group && membershipActual(sim, group.id, role.id)) revokeMembership(sim, group.id, role.id, false);
  }
};

// ---------------------------------------------------------------------------------------------
// Default privileges

const defaultTypeOf = (t: DefaultObjectType): ModelDefaultType => (t === "routine" ? "function" : t);

function builtinFor(m: AccessModel, t: ModelDefaultType, owner: string, grantee: string): string[] {
  const b = m.builtinDefaults[t];
  return grantee === owner ? [...b.owner] : grantee === PUBLIC_ID ? [...b.public] : [];
}

function builtinAcl(m: AccessModel, t: ModelDefaultType, owner: string): AclItem[] {
  const b = m.builtinDefaults[t];
  return [
    ...b.owner.map((p) => ({ grantee: owner, grantor: owner, privilege: p, grantable: false })),
    ...b.public.map((p) => ({ grantee: PUBLIC_ID, grantor: owner, privilege: p, grantable: false })),
  ];
}

/** The entry's ACL as it stands: its row, or (global entries) the built-in default when there is none. */
export function defaultEntryAcl(
  m: AccessModel,
  owner: string,
  schema: string | null,
  t: ModelDefaultType,
): AclItem[] {
  const row = m.defaultAcls.find((d) => d.owner === owner && d.schema === schema && d.object_type === t);
  if (row) return row.acl;
  return schema === null ? builtinAcl(m, t, owner) : [];
}

function sameAcl(a: AclItem[], b: AclItem[]): boolean {
  const k = (x: AclItem) => `${x.grantee}/${x.privilege}/${x.grantable}`;
  const sa = new Set(a.map(k));
  const sb = new Set(b.map(k));
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

export function setDefaultEntry(
  m: AccessModel,
  owner: string,
  schema: string | null,
  t: ModelDefaultType,
  acl: AclItem[],
): void {
  m.defaultAcls = m.defaultAcls.filter(
    (d) => !(d.owner === owner && d.schema === schema && d.object_type === t),
  );
  // PostgreSQL removes an entry that becomes the default (global) or empty (per schema).
  const isDefault = schema === null ? sameAcl(acl, builtinAcl(m, t, owner)) : acl.length === 0;
  if (!isDefault) m.defaultAcls.push({ owner, schema, object_type: t, acl } satisfies ModelDefaultAcl);
}

const defaultPrivilegesHandler: StepHandler = (sim, action, step) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (
    sim.unknown(step, v, [
      "role",
      "owner",
      "schema",
      "objectType",
      "privileges",
      "withGrantOption",
      "database",
    ])
  )
    return;
  const m = sim.model;
  if (sim.elsewhere(step, v.database)) return;
  const grantee = sim.granteeId(v.role as string, action === "delete");
  const owner = sim.roleByName(v.owner as string, action === "delete")?.id;
  if (grantee === undefined || owner === undefined) {
    sim.note(
      step,
      action === "delete" ? "partial" : "failure",
      `role ${grantee === undefined ? String(v.role) : String(v.owner)} does not exist at this point`,
    );
    return;
  }
  const dt = v.objectType as DefaultObjectType;
  const t = defaultTypeOf(dt);
  const schema = str(v.schema) ?? null;
  const expand = (x: Record<string, unknown> | undefined): PrivilegeSet | undefined => {
    if (!x) return undefined;
    const privs = (x.privileges as string[]) ?? [];
    return {
      privileges: privs.includes("ALL") ? typeInfo(dt).privileges(m.version) : privs,
      withGrantOption: x.withGrantOption === true,
    };
  };
  const previous = action === "create" ? undefined : expand(step.olds);
  const desired = action === "delete" ? undefined : expand(step.news);
  const builtin = schema === null ? builtinFor(m, t, owner, grantee) : [];
  const acl = clone(defaultEntryAcl(m, owner, schema, t));
  const held: Record<string, boolean> = {};
  for (const x of acl)
    if (x.grantee === grantee) held[x.privilege] = (held[x.privilege] ?? false) || x.grantable;
  const want = desired ?? { privileges: builtin, withGrantOption: false };
  const missing = want.privileges.filter((p) => !(p in held) || (want.withGrantOption && !held[p]));
  let next = acl;
  for (const p of missing) {
    const x = next.find((e) => e.grantee === grantee && e.privilege === p);
    if (x) x.grantable ||= want.withGrantOption;
    else next.push({ grantee, grantor: owner, privilege: p, grantable: want.withGrantOption });
  }
  const keep = new Set(want.privileges);
  const unwanted = new Set(
    controlled(previous?.privileges ?? [], builtin).filter((p) => !keep.has(p) && p in held),
  );
  next = next.filter((x) => !(x.grantee === grantee && unwanted.has(x.privilege)));
  if (previous?.withGrantOption && !want.withGrantOption) {
    for (const x of next)
      if (x.grantee === grantee && keep.has(x.privilege) && held[x.privilege] === true) x.grantable = false;
  }
  setDefaultEntry(m, owner, schema, t, next);
};

// ---------------------------------------------------------------------------------------------
// Row level security and policies

const rowLevelSecurityHandler: StepHandler = (sim, action, step) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (sim.unknown(step, v, ["table", "schema", "enabled", "force", "database"])) return;
  const m = sim.model;
  if (sim.elsewhere(step, v.database)) return;
  const schema = str(v.schema) ?? "public";
  const t = m.rowLevelSecurity.find((x) => x.schema === schema && x.table === v.table);
  if (!t) {
    sim.note(
      step,
      "missing",
      `table ${schema}.${String(v.table)} not found now (created by this update?): not simulated`,
    );
    return;
  }
  if (action === "delete") {
    t.enabled = v.previousEnabled === true;
    t.force = v.previousForce === true;
  } else {
    t.enabled = v.enabled !== false;
    t.force = v.force === true;
  }
};

const policyHandler: StepHandler = (sim, action, step) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (sim.unknown(step, v, ["name", "table", "schema", "command", "permissive", "roles", "database"])) return;
  const m = sim.model;
  if (sim.elsewhere(step, v.database)) return;
  const schema = str(v.schema) ?? "public";
  const find = (x: Record<string, unknown>) =>
    m.policies.findIndex(
      (p) => p.schema === (str(x.schema) ?? "public") && p.table === x.table && p.name === x.name,
    );
  if (action === "delete") {
    const i = find(v);
    if (i >= 0) m.policies.splice(i, 1);
    return;
  }
  if (!m.rowLevelSecurity.some((x) => x.schema === schema && x.table === v.table)) {
    sim.note(
      step,
      "missing",
      `table ${schema}.${String(v.table)} not found now (created by this update?): not simulated`,
    );
    return;
  }
  const roles: string[] = [];
  for (const r of (v.roles as string[] | undefined) ?? ["PUBLIC"]) {
    const id = sim.granteeId(r);
    if (id === undefined) sim.note(step, "failure", `role ${r} does not exist at this point`);
    else roles.push(id);
  }
  const policy = {
    schema,
    table: v.table as string,
    name: v.name as string,
    command: ((v.command as string | undefined) ?? "ALL") as "ALL",
    permissive: v.permissive !== false,
    roles: roles.sort(),
    using: str(v.using) ?? null,
    with_check: str(v.withCheck) ?? null,
  };
  const i = action === "update" ? find(step.olds!) : find(v);
  if (i >= 0) m.policies[i] = policy;
  else m.policies.push(policy);
};

/** The handlers of each kind, and the resource's own diff (for deleteBeforeReplace). */
const HANDLERS: Partial<Record<ResourceKind, StepHandler>> = {
  Role: roleHandler,
  RoleMembership: membershipHandler,
  Grant: grantHandler,
  DefaultPrivileges: defaultPrivilegesHandler,
  RowLevelSecurity: rowLevelSecurityHandler,
  Policy: policyHandler,
  Privileges: (sim, action, step) => privilegesHandler(sim, action, step), // at call time: privileges.ts imports this module
  Roles: (sim, action, step) => rolesHandler(sim, action, step), // at call time: roles.ts imports this module
};

type Diff = (olds: never, news: never) => { deleteBeforeReplace?: boolean };
const DIFFS: Partial<Record<ResourceKind, Diff>> = {
  Role: diffRole as Diff,
  RoleMembership: diffMembership as Diff,
  Grant: diffGrant as Diff,
  DefaultPrivileges: diffDefaultPrivileges as Diff,
  RowLevelSecurity: diffRowLevelSecurity as Diff,
  Policy: diffPolicy as Diff,
  Privileges: diffPrivileges as Diff,
  Roles: diffRoles as Diff,
};

/** Whether the engine deletes the old resource before creating its replacement (the resource's diff says). */
function deleteFirst(step: PlannedStep, ctx: SimulationContext): boolean {
  const diff =
    DIFFS[step.kind] ?? (ctx.extensions?.[step.kind] as unknown as { diff?: Diff } | undefined)?.diff;
  if (!diff || !step.olds || !step.news) return false;
  return diff(step.olds as never, step.news as never).deleteBeforeReplace === true;
}

/** Names a step's old outputs use for roles (what its hooks look the catalog up by). */
function oldRoleNames(v: Record<string, unknown> | undefined): string[] {
  if (!v) return [];
  const out: string[] = [];
  for (const k of ["role", "member", "owner"]) if (typeof v[k] === "string") out.push(v[k] as string);
  for (const k of ["inRoles", "roles"]) if (Array.isArray(v[k])) out.push(...(v[k] as string[]));
  return out;
}

/**
 * The engine runs steps that do not depend on each other in parallel. An update that acts on a
 * role by its old name (a member's previous inRoles, a grant's old grantee), while another step
 * renames that role and the update does not depend on it, finds the role or not depending on which
 * runs first: noted as unknown (the simulation keeps the listed order). Deletions run after every
 * update, so they always see the new name.
 */
function noteRenameRaces(sim: Simulation, steps: readonly PlannedStep[]): void {
  const renames = new Map<string, { to: string; urn: string }>();
  for (const s of steps) {
    if (s.op !== "update" || !s.olds || !s.news) continue;
    if (s.kind === "Roles") for (const [from, to] of rolesRenames(s)) renames.set(from, { to, urn: s.urn });
    if (s.kind !== "Role") continue;
    if (typeof s.olds.name === "string" && s.olds.name !== s.news.name)
      renames.set(s.olds.name, { to: String(s.news.name), urn: s.urn });
  }
  if (renames.size === 0) return;
  for (const s of steps) {
    if (s.op !== "update" && s.op !== "replace") continue;
    for (const name of new Set(oldRoleNames(s.olds))) {
      const r = renames.get(name);
      if (!r || r.urn === s.urn || s.dependencies.includes(r.urn)) continue;
      // A Role moved from the group to its new name waits for the rename (role/hooks.ts): no race.
      if (s.kind === "Role" && Array.isArray(s.news?.inRoles) && s.news.inRoles.includes(r.to)) continue;
      sim.note(
        s,
        "unknown",
        `acts on role ${name} by its old name while this update renames it to ${r.to}, and does not depend on that rename: ` +
          "the outcome depends on which of the two the engine runs first",
      );
    }
  }
}

/**
 * The model after the steps, in the engine's order: creates and updates as listed (a replacement
 * creates its new resource there), deletions at the end as listed, the old halves of replacements
 * first among them (or before the new half when the resource's diff says deleteBeforeReplace).
 */
export function simulate(
  before: AccessModel,
  steps: readonly PlannedStep[],
  ctx: SimulationContext = {},
): SimulationResult {
  const sim = new Simulation(before, ctx);
  const handler = (s: PlannedStep): StepHandler | undefined => {
    const h = ctx.extensions?.[s.kind] ?? HANDLERS[s.kind];
    if (!h) sim.note(s, "partial", `${s.kind} is not simulated by this version`);
    return h;
  };
  noteRenameRaces(sim, steps);
  const deferred: PlannedStep[] = [];
  for (const s of steps) {
    const h = handler(s);
    if (!h) continue;
    if (s.op === "create") h(sim, "create", s);
    else if (s.op === "update") h(sim, "update", s);
    else if (s.op === "replace") {
      if (deleteFirst(s, ctx)) {
        h(sim, "delete", s);
        h(sim, "create", s);
      } else {
        h(sim, "create", s);
        deferred.push(s);
      }
    }
  }
  for (const s of deferred) handler(s)?.(sim, "delete", s);
  for (const s of steps) if (s.op === "delete") handler(s)?.(sim, "delete", s);
  return { after: sim.model, notes: sim.notes, created: sim.created };
}
