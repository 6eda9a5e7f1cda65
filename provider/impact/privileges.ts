/**
 * The simulation of the authoritative `Privileges` resource, by its own pure planner
 * (`simulatePrivileges` of provider/privileges/planner.ts: the statements' effect on an ACL list),
 * given what its hooks give it (hooks.ts `plan`: entries of roles that no longer exist left out of
 * the previous ones), so that the impact and the resource cannot disagree. Its `defaultPrivileges`
 * entries are simulated the same way, by their own planner (default-planner.ts), on the model's
 * pg_default_acl rows: the report lists them under the default privileges of objects created later.
 */
import type { AccessModel, AclItem, ModelObject } from "../queries/model";
import { PUBLIC_ID } from "../queries/model";
import { reachOf } from "../queries/effective";
import type { AclEntry } from "../queries/types";
import { type Authoritative, type PrivilegesEntry } from "../privileges/inputs";
import { simulatePrivileges } from "../privileges/planner";
import type { DefaultPrivilegesEntry } from "../privileges/default-inputs";
import { type DefaultAclRow, planDefaultPrivilegeEntries } from "../privileges/default-planner";
import { type Simulation, type StepHandler, defaultEntryAcl, setDefaultEntry } from "./simulate";
import type { PlannedStep } from "./preview";

const objKey = (o: {
  object_type: string;
  schema: string | null;
  object_name: string;
  column_name: string | null;
}) => JSON.stringify([o.object_type, o.schema, o.object_name, o.column_name]);

/** The entries of the inputs or outputs (`grants`: the wanted entries; drift is in `drifted`, `unmanaged`). */
function entriesOf(v: Record<string, unknown> | undefined): PrivilegesEntry[] {
  const g = v?.grants;
  return g && typeof g === "object" ? Object.values(g as Record<string, PrivilegesEntry>) : [];
}

/** The handler of Privileges steps. */
export const privilegesHandler: StepHandler = (sim: Simulation, action, step: PlannedStep) => {
  const v = action === "delete" ? step.olds! : step.news!;
  if (sim.unknown(step, v, ["grants", "defaultPrivileges", "authoritative", "database", "cascade"])) return;
  const m = sim.model;
  if (sim.elsewhere(step, v.database)) return;
  const names = new Map(m.roles.map((r) => [r.id, r.name]));
  const ids = new Map(m.roles.map((r) => [r.name, r.id]));
  const name = (id: string) => (id === PUBLIC_ID ? "PUBLIC" : (names.get(id) ?? id));
  const acl: AclEntry[] = [];
  const byKey = new Map<string, ModelObject>();
  for (const o of m.objects) {
    const base = {
      object_type: o.object_type,
      schema: o.schema,
      object_name: o.name,
      column_name: o.column,
      owner: name(o.owner),
    };
    byKey.set(objKey(base), o);
    for (const x of o.acl ?? o.def) {
      acl.push({
        ...base,
        grantee: name(x.grantee),
        grantor: name(x.grantor),
        privilege: x.privilege,
        is_grantable: x.grantable,
        is_default: o.acl === null,
        revoked: false,
      });
    }
  }
  const routines: Record<string, string | null> = {};
  for (const [k, oid] of sim.ctx.routineOids ?? []) {
    routines[k] =
      oid === null ? null : (m.objects.find((o) => o.oid === oid && o.column === null)?.name ?? null);
  }
  const reach = reachOf(m, m.user).paths;
  // As the hooks: a desired entry's role that does not exist fails the apply; previous entries of
  // roles that are gone hold nothing (left out).
  const exists = (e: PrivilegesEntry) => e.role === "PUBLIC" || ids.has(e.role);
  const desired = action === "delete" ? [] : entriesOf(step.news);
  const gone = [...new Set(desired.filter((e) => !exists(e)).map((e) => e.role))];
  if (gone.length > 0) {
    sim.note(
      step,
      "failure",
      `${gone.map((r) => `role ${r}`).join(", ")} ${gone.length === 1 ? "does" : "do"} not exist at this point: the ${action} fails`,
    );
    return;
  }
  const { plan, result } = simulatePrivileges({
    version: m.version,
    database: m.database,
    acl,
    objects: [...byKey.values()].map((o) => ({
      object_type: o.object_type,
      schema: o.schema,
      object_name: o.name,
      column_name: o.column,
      owner: name(o.owner),
    })),
    routines,
    desired,
    // previous entries of roles renamed by this simulation: under the new name (db/renames.ts)
    previous:
      action === "create"
        ? undefined
        : entriesOf(step.olds)
            .map((e) => (exists(e) ? e : { ...e, role: sim.roleByName(e.role, true)?.name ?? e.role }))
            .filter(exists),
    authoritative: action === "delete" ? undefined : (v.authoritative as Authoritative | undefined),
    cascade: v.cascade === true,
    admin: {
      user: name(m.user),
      superuser: m.superuser,
      inherits: [...reach].filter(([, p]) => p.inherited).map(([id]) => name(id)),
      canSetRole: [...reach.keys()].map(name),
    },
    columnsListed: false,
  });
  if (plan.blocked.length > 0)
    sim.note(step, "failure", `cannot revoke ${plan.blocked.join("; ")}: the update fails`);
  const missing = plan.entries.flatMap((e) => e.missing);
  if (missing.length > 0) sim.note(step, "missing", `${missing.join("; ")}: not found now`);
  const after = new Map<string, AclItem[]>();
  for (const a of result) {
    const k = objKey(a);
    const id = (n: string | null) => (n === "PUBLIC" ? PUBLIC_ID : (ids.get(n ?? "") ?? n ?? ""));
    after.set(k, [
      ...(after.get(k) ?? []),
      { grantee: id(a.grantee), grantor: id(a.grantor), privilege: a.privilege, grantable: a.is_grantable },
    ]);
    if (!byKey.has(k)) {
      const table = m.objects.find(
        (o) => o.object_type === "table" && o.schema === a.schema && o.name === a.object_name,
      );
      const o: ModelObject = {
        object_type: a.object_type,
        oid: table?.oid ?? `new:${k}`,
        schema: a.schema,
        name: a.object_name,
        column: a.column_name,
        owner: table?.owner ?? m.bootstrap,
        acl: null,
        def: [],
        system: false,
      };
      m.objects.push(o);
      byKey.set(k, o);
    }
  }
  simulateDefaults(sim, action, step, name, ids, reach);
  const same = (x: AclItem[], y: AclItem[]) => {
    const f = (i: AclItem) => `${i.grantee}/${i.grantor}/${i.privilege}/${i.grantable}`;
    return JSON.stringify(x.map(f).sort()) === JSON.stringify(y.map(f).sort());
  };
  for (const [k, o] of byKey) {
    const next = after.get(k) ?? [];
    if (!same(next, o.acl ?? o.def)) o.acl = next;
  }
};

