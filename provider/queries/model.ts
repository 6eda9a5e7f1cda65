/**
 * The access model: everything that decides who can do what in one database, as one plain value
 * (roles by OID with their attributes, every membership row, the raw ACL and built-in default ACL
 * of every object, default privileges, row level security and policies). Read in a fixed number of
 * queries; effective.ts computes effective privileges from it without a server, and the impact
 * command (cli/impact) changes a copy of it the way a `pulumi up` would.
 *
 * Roles are named by id (the OID as text; PUBLIC is "0"), so a rename changes one field and every
 * ACL entry, membership and policy follows, as in the catalog.
 */
import type { PoolClient } from "pg";
import { connectionFact } from "../db/session";
import { withCatalog } from "./connect";
import { OBJECTS_13, OBJECTS_15, PASSWORDS_QUERY, ROLES_QUERY } from "./sql";
import type { DefaultObjectType } from "../common/object-kinds";
import type { GrantObjectType, QueryOptions } from "./types";
import type { ScopeOptions } from "./functions";

/** The grantee id of PUBLIC (grantee 0 in aclexplode). */
export const PUBLIC_ID = "0";

/** One ACL item. */
export interface AclItem {
  grantee: string;
  grantor: string;
  privilege: string;
  grantable: boolean;
}

export interface ModelRole {
  id: string;
  name: string;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  inherit: boolean;
  bypassrls: boolean;
  connection_limit: number;
  /** As listRoles reports it: UTC ISO 8601, "infinity", or null. */
  valid_until: string | null;
  /** null: pg_authid not readable. */
  has_password: boolean | null;
  /** A predefined pg_* role. */
  system: boolean;
}

/** One pg_auth_members row (several per pair from PostgreSQL 16: one per grantor). */
export interface ModelMembership {
  role: string;
  member: string;
  grantor: string;
  admin: boolean;
  /** PostgreSQL 16+; null before (the member's INHERIT attribute decides). */
  inherit: boolean | null;
  set: boolean | null;
}

export interface ModelObject {
  object_type: GrantObjectType;
  /** The catalog OID (columns: their table's). */
  oid: string;
  schema: string | null;
  /** Routines as `name(argtypes)`. */
  name: string;
  column: string | null;
  owner: string;
  /** The explicit ACL; null: the built-in default (`def`). */
  acl: AclItem[] | null;
  /** The built-in default ACL (acldefault of the kind and owner). */
  def: AclItem[];
  /** In a system schema (pg_catalog, information_schema, pg_toast). */
  system: boolean;
}

/** pg_default_acl's object types (functions cover procedures). */
export type ModelDefaultType = Exclude<DefaultObjectType, "routine">;

/** One pg_default_acl row. A global entry (schema null) that does not exist means the built-in default. */
export interface ModelDefaultAcl {
  owner: string;
  schema: string | null;
  object_type: ModelDefaultType;
  acl: AclItem[];
}

export interface ModelRowLevelSecurity {
  schema: string;
  table: string;
  enabled: boolean;
  force: boolean;
}

export interface ModelPolicy {
  schema: string;
  table: string;
  name: string;
  command: "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";
  permissive: boolean;
  /** Role ids; PUBLIC is "0". */
  roles: string[];
  using: string | null;
  with_check: string | null;
}

export interface AccessModel {
  version: number;
  database: string;
  /** The connecting role's id; whether it is a superuser (then GRANT acts as the object's owner). */
  user: string;
  superuser: boolean;
  /** The bootstrap superuser (OID 10): the grantor PostgreSQL 16+ records for a superuser's GRANT of a role. */
  bootstrap: string;
  /** The owner of the current database (implicitly a member of pg_database_owner, 14+). */
  databaseOwner: string;
  roles: ModelRole[];
  memberships: ModelMembership[];
  objects: ModelObject[];
  defaultAcls: ModelDefaultAcl[];
  /**
   * The built-in default privileges of each default-privileges object type (acldefault): what its
   * owner gets, and what PUBLIC gets (EXECUTE on functions, USAGE on types).
   */
  builtinDefaults: Record<ModelDefaultType, { owner: string[]; public: string[] }>;
  /** Every ordinary and partitioned table of the user schemas (in scope), with its setting. */
  rowLevelSecurity: ModelRowLevelSecurity[];
  policies: ModelPolicy[];
}

