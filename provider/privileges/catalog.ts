/**
 * Reading what a Privileges resource is about, in a fixed number of queries whatever the number of
 * entries and objects: the server and the admin, the ACL entries of every object in the scope (the
 * objects of the audit's queries, `objects_all`, so every kind is read the way the audit and the
 * export read it), the roles the admin can act for, and the routines named with argument types.
 */
import type { PoolClient } from "pg";
import { ident } from "../common/quote";
import { OBJECT_KINDS } from "../common/object-kinds";
import { splitRoutine } from "../grant/inputs";
import { objectsAll } from "../queries/sql";
import type { AclEntry } from "../queries/types";
import type { Authoritative, PrivilegesEntry } from "./inputs";
import { type AdminInfo, type CatalogObject, routineKey } from "./planner";

/** The server, the admin, and which of the roles named ($1) do not exist. */
export const HEAD_QUERY = `
SELECT current_setting('server_version_num')::int AS version, current_user::text AS admin,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       current_database()::text AS database,
       ARRAY(SELECT n FROM unnest($1::text[]) AS n
              WHERE n <> 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = n)) AS missing_roles`;

/**
 * One row per ACL entry of interest, and one row with a NULL privilege per object without one.
 * `is_default` here only says that the object's ACL is its built-in default (NULL); the entry-by-entry
 * comparison the audit makes (ACL_ENTRIES_QUERY) is not needed to plan and cost a third of the query.
 *   $1 text[] schemas whose objects are read (NULL with $3),
 *   $2 text[] grantees read everywhere in scope ('PUBLIC' for PUBLIC),
 *   $3 bool   every schema of the database (authoritative roles),
 *   $4 text[] schemas where every grantee is read (authoritative schemas).
 * Objects outside schemas: this database, and the languages, wrappers, servers, tablespaces and
 * parameters (few). The system schemas are never in scope.
 */
const privilegesAcl = (version: number) => `
WITH ${objectsAll(version)},
objects AS (
  SELECT o.* FROM objects_all o
   WHERE NOT o.system
     AND (o.object_type <> 'database' OR o.object_name = current_database())
     AND ($3::bool OR o.schema IS NULL OR o.schema = ANY($1::text[]))
),
grantees AS (
  SELECT r.oid FROM pg_roles r WHERE r.rolname = ANY($2::text[])
  UNION ALL SELECT 0::oid WHERE 'PUBLIC' = ANY($2::text[])
)
SELECT o.object_type, o.schema, o.object_name, o.column_name, ow.rolname::text AS owner,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE ge.rolname::text END AS grantee,
       gr.rolname::text AS grantor, x.privilege_type AS privilege, x.is_grantable,
       o.acl IS NULL AS is_default
  FROM objects o
  LEFT JOIN LATERAL (
    SELECT a.* FROM aclexplode(coalesce(o.acl, o.def)) a
     WHERE a.grantee IN (SELECT oid FROM grantees) OR o.schema = ANY($4::text[])
  ) x ON true
  LEFT JOIN pg_roles ge ON ge.oid = x.grantee
  LEFT JOIN pg_roles gr ON gr.oid = x.grantor
  LEFT JOIN pg_roles ow ON ow.oid = o.owner`;
export const PRIVILEGES_ACL_QUERY_15 = privilegesAcl(150000);
export const PRIVILEGES_ACL_QUERY_13 = privilegesAcl(130000);

/**
 * Which roles ($1) the admin inherits the privileges of, and may SET ROLE to. PostgreSQL 16+ has a
 * SET option per membership; before, any membership allows SET ROLE.
 */
const adminRoles = (setMode: string) => `
SELECT r.rolname::text AS name, pg_has_role(current_user, r.oid, 'USAGE') AS inherits,
       pg_has_role(current_user, r.oid, '${setMode}') AS can_set
  FROM pg_roles r WHERE r.rolname = ANY($1::text[])`;
export const ADMIN_ROLES_QUERY_16 = adminRoles("SET");
export const ADMIN_ROLES_QUERY_13 = adminRoles("MEMBER");

/** Routine items with argument types ($1 schemas, $2 items, $3 `schema.name(args)`) as the catalog names them. */
export const ROUTINE_NAMES_QUERY = `
SELECT w.schema, w.item, p.proname || '(' || oidvectortypes(p.proargtypes) || ')' AS name
  FROM unnest($1::text[], $2::text[], $3::text[]) AS w(schema, item, sig)
  LEFT JOIN pg_proc p ON p.oid = to_regprocedure(w.sig)`;

