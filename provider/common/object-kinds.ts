/**
 * The kinds of object privileges apply to, once, as data: where each lives in the catalog (table,
 * name, ACL and owner columns, the letter `acldefault()` takes), the keyword GRANT writes, where
 * its objects live (cluster, database or schema), its privileges and the server versions that
 * have them, and, for the kinds ALTER DEFAULT PRIVILEGES takes, its keyword and
 * `pg_default_acl.defaclobjtype` letter. The Grant checks, catalog reads and planner, the default
 * privileges, the query functions and the export derive from this table (as ldap2pg registers
 * each ACL kind as a value: internal/privileges/builtin.go), so a new kind is one entry. Pure.
 * https://www.postgresql.org/docs/current/ddl-priv.html (table 5.2: ACL letters and privileges)
 */

/** Where a kind's objects are found in the catalog. */
export interface CatalogPlace {
  /** The catalog table and its alias in the queries. */
  readonly table: string;
  readonly alias: string;
  /** The name, ACL and owner columns (owner: a column of this table, or an SQL expression). */
  readonly name: string;
  readonly acl: string;
  readonly owner: string;
  /** The namespace column (schema-qualified kinds). */
  readonly namespace?: string;
  /** The letter acldefault() takes for the built-in default ACL. */
  readonly aclDefault: string;
  /** The rows of a catalog that several kinds share that are this kind's (SQL on `alias`). */
  readonly filter?: string;
}

export interface ObjectKind {
  /** The keyword after ON in GRANT and REVOKE. */
  readonly keyword: string;
  /** cluster: shared by every database (no `database`, no schema); database: one database, no schema; schema: inside a schema. */
  readonly scope: "cluster" | "database" | "schema";
  /** Grants must name their objects (there is no "every object of the kind" form). */
  readonly namedOnly: boolean;
  /** Every privilege, in PostgreSQL's documentation order. */
  readonly privileges: readonly string[];
  /** Privileges that exist only from a server version on (server_version_num). */
  readonly privilegesSince?: Readonly<Record<string, number>>;
  /** The kind exists only from a server version on. */
  readonly since?: number;
  /** Where its objects are (undefined: `routine`, which covers functions and procedures). */
  readonly catalog?: CatalogPlace;
  /** pg_class.relkind values (relations) or pg_proc.prokind values (routines) the kind covers. */
  readonly relkinds?: readonly string[];
  readonly prokinds?: readonly string[];
  /** What the export writes in resource names. */
  readonly slug: string;
  /** ALTER DEFAULT PRIVILEGES: the plural keyword after ON and the pg_default_acl.defaclobjtype letter. */
  readonly defaults?: { readonly keyword: string; readonly objtype: string };
}

/** "ALL TABLES IN SCHEMA" covers views, materialized views, foreign and partitioned tables. */
const TABLE_RELKINDS = ["r", "v", "m", "f", "p"];
/** ALL FUNCTIONS covers aggregates and window functions too; ROUTINE covers every kind. */
const FUNCTION_PROKINDS = ["f", "a", "w"];
const PROCEDURE_PROKINDS = ["p"];
const SEQUENCE_RELKINDS = ["S"];

const TABLE_PRIVILEGES = [
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "TRUNCATE",
  "REFERENCES",
  "TRIGGER",
  "MAINTAIN",
];

/** `alias.column IN ('x', 'y')`: the rows of a shared catalog that are one kind's. */
const letterIn = (column: string, letters: readonly string[]) =>
  letters.length === 1
    ? `${column} = '${letters[0]}'`
    : `${column} IN (${letters.map((k) => `'${k}'`).join(", ")})`;

/** Catalogs several kinds share (each kind adds its ACL default letter and filter). */
const PG_CLASS = {
  table: "pg_class",
  alias: "c",
  name: "relname",
  acl: "relacl",
  owner: "relowner",
  namespace: "relnamespace",
} as const;
const PG_PROC = {
  table: "pg_proc",
  alias: "p",
  name: "proname",
  acl: "proacl",
  owner: "proowner",
  namespace: "pronamespace",
  aclDefault: "f",
} as const;
const PG_TYPE = {
  table: "pg_type",
  alias: "t",
  name: "typname",
  acl: "typacl",
  owner: "typowner",
  namespace: "typnamespace",
  aclDefault: "T",
} as const;

