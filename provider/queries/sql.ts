/**
 * The catalog queries behind the query functions, the audit and the export: named constants with
 * bind parameters, never names spliced into SQL. Each reads every object of a kind in one pass
 * (`aclexplode(coalesce(acl, acldefault(kind, owner)))`, a NULL ACL meaning the built-in default),
 * so the number of queries does not grow with the number of tables.
 *
 * Some catalog columns exist only from a server version on (pg_auth_members.inherit_option and
 * set_option: 16; pg_parameter_acl: 15; pg_database_owner: 14), so a few queries come in variants
 * chosen by `server_version_num`.
 */
import { literal } from "../common/quote";
import { MARKER_SCHEMA } from "../db/ownership";
import { attributeColumns } from "../role/attributes";
import {
  type CatalogPlace,
  OBJECT_KINDS,
  OBJECT_TYPES,
  type ObjectType,
  defaultAcl,
  ownerOf,
} from "../common/object-kinds";

export const SERVER_QUERY = `
SELECT current_setting('server_version_num')::int AS version,
       current_setting('server_version') AS version_text,
       current_database() AS database,
       current_user AS "user",
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       has_column_privilege('pg_catalog.pg_authid', 'rolpassword', 'SELECT') AS passwords_readable`;

export const VERSION_QUERY = `SELECT current_setting('server_version_num')::int AS version`;

export const ROLE_SUPERUSER_QUERY = `SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = $1`;

export const ROLE_EXISTS_QUERY = `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists`;

/** System roles: the predefined `pg_*` roles (names with that prefix are reserved). */
const IS_SYSTEM_ROLE = `left(r.rolname, 3) = 'pg_'`;

/** $1: include system roles. Timestamps as UTC ISO 8601 text ("infinity" stays). */
export const ROLES_QUERY = `
SELECT r.oid::int8 AS oid, r.rolname AS name, ${attributeColumns("r", "info")},
       r.rolconnlimit AS connection_limit,
       CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN r.rolvaliduntil = 'infinity' THEN 'infinity'
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS valid_until,
       ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid ORDER BY 1) AS member_of,
       shobj_description(r.oid, 'pg_authid') AS comment,
       (SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings,
       ${IS_SYSTEM_ROLE} AS system
  FROM pg_roles r
 WHERE $1::bool OR NOT ${IS_SYSTEM_ROLE}
 ORDER BY r.rolname`;

/** Which roles have a password (superusers only: pg_authid.rolpassword is not readable otherwise). */
export const PASSWORDS_QUERY = `SELECT oid::int8 AS oid, rolpassword IS NOT NULL AS has_password FROM pg_authid`;

/** Every membership row (PostgreSQL 16 keeps one per grantor), with its options. */
export const MEMBERSHIPS_QUERY_16 = `
SELECT g.rolname AS role, m.rolname AS member, gr.rolname AS grantor,
       am.admin_option, am.inherit_option, am.set_option
  FROM pg_auth_members am
  JOIN pg_roles g ON g.oid = am.roleid
  JOIN pg_roles m ON m.oid = am.member
  LEFT JOIN pg_roles gr ON gr.oid = am.grantor
 ORDER BY g.rolname, m.rolname, gr.rolname`;

/** Before 16: no per-membership INHERIT or SET option (the member's INHERIT attribute decides). */
export const MEMBERSHIPS_QUERY_13 = `
SELECT g.rolname AS role, m.rolname AS member, gr.rolname AS grantor,
       am.admin_option, NULL::bool AS inherit_option, NULL::bool AS set_option
  FROM pg_auth_members am
  JOIN pg_roles g ON g.oid = am.roleid
  JOIN pg_roles m ON m.oid = am.member
  LEFT JOIN pg_roles gr ON gr.oid = am.grantor
 ORDER BY g.rolname, m.rolname, gr.rolname`;

/**
 * Membership edges (member -> role) and whether privileges flow along them. PostgreSQL 16+: the
 * membership's own INHERIT option (any grantor's grant with it suffices); before: the member's
 * INHERIT attribute. The owner of the current database is implicitly a member of
 * pg_database_owner (14+).
 */
