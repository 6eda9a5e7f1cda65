/**
 * Reading what a Privileges resource's `defaultPrivileges` entries and its authoritative scope
 * cover in pg_default_acl, in two queries whatever the number of entries: the rows, then the names
 * that do not exist and the owners the admin may not act for. PostgreSQL's built-in defaults are the
 * access model's (read once per connection). pg_default_acl is per database: the rows are the
 * connected database's. Bind parameters only.
 */
import type { PoolClient } from "pg";
import { DEFAULT_TYPE_OF, readBuiltinDefaults } from "../queries/model";
import type { DefaultPrivilegesEntry } from "./default-inputs";
import type { BuiltinDefaults, DefaultAclRow } from "./default-planner";
import type { Authoritative } from "./inputs";

const LETTERS = Object.keys(DEFAULT_TYPE_OF);

/**
 * $1 text[] roles named (owners and grantees; 'PUBLIC' is no role), $2 text[] schemas named,
 * $3 text[] owners whose default privileges the statements may alter, $4 the pg_has_role mode
 * ALTER DEFAULT PRIVILEGES FOR ROLE needs.
 */
export const DEFAULT_HEAD_QUERY = `
SELECT ARRAY(SELECT n FROM unnest($1::text[]) AS n
              WHERE n <> 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = n)) AS missing_roles,
       ARRAY(SELECT s FROM unnest($2::text[]) AS s
              WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)) AS missing_schemas,
       ARRAY(SELECT r.rolname::text FROM pg_roles r
              WHERE r.rolname = ANY($3::text[]) AND NOT pg_has_role(current_user, r.oid, $4::text)) AS cannot_alter`;

/**
 * The items of the pg_default_acl rows of interest, one row per item (a NULL privilege for a row
 * whose ACL is empty): every row of the owners $1, and of the other rows the items in a schema of
 * $2 (authoritative schemas; per-schema rows) or to a grantee of $3 (authoritative roles, 'PUBLIC'
 * for PUBLIC). Grantee 0 is PUBLIC.
 */
export const DEFAULT_ACL_QUERY = `
SELECT o.rolname::text AS owner, n.nspname::text AS schema, d.defaclobjtype::text AS objtype,
       g.grantee, x.privilege_type AS privilege, x.is_grantable
  FROM pg_default_acl d
  JOIN pg_roles o ON o.oid = d.defaclrole
  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace AND d.defaclnamespace <> 0
  LEFT JOIN LATERAL aclexplode(d.defaclacl) x ON true
  LEFT JOIN LATERAL (
    SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE (SELECT rolname::text FROM pg_roles WHERE oid = x.grantee) END AS grantee
  ) g ON true
 WHERE d.defaclobjtype = ANY($4::"char"[])
   AND (o.rolname = ANY($1::text[]) OR n.nspname = ANY($2::text[]) OR g.grantee = ANY($3::text[]))`;

export interface DefaultCatalog {
  rows: DefaultAclRow[];
  builtin: BuiltinDefaults;
  missingRoles: string[];
  missingSchemas: string[];
  cannotAlter: string[];
}

/**
 * Reads what the entries (now and before) and the authoritative scope cover. ALTER DEFAULT
 * PRIVILEGES FOR ROLE x needs the privileges of x (PostgreSQL 16+: has_privs_of_role) or, before 16,
 * membership in x (is_member_of_role); a superuser passes both.
 */
export async function readDefaultCatalog(
  client: PoolClient,
  version: number,
  entries: readonly DefaultPrivilegesEntry[],
  authoritative: Authoritative | undefined,
): Promise<DefaultCatalog> {
  const owners = [...new Set(entries.map((e) => e.owner))];
  const roles = [...new Set([...owners, ...entries.map((e) => e.role)])];
  const schemas = [...new Set(entries.flatMap((e) => (e.schema === undefined ? [] : [e.schema])))];
  const rowsFound = (
    await client.query<{
      owner: string;
      schema: string | null;
      objtype: string;
      grantee: string | null;
      privilege: string | null;
      is_grantable: boolean | null;
    }>(DEFAULT_ACL_QUERY, [owners, authoritative?.schemas ?? [], authoritative?.roles ?? [], LETTERS])
  ).rows;
  const head = (
    await client.query<{
      missing_roles: string[];
      missing_schemas: string[];
      cannot_alter: string[];
    }>(DEFAULT_HEAD_QUERY, [
      roles,
      schemas,
      // The owners the statements may act for: those of the entries and of the rows in scope.
      [...new Set([...owners, ...rowsFound.map((r) => r.owner)])],
      version >= 160000 ? "USAGE" : "MEMBER",
    ])
  ).rows[0]!;
  const byRow = new Map<string, DefaultAclRow & { items: DefaultAclRow["items"][number][] }>();
  for (const r of rowsFound) {
    const k = JSON.stringify([r.owner, r.schema, r.objtype]);
    let row = byRow.get(k);
    if (!row)
      byRow.set(
        k,
        (row = { owner: r.owner, schema: r.schema, objectType: DEFAULT_TYPE_OF[r.objtype]!, items: [] }),
      );
    if (r.privilege !== null && r.grantee !== null)
      row.items.push({ grantee: r.grantee, privilege: r.privilege, grantable: r.is_grantable === true });
  }
  return {
    rows: [...byRow.values()],
    builtin: await readBuiltinDefaults(client),
    missingRoles: head.missing_roles,
    missingSchemas: head.missing_schemas,
    cannotAlter: head.cannot_alter,
  };
}
