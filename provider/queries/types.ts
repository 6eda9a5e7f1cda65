/** The shapes the query functions return. Plain JSON values (no Dates, no BigInts). */
import type { ConnectionArgs } from "../db/connection";
import type { DefaultObjectType, ObjectType } from "../common/object-kinds";

/** Options every query function takes. */
export interface QueryOptions {
  /**
   * Where to connect. Fields not set here come from the libpq environment (DATABASE_URL, then
   * PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE), as for the resources.
   */
  connection?: ConnectionArgs;
}

/** What `listRoles` returns per role. */
export interface RoleInfo {
  name: string;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  /** -1: no limit. */
  connection_limit: number;
  /** UTC ISO 8601 (`2030-01-01T00:00:00Z`), "infinity", or null (none). */
  valid_until: string | null;
  inherit: boolean;
  bypassrls: boolean;
  /** The roles it is a direct member of, sorted. */
  member_of: string[];
}

/** A role with what the audit and the export need besides. */
export interface RoleDetail extends RoleInfo {
  oid: number;
  comment: string | null;
  /** `ALTER ROLE … SET` parameters valid in every database (name -> value). */
  settings: Record<string, string>;
  /** Whether it has a password; null when pg_authid is not readable (not a superuser). */
  has_password: boolean | null;
  /** A predefined `pg_*` role. */
  system: boolean;
}

/** A member of a role (listRoleMembers). */
export interface RoleMember {
  member: string;
  login: boolean;
  /** 1: a direct member; 2: a member of a direct member; … */
  depth: number;
  /** The role, then each group down to the member. */
  path: string[];
  admin_option: boolean;
  /** PostgreSQL 16+: the membership's INHERIT and SET options; null before. */
  inherit_option: boolean | null;
  set_option: boolean | null;
  grantors: string[];
}

/** One membership row (per grantor on 16+). */
export interface Membership {
  role: string;
  member: string;
  grantor: string | null;
  admin_option: boolean;
  inherit_option: boolean | null;
  set_option: boolean | null;
}

/** Object types as Grant names them (but "routine", which is functions and procedures together). */
export type GrantObjectType = Exclude<ObjectType, "routine">;

/** One privilege of a grantee on an object, or (source "default") in a default-privileges entry. */
export interface RoleGrant {
  /** The grantee: a role, or "PUBLIC". */
  grantee: string;
  /** "object": a privilege on an existing object; "default": privileges future objects will get. */
  source: "object" | "default";
  /**
   * The object type (Grant's names; "table" includes views, materialized views, foreign and
   * partitioned tables); for default privileges: table, sequence, function, type or schema.
   */
  object_type: GrantObjectType;
  /** The object's schema; default privileges: the IN SCHEMA, or null for the owner's global entry. */
  schema: string | null;
  /** Table, sequence, `function(argtypes)`, schema, database …; null for default privileges. */
  object_name: string | null;
  /** Column privileges: the column (object_name is its table). */
  column_name: string | null;
  privilege: string;
  is_grantable: boolean;
  grantor: string | null;
  /** The object's owner; default privileges: the role whose future objects they cover (FOR ROLE). */
  owner: string | null;
}

/** Why a role can do something. */
export interface Reason {
  /**
   * grant: an ACL entry for the role or a role it inherits from; public: granted to PUBLIC;
   * predefined: pg_read_all_data, pg_write_all_data or pg_maintain; superuser: a superuser can.
   */
  reason: "grant" | "public" | "predefined" | "superuser";
  /** Who holds the privilege: the role itself, an inherited group, "PUBLIC"; null for superusers. */
  grantee: string | null;
  /** The membership path from the role to the grantee (the role alone for a direct grant; ends in "PUBLIC"). */
  via: string[];
}

export interface EffectivePrivilege extends Reason {
  object_type: GrantObjectType;
  schema: string | null;
  object_name: string;
  column_name: string | null;
  privilege: string;
  is_grantable: boolean;
}

export interface EffectivePrivileges {
  role: string;
  superuser: boolean;
  /**
   * Every role it reaches through memberships: `inherited` false where privileges do not flow
   * (NOINHERIT, or a PostgreSQL 16 membership WITH INHERIT FALSE: usable with SET ROLE only).
   */
  memberships: Array<{ role: string; inherited: boolean; path: string[] }>;
  privileges: EffectivePrivilege[];
}

export interface WhoCanEntry extends Reason {
  role: string;
  login: boolean;
  superuser: boolean;
  is_grantable: boolean;
}

/** A default-privileges entry (pg_default_acl), one grantee's privilege. */
export interface DefaultPrivilegeEntry {
  owner: string;
  /** null: the owner's global entry. */
  schema: string | null;
  /** "function" covers procedures (one catalog letter for both). */
  object_type: Exclude<DefaultObjectType, "routine">;
  grantee: string;
  grantor: string | null;
  privilege: string;
  is_grantable: boolean;
  /** Part of PostgreSQL's built-in default (global entries only). */
  builtin: boolean;
  /** A built-in default that the global entry no longer has (revoked). */
  revoked: boolean;
}

/** One ACL entry of an object (the audit and the export). */
export interface AclEntry {
  object_type: GrantObjectType;
  schema: string | null;
  object_name: string;
  column_name: string | null;
  owner: string | null;
  grantee: string;
  grantor: string | null;
  privilege: string;
  is_grantable: boolean;
  /** Part of the object's built-in default ACL (the owner's own privileges, PUBLIC's defaults). */
  is_default: boolean;
  /** A built-in default that the object's ACL no longer has (revoked). */
  revoked: boolean;
}

export interface RowLevelSecurityInfo {
  schema: string;
  table: string;
  enabled: boolean;
  force: boolean;
}

export interface PolicyInfo {
  name: string;
  schema: string;
  table: string;
  command: "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";
  permissive: boolean;
  roles: string[];
  using: string | null;
  with_check: string | null;
}

export interface ServerInfo {
  version: number;
  version_text: string;
  database: string;
  user: string;
  superuser: boolean;
  /** Whether pg_authid.rolpassword is readable (which roles have a password can be told). */
  passwords_readable: boolean;
}

/** Everything the audit and the export read, as one value (a few queries, whatever the object count). */
export interface CatalogSnapshot {
  server: ServerInfo;
  roles: RoleDetail[];
  memberships: Membership[];
  /** ACL entries of objects in scope, built-in defaults included (is_default) and revoked ones (revoked). */
  acl: AclEntry[];
  defaultPrivileges: DefaultPrivilegeEntry[];
  rowLevelSecurity: RowLevelSecurityInfo[];
  policies: PolicyInfo[];
}