const EDGES_16 = `
edges(member, roleid, inherit) AS (
  SELECT am.member, am.roleid, bool_or(am.inherit_option)
    FROM pg_auth_members am GROUP BY am.member, am.roleid
  UNION ALL
  SELECT d.datdba, to_regrole('pg_database_owner')::oid, true
    FROM pg_database d WHERE d.datname = current_database() AND to_regrole('pg_database_owner') IS NOT NULL
)`;
const EDGES_13 = `
edges(member, roleid, inherit) AS (
  SELECT am.member, am.roleid, bool_or(mr.rolinherit)
    FROM pg_auth_members am JOIN pg_roles mr ON mr.oid = am.member GROUP BY am.member, am.roleid
  UNION ALL
  SELECT d.datdba, to_regrole('pg_database_owner')::oid, true
    FROM pg_database d WHERE d.datname = current_database() AND to_regrole('pg_database_owner') IS NOT NULL
)`;

/**
 * Schemas of the system: pg_catalog, pg_toast, information_schema (user schemas cannot start with
 * pg_), and this package's own creation markers (provider/db/ownership.ts).
 */
const SYSTEM_SCHEMA = (col: string) =>
  `(${col} IN ('information_schema', ${literal(MARKER_SCHEMA)}) OR left(${col}, 3) = 'pg_')`;

/** Array types and the row types of tables are not objects one grants on. */
const USER_TYPES = `NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
     AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))`;
/** What the objects query adds to a kind's own filter. */
const OBJECTS_WHERE: Partial<Record<ObjectType, string>> = { type: USER_TYPES, domain: USER_TYPES };

/**
 * The rows of `objects_all` for the kinds of one catalog table (several kinds share one: one
 * scan, the kind told apart by its filter). Routines are named `name(argtypes)`.
 */
function objectRows(types: ObjectType[]): string {
  const kinds = types.map((t) => ({ t, c: OBJECT_KINDS[t].catalog! }));
  const c = kinds[0]!.c;
  const a = c.alias;
  const pick = (value: (t: ObjectType, c: CatalogPlace) => string) =>
    kinds.length === 1
      ? value(kinds[0]!.t, c)
      : `CASE ${kinds.map((k) => `WHEN ${k.c.filter} THEN ${value(k.t, k.c)}`).join(" ")} END`;
  const inSchema = c.namespace !== undefined || types[0] === "schema";
  const schema =
    c.namespace !== undefined
      ? "n.nspname::text"
      : types[0] === "schema"
        ? `${a}.${c.name}::text`
        : "NULL::text";
  const name = OBJECT_KINDS[types[0]!].prokinds
    ? `${a}.${c.name} || '(' || oidvectortypes(${a}.proargtypes) || ')'`
    : `${a}.${c.name}::text`;
  const oneLetter = new Set(kinds.map((k) => k.c.aclDefault)).size === 1;
  const acldefault = oneLetter
    ? defaultAcl(types[0]!)
    : `acldefault(${pick((_, k) => `'${k.aclDefault}'`)}::"char", ${ownerOf(c)})`;
  const from =
    c.namespace !== undefined
      ? `${c.table} ${a} JOIN pg_namespace n ON n.oid = ${a}.${c.namespace}`
      : `${c.table} ${a}`;
  const where = [
    kinds.length === 1 ? c.filter : `(${kinds.map((k) => k.c.filter).join(" OR ")})`,
    OBJECTS_WHERE[types[0]!],
  ].filter((w) => w !== undefined);
  return `
  SELECT ${pick((t) => `'${t}'`)}::text, ${a}.oid, ${schema}, ${name}, NULL::text, ${ownerOf(c)}, ${a}.${c.acl},
         ${acldefault}, ${inSchema ? SYSTEM_SCHEMA("n.nspname") : "false"}
    FROM ${from}${where.length > 0 ? `\n   WHERE ${where.join(" AND ")}` : ""}`;
}

/** Column privileges: only columns with an ACL (a NULL attacl grants nothing beyond the table's). */
const COLUMN_ROWS = `
  SELECT 'column', c.oid, n.nspname::text, c.relname::text, a.attname::text, c.relowner, a.attacl,
         ${defaultAcl("column")}, ${SYSTEM_SCHEMA("n.nspname")}
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped`;

/**
 * One row per object that has privileges: its kind (the Grant object type), schema, name (routines
 * as `name(argtypes)`), column (column privileges), owner, raw ACL (NULL: built-in default) and
 * the built-in default ACL, for every kind the server has (`since`). Types leave out the implicit
 * array types and the row types of tables. "table" covers views, materialized views, foreign and
 * partitioned tables.
 */
