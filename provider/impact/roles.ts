/**
 * The simulation of the bulk `Roles` resource: its hooks' steps (roles/hooks.ts) on the model, with
 * each entry filled in by the resource's own `fullEntry` (Role's defaults). In one transaction, as
 * roles/planner.ts orders it: the roles of removed keys dropped, then every rename (an entry's
 * `name`), every CREATE / ALTER ROLE, the memberships of inRoles granted, and those no longer listed
 * revoked (only the ones its previous inRoles listed; with `authoritative: { memberships: true }`,
 * every group the role had). Roles are found by the OIDs of the old outputs, as the hooks find them.
 */
import { fullEntry, type RoleEntryFields, type RolesEntry } from "../roles/inputs";
import type { ModelRole } from "../queries/model";
import { type PlannedStep, SECRET, isUnknownValue } from "./preview";
import {
  type Simulation,
  type StepHandler,
  addRole,
  dropRole,
  grantMembership,
  membershipActual,
  revokeMembership,
  setRoleAttributes,
} from "./simulate";

type Values = Record<string, unknown>;

/** The entries of the inputs or outputs, sorted by key (the hooks' order), every default filled in. */
export function rolesEntries(v: Values | undefined): Array<{ key: string; fields: RoleEntryFields }> {
  const given = v?.roles;
  if (!given || typeof given !== "object" || isUnknownValue(given)) return [];
  const roles = given as Record<string, RolesEntry>;
  return Object.keys(roles)
    .sort()
    .map((key) => ({ key, fields: fullEntry(key, roles[key]!) }));
}

/** Whether the role of `key` has a password by the resource: undefined when the preview hides it (a secret). */
function passwordOf(v: Values | undefined, key: string): boolean | undefined {
  const p = v?.passwords;
  if (p === undefined || p === null) return false;
  if (p !== SECRET && typeof p === "object") return (p as Values)[key] !== undefined;
  return undefined;
}

/** Whether the step leaves every password as it is (the engine says `passwords` did not change). */
function passwordsSame(step: PlannedStep): boolean {
  if (step.olds?.passwords === undefined && step.news?.passwords === undefined) return true;
  // Trusted only when the engine lists some reason (an update always has one).
  return (step.diffReasons?.length ?? 0) > 0 && !step.diffReasons!.includes("passwords");
}

/** The names of the groups a role is a direct member of (Role's `actual.inRoles`). */
function groupsOf(sim: Simulation, role: ModelRole): string[] {
  const m = sim.model;
  const ids = new Set(m.memberships.filter((x) => x.member === role.id).map((x) => x.role));
  return m.roles.filter((r) => ids.has(r.id)).map((r) => r.name);
}

const oidsOf = (v: Values | undefined) => (v?.oids ?? {}) as Record<string, number>;

