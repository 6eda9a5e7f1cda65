/**
 * The object types of ALTER DEFAULT PRIVILEGES, how each is written in SQL and in the catalog, and
 * its privileges. Pure.
 *
 * Two catalog letters per type: `pg_default_acl.defaclobjtype` (r, S, f, T, n) and the letter
 * `acldefault()` takes for the built-in default, which differs for sequences (`s`; an `S` there
 * means a foreign server). FUNCTIONS and ROUTINES are one entry (`f`, procedures included).
 * LARGE OBJECTS (PostgreSQL 18) are not supported.
 */
import { allPrivileges, normalizePrivilegeName, sameSet } from "../common/privileges";

export const DEFAULT_OBJECT_TYPES = ["table", "sequence", "function", "routine", "type", "schema"] as const;
export type DefaultObjectType = (typeof DEFAULT_OBJECT_TYPES)[number];

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

const TYPES: Record<DefaultObjectType, TypeInfo> = {
  table: {
    keyword: "TABLES",
    objtype: "r",
    aclDefaultType: "r",
    privileges: (v) => allPrivileges("table", v),
  },
  sequence: {
    keyword: "SEQUENCES",
    objtype: "S",
    aclDefaultType: "s",
    privileges: (v) => allPrivileges("sequence", v),
  },
  function: {
    keyword: "FUNCTIONS",
    objtype: "f",
    aclDefaultType: "f",
    privileges: (v) => allPrivileges("function", v),
  },
  routine: {
    keyword: "ROUTINES",
    objtype: "f",
    aclDefaultType: "f",
    privileges: (v) => allPrivileges("routine", v),
  },
  type: { keyword: "TYPES", objtype: "T", aclDefaultType: "T", privileges: () => ["USAGE"] },
  schema: {
    keyword: "SCHEMAS",
    objtype: "n",
    aclDefaultType: "n",
    privileges: (v) => allPrivileges("schema", v),
  },
};

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