export function objectsAll(version: number): string {
  const byTable = new Map<string, ObjectType[]>();
  for (const t of OBJECT_TYPES) {
    const k = OBJECT_KINDS[t];
    if (!k.catalog || (k.since ?? 0) > version) continue;
    if (t === "column") continue;
    byTable.set(k.catalog.table, [...(byTable.get(k.catalog.table) ?? []), t]);
  }
  const rows = [...[...byTable.values()].map(objectRows), COLUMN_ROWS];
  return `
objects_all(object_type, oid, schema, object_name, column_name, owner, acl, def, system) AS (${rows.join("\n  UNION ALL")}
)`;
}

/**
 * The scope every object query shares, by parameter number:
 *   $1 text[] schemas (NULL: all; given, objects outside schemas are left out),
 *   $2 bool include the objects of system schemas (pg_catalog, information_schema, pg_toast),
 *   $3 oid and $4 text[] object types: one object (NULL: all), $5 text: its column (column targets).
 */
const SCOPE = `
objects AS (
  SELECT o.* FROM objects_all o
   WHERE ($2::bool OR NOT o.system)
     AND ($1::text[] IS NULL OR o.schema = ANY($1::text[]))
     AND ($3::oid IS NULL OR (o.oid = $3::oid AND o.object_type = ANY($4::text[])
                              AND (o.column_name IS NULL OR o.column_name = $5::text)))
)`;

const objectsCte = (version: number) => `${objectsAll(version)},${SCOPE}`;
export const OBJECTS_15 = objectsCte(150000);
export const OBJECTS_13 = objectsCte(130000);

/**
 * Every ACL entry of every object in scope ($1-$5 as in SCOPE; $6 oid[] grantees, NULL: all; 0 is
 * PUBLIC). `is_default`: the entry is part of the built-in default (the owner's own privileges,
 * PUBLIC's CONNECT on databases …). Plus, with `revoked`, the built-in default entries that an
 * explicit ACL no longer has (REVOKE EXECUTE ON FUNCTION … FROM PUBLIC).
 */
const aclEntries = (objects: string) => `
WITH ${objects}
SELECT o.object_type, o.schema, o.object_name, o.column_name, ow.rolname AS owner,
       x.grantee::int8 AS grantee_oid,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE ge.rolname::text END AS grantee,
       gr.rolname AS grantor, x.privilege_type AS privilege, x.is_grantable,
       (o.acl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(o.def) d
                                  WHERE d.grantee = x.grantee AND d.grantor = x.grantor
                                    AND d.privilege_type = x.privilege_type
                                    AND d.is_grantable = x.is_grantable)) AS is_default,
       false AS revoked
  FROM objects o
 CROSS JOIN LATERAL aclexplode(coalesce(o.acl, o.def)) x
  LEFT JOIN pg_roles ge ON ge.oid = x.grantee
  LEFT JOIN pg_roles gr ON gr.oid = x.grantor
  LEFT JOIN pg_roles ow ON ow.oid = o.owner
 WHERE $6::oid[] IS NULL OR x.grantee = ANY($6::oid[])
UNION ALL
SELECT o.object_type, o.schema, o.object_name, o.column_name, ow.rolname, d.grantee::int8,
       CASE WHEN d.grantee = 0 THEN 'PUBLIC' ELSE ge.rolname::text END, gr.rolname, d.privilege_type,
       d.is_grantable, true, true
  FROM objects o
 CROSS JOIN LATERAL aclexplode(o.def) d
  LEFT JOIN pg_roles ge ON ge.oid = d.grantee
  LEFT JOIN pg_roles gr ON gr.oid = d.grantor
  LEFT JOIN pg_roles ow ON ow.oid = o.owner
 WHERE o.acl IS NOT NULL
   AND ($6::oid[] IS NULL OR d.grantee = ANY($6::oid[]))
   AND NOT EXISTS (SELECT 1 FROM aclexplode(o.acl) x
                    WHERE x.grantee = d.grantee AND x.privilege_type = d.privilege_type)
 ORDER BY 1, 2, 3, 4, 7, 9`;
export const ACL_ENTRIES_QUERY_15 = aclEntries(OBJECTS_15);
export const ACL_ENTRIES_QUERY_13 = aclEntries(OBJECTS_13);