export const rolesHandler: StepHandler = (sim, action, step) => {
  const m = sim.model;
  if (action === "delete") {
    const v = step.olds!;
    const oids = oidsOf(v);
    for (const { key, fields } of rolesEntries(v)) {
      const role =
        oids[key] !== undefined
          ? m.roles.find((r) => r.id === String(oids[key]))
          : sim.roleByName(fields.name);
      if (role) dropRole(sim, step, role, v);
    }
    return;
  }
  const v = step.news!;
  if (sim.unknown(step, v, ["roles", "adoptExisting", "authoritative", "reassignOwnedTo", "dropOwned"]))
    return;
  const saved = JSON.stringify(m);
  const fail = (message: string) => {
    Object.assign(m, JSON.parse(saved));
    sim.note(step, "failure", `${message}: the ${action} fails (one transaction: no role changes)`);
  };
  const olds = action === "update" ? step.olds : undefined;
  const oldOids = oidsOf(olds);
  const wanted = rolesEntries(v);
  const keys = new Set(wanted.map((e) => e.key));
  // Tracked: a key of the old outputs whose role (by OID) still exists; the rest is created.
  const plan = wanted.map((e) => {
    const oid = oldOids[e.key];
    const role = oid === undefined ? undefined : m.roles.find((r) => r.id === String(oid));
    return { ...e, role, tracked: role !== undefined, groups: role ? groupsOf(sim, role) : [] };
  });
  // Phase "drop": roles of removed keys (their owned objects first reassigned / dropped).
  for (const key of Object.keys(oldOids).sort()) {
    if (keys.has(key)) continue;
    const role = m.roles.find((r) => r.id === String(oldOids[key]));
    if (role) dropRole(sim, step, role, v);
  }
  // Phase "rename".
  for (const p of plan) if (p.role) sim.rename(p.role, p.fields.name);
  // Roles to create that exist already: taken over with adoptExisting, otherwise the apply fails.
  const taken = plan.filter((p) => !p.tracked && sim.roleByName(p.fields.name) !== undefined);
  if (taken.length > 0 && v.adoptExisting !== true) {
    fail(
      `${taken.map((p) => `role ${p.fields.name}`).join(", ")} already exist(s) (adoptExisting takes them over)`,
    );
    return;
  }
  // Phase "define".
  const hidden: string[] = [];
  for (const p of plan) {
    const adopted = p.role ?? sim.roleByName(p.fields.name);
    const role = adopted ?? addRole(sim, step.urn, p.fields.name);
    p.role = role;
    setRoleAttributes(role, p.fields as unknown as Values, undefined);
    if (role.has_password === null) continue;
    // As the hooks' verifiersFor: a password given is written; one no longer given is removed
    // only from a role that had it by this resource.
    if (p.tracked && passwordsSame(step)) continue;
    const now = passwordOf(v, p.key);
    const before = p.tracked ? passwordOf(olds, p.key) : false;
    if (now === true) role.has_password = true;
    else if (now === false && before === true) role.has_password = false;
    else if (now === undefined || before === undefined) hidden.push(p.fields.name);
  }
  if (hidden.length > 0)
    sim.note(
      step,
      "partial",
      `passwords are a secret in the preview: whether ${hidden.join(", ")} ${hidden.length === 1 ? "has" : "have"} a password after it is not known (shown as now)`,
    );
  // Phase "grant": every group of inRoles, once every role of the resource exists.
  for (const p of plan) {
    for (const g of p.fields.inRoles) {
      const group = sim.roleByName(g);
      if (!group) {
        fail(`inRoles of ${p.fields.name}: role ${g} does not exist at this point`);
        return;
      }
      if (!membershipActual(sim, group.id, p.role!.id)) grantMembership(sim, group.id, p.role!.id, {});
    }
  }
  // Phase "revoke": groups the resource granted before (or, authoritative, every group the role had).
  const allGroups = (v.authoritative as { memberships?: boolean } | undefined)?.memberships === true;
  for (const p of plan) {
    if (!p.tracked) continue;
    const before = (olds?.roles as Record<string, RolesEntry> | undefined)?.[p.key];
    const previous = allGroups ? p.groups : before === undefined ? [] : fullEntry(p.key, before).inRoles;
    for (const g of previous) {
      if (!p.groups.includes(g) || p.fields.inRoles.includes(g)) continue;
      // By the name read before the renames: a group renamed by the same update is not found (kept).
      const group = sim.roleByName(g);
      if (group && membershipActual(sim, group.id, p.role!.id))
        revokeMembership(sim, group.id, p.role!.id, false);
    }
  }
};

/** old name -> new name of the roles a Roles update renames (an entry's `name` changed, same key). */
export function rolesRenames(step: PlannedStep): Array<[string, string]> {
  const before = new Map(rolesEntries(step.olds).map((e) => [e.key, e.fields.name]));
  return rolesEntries(step.news).flatMap((e) => {
    const old = before.get(e.key);
    return old !== undefined && old !== e.fields.name ? [[old, e.fields.name] as [string, string]] : [];
  });
}
