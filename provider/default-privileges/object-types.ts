/**
 * The object types of ALTER DEFAULT PRIVILEGES, how each is written in SQL and in the catalog, and
 * its privileges. Pure.
 *
 * Two catalog letters per type: `pg_default_acl.defaclobjtype` (r, S, f, T, n) and the letter
 * `acldefault()` takes for the built-in default, which differs for sequences (`s`; an `S` there
 * means a foreign server), both in common/object-kinds.ts. FUNCTIONS and ROUTINES are one entry
 * (`f`, procedures included). LARGE OBJECTS (PostgreSQL 18) are not supported.
 */
import { OBJECT_KINDS, type DefaultObjectType } from "../common/object-kinds";
import { allPrivileges, normalizePrivilegeName, sameSet } from "../common/privileges";

export type { DefaultObjectType };

/** In the order check names them. */
export const DEFAULT_OBJECT_TYPES = [
  "table",
  "sequence",
  "function",
  "routine",
  "type",
  "schema",
] as const satisfies readonly DefaultObjectType[];

interface TypeInfo {
  /** The plural keyword after ON. */
  keyword: string;
  /** pg_default_acl.defaclobjtype */
  objtype: string;
  /** The letter acldefault() takes for this type. */
  aclDefaultType: string;
  /** Every privilege of the type, in PostgreSQL's documentation order (server-version filtered). */
  privileges: (serverVersionNum: number) => string[];
}

/** What object-kinds.ts says of each type (routines take the catalog place of functions). */
function info(t: DefaultObjectType): TypeInfo {
  const k = OBJECT_KINDS[t];
  const catalog = k.catalog ?? OBJECT_KINDS.function.catalog!;
  return {
    keyword: k.defaults!.keyword,
    objtype: k.defaults!.objtype,
    aclDefaultType: catalog.aclDefault,
    privileges: (v) => allPrivileges(t, v),
  };
}

const TYPES = Object.fromEntries(DEFAULT_OBJECT_TYPES.map((t) => [t, info(t)])) as Record<
  DefaultObjectType,
  TypeInfo
>;

export function typeInfo(t: DefaultObjectType): TypeInfo {
  return TYPES[t];
}

export function isDefaultObjectType(v: unknown): v is DefaultObjectType {
  return typeof v === "string" && (DEFAULT_OBJECT_TYPES as readonly string[]).includes(v);
}

/** An object type written in any letter case; undefined if unknown. */
export function normalizeDefaultObjectType(v: unknown): DefaultObjectType | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim().toLowerCase();
  return isDefaultObjectType(t) ? t : undefined;
}

/** A hint for object types people try that ALTER DEFAULT PRIVILEGES does not take (or we do not). */
export function objectTypeHint(v: string): string | undefined {
  const t = v.trim().toLowerCase().replace(/\s+/g, " ");
  if (DEFAULT_OBJECT_TYPES.some((x) => `${x}s` === t)) return `write it singular: "${t.slice(0, -1)}"`;
  if (t === "procedure" || t === "procedures") {
    return 'default privileges of functions cover procedures: use "function" or "routine"';
  }
  if (t === "large object" || t === "large objects" || t === "largeobject") {
    return "default privileges on large objects need PostgreSQL 18 and are not supported";
  }
  if (t === "database") return "default privileges do not apply to databases";
  return undefined;
}

/** The full set for the type on a server version (MAINTAIN on tables from 17). */
export function allDefaultPrivileges(
  t: DefaultObjectType,
  serverVersionNum = Number.MAX_SAFE_INTEGER,
): string[] {
  return TYPES[t].privileges(serverVersionNum);
}

/** Names that are not privileges of the type (for check; "ALL" is one everywhere). */
export function invalidDefaultPrivileges(t: DefaultObjectType, privileges: readonly string[]): string[] {
  const valid = new Set([...allDefaultPrivileges(t), "ALL"]);
  return privileges.filter((p) => !valid.has(normalizePrivilegeName(p)));
}

/** Upper case, aliases resolved, duplicates removed, documentation order; ALL absorbs the rest. */
export function normalizeDefaultPrivileges(t: DefaultObjectType, privileges: readonly string[]): string[] {
  const names = privileges.map(normalizePrivilegeName);
  if (names.includes("ALL")) return ["ALL"];
  const order = allDefaultPrivileges(t);
  return [...new Set(names)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** The concrete privileges a normalized list stands for on this server. */
export function expandDefaultPrivileges(
  t: DefaultObjectType,
  privileges: readonly string[],
  serverVersionNum: number,
): string[] {
  return privileges.includes("ALL") ? allDefaultPrivileges(t, serverVersionNum) : [...privileges];
}

/**
 * A concrete set written the way the user wrote it when equivalent ("ALL" and the server's full
 * set compare equal), else in documentation order, as "ALL" when it is the full set.
 */
export function describeDefaultPrivileges(
  t: DefaultObjectType,
  actual: readonly string[],
  desired: readonly string[],
  serverVersionNum: number,
): string[] {
  const have = normalizeDefaultPrivileges(t, actual);
  if (sameSet(expandDefaultPrivileges(t, desired, serverVersionNum), have)) return [...desired];
  if (have.length > 0 && sameSet(allDefaultPrivileges(t, serverVersionNum), have)) return ["ALL"];
  return have;
}