/** The named columns ($1 schemas, $2 tables, $3 columns) that exist, with their table's owner. */
export const COLUMNS_QUERY = `
SELECT 'column' AS object_type, n.nspname::text AS schema, c.relname::text AS object_name,
       a.attname::text AS column_name, pg_get_userbyid(c.relowner)::text AS owner
  FROM unnest($1::text[], $2::text[], $3::text[]) AS w(schema, tbl, col)
  JOIN pg_namespace n ON n.nspname = w.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tbl
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = w.col AND a.attnum > 0 AND NOT a.attisdropped`;

export interface PrivilegesCatalog {
  version: number;
  database: string;
  admin: AdminInfo;
  /** Roles named by entries or `authoritative.roles` that do not exist. */
  missingRoles: string[];
  acl: AclEntry[];
  /** Objects nobody of interest holds anything on, and every named column that exists. */
  objects: CatalogObject[];
  routines: Record<string, string | null>;
}

type Row = CatalogObject &
  Omit<AclEntry, keyof CatalogObject | "revoked" | "privilege"> & { privilege: string | null };

/** Reads what the entries (now and before) and the authoritative scope cover. */
export async function readPrivilegesCatalog(
  client: PoolClient,
  entries: readonly PrivilegesEntry[],
  authoritative: Authoritative | undefined,
): Promise<PrivilegesCatalog> {
  const roles = [...new Set([...entries.map((e) => e.role), ...(authoritative?.roles ?? [])])];
  const head = (
    await client.query<{
      version: number;
      admin: string;
      superuser: boolean;
      database: string;
      missing_roles: string[];
    }>(HEAD_QUERY, [roles])
  ).rows[0]!;
  const schemas = [
    ...new Set([
      ...entries.flatMap((e) =>
        OBJECT_KINDS[e.objectType].scope === "schema" || e.objectType === "schema"
          ? [e.schema ?? "public"]
          : [],
      ),
      ...(authoritative?.schemas ?? []),
    ]),
  ];
  const allSchemas = (authoritative?.roles.length ?? 0) > 0;
  const rows = (
    await client.query<Row>(head.version >= 150000 ? PRIVILEGES_ACL_QUERY_15 : PRIVILEGES_ACL_QUERY_13, [
      allSchemas ? null : schemas,
      roles,
      allSchemas,
      authoritative?.schemas ?? [],
    ])
  ).rows;
  const acl: AclEntry[] = [];
  const objects: CatalogObject[] = [];
  for (const r of rows) {
    if (r.privilege === null) {
      objects.push({
        object_type: r.object_type,
        schema: r.schema,
        object_name: r.object_name,
        column_name: r.column_name,
        owner: r.owner,
      });
    } else acl.push({ ...r, privilege: r.privilege, revoked: false });
  }

  let admin: AdminInfo = { user: head.admin, superuser: head.superuser, inherits: [], canSetRole: [] };
  if (!head.superuser) {
    const names = [
      ...new Set(rows.flatMap((r) => [r.owner, r.grantor]).filter((n): n is string => n !== null)),
    ];
    const q = head.version >= 160000 ? ADMIN_ROLES_QUERY_16 : ADMIN_ROLES_QUERY_13;
    const found = (await client.query<{ name: string; inherits: boolean; can_set: boolean }>(q, [names]))
      .rows;
    admin = {
      ...admin,
      inherits: found.filter((f) => f.inherits).map((f) => f.name),
      canSetRole: found.filter((f) => f.can_set).map((f) => f.name),
    };
  }

  const withArgs = entries.flatMap((e) =>
    OBJECT_KINDS[e.objectType].prokinds && e.objects
      ? e.objects
          .filter((o) => splitRoutine(o).args !== undefined)
          .map((item) => ({ schema: e.schema ?? "public", item }))
      : [],
  );
  const routines: Record<string, string | null> = {};
  if (withArgs.length > 0) {
    const sigs = withArgs.map(({ schema, item }) => {
      const { name, args } = splitRoutine(item);
      return `${ident(schema)}.${ident(name)}(${args})`;
    });
    const found = await client.query<{ schema: string; item: string; name: string | null }>(
      ROUTINE_NAMES_QUERY,
      [withArgs.map((w) => w.schema), withArgs.map((w) => w.item), sigs],
    );
    for (const r of found.rows) routines[routineKey(r.schema, r.item)] = r.name;
  }
  const named = entries.flatMap((e) =>
    e.objectType === "column"
      ? (e.objects ?? []).flatMap((t) => (e.columns ?? []).map((c) => [e.schema ?? "public", t, c]))
      : [],
  );
  if (named.length > 0) {
    const found = await client.query<CatalogObject>(
      COLUMNS_QUERY,
      [0, 1, 2].map((i) => named.map((n) => n[i])),
    );
    objects.push(...found.rows);
  }
  return {
    version: head.version,
    database: head.database,
    admin,
    missingRoles: head.missing_roles,
    acl,
    objects,
    routines,
  };
}
