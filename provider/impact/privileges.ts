/**
 * The simulation of the authoritative `Privileges` resource, by its own pure planner
 * (`simulatePrivileges` of provider/privileges/planner.ts: the statements' effect on an ACL list),
 * so that the impact and the resource cannot disagree. Loaded when the package has that resource;
 * without it, `Privileges` steps are reported as not simulated.
 */
import type { AccessModel, AclItem, ModelObject } from "../queries/model";
import { PUBLIC_ID } from "../queries/model";
import { reachOf } from "../queries/effective";
import type { AclEntry } from "../queries/types";
import type { Simulation, StepHandler } from "./simulate";
import type { PlannedStep } from "./preview";

/** What the planner module offers (the part used here). */
interface PrivilegesPlanner {
  simulatePrivileges(input: {
    version: number;
    database: string;
    acl: readonly AclEntry[];
    objects?: ReadonlyArray<
      Pick<AclEntry, "object_type" | "schema" | "object_name" | "column_name" | "owner">
    >;
    routines?: Readonly<Record<string, string | null>>;
    desired: readonly unknown[];
    previous?: readonly unknown[];
    authoritative?: unknown;
    cascade: boolean;
    admin?: { user: string; superuser: boolean; inherits: readonly string[]; canSetRole: readonly string[] };
    columnsListed?: boolean;
  }): { plan: { blocked: string[]; entries: Array<{ missing: string[] }> }; result: AclEntry[] };
}

function loadPlanner(): PrivilegesPlanner | undefined {
  try {
    const m = require("../privileges/planner") as Partial<PrivilegesPlanner>;
    return typeof m.simulatePrivileges === "function" ? (m as PrivilegesPlanner) : undefined;
  } catch {
    return undefined;
  }
}

const objKey = (o: {
  object_type: string;
  schema: string | null;
  object_name: string;
  column_name: string | null;
}) => JSON.stringify([o.object_type, o.schema, o.object_name, o.column_name]);

function entriesOf(v: Record<string, unknown> | undefined): unknown[] {
  const g = v?.grants;
  return g && typeof g === "object" ? Object.values(g as Record<string, unknown>) : [];
}

/** The handler of Privileges steps, or undefined when this build has no Privileges resource. */
export function privilegesHandler(): StepHandler | undefined {
  const planner = loadPlanner();
  if (!planner) return undefined;
  return (sim: Simulation, action, step: PlannedStep) => {
    const v = action === "delete" ? step.olds! : step.news!;
    if (sim.unknown(step, v, ["grants", "authoritative", "database", "cascade"])) return;
    const m = sim.model;
    if (v.database !== undefined && v.database !== m.database) {
      sim.note(
        step,
        "elsewhere",
        `acts in database ${String(v.database)}; this report reads ${m.database}: not simulated`,
      );
      return;
    }
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
    const { plan, result } = planner.simulatePrivileges({
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
      desired: action === "delete" ? [] : entriesOf(step.news),
      previous: action === "create" ? undefined : entriesOf(step.olds),
      authoritative: action === "delete" ? undefined : v.authoritative,
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
}

/** The resource's diff (for deleteBeforeReplace), when this build has the resource. */
export function privilegesDiff():
  ((olds: never, news: never) => { deleteBeforeReplace?: boolean }) | undefined {
  try {
    const m = require("../privileges/inputs") as {
      diffPrivileges?: (olds: never, news: never) => { deleteBeforeReplace?: boolean };
    };
    return m.diffPrivileges;
  } catch {
    return undefined;
  }
}

/** Whether this build simulates Privileges. */
export const hasPrivilegesPlanner = (): boolean => loadPlanner() !== undefined;

export type { AccessModel };