/** Role OIDs by name ($1 text[]); 'PUBLIC' is 0. */
export const ROLE_OIDS_QUERY = `
SELECT n.name, CASE WHEN n.name = 'PUBLIC' THEN 0::int8 ELSE r.oid::int8 END AS oid
  FROM unnest($1::text[]) AS n(name) LEFT JOIN pg_roles r ON r.rolname = n.name`;

/** Where pg_default_acl's letter is not the one acldefault() takes (sequences: S there, s here). */
const DEFAULT_ACL_LETTERS = OBJECT_TYPES.flatMap((t) => {
  const k = OBJECT_KINDS[t];
  return k.defaults && k.catalog && k.defaults.objtype !== k.catalog.aclDefault
    ? [`WHEN '${k.defaults.objtype}' THEN '${k.catalog.aclDefault}'`]
    : [];
}).join(" ");

/**
 * Default privileges (pg_default_acl), one row per entry: owner (FOR ROLE), schema (NULL: the
 * owner's global entry), catalog type letter, grantee, privilege. `builtin`: part of PostgreSQL's
 * built-in default (global entries only); `revoked`: a built-in default a global entry no longer has.
 */
export const DEFAULT_ACL_QUERY = `
WITH d AS (
  SELECT da.defaclrole, da.defaclnamespace, da.defaclobjtype, da.defaclacl,
         acldefault(CASE da.defaclobjtype ${DEFAULT_ACL_LETTERS} ELSE da.defaclobjtype END::"char", da.defaclrole) AS builtin
    FROM pg_default_acl da
)
SELECT r.rolname AS owner, CASE WHEN d.defaclnamespace = 0 THEN NULL ELSE n.nspname::text END AS schema,
       d.defaclobjtype::text AS objtype,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END AS grantee,
       gr.rolname AS grantor, x.privilege_type AS privilege, x.is_grantable,
       (d.defaclnamespace = 0 AND EXISTS (SELECT 1 FROM aclexplode(d.builtin) b
          WHERE b.grantee = x.grantee AND b.privilege_type = x.privilege_type
            AND b.is_grantable = x.is_grantable)) AS builtin,
       false AS revoked
  FROM d
  JOIN pg_roles r ON r.oid = d.defaclrole
  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 CROSS JOIN LATERAL aclexplode(d.defaclacl) x
  LEFT JOIN pg_roles g ON g.oid = x.grantee
  LEFT JOIN pg_roles gr ON gr.oid = x.grantor
UNION ALL
SELECT r.rolname, NULL, d.defaclobjtype::text,
       CASE WHEN b.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END, gr.rolname, b.privilege_type,
       b.is_grantable, true, true
  FROM d
  JOIN pg_roles r ON r.oid = d.defaclrole
 CROSS JOIN LATERAL aclexplode(d.builtin) b
  LEFT JOIN pg_roles g ON g.oid = b.grantee
  LEFT JOIN pg_roles gr ON gr.oid = b.grantor
 WHERE d.defaclnamespace = 0
   AND NOT EXISTS (SELECT 1 FROM aclexplode(d.defaclacl) x
                    WHERE x.grantee = b.grantee AND x.privilege_type = b.privilege_type)
 ORDER BY 1, 2 NULLS FIRST, 3, 4, 6`;

/** Tables with row level security enabled or forced ($1 schemas, NULL: all user schemas). */
export const ROW_LEVEL_SECURITY_QUERY = `
SELECT n.nspname AS schema, c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS force
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
   AND NOT ${SYSTEM_SCHEMA("n.nspname")}
   AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
 ORDER BY 1, 2`;

/** Every policy ($1 schemas, NULL: all user schemas), expressions as PostgreSQL prints them. */
export const POLICIES_QUERY = `
SELECT p.polname AS name, n.nspname AS schema, c.relname AS table,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE coalesce(a.rolname::text, r.oid::text) END
               FROM unnest(p.polroles) AS r(oid) LEFT JOIN pg_roles a ON a.oid = r.oid ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using,
       pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p
  JOIN pg_class c ON c.oid = p.polrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT ${SYSTEM_SCHEMA("n.nspname")}
   AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
 ORDER BY 2, 3, 1`;

/**
 * Members of a role ($1), direct or ($2) through nested groups, each with the path from the role
 * down to it and its membership options (aggregated over grantors; the options are NULL before 16).
 */
