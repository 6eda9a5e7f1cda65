/**
 * Grant planner: (privileges the grantee holds on each object, what the resource managed before,
 * what is wanted) -> statements. Pure. Only the delta: GRANT what is missing, REVOKE what is no
 * longer wanted, and never a privilege that stays wanted (no REVOKE ALL + GRANT).
 */
import { roleSpec } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { OBJECT_KINDS, type ObjectType } from "../common/object-kinds";

/** One object as the catalog has it for the grantee. */
export interface ObjectAcl {
  /** The object as the user names it (table name, routine item, schema or database name). */
  key: string;
  /** The object as SQL (quoted, schema-qualified; routines with their argument types). */
  sql: string;
  /** Privileges the grantee holds directly (NULL ACLs read as their defaults) -> with grant option. */
  privileges: Record<string, boolean>;
  /** Column grants: the table (as SQL) the column (`sql`) belongs to. */
  table?: string;
}

export interface PrivilegeSet {
  /** Concrete privilege names ("ALL" already expanded for the server). */
  privileges: string[];
  withGrantOption: boolean;
}

export interface GrantPlanInput {
  objectType: ObjectType;
  role: string;
  objects: readonly ObjectAcl[];
  /** What this resource managed before (undefined on create). */
  previous?: PrivilegeSet;
  /** What it should manage now (undefined on delete). */
  desired?: PrivilegeSet;
  cascade: boolean;
}

/**
 * `privileges ON objects` clauses for a group of objects needing the same privileges. Column
 * privileges name their columns per privilege and their table: `SELECT (a, b) ON TABLE t`, one
 * clause per table.
 */
function clauses(objectType: ObjectType, privs: string[], objs: ObjectAcl[]): string[] {
  if (objectType !== "column")
    return [
      `${privs.join(", ")} ON ${OBJECT_KINDS[objectType].keyword} ${objs.map((o) => o.sql).join(", ")}`,
    ];
  const byTable = new Map<string, string[]>();
  for (const o of objs) byTable.set(o.table!, [...(byTable.get(o.table!) ?? []), o.sql]);
  return [...byTable].map(
    ([table, cols]) => `${privs.map((p) => `${p} (${cols.join(", ")})`).join(", ")} ON TABLE ${table}`,
  );
}

/** Groups objects by the privilege list each needs, keeping first-seen order. */
function group(
  objects: readonly ObjectAcl[],
  pick: (o: ObjectAcl) => string[],
): Array<[string[], ObjectAcl[]]> {
  const groups = new Map<string, [string[], ObjectAcl[]]>();
  for (const o of objects) {
    const privs = pick(o);
    if (privs.length === 0) continue;
    const k = privs.join(",");
    const g = groups.get(k);
    if (g) g[1].push(o);
    else groups.set(k, [privs, [o]]);
  }
  return [...groups.values()];
}

export function planGrant(input: GrantPlanInput): Statement[] {
  const { objectType, role, previous, desired, cascade } = input;
  const objects = [...input.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const grantee = roleSpec(role);
  const names = (objs: ObjectAcl[]) => `${objectType} ${objs.map((o) => o.key).join(", ")}`;
  const tail = cascade ? " CASCADE" : "";
  const out: Statement[] = [];
  const emit = (description: string, privs: string[], objs: ObjectAcl[], sql: (clause: string) => string) => {
    for (const clause of clauses(objectType, privs, objs)) out.push(stmt(description, sql(clause)));
  };

  if (desired) {
    const withOption = desired.withGrantOption;
    for (const [privs, objs] of group(objects, (o) =>
      desired.privileges.filter((p) => !(p in o.privileges) || (withOption && !o.privileges[p])),
    )) {
      emit(
        `grant ${privs.join(", ")} on ${names(objs)} to ${role}${withOption ? " with grant option" : ""}`,
        privs,
        objs,
        (c) => `GRANT ${c} TO ${grantee}${withOption ? " WITH GRANT OPTION" : ""}`,
      );
    }
  }

  if (previous) {
    const keep = new Set(desired?.privileges ?? []);
    const unwanted = previous.privileges.filter((p) => !keep.has(p));
    for (const [privs, objs] of group(objects, (o) => unwanted.filter((p) => p in o.privileges))) {
      emit(
        `revoke ${privs.join(", ")} on ${names(objs)} from ${role}`,
        privs,
        objs,
        (c) => `REVOKE ${c} FROM ${grantee}${tail}`,
      );
    }
    if (desired && previous.withGrantOption && !desired.withGrantOption) {
      for (const [privs, objs] of group(objects, (o) =>
        desired.privileges.filter((p) => o.privileges[p] === true),
      )) {
        emit(
          `revoke the grant option for ${privs.join(", ")} on ${names(objs)} from ${role}`,
          privs,
          objs,
          (c) => `REVOKE GRANT OPTION FOR ${c} FROM ${grantee}${tail}`,
        );
      }
    }
  }
  return out;
}

/**
 * What the grantee holds of `managed` on every object (the intersection), and whether all of it
 * carries the grant option. With no objects (an empty schema) everything managed counts as held.
 */
export function heldOnAll(
  objects: readonly ObjectAcl[],
  managed: readonly string[],
): { held: string[]; grantable: boolean } {
  const held = managed.filter((p) => objects.every((o) => p in o.privileges));
  const grantable = objects.every((o) => held.every((p) => o.privileges[p] === true));
  return { held, grantable };
}

/**
 * Of `candidates`, what the grantee holds on some of the objects but not on every one (an object
 * named but missing holds nothing): the trace a partly revoked grant leaves.
 */
export function heldOnSome(
  objects: readonly ObjectAcl[],
  candidates: readonly string[],
  someMissing: boolean,
): string[] {
  return candidates.filter(
    (p) =>
      objects.some((o) => p in o.privileges) && (someMissing || !objects.every((o) => p in o.privileges)),
  );
}