const ITEMS = (acl: string) => `
coalesce((SELECT json_agg(json_build_object('grantee', x.grantee::int8::text, 'grantor', x.grantor::int8::text,
                                            'privilege', x.privilege_type, 'grantable', x.is_grantable)
                          ORDER BY x.grantee, x.privilege_type, x.grantor)
            FROM aclexplode(${acl}) x), '[]'::json)`;

/** Every object in scope (scope parameters $1-$5 as sql.ts's SCOPE) with its raw and default ACL. */
const modelObjects = (objects: string) => `
WITH ${objects}
SELECT o.object_type, o.oid::int8::text AS oid, o.schema, o.object_name AS name, o.column_name AS column,
       o.owner::int8::text AS owner, o.system,
       CASE WHEN o.acl IS NULL THEN NULL ELSE ${ITEMS("o.acl")} END AS acl,
       ${ITEMS("o.def")} AS def
  FROM objects o`;
export const MODEL_OBJECTS_QUERY_15 = modelObjects(OBJECTS_15);
export const MODEL_OBJECTS_QUERY_13 = modelObjects(OBJECTS_13);

export const MODEL_HEAD_QUERY = `
SELECT current_setting('server_version_num')::int AS version, current_database() AS database,
       (SELECT oid::int8::text FROM pg_roles WHERE rolname = current_user) AS "user",
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       '10' AS bootstrap,
       (SELECT datdba::int8::text FROM pg_database WHERE datname = current_database()) AS "databaseOwner",
       has_column_privilege('pg_catalog.pg_authid', 'rolpassword', 'SELECT') AS passwords_readable`;

/** Every membership row, by OID; the options are NULL before PostgreSQL 16. */
export const MODEL_MEMBERSHIPS_QUERY_16 = `
SELECT roleid::int8::text AS role, member::int8::text AS member, grantor::int8::text AS grantor,
       admin_option AS admin, inherit_option AS inherit, set_option AS set
  FROM pg_auth_members ORDER BY 1, 2, 3`;
export const MODEL_MEMBERSHIPS_QUERY_13 = `
SELECT roleid::int8::text AS role, member::int8::text AS member, grantor::int8::text AS grantor,
       admin_option AS admin, NULL::bool AS inherit, NULL::bool AS set
  FROM pg_auth_members ORDER BY 1, 2, 3`;

/** Every pg_default_acl row (large objects, 18+, are outside what the provider manages). */
export const MODEL_DEFAULT_ACL_QUERY = `
SELECT d.defaclrole::int8::text AS owner,
       CASE WHEN d.defaclnamespace = 0 THEN NULL ELSE n.nspname::text END AS schema,
       d.defaclobjtype::text AS objtype, ${ITEMS("d.defaclacl")} AS acl
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 WHERE d.defaclobjtype IN ('r', 'S', 'f', 'T', 'n')`;

/** pg_default_acl's letter (defaclobjtype) of each default-privileges type the provider manages. */
export const DEFAULT_TYPE_OF: Record<string, ModelDefaultType> = {
  r: "table",
  S: "sequence",
  f: "function",
  T: "type",
  n: "schema",
};

/** The built-in default of each default-privileges letter, for an owner of OID 10 (PUBLIC is 0). */
export const MODEL_BUILTIN_DEFAULTS_QUERY = `
SELECT l.objtype, x.grantee::int8 AS grantee, x.privilege_type AS privilege
  FROM (VALUES ('r', 'r'), ('S', 's'), ('f', 'f'), ('T', 'T'), ('n', 'n')) AS l(objtype, letter)
 CROSS JOIN LATERAL aclexplode(acldefault(l.letter::"char", 10::oid)) x`;

/** Ordinary and partitioned tables of user schemas ($1: schemas, NULL: all) with their setting. */
export const MODEL_ROW_LEVEL_SECURITY_QUERY = `
SELECT n.nspname AS schema, c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS force
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT (n.nspname = 'information_schema' OR left(n.nspname, 3) = 'pg_')
   AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))`;

/** Every policy of user schemas ($1) with its roles by OID. */
export const MODEL_POLICIES_QUERY = `
SELECT n.nspname AS schema, c.relname AS table, p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT r::int8::text FROM unnest(p.polroles) AS r ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using,
       pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT (n.nspname = 'information_schema' OR left(n.nspname, 3) = 'pg_')
   AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))`;

function schemaList(s: string | string[] | undefined): string[] | null {
  if (s === undefined) return null;
  return Array.isArray(s) ? s : [s];
}

