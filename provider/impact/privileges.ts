/**
 * The simulation of the authoritative `Privileges` resource, by its own pure planner
 * (`simulatePrivileges` of provider/privileges/planner.ts: the statements' effect on an ACL list),
 * given what its hooks give it (hooks.ts `plan`: entries of roles that no longer exist left out of
 * the previous ones), so that the impact and the resource cannot disagree.
 */
import type { AccessModel, AclItem, ModelObject } from "../queries/model";
import { PUBLIC_ID } from "../queries/model";
import { reachOf } from "../queries/effective";
import type { AclEntry } from "../queries/types";
import { type Authoritative, type PrivilegesEntry } from "../privileges/inputs";
import { simulatePrivileges } from "../privileges/planner";
import type { Simulation, StepHandler } from "./simulate";
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
  if (sim.unknown(step, v, ["grants", "authoritative", "database", "cascade"])) return;
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
  const same = (x: AclItem[], y: AclItem[]) => {
    const f = (i: AclItem) => `${i.grantee}/${i.grantor}/${i.privilege}/${i.grantable}`;
    return JSON.stringify(x.map(f).sort()) === JSON.stringify(y.map(f).sort());
  };
  for (const [k, o] of byKey) {
    const next = after.get(k) ?? [];
    if (!same(next, o.acl ?? o.def)) o.acl = next;
  }
};

export type { AccessModel };