const membersQuery = (options: string) => `
WITH RECURSIVE m AS (
  SELECT am.roleid, am.member, bool_or(am.admin_option) AS admin_option, ${options},
         array_agg(DISTINCT gr.rolname::text) FILTER (WHERE gr.rolname IS NOT NULL) AS grantors
    FROM pg_auth_members am LEFT JOIN pg_roles gr ON gr.oid = am.grantor
   GROUP BY am.roleid, am.member
),
down(oid, path, depth, admin_option, inherit_option, set_option, grantors) AS (
  SELECT m.member, ARRAY[m.roleid, m.member], 1, m.admin_option, m.inherit_option, m.set_option, m.grantors
    FROM m WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1)
  UNION ALL
  SELECT m.member, d.path || m.member, d.depth + 1, m.admin_option, m.inherit_option, m.set_option, m.grantors
    FROM down d JOIN m ON m.roleid = d.oid
   WHERE $2::bool AND m.member <> ALL(d.path)
)
SELECT r.rolname AS member, r.rolcanlogin AS login, d.depth, d.admin_option, d.inherit_option, d.set_option,
       coalesce(d.grantors, '{}') AS grantors,
       ARRAY(SELECT x.rolname::text FROM unnest(d.path) WITH ORDINALITY AS u(oid, i)
               JOIN pg_roles x ON x.oid = u.oid ORDER BY u.i) AS path
  FROM down d JOIN pg_roles r ON r.oid = d.oid
 ORDER BY d.depth, r.rolname`;
export const MEMBERS_QUERY_16 = membersQuery(
  "bool_or(am.inherit_option) AS inherit_option, bool_or(am.set_option) AS set_option",
);
export const MEMBERS_QUERY_13 = membersQuery("NULL::bool AS inherit_option, NULL::bool AS set_option");

/**
 * What the predefined roles give without an ACL entry (has_table_privilege and friends honour
 * them): pg_read_all_data and pg_write_all_data (14+), pg_maintain (17+). Data: the SQL below and
 * the pure effective-privilege computation (effective.ts) both read it.
 */
export const PREDEFINED_ROLE_PRIVILEGES: ReadonlyArray<{
  role: string;
  object_type: "table" | "sequence" | "schema";
  privilege: string;
}> = [
  { role: "pg_read_all_data", object_type: "table", privilege: "SELECT" },
  { role: "pg_read_all_data", object_type: "sequence", privilege: "SELECT" },
  { role: "pg_read_all_data", object_type: "schema", privilege: "USAGE" },
  { role: "pg_write_all_data", object_type: "table", privilege: "INSERT" },
  { role: "pg_write_all_data", object_type: "table", privilege: "UPDATE" },
  { role: "pg_write_all_data", object_type: "table", privilege: "DELETE" },
  { role: "pg_write_all_data", object_type: "sequence", privilege: "UPDATE" },
  { role: "pg_write_all_data", object_type: "schema", privilege: "USAGE" },
  { role: "pg_maintain", object_type: "table", privilege: "MAINTAIN" },
];

const PREDEFINED = `
predefined(role, object_type, privilege) AS (VALUES
  ${PREDEFINED_ROLE_PRIVILEGES.map((p) => `('${p.role}', '${p.object_type}', '${p.privilege}')`).join(",\n  ")})`;

/** Role names of an OID path (in order). */
const PATH_NAMES = (col: string) =>
  `ARRAY(SELECT CASE WHEN u.oid = 0 THEN 'PUBLIC' ELSE x.rolname::text END
           FROM unnest(${col}) WITH ORDINALITY AS u(oid, i) LEFT JOIN pg_roles x ON x.oid = u.oid ORDER BY u.i)`;

/**
 * Every role a role ($6) reaches through memberships, with the shortest path and whether
 * privileges flow all the way (every edge inheritable).
 */
const reachCte = (edges: string) => `
${edges},
reach(oid, path, inherited) AS (
  SELECT r.oid, ARRAY[r.oid], true FROM pg_roles r WHERE r.rolname = $6
  UNION ALL
  SELECT e.roleid, x.path || e.roleid, x.inherited AND e.inherit
    FROM reach x JOIN edges e ON e.member = x.oid
   WHERE e.roleid <> ALL(x.path)
),
best AS (
  SELECT DISTINCT ON (oid) oid, path, inherited FROM reach ORDER BY oid, inherited DESC, array_length(path, 1)
)`;