const defaultsOf = (v: Record<string, unknown> | undefined): DefaultPrivilegesEntry[] | undefined => {
  const d = v?.defaultPrivileges;
  return d && typeof d === "object" ? Object.values(d as Record<string, DefaultPrivilegesEntry>) : undefined;
};

/** The `defaultPrivileges` entries, as the hooks apply them (planDefaults of hooks.ts), on the model's rows. */
function simulateDefaults(
  sim: Simulation,
  action: "create" | "update" | "delete",
  step: PlannedStep,
  name: (id: string) => string,
  ids: ReadonlyMap<string, string>,
  reach: ReturnType<typeof reachOf>["paths"],
): void {
  const desired = action === "delete" ? undefined : defaultsOf(step.news);
  const previous = action === "create" ? undefined : defaultsOf(step.olds);
  if (desired === undefined && previous === undefined) return;
  const m = sim.model;
  const named = [...(desired ?? []), ...(previous ?? [])];
  const schemas = new Set(m.objects.filter((o) => o.object_type === "schema").map((o) => o.name));
  const missingRoles = [...new Set(named.flatMap((e) => [e.owner, e.role]))].filter(
    (r) => r !== "PUBLIC" && !ids.has(r),
  );
  const missingSchemas = [
    ...new Set(named.flatMap((e) => (e.schema === undefined ? [] : [e.schema]))),
  ].filter((s) => !schemas.has(s));
  // ALTER DEFAULT PRIVILEGES FOR ROLE x: the privileges of x (16+), membership in x before.
  const actsFor = (id: string | undefined) =>
    id !== undefined &&
    (m.superuser ||
      id === m.user ||
      (m.version >= 160000 ? reach.get(id)?.inherited === true : reach.has(id)));
  const owners = [...new Set([...named.map((e) => e.owner), ...m.defaultAcls.map((d) => name(d.owner))])];
  const rows: DefaultAclRow[] = m.defaultAcls.map((d) => ({
    owner: name(d.owner),
    schema: d.schema,
    objectType: d.object_type,
    items: d.acl.map((x) => ({ grantee: name(x.grantee), privilege: x.privilege, grantable: x.grantable })),
  }));
  const plan = planDefaultPrivilegeEntries({
    version: m.version,
    rows,
    builtin: m.builtinDefaults,
    desired: desired ?? [],
    previous,
    authoritative:
      desired !== undefined ? (step.news!.authoritative as Authoritative | undefined) : undefined,
    missingRoles,
    missingSchemas,
    cannotAlter: owners.filter((o) => !actsFor(ids.get(o))),
  });
  const missing = plan.entries.flatMap((e) => e.missing);
  if (missing.length > 0) {
    sim.note(step, "failure", `${missing.join("; ")}: the ${action} fails`);
    return;
  }
  if (plan.blocked.length > 0) {
    sim.note(
      step,
      "failure",
      `the admin may not change the default privileges of ${plan.blocked.join(", ")}: the ${action} fails`,
    );
    return;
  }
  const id = (n: string) => (n === "PUBLIC" ? PUBLIC_ID : ids.get(n)!);
  const byRow = new Map<string, typeof plan.changes>();
  for (const c of plan.changes) {
    const k = JSON.stringify([c.owner, c.schema, c.objectType]);
    byRow.set(k, [...(byRow.get(k) ?? []), c]);
  }
  for (const changes of byRow.values()) {
    const { owner, schema, objectType } = changes[0]!;
    let acl = defaultEntryAcl(m, id(owner), schema, objectType).map((x) => ({ ...x }));
    for (const c of changes) {
      const grantee = id(c.grantee);
      const at = acl.find((x) => x.grantee === grantee && x.privilege === c.privilege);
      if (c.mode === "revoke") acl = acl.filter((x) => x !== at);
      else if (c.mode === "revoke grant option") {
        if (at) at.grantable = false;
      } else if (at) at.grantable ||= c.mode === "grant with grant option";
      else
        acl.push({
          grantee,
          grantor: id(owner),
          privilege: c.privilege,
          grantable: c.mode === "grant with grant option",
        });
    }
    setDefaultEntry(m, id(owner), schema, objectType, acl);
  }
}

export type { AccessModel };
