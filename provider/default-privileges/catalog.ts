/**
 * Reading default privileges from `pg_default_acl` (defaclrole, defaclnamespace: 0 for the global
 * entry, defaclobjtype, defaclacl). A global entry that has no row means PostgreSQL's built-in
 * default, `acldefault(type, owner)`; a per-schema entry that has no row means nothing added.
 * Grantee 0 is PUBLIC. Bind parameters only.
 */
import type { PoolClient } from "pg";
import { type DefaultObjectType, typeInfo } from "./object-types";

/** Server version, and the OIDs of the owner, the grantee (0: PUBLIC) and the schema (0: none); null if missing. */
export const TARGET_QUERY = `
SELECT current_setting('server_version_num')::int AS version,
       (SELECT oid::int8 FROM pg_roles WHERE rolname = $1) AS owner,
       CASE WHEN $2 = 'PUBLIC' THEN 0::int8 ELSE (SELECT oid::int8 FROM pg_roles WHERE rolname = $2) END AS grantee,
       CASE WHEN $3::text IS NULL THEN 0::int8 ELSE (SELECT oid::int8 FROM pg_namespace WHERE nspname = $3::text) END AS namespace`;

/** The grantee's privileges in the owner's global entry: its row, or the built-in default without one. */
export const GLOBAL_DEFAULT_ACL_QUERY = `
SELECT a.privilege_type, a.is_grantable
  FROM aclexplode(coalesce(
         (SELECT d.defaclacl FROM pg_default_acl d
           WHERE d.defaclrole = $1::oid AND d.defaclnamespace = 0 AND d.defaclobjtype = $2::"char"),
         acldefault($3::"char", $1::oid))) a
 WHERE a.grantee = $4::oid`;

/** The grantee's privileges in the owner's entry for one schema (only what that entry adds). */
export const SCHEMA_DEFAULT_ACL_QUERY = `
SELECT a.privilege_type, a.is_grantable
  FROM pg_default_acl d
 CROSS JOIN LATERAL aclexplode(d.defaclacl) a
 WHERE d.defaclrole = $1::oid AND d.defaclnamespace = $2::oid AND d.defaclobjtype = $3::"char"
   AND a.grantee = $4::oid`;

/** The grantee's share of PostgreSQL's built-in default for objects of the owner. */
export const BUILTIN_DEFAULT_ACL_QUERY = `
SELECT a.privilege_type FROM aclexplode(acldefault($1::"char", $2::oid)) a WHERE a.grantee = $3::oid`;

export interface DefaultAclTarget {
  owner: string;
  schema?: string;
  objectType: DefaultObjectType;
  role: string;
}

export interface DefaultAclCatalog {
  version: number;
  /** Set when the owner, the grantee or the schema does not exist: then the entry cannot be there. */
  absent?: string;
  /** Privilege -> with grant option, as the grantee holds it in the entry. */
  held: Record<string, boolean>;
  /** The grantee's built-in default privileges (global entry only). */
  builtin: string[];
}

interface AclRow {
  privilege_type: string;
  is_grantable: boolean;
}

export async function readDefaultAcl(client: PoolClient, t: DefaultAclTarget): Promise<DefaultAclCatalog> {
  const head = await client.query<{
    version: number;
    owner: string | null;
    grantee: string | null;
    namespace: string | null;
  }>(TARGET_QUERY, [t.owner, t.role, t.schema ?? null]);
  const { version, owner, grantee, namespace } = head.rows[0]!;
  const none = (absent: string): DefaultAclCatalog => ({ version, absent, held: {}, builtin: [] });
  if (owner === null) return none(`role ${JSON.stringify(t.owner)} (the owner) does not exist`);
  if (grantee === null) return none(`role ${JSON.stringify(t.role)} does not exist`);
  if (namespace === null) return none(`schema ${JSON.stringify(t.schema)} does not exist`);

  const info = typeInfo(t.objectType);
  const global = t.schema === undefined;
  const rows = global
    ? await client.query<AclRow>(GLOBAL_DEFAULT_ACL_QUERY, [
        owner,
        info.objtype,
        info.aclDefaultType,
        grantee,
      ])
    : await client.query<AclRow>(SCHEMA_DEFAULT_ACL_QUERY, [owner, namespace, info.objtype, grantee]);
  const held: Record<string, boolean> = {};
  for (const r of rows.rows) held[r.privilege_type] = (held[r.privilege_type] ?? false) || r.is_grantable;
  const builtin = global
    ? (
        await client.query<{ privilege_type: string }>(BUILTIN_DEFAULT_ACL_QUERY, [
          info.aclDefaultType,
          owner,
          grantee,
        ])
      ).rows.map((r) => r.privilege_type)
    : [];
  return { version, held, builtin };
}