const kinds = {
  database: {
    keyword: "DATABASE",
    scope: "cluster",
    namedOnly: false,
    privileges: ["CREATE", "CONNECT", "TEMPORARY"],
    catalog: {
      table: "pg_database",
      alias: "d",
      name: "datname",
      acl: "datacl",
      owner: "datdba",
      aclDefault: "d",
    },
    slug: "database",
  },
  schema: {
    keyword: "SCHEMA",
    scope: "database",
    namedOnly: false,
    privileges: ["USAGE", "CREATE"],
    catalog: {
      table: "pg_namespace",
      alias: "n",
      name: "nspname",
      acl: "nspacl",
      owner: "nspowner",
      aclDefault: "n",
    },
    slug: "schema",
    defaults: { keyword: "SCHEMAS", objtype: "n" },
  },
  table: {
    keyword: "TABLE",
    scope: "schema",
    namedOnly: false,
    privileges: TABLE_PRIVILEGES,
    privilegesSince: { MAINTAIN: 170000 },
    catalog: { ...PG_CLASS, aclDefault: "r", filter: letterIn("c.relkind", TABLE_RELKINDS) },
    relkinds: TABLE_RELKINDS,
    slug: "table",
    defaults: { keyword: "TABLES", objtype: "r" },
  },
  sequence: {
    keyword: "SEQUENCE",
    scope: "schema",
    namedOnly: false,
    privileges: ["USAGE", "SELECT", "UPDATE"],
    // acldefault() takes `s` for sequences (its `S` is a foreign server); pg_default_acl writes `S`.
    catalog: { ...PG_CLASS, aclDefault: "s", filter: letterIn("c.relkind", SEQUENCE_RELKINDS) },
    relkinds: SEQUENCE_RELKINDS,
    slug: "sequence",
    defaults: { keyword: "SEQUENCES", objtype: "S" },
  },
  function: {
    keyword: "FUNCTION",
    scope: "schema",
    namedOnly: false,
    privileges: ["EXECUTE"],
    catalog: { ...PG_PROC, filter: letterIn("p.prokind", FUNCTION_PROKINDS) },
    prokinds: FUNCTION_PROKINDS,
    slug: "function",
    // Default privileges of functions cover procedures (there is one letter, f, for both).
    defaults: { keyword: "FUNCTIONS", objtype: "f" },
  },
  procedure: {
    keyword: "PROCEDURE",
    scope: "schema",
    namedOnly: false,
    privileges: ["EXECUTE"],
    catalog: { ...PG_PROC, filter: letterIn("p.prokind", PROCEDURE_PROKINDS) },
    prokinds: PROCEDURE_PROKINDS,
    slug: "procedure",
  },
  routine: {
    keyword: "ROUTINE",
    scope: "schema",
    namedOnly: false,
    privileges: ["EXECUTE"],
    prokinds: [...FUNCTION_PROKINDS, ...PROCEDURE_PROKINDS],
    slug: "routine",
    defaults: { keyword: "ROUTINES", objtype: "f" },
  },
  column: {
    // Column privileges are granted ON TABLE with the columns after each privilege.
    keyword: "TABLE",
    scope: "schema",
    namedOnly: true,
    privileges: ["SELECT", "INSERT", "UPDATE", "REFERENCES"],
    catalog: {
      table: "pg_attribute",
      alias: "a",
      name: "attname",
      acl: "attacl",
      // A column's owner is its table's (pg_class c, joined).
      owner: "c.relowner",
      aclDefault: "c",
    },
    slug: "column",
  },
  type: {
    keyword: "TYPE",
    scope: "schema",
    namedOnly: true,
    privileges: ["USAGE"],
    catalog: { ...PG_TYPE, filter: "t.typtype <> 'd'" },
    slug: "type",
    defaults: { keyword: "TYPES", objtype: "T" },
  },
  domain: {
    keyword: "DOMAIN",
    scope: "schema",
    namedOnly: true,
    privileges: ["USAGE"],
    catalog: { ...PG_TYPE, filter: "t.typtype = 'd'" },
    slug: "domain",
  },
  language: {
    keyword: "LANGUAGE",
    scope: "database",
    namedOnly: true,
    privileges: ["USAGE"],
    catalog: {
      table: "pg_language",
      alias: "l",
      name: "lanname",
      acl: "lanacl",
      owner: "lanowner",
      aclDefault: "l",
    },
    slug: "language",
  },
  foreign_data_wrapper: {
    keyword: "FOREIGN DATA WRAPPER",
    scope: "database",
    namedOnly: true,
    privileges: ["USAGE"],
    catalog: {
      table: "pg_foreign_data_wrapper",
      alias: "w",
      name: "fdwname",
      acl: "fdwacl",
      owner: "fdwowner",
      aclDefault: "F",
    },
    slug: "fdw",
  },
  foreign_server: {
    keyword: "FOREIGN SERVER",
    scope: "database",
    namedOnly: true,
    privileges: ["USAGE"],
    catalog: {
      table: "pg_foreign_server",
      alias: "s",
      name: "srvname",
      acl: "srvacl",
      owner: "srvowner",
      aclDefault: "S",
    },
    slug: "server",
  },
  tablespace: {
    keyword: "TABLESPACE",
    scope: "cluster",
    namedOnly: true,
    privileges: ["CREATE"],
    catalog: {
      table: "pg_tablespace",
      alias: "t",
      name: "spcname",
      acl: "spcacl",
      owner: "spcowner",
      aclDefault: "t",
    },
    slug: "tablespace",
  },
  parameter: {
    keyword: "PARAMETER",
    scope: "cluster",
    namedOnly: true,
    privileges: ["SET", "ALTER SYSTEM"],
    // PostgreSQL 15+. Only parameters with an ACL have a row; the others have the bootstrap superuser's default.
    since: 150000,
    catalog: {
      table: "pg_parameter_acl",
      alias: "pa",
      name: "parname",
      acl: "paracl",
      owner: "10::oid",
      aclDefault: "p",
    },
    slug: "parameter",
  },
} as const satisfies Record<string, ObjectKind>;

