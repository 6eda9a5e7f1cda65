/**
 * Reading privileges from ACLs. One query per grant, whatever the number of objects. A NULL ACL
 * means the built-in default, so every read is `aclexplode(coalesce(acl, acldefault(kind, owner)))`;
 * grantee 0 is PUBLIC. Privileges from several grantors collapse into one (held, grantable if any is).
 */
import type { PoolClient } from "pg";
import { ident, qualified } from "../common/quote";
import { type ObjectType, UNQUALIFIED_OBJECT_TYPES } from "../common/privileges";
import { OBJECT_KINDS, aclOrDefault, namedAclQuery } from "../common/object-kinds";
import type { ObjectAcl } from "./planner";
import { splitRoutine } from "./inputs";

/**
 * The server version (for what "ALL" means), the grantee's OID (0 for PUBLIC, null if missing) and
 * whether the schema ($2, null for objects outside schemas) exists: one round trip for all three.
 */
export const GRANTEE_QUERY = `
SELECT current_setting('server_version_num')::int AS version,
       CASE WHEN $1 = 'PUBLIC' THEN 0::int8 ELSE (SELECT oid::int8 FROM pg_roles WHERE rolname = $1) END AS grantee,
       EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2::text) AS schema_exists`;

export const DATABASE_ACL_QUERY = namedAclQuery("database", "one");

export const SCHEMA_ACL_QUERY = namedAclQuery("schema", "one");

const TABLE = OBJECT_KINDS.table.catalog!;
const SEQUENCE = OBJECT_KINDS.sequence.catalog!;

/**
 * Relations of the given kinds in a schema ($3: r, v, m, f, p for tables, which is what
 * "ALL TABLES IN SCHEMA" covers; S for sequences), optionally only the named ones ($4).
 */
export const RELATION_ACL_QUERY = `
SELECT c.relname AS key, a.privilege_type, a.is_grantable
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(CASE WHEN ${SEQUENCE.filter} THEN '${SEQUENCE.aclDefault}' ELSE '${TABLE.aclDefault}' END::"char", c.relowner))) a
         ON a.grantee = $2::oid
 WHERE n.nspname = $1 AND c.relkind = ANY($3::"char"[]) AND ($4::text[] IS NULL OR c.relname = ANY($4::text[]))`;

/** Routines of the given kinds in a schema, identified by OID; regprocedure text is PostgreSQL's own quoting. */
export const ROUTINE_ACL_QUERY = `
SELECT p.oid::int8 AS oid, p.proname AS name, p.oid::regprocedure::text AS sql, a.privilege_type, a.is_grantable
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN LATERAL aclexplode(${aclOrDefault("function")}) a ON a.grantee = $2::oid
 WHERE n.nspname = $1 AND p.prokind = ANY($3::"char"[])`;

/** Resolves `schema.name(argtypes)` texts to routine OIDs without executing them (bind parameters). */
export const ROUTINE_RESOLVE_QUERY = `
SELECT w.item, to_regprocedure(w.sig)::oid::int8 AS oid FROM unnest($1::text[], $2::text[]) AS w(item, sig)`;

/** Column privileges of the named columns of the named tables ($3 tables, $4 columns). NULL attacl = none. */
export const COLUMN_ACL_QUERY = `
SELECT c.relname AS table_name, a.attname AS column_name, x.privilege_type, x.is_grantable
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL aclexplode(${aclOrDefault("column")}) x ON x.grantee = $2::oid
 WHERE n.nspname = $1 AND c.relname = ANY($3::text[]) AND a.attname = ANY($4::text[])
   AND a.attnum > 0 AND NOT a.attisdropped`;

/** Types (any kind) or, with $4, only domains, named in a schema. */
export const TYPE_ACL_QUERY = `
SELECT t.typname AS key, x.privilege_type, x.is_grantable
  FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN LATERAL aclexplode(${aclOrDefault("type")}) x ON x.grantee = $2::oid
 WHERE n.nspname = $1 AND t.typname = ANY($3::text[]) AND (NOT $4::bool OR t.typtype = 'd')`;

/**
 * Objects outside schemas, by name ($1), each from its catalog with its default ACL kind.
 * PostgreSQL 15+ parameters: only those with an ACL have a row; the others have the default (the
 * bootstrap superuser's).
 */