/**
 * Memberships of a role ($1): every role reached, whether privileges are inherited along the way
 * (NOINHERIT, or an INHERIT FALSE membership on 16+, stop them), and the path.
 */
const reachQuery = (edges: string) =>
  `
WITH RECURSIVE ${reachCte(edges).replace("$6", "$1")}
SELECT r.rolname AS role, b.inherited, ${PATH_NAMES("b.path")} AS path
  FROM best b JOIN pg_roles r ON r.oid = b.oid
 WHERE array_length(b.path, 1) > 1
 ORDER BY array_length(b.path, 1), r.rolname`;
export const REACH_QUERY_16 = reachQuery(EDGES_16);
export const REACH_QUERY_13 = reachQuery(EDGES_13);

/**
 * What a role ($6) can do on every object in scope ($1-$5): privileges granted to it, to a role
 * whose privileges it inherits, to PUBLIC, given by a predefined role it inherits, or (superuser)
 * all of them. One row per object and privilege, with the shortest explanation.
 */
const effectiveQuery = (objects: string, edges: string) => `
WITH RECURSIVE ${objects},${reachCte(edges)},${PREDEFINED},
me AS (SELECT oid, rolsuper FROM pg_roles WHERE rolname = $6),
holders(grantee, path) AS (
  SELECT oid, path FROM best WHERE inherited
  UNION ALL
  SELECT 0::oid, me.oid || ARRAY[0::oid] FROM me
),
found AS (
  SELECT o.object_type, o.schema, o.object_name, o.column_name, x.privilege_type AS privilege,
         x.is_grantable, h.grantee, h.path,
         CASE WHEN h.grantee = 0 THEN 'public' ELSE 'grant' END AS reason
    FROM objects o
   CROSS JOIN LATERAL aclexplode(coalesce(o.acl, o.def)) x
    JOIN holders h ON h.grantee = x.grantee
  UNION ALL
  SELECT o.object_type, o.schema, o.object_name, o.column_name, p.privilege, false, b.oid, b.path, 'predefined'
    FROM objects o
    JOIN predefined p ON p.object_type = o.object_type
    JOIN pg_roles pr ON pr.rolname = p.role
    JOIN best b ON b.oid = pr.oid AND b.inherited
  UNION ALL
  SELECT o.object_type, o.schema, o.object_name, o.column_name, x.privilege_type, true, NULL, ARRAY[me.oid],
         'superuser'
    FROM me CROSS JOIN objects o
   CROSS JOIN LATERAL aclexplode(o.def) x
   WHERE me.rolsuper AND x.grantee = o.owner
)
SELECT f.object_type, f.schema, f.object_name, f.column_name, f.privilege, bool_or(f.is_grantable) AS is_grantable,
       (array_agg(jsonb_build_object(
           'reason', f.reason,
           'grantee', CASE WHEN f.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END,
           'via', to_jsonb(${PATH_NAMES("f.path")}))
         ORDER BY f.reason = 'superuser' DESC, array_length(f.path, 1), f.reason = 'public'))[1] AS why
  FROM found f LEFT JOIN pg_roles g ON g.oid = f.grantee
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1, 2, 3, 4, 5`;
export const EFFECTIVE_QUERY_16 = effectiveQuery(OBJECTS_15, EDGES_16);
export const EFFECTIVE_QUERY_15 = effectiveQuery(OBJECTS_15, EDGES_13);
export const EFFECTIVE_QUERY_13 = effectiveQuery(OBJECTS_13, EDGES_13);

/**
 * Resolves an object reference to its OID with PostgreSQL's own name rules ($1 kind, $2 text as
 * one would write it in SQL, e.g. `app.orders`, `"My Schema"."T"`, `app.f(integer)`; $3 column).
 * Schemas, databases, languages, wrappers, servers and tablespaces are plain names.
 */
/** How PostgreSQL resolves a name written in SQL, per catalog of schema-qualified objects. */
const RESOLVE_BY: Record<string, string> = {
  pg_class: "to_regclass($2)",
  pg_type: "to_regtype($2)",
  pg_proc: "CASE WHEN strpos($2, '(') > 0 THEN to_regprocedure($2)::oid ELSE to_regproc($2)::oid END",
};