/** What a Grant grants on (its `objectType`). */
export type ObjectType = keyof typeof kinds;

/** Every kind, in the order check names them. */
export const OBJECT_KINDS: Readonly<Record<ObjectType, ObjectKind>> = kinds;

export const OBJECT_TYPES = Object.keys(kinds) as ObjectType[];

/** The kinds ALTER DEFAULT PRIVILEGES takes. */
export type DefaultObjectType = {
  [K in ObjectType]: (typeof kinds)[K] extends { defaults: object } ? K : never;
}[ObjectType];

/** The kinds of a scope, in table order. */
export function kindsWhere(pred: (k: ObjectKind) => boolean): ObjectType[] {
  return OBJECT_TYPES.filter((t) => pred(OBJECT_KINDS[t]));
}

/** The owner of an object of the catalog place, as SQL. */
export function ownerOf(c: CatalogPlace): string {
  return /^[a-z_]+$/.test(c.owner) ? `${c.alias}.${c.owner}` : c.owner;
}

/** The built-in default ACL of an object of the kind: `acldefault(letter, owner)`. */
export function defaultAcl(type: ObjectType): string {
  const c = OBJECT_KINDS[type].catalog!;
  return `acldefault('${c.aclDefault}', ${ownerOf(c)})`;
}

/** A kind's ACL, a NULL ACL read as the built-in default: `coalesce(acl, acldefault(letter, owner))`. */
export function aclOrDefault(type: ObjectType): string {
  const c = OBJECT_KINDS[type].catalog!;
  return `coalesce(${c.alias}.${c.acl}, ${defaultAcl(type)})`;
}

/**
 * The grantee's ($2) ACL entries on objects of a kind that lives outside schemas, by name: one
 * ($1 text) or several ($1 text[]).
 */
export function namedAclQuery(type: ObjectType, by: "one" | "many"): string {
  const c = OBJECT_KINDS[type].catalog!;
  const name = `${c.alias}.${c.name}`;
  return `
SELECT ${name} AS key, x.privilege_type, x.is_grantable
  FROM ${c.table} ${c.alias}
  LEFT JOIN LATERAL aclexplode(${aclOrDefault(type)}) x ON x.grantee = $2::oid
 WHERE ${by === "one" ? `${name} = $1` : `${name} = ANY($1::text[])`}`;
}