export const NAMED_ACL_QUERIES: Partial<Record<ObjectType, string>> = Object.fromEntries(
  UNQUALIFIED_OBJECT_TYPES.map((t) => [
    t,
    t === "parameter"
      ? `
SELECT p.name AS key, x.privilege_type, x.is_grantable FROM unnest($1::text[]) AS p(name)
  LEFT JOIN pg_parameter_acl pa ON pa.parname = p.name
  LEFT JOIN LATERAL aclexplode(${aclOrDefault("parameter")}) x ON x.grantee = $2::oid`
      : namedAclQuery(t, "many"),
  ]),
);

export interface GrantTarget {
  objectType: ObjectType;
  role: string;
  /** database grants: the database; otherwise unused. */
  database?: string;
  schema?: string;
  objects?: string[];
  columns?: string[];
}

export interface GrantCatalog {
  version: number;
  /** Set when the grantee, the database or the schema does not exist: then the grant cannot be there. */
  absent?: string;
  /** Set when it is the grantee that does not exist. */
  granteeMissing?: boolean;
  objects: ObjectAcl[];
  /** Named objects that do not exist (or, for routines, are ambiguous: see `problems`). */
  missing: string[];
  problems: string[];
}

/**
 * `qualified(schema, name)` for many names of one schema: the schema is quoted once, not once per
 * object (an all-tables grant on 10,000 tables quoted it 10,000 times on every read).
 */
function qualifiedIn(schema: string): (r: { key: string }) => string {
  const quotedSchema = ident(schema);
  return (r) => `${quotedSchema}.${ident(r.key)}`;
}

interface AclRow {
  key: string;
  privilege_type: string | null;
  is_grantable: boolean | null;
}

function collect(
  rows: Array<AclRow & { sql?: string }>,
  sqlOf: (r: AclRow & { sql?: string }) => string,
): ObjectAcl[] {
  const byKey = new Map<string, ObjectAcl>();
  for (const r of rows) {
    let o = byKey.get(r.key);
    if (!o) {
      o = { key: r.key, sql: sqlOf(r), privileges: {} };
      byKey.set(r.key, o);
    }
    if (r.privilege_type)
      o.privileges[r.privilege_type] = (o.privileges[r.privilege_type] ?? false) || !!r.is_grantable;
  }
  return [...byKey.values()];
}

