/**
 * Privilege names per object type, and what "ALL" means on a given server version.
 * https://www.postgresql.org/docs/current/ddl-priv.html
 * The facts (which privileges, from which version) are in object-kinds.ts.
 */
import { OBJECT_KINDS, OBJECT_TYPES, type ObjectType, kindsWhere } from "./object-kinds";

export { OBJECT_TYPES, type ObjectType };

/** Object types whose grants name objects inside a schema. */
export const SCHEMA_OBJECT_TYPES: readonly ObjectType[] = kindsWhere((k) => k.scope === "schema");

/** Object types whose grants must name their objects (there is no "every object" form). */
export const NAMED_OBJECT_TYPES: readonly ObjectType[] = kindsWhere((k) => k.namedOnly);

/** Object types that live outside any schema (objects are plain names). */
export const UNQUALIFIED_OBJECT_TYPES: readonly ObjectType[] = kindsWhere(
  (k) => k.scope !== "schema" && k.namedOnly,
);

/** Object types shared by the whole cluster (no `database` applies). */
export const CLUSTER_OBJECT_TYPES: readonly ObjectType[] = kindsWhere((k) => k.scope === "cluster");

const ALIASES: Record<string, string> = { TEMP: "TEMPORARY", "ALL PRIVILEGES": "ALL" };

export function isObjectType(v: unknown): v is ObjectType {
  return typeof v === "string" && (OBJECT_TYPES as readonly string[]).includes(v);
}

/** Normalizes an object type written in any letter case; undefined if unknown. */
export function normalizeObjectType(v: unknown): ObjectType | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim().toLowerCase();
  return isObjectType(t) ? t : undefined;
}

/** The full privilege set of an object type on a server version. */
export function allPrivileges(type: ObjectType, serverVersionNum = Number.MAX_SAFE_INTEGER): string[] {
  const { privileges, privilegesSince } = OBJECT_KINDS[type];
  return privileges.filter((p) => (privilegesSince?.[p] ?? 0) <= serverVersionNum);
}

/** One privilege name: upper case, single spaces, aliases resolved (TEMP -> TEMPORARY). */
export function normalizePrivilegeName(p: string): string {
  const u = p.trim().replace(/\s+/g, " ").toUpperCase();
  return ALIASES[u] ?? u;
}

/** Upper-cases, resolves aliases, removes duplicates, sorts in documentation order; ALL absorbs the rest. */
export function normalizePrivileges(type: ObjectType, privileges: readonly string[]): string[] {
  const names = privileges.map(normalizePrivilegeName);
  if (names.includes("ALL")) return ["ALL"];
  const order = OBJECT_KINDS[type].privileges;
  return [...new Set(names)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** Names that are not privileges of this object type (for check). */
export function invalidPrivileges(type: ObjectType, privileges: readonly string[]): string[] {
  const valid = new Set([...OBJECT_KINDS[type].privileges, "ALL"]);
  return privileges.filter((p) => !valid.has(normalizePrivilegeName(p)));
}

/** The concrete privileges a (normalized) list stands for on this server. */
export function expandPrivileges(
  type: ObjectType,
  privileges: readonly string[],
  serverVersionNum: number,
): string[] {
  return privileges.includes("ALL") ? allPrivileges(type, serverVersionNum) : [...privileges];
}

/**
 * Expresses a concrete set the way the user wrote it when they are equivalent, so that "ALL"
 * and the full set of this server compare equal: `desired` if it means `actual`, else `actual`
 * (as "ALL" when it is the full set).
 */
export function describeActual(
  type: ObjectType,
  actual: readonly string[],
  desired: readonly string[],
  serverVersionNum: number,
): string[] {
  const want = expandPrivileges(type, desired, serverVersionNum);
  const have = normalizePrivileges(type, actual);
  if (sameSet(want, have)) return [...desired];
  const all = allPrivileges(type, serverVersionNum);
  if (sameSet(all, have)) return ["ALL"];
  return have;
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}
