/**
 * The role attributes, once: the input key, the pg_roles column, the keywords that switch it on
 * and off, the default, and whether only a superuser may set it. Inputs (types, check, defaults),
 * the planner, the catalog reads, the hooks, the query functions and the export derive from this
 * table, so a new attribute is one entry. Pure.
 * https://www.postgresql.org/docs/current/sql-createrole.html
 */

export interface RoleAttribute {
  /** The Role input and output key. */
  readonly key: string;
  /** The pg_roles column. */
  readonly column: string;
  /** The name the query functions, the audit and the export read it under (RoleInfo). */
  readonly info: string;
  /** CREATE/ALTER ROLE keywords: [on, off]. */
  readonly keywords: readonly [string, string];
  readonly default: boolean;
  /** Only a superuser may set or change it (CREATEROLE is not enough). */
  readonly superuserOnly: boolean;
}

/** In the order CREATE ROLE writes them (the exact statements depend on it). */
export const ROLE_ATTRIBUTES = [
  {
    key: "login",
    column: "rolcanlogin",
    info: "login",
    keywords: ["LOGIN", "NOLOGIN"],
    default: false,
    superuserOnly: false,
  },
  {
    key: "superuser",
    column: "rolsuper",
    info: "superuser",
    keywords: ["SUPERUSER", "NOSUPERUSER"],
    default: false,
    superuserOnly: true,
  },
  {
    key: "createDatabase",
    column: "rolcreatedb",
    info: "createdb",
    keywords: ["CREATEDB", "NOCREATEDB"],
    default: false,
    superuserOnly: false,
  },
  {
    key: "createRole",
    column: "rolcreaterole",
    info: "createrole",
    keywords: ["CREATEROLE", "NOCREATEROLE"],
    default: false,
    superuserOnly: false,
  },
  {
    key: "inherit",
    column: "rolinherit",
    info: "inherit",
    keywords: ["INHERIT", "NOINHERIT"],
    default: true,
    superuserOnly: false,
  },
  {
    key: "replication",
    column: "rolreplication",
    info: "replication",
    keywords: ["REPLICATION", "NOREPLICATION"],
    default: false,
    superuserOnly: true,
  },
  {
    key: "bypassRowLevelSecurity",
    column: "rolbypassrls",
    info: "bypassrls",
    keywords: ["BYPASSRLS", "NOBYPASSRLS"],
    default: false,
    superuserOnly: true,
  },
] as const satisfies readonly RoleAttribute[];

export type RoleFlag = (typeof ROLE_ATTRIBUTES)[number]["key"];
/** The attribute names of RoleInfo (query functions). */
export type RoleInfoFlag = (typeof ROLE_ATTRIBUTES)[number]["info"];

/** The attributes as a record of booleans keyed by input key. */
export type RoleFlags = Record<RoleFlag, boolean>;

export const ROLE_FLAGS: readonly RoleFlag[] = ROLE_ATTRIBUTES.map((a) => a.key);

export const ROLE_DEFAULTS = Object.fromEntries(ROLE_ATTRIBUTES.map((a) => [a.key, a.default])) as RoleFlags;

/** The same defaults under the names the query functions read them (RoleInfo's `info` names). */
export const ROLE_INFO_DEFAULTS: Readonly<Record<string, boolean>> = Object.fromEntries(
  ROLE_ATTRIBUTES.map((a) => [a.info, a.default]),
);

/** Picks the attributes out of any object that has them (inputs, catalog reads). */
export function flagsOf(o: RoleFlags): RoleFlags {
  return Object.fromEntries(ROLE_FLAGS.map((f) => [f, o[f]])) as RoleFlags;
}

/** `r.rolcanlogin AS login, …` for a catalog query over pg_roles aliased `alias`. */
export function attributeColumns(alias: string, as: "column" | "info"): string {
  return ROLE_ATTRIBUTES.map((a) =>
    as === "column" ? `${alias}.${a.column}` : `${alias}.${a.column} AS ${a.info}`,
  ).join(", ");
}
