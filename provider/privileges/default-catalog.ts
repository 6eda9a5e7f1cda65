/**
 * Reading what a Privileges resource's `defaultPrivileges` entries and its authoritative scope
 * cover in pg_default_acl, in two queries whatever the number of entries: the rows, then the names
 * that do not exist, the owners the admin may not act for and PostgreSQL's built-in defaults. pg_default_acl is per database: the rows are the connected database's. Bind parameters only.
 */
import type { PoolClient } from "pg";
import { DEFAULT_OBJECT_TYPES, typeInfo } from "../default-privileges/object-types";
import type { DefaultPrivilegesEntry } from "./default-inputs";
import type { BuiltinDefaults, DefaultAclRow, DefaultType } from "./default-planner";
import type { Authoritative } from "./inputs";

/** The pg_default_acl letter of each type ("routine" shares the letter of "function"). */
const TYPE_OF_LETTER: Record<string, DefaultType> = Object.fromEntries(
  DEFAULT_OBJECT_TYPES.filter((t) => t !== "routine").map((t) => [typeInfo(t).objtype, t]),
);
const LETTERS = Object.keys(TYPE_OF_LETTER);

/**
 * $1 text[] roles named (owners and grantees; 'PUBLIC' is no role), $2 text[] schemas named,
 * $3 text[] owners whose default privileges the statements may alter, $4 the pg_has_role mode
 * ALTER DEFAULT PRIVILEGES FOR ROLE needs, $5/$6 text[] the pg_default_acl letters and the
 * acldefault() letters of the same types. `builtin`: `<letter> owner|public <privilege>` of an owner
 * of OID 10 (acldefault gives every owner the same).
 */
export const DEFAULT_HEAD_QUERY = `
SELECT ARRAY(SELECT n FROM unnest($1::text[]) AS n
              WHERE n <> 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = n)) AS missing_roles,
       ARRAY(SELECT s FROM unnest($2::text[]) AS s
              WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)) AS missing_schemas,
       ARRAY(SELECT r.rolname::text FROM pg_roles r
              WHERE r.rolname = ANY($3::text[]) AND NOT pg_has_role(current_user, r.oid, $4::text)) AS cannot_alter,
       ARRAY(SELECT l.objtype || ' ' || CASE WHEN x.grantee = 0 THEN 'public' ELSE 'owner' END || ' ' || x.privilege_type
               FROM unnest($5::text[], $6::text[]) AS l(objtype, letter)
              CROSS JOIN LATERAL aclexplode(acldefault(l.letter::"char", 10::oid)) x) AS builtin`;

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
      builtin: string[];
    }>(DEFAULT_HEAD_QUERY, [
      roles,
      schemas,
      // The owners the statements may act for: those of the entries and of the rows in scope.
      [...new Set([...owners, ...rowsFound.map((r) => r.owner)])],
      version >= 160000 ? "USAGE" : "MEMBER",
      LETTERS,
      LETTERS.map((l) => typeInfo(TYPE_OF_LETTER[l]!).aclDefaultType),
    ])
  ).rows[0]!;
  const byRow = new Map<string, DefaultAclRow & { items: DefaultAclRow["items"][number][] }>();
  for (const r of rowsFound) {
    const k = JSON.stringify([r.owner, r.schema, r.objtype]);
    let row = byRow.get(k);
    if (!row)
      byRow.set(
        k,
        (row = { owner: r.owner, schema: r.schema, objectType: TYPE_OF_LETTER[r.objtype]!, items: [] }),
      );
    if (r.privilege !== null && r.grantee !== null)
      row.items.push({ grantee: r.grantee, privilege: r.privilege, grantable: r.is_grantable === true });
  }
  const builtin = Object.fromEntries(
    Object.values(TYPE_OF_LETTER).map((t) => [t, { owner: [] as string[], public: [] as string[] }]),
  ) as Record<DefaultType, { owner: string[]; public: string[] }>;
  for (const b of head.builtin) {
    const [letter, who, privilege] = b.split(" ");
    builtin[TYPE_OF_LETTER[letter!]!][who === "public" ? "public" : "owner"].push(privilege!);
  }
  return {
    rows: [...byRow.values()],
    builtin,
    missingRoles: head.missing_roles,
    missingSchemas: head.missing_schemas,
    cannotAlter: head.cannot_alter,
  };
}