function resolveOne(t: ObjectType): string {
  const c = OBJECT_KINDS[t].catalog!;
  if (t === "column") {
    const table = OBJECT_KINDS.table.catalog!;
    return `(SELECT c.oid FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                       WHERE c.oid = to_regclass($2) AND ${table.filter}
                         AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped)`;
  }
  if (c.namespace === undefined) return `(SELECT oid FROM ${c.table} WHERE ${c.name} = $2)`;
  return `(SELECT ${c.alias}.oid FROM ${c.table} ${c.alias} WHERE ${c.alias}.oid = ${RESOLVE_BY[c.table]} AND ${c.filter})`;
}

export const RESOLVE_QUERY = `
SELECT CASE $1::text
${OBJECT_TYPES.filter((t) => OBJECT_KINDS[t].catalog && OBJECT_KINDS[t].since === undefined)
  .map((t) => `  WHEN '${t}' THEN ${resolveOne(t)}`)
  .join("\n")}
END::int8 AS oid`;

/** PostgreSQL 15+: a parameter's ACL row ($1), and whether the parameter exists at all. */
export const RESOLVE_PARAMETER_QUERY = `
SELECT (SELECT oid::int8 FROM pg_parameter_acl WHERE parname = lower($1)) AS oid,
       EXISTS (SELECT 1 FROM pg_settings WHERE name = lower($1)) AS known`;

/**
 * Who can exercise a privilege ($6) on one object (scope $3-$5): every role (login roles only
 * unless $7) that holds it directly, through inherited memberships, through PUBLIC, through a
 * predefined role, or as a superuser; the shortest membership path for each. $8 says the object
 * is a parameter without an ACL row (only superusers hold anything on it).
 */
const whoCanQuery = (objects: string, edges: string) => `
WITH RECURSIVE ${objects},${edges},${PREDEFINED},
holders(grantee, is_grantable, source) AS (
  SELECT x.grantee, x.is_grantable, 'grant' FROM objects o CROSS JOIN LATERAL aclexplode(coalesce(o.acl, o.def)) x
   WHERE x.privilege_type = $6
  UNION ALL
  SELECT pr.oid, false, 'predefined' FROM predefined p JOIN pg_roles pr ON pr.rolname = p.role
   WHERE p.privilege = $6 AND EXISTS (SELECT 1 FROM objects o WHERE o.object_type = p.object_type)
),
roots AS (SELECT r.oid, r.rolsuper FROM pg_roles r WHERE (r.rolcanlogin OR $7::bool) AND left(r.rolname, 3) <> 'pg_'),
paths(root, oid, path) AS (
  SELECT r.oid, r.oid, ARRAY[r.oid] FROM roots r
  UNION ALL
  SELECT p.root, e.roleid, p.path || e.roleid FROM paths p JOIN edges e ON e.member = p.oid
   WHERE e.inherit AND e.roleid <> ALL(p.path)
),
found(root, grantee, path, is_grantable, reason) AS (
  SELECT p.root, h.grantee, p.path, h.is_grantable, h.source FROM paths p JOIN holders h ON h.grantee = p.oid
  UNION ALL
  SELECT r.oid, 0::oid, r.oid || ARRAY[0::oid], h.is_grantable, 'public' FROM roots r JOIN holders h ON h.grantee = 0
  UNION ALL
  SELECT r.oid, NULL::oid, ARRAY[r.oid], true, 'superuser' FROM roots r
   WHERE r.rolsuper AND (EXISTS (SELECT 1 FROM objects) OR $8::bool)
)
SELECT r.rolname AS role, r.rolcanlogin AS login, r.rolsuper AS superuser, bool_or(f.is_grantable) AS is_grantable,
       (array_agg(jsonb_build_object(
           'reason', f.reason,
           'grantee', CASE WHEN f.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END,
           'via', to_jsonb(${PATH_NAMES("f.path")}))
         ORDER BY f.reason = 'superuser' DESC, array_length(f.path, 1), f.reason = 'public'))[1] AS why
  FROM found f JOIN pg_roles r ON r.oid = f.root LEFT JOIN pg_roles g ON g.oid = f.grantee
 GROUP BY r.rolname, r.rolcanlogin, r.rolsuper
 ORDER BY r.rolname`;
export const WHO_CAN_QUERY_16 = whoCanQuery(OBJECTS_15, EDGES_16);
export const WHO_CAN_QUERY_15 = whoCanQuery(OBJECTS_15, EDGES_13);
export const WHO_CAN_QUERY_13 = whoCanQuery(OBJECTS_13, EDGES_13);