export async function readGrantCatalog(
  client: PoolClient,
  t: GrantTarget,
  connectionDatabase: string,
): Promise<GrantCatalog> {
  const schema = t.schema ?? "public";
  const head = await client.query<{ version: number; grantee: string | null; schema_exists: boolean }>(
    GRANTEE_QUERY,
    [t.role, schema],
  );
  const { version, grantee } = head.rows[0]!;
  const none = (absent: string): GrantCatalog => ({
    version,
    absent,
    objects: [],
    missing: [],
    problems: [],
  });
  if (grantee === null)
    return { ...none(`role ${JSON.stringify(t.role)} does not exist`), granteeMissing: true };

  if (t.objectType === "database" || t.objectType === "schema") {
    const name = t.objectType === "database" ? (t.database ?? connectionDatabase) : t.schema!;
    const q = t.objectType === "database" ? DATABASE_ACL_QUERY : SCHEMA_ACL_QUERY;
    const { rows } = await client.query<AclRow>(q, [name, grantee]);
    if (rows.length === 0) return none(`${t.objectType} ${JSON.stringify(name)} does not exist`);
    return { version, objects: collect(rows, (r) => ident(r.key)), missing: [], problems: [] };
  }

  const since = OBJECT_KINDS[t.objectType].since;
  if (since !== undefined && version < since) {
    return {
      version,
      objects: [],
      missing: [],
      problems: [
        `${t.objectType} privileges need PostgreSQL ${since / 10000} or later (this server: ${version})`,
      ],
    };
  }
  const namedQuery = NAMED_ACL_QUERIES[t.objectType];
  if (namedQuery) {
    const { rows } = await client.query<AclRow>(namedQuery, [t.objects ?? [], grantee]);
    const sqlOf = (r: AclRow) =>
      t.objectType === "parameter" ? r.key.split(".").map(ident).join(".") : ident(r.key);
    const objects = collect(rows, sqlOf);
    const found = new Set(objects.map((o) => o.key));
    return { version, objects, missing: (t.objects ?? []).filter((o) => !found.has(o)), problems: [] };
  }

  if (!head.rows[0]!.schema_exists) return none(`schema ${JSON.stringify(schema)} does not exist`);

  if (t.objectType === "column") {
    const { rows } = await client.query<Omit<AclRow, "key"> & { table_name: string; column_name: string }>(
      COLUMN_ACL_QUERY,
      [schema, grantee, t.objects ?? [], t.columns ?? []],
    );
    const keyed = rows.map((r) => ({ ...r, key: `${r.table_name}.${r.column_name}` }));
    const objects = collect(keyed, (r) => ident((r as (typeof keyed)[number]).column_name)).map((o) => {
      const row = keyed.find((r) => r.key === o.key)!;
      return { ...o, table: qualified(schema, row.table_name) };
    });
    const found = new Set(objects.map((o) => o.key));
    const wanted = (t.objects ?? []).flatMap((tbl) => (t.columns ?? []).map((c) => `${tbl}.${c}`));
    return { version, objects, missing: wanted.filter((k) => !found.has(k)), problems: [] };
  }

  if (t.objectType === "type" || t.objectType === "domain") {
    const { rows } = await client.query<AclRow>(TYPE_ACL_QUERY, [
      schema,
      grantee,
      t.objects ?? [],
      t.objectType === "domain",
    ]);
    const objects = collect(rows, qualifiedIn(schema));
    const found = new Set(objects.map((o) => o.key));
    return { version, objects, missing: (t.objects ?? []).filter((o) => !found.has(o)), problems: [] };
  }

  const relkinds = OBJECT_KINDS[t.objectType].relkinds;
  if (relkinds) {
    const { rows } = await client.query<AclRow>(RELATION_ACL_QUERY, [
      schema,
      grantee,
      relkinds,
      t.objects ?? null,
    ]);
    const objects = collect(rows, qualifiedIn(schema));
    const found = new Set(objects.map((o) => o.key));
    return { version, objects, missing: (t.objects ?? []).filter((o) => !found.has(o)), problems: [] };
  }

  const { rows } = await client.query<AclRow & { oid: string; name: string; sql: string }>(
    ROUTINE_ACL_QUERY,
    [schema, grantee, OBJECT_KINDS[t.objectType].prokinds],
  );
  const all = collect(
    rows.map((r) => ({ ...r, key: r.oid })),
    (r) => r.sql!,
  );
  if (!t.objects) return { version, objects: all, missing: [], problems: [] };

  // Named routines: `name(args)` resolves to exactly one overload; a bare `name` must be unambiguous.
  const byOid = new Map(all.map((o) => [o.key, o]));
  const nameOf = new Map(rows.map((r) => [r.oid, r.name]));
  const withArgs = t.objects.filter((o) => splitRoutine(o).args !== undefined);
  const resolved = new Map<string, string | null>();
  if (withArgs.length > 0) {
    const sigs = withArgs.map((o) => {
      const { name, args } = splitRoutine(o);
      return `${ident(schema)}.${ident(name)}(${args})`;
    });
    const r = await client.query<{ item: string; oid: string | null }>(ROUTINE_RESOLVE_QUERY, [
      withArgs,
      sigs,
    ]);
    for (const row of r.rows) resolved.set(row.item, row.oid);
  }
  const objects: ObjectAcl[] = [];
  const missing: string[] = [];
  const problems: string[] = [];
  for (const item of t.objects) {
    let oids: string[];
    if (resolved.has(item)) oids = resolved.get(item) ? [resolved.get(item)!] : [];
    else oids = [...byOid.keys()].filter((oid) => nameOf.get(oid) === item);
    const matches = oids.map((oid) => byOid.get(oid)).filter((o): o is ObjectAcl => o !== undefined);
    if (matches.length === 0) missing.push(item);
    else if (matches.length > 1) {
      problems.push(
        `${item} is overloaded (${matches.map((m) => m.sql).join(", ")}): name one as name(argtypes)`,
      );
    } else objects.push({ ...matches[0]!, key: item });
  }
  return { version, objects, missing, problems };
}