/**
 * PostgreSQL's built-in default privileges of each default-privileges type (acldefault: what the
 * owner gets, what PUBLIC gets; the same for every owner), read once per connection.
 */
export async function readBuiltinDefaults(client: PoolClient): Promise<AccessModel["builtinDefaults"]> {
  return (await connectionFact(client, "builtin defaults", async () => {
    const out = Object.fromEntries(
      Object.values(DEFAULT_TYPE_OF).map((t) => [t, { owner: [] as string[], public: [] as string[] }]),
    ) as AccessModel["builtinDefaults"];
    const { rows } = await client.query<{ objtype: string; grantee: string; privilege: string }>(
      MODEL_BUILTIN_DEFAULTS_QUERY,
    );
    for (const r of rows) {
      const b = out[DEFAULT_TYPE_OF[r.objtype]!];
      (String(r.grantee) === PUBLIC_ID ? b.public : b.owner).push(r.privilege);
    }
    return out;
  }))!;
}

/** Reads the model with an open connection (see readAccessModel). */
export async function readAccessModelWith(client: PoolClient, opts?: ScopeOptions): Promise<AccessModel> {
  const head = (
    await client.query<{
      version: number;
      database: string;
      user: string;
      superuser: boolean;
      bootstrap: string;
      databaseOwner: string;
      passwords_readable: boolean;
    }>(MODEL_HEAD_QUERY)
  ).rows[0]!;
  const version = head.version;
  const passwords = new Map<string, boolean>();
  if (head.passwords_readable) {
    for (const r of (await client.query<{ oid: string; has_password: boolean }>(PASSWORDS_QUERY)).rows)
      passwords.set(String(r.oid), r.has_password);
  }
  const roles = (await client.query<Record<string, unknown>>(ROLES_QUERY, [true])).rows.map(
    (r): ModelRole => ({
      id: String(r.oid),
      name: r.name as string,
      superuser: r.superuser as boolean,
      createrole: r.createrole as boolean,
      createdb: r.createdb as boolean,
      login: r.login as boolean,
      replication: r.replication as boolean,
      inherit: r.inherit as boolean,
      bypassrls: r.bypassrls as boolean,
      connection_limit: r.connection_limit as number,
      valid_until: r.valid_until === null ? null : (r.valid_until as string).replace(/\.000000Z$/, "Z"),
      has_password: head.passwords_readable ? (passwords.get(String(r.oid)) ?? false) : null,
      system: r.system as boolean,
    }),
  );
  const memberships = (
    await client.query<ModelMembership>(
      version >= 160000 ? MODEL_MEMBERSHIPS_QUERY_16 : MODEL_MEMBERSHIPS_QUERY_13,
    )
  ).rows;
  const schemas = schemaList(opts?.schema);
  const objects = (
    await client.query<ModelObject>(version >= 150000 ? MODEL_OBJECTS_QUERY_15 : MODEL_OBJECTS_QUERY_13, [
      schemas,
      opts?.includeSystem ?? false,
      null,
      null,
      null,
    ])
  ).rows;
  const defaultAcls = (
    await client.query<{ owner: string; schema: string | null; objtype: string; acl: AclItem[] }>(
      MODEL_DEFAULT_ACL_QUERY,
    )
  ).rows.map((r) => ({
    owner: r.owner,
    schema: r.schema,
    object_type: DEFAULT_TYPE_OF[r.objtype]!,
    acl: r.acl,
  }));
  const builtinDefaults = await readBuiltinDefaults(client);
  const rowLevelSecurity = (
    await client.query<ModelRowLevelSecurity>(MODEL_ROW_LEVEL_SECURITY_QUERY, [schemas])
  ).rows;
  const policies = (await client.query<ModelPolicy>(MODEL_POLICIES_QUERY, [schemas])).rows;
  return {
    version,
    database: head.database,
    user: head.user,
    superuser: head.superuser,
    bootstrap: head.bootstrap,
    databaseOwner: head.databaseOwner,
    roles,
    memberships,
    objects,
    defaultAcls,
    builtinDefaults,
    rowLevelSecurity,
    policies,
  };
}

/**
 * The access model of the database connected to: objects in scope (every user schema unless
 * `schema`; system schemas with `includeSystem`), every role (predefined ones included: they
 * carry privileges), memberships, default privileges, row level security and policies.
 */
export async function readAccessModel(opts?: QueryOptions & ScopeOptions): Promise<AccessModel> {
  return withCatalog(opts, "reading the catalog", async ({ client }) => readAccessModelWith(client, opts));
}
