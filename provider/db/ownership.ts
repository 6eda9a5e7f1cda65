/**
 * Creation markers: which objects a resource of a stack created, kept on the server itself, so that
 * a create interrupted after its COMMIT (a killed `pulumi up`, PULUMI_SKIP_CHECKPOINTS, a lost
 * answer) recognizes its own object on the next `up` instead of failing with "already exists", while
 * an object of the same name that some other resource or person made is still refused.
 *
 * The marker is a row of a small table, `pulumi_postgres_roles.created`, in the database where the
 * resource's transaction runs (the connection's database for a Role; the table's database for a
 * Policy or RowLevelSecurity). The row is inserted in the very transaction that creates the object
 * and deleted in the one that drops it: if the object exists, so does its row, and the other way round.
 * Why a table and not something on the object itself (see docs/operations.md, "Creation markers"):
 * a comment is the user's (`COMMENT ON ROLE` is a Role input), `ALTER ROLE … SET prefix.x` is refused
 * to a non-superuser admin ("permission denied to set parameter"), and a membership or a setting
 * would show in every audit of the role. A table owned by the admin, in a schema of its own with no
 * privilege for PUBLIC, works from PostgreSQL 13 to 18 for an admin that may create a schema in
 * that database (the database's owner; CREATE on it), holds no secret (URN, kind, OID, name, the
 * cluster's system identifier), and is invisible to the roles and objects it describes.
 *
 * A row says "the resource with this URN created the object of this kind with this OID on the
 * cluster with this system identifier". On create, an object found under the wanted name is taken
 * over silently only when its row names this very URN on this cluster; after a dump and restore the
 * rows come along but name the old cluster, so they match nothing. Once the engine has recorded the
 * resource the row has no further use (the state identifies the object); it stays until the delete.
 *
 * The schema and table are made by the first `mark` in a database, inside that create's transaction
 * (after the CREATE, under an advisory lock, so that parallel creates do not race on CREATE SCHEMA IF
 * NOT EXISTS, which is not safe against concurrent creators); reads never make them. When they
 * cannot be made or used (no CREATE privilege on the database, a schema or table of that name owned
 * by another role), creates work as before without a marker, and the "already exists" error says why
 * the object could not be recognized.
 */
import type { PoolClient } from "pg";
import { asPgError } from "../common/errors";
import { ident, literal } from "../common/quote";
import { clusterIdentifier } from "./cluster";

/** The schema and table of the markers. */
export const MARKER_SCHEMA = "pulumi_postgres_roles";
export const MARKER_TABLE = "created";
/** The marker table, quoted and qualified. */
export const QUALIFIED = `${ident(MARKER_SCHEMA)}.${ident(MARKER_TABLE)}`;

/** What a marker stands for (a Role's role, a Policy's policy, a RowLevelSecurity's table). */
export type MarkedKind = "role" | "policy" | "row level security" | "renamed role";

/** A marker as read back: who created the object, and what it noted then. */
export interface Marked {
  urn: string;
  name: string;
  /** What the resource noted at creation (RowLevelSecurity: the setting to restore on delete). */
  data: Record<string, unknown> | null;
}

/** One object to mark. */
export interface MarkEntry {
  /** The URN of the resource that created it (its `resourceUrn` input). */
  urn: string;
  kind: MarkedKind;
  oid: number;
  name: string;
  /** Facts to keep with it (never a secret); read back by {@link markedBy}. */
  data?: Record<string, unknown>;
}

/** Whether the marker table exists and the admin may use it (without failing where it may not). */
const MARKER_TABLE_USABLE = `
SELECT has_schema_privilege(n.oid, 'USAGE')
       AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS usable
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'`;

const MARKED_BY = `
SELECT urn, object_name AS name, data FROM ${QUALIFIED}
 WHERE cluster = $1 AND kind = $2 AND object_oid = $3`;

/** Every marker of a create in one statement (one row per element of the arrays). */
const MARK = `
INSERT INTO ${QUALIFIED} (cluster, kind, object_oid, object_name, urn, data)
SELECT $1, k, o, n, u, d::jsonb
  FROM unnest($2::text[], $3::oid[], $4::text[], $5::text[], $6::text[]) AS m(k, o, n, u, d)
ON CONFLICT (cluster, kind, object_oid)
DO UPDATE SET object_name = EXCLUDED.object_name, urn = EXCLUDED.urn, data = EXCLUDED.data, created_at = now()`;

const UNMARK = `DELETE FROM ${QUALIFIED} WHERE cluster = $1 AND kind = ANY($2::text[]) AND object_oid = ANY($3::oid[])`;

/** The statements that make the marker table, run once per database (see {@link prepareMarkers}). */
const SETUP = [
  `CREATE SCHEMA IF NOT EXISTS ${ident(MARKER_SCHEMA)}`,
  `REVOKE ALL ON SCHEMA ${ident(MARKER_SCHEMA)} FROM PUBLIC`,
  `COMMENT ON SCHEMA ${ident(MARKER_SCHEMA)} IS ${literal(
    "pulumi-postgres-roles: which objects each resource created (creation markers, see its docs/operations.md)",
  )}`,
  `CREATE TABLE IF NOT EXISTS ${QUALIFIED} (
     cluster text NOT NULL,
     kind text NOT NULL,
     object_oid oid NOT NULL,
     object_name text NOT NULL,
     urn text NOT NULL,
     data jsonb,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (cluster, kind, object_oid))`,
  `REVOKE ALL ON TABLE ${QUALIFIED} FROM PUBLIC`,
];

/** Advisory lock key under which the marker table is created (one creator at a time). */
const SETUP_LOCK = "pulumi-postgres-roles/markers";

/** Whether the marker table exists here and the admin may read and write it. */
export async function tableUsable(client: PoolClient): Promise<boolean> {
  const r = await client.query<{ usable: boolean }>(MARKER_TABLE_USABLE, [MARKER_SCHEMA, MARKER_TABLE]);
  return r.rows[0]?.usable === true;
}

/**
 * Makes sure the marker table exists in the transaction's database; answers undefined when markers
 * can be kept there, else why not. The first create in a database makes the table (under an advisory
 * lock: parallel creates wait for it, then find it made; CREATE SCHEMA IF NOT EXISTS alone is not safe
 * against concurrent creators); later ones only look (one catalog query). Never fails for want of
 * privileges: the setup runs under a savepoint, rolled back when refused.
 */
export async function markersUnavailable(client: PoolClient): Promise<string | undefined> {
  if (await tableUsable(client)) return undefined;
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [SETUP_LOCK]);
  await client.query("SAVEPOINT pulumi_markers");
  try {
    for (const sql of SETUP) await client.query(sql);
    await client.query("RELEASE SAVEPOINT pulumi_markers");
  } catch (e) {
    const { message, code } = asPgError(e);
    // A lost connection or a conflict is the transaction's to retry; anything else means no markers.
    const transient = code === undefined || code === "40001" || code === "40P01" || /^(08|57)/.test(code);
    if (transient) throw e;
    await client.query("ROLLBACK TO SAVEPOINT pulumi_markers");
    return `${message} (SQLSTATE ${code})`;
  }
  if (await tableUsable(client)) return undefined;
  return `the admin may not read and write ${MARKER_SCHEMA}.${MARKER_TABLE}`;
}

/**
 * Who created the object `oid` of this kind on this cluster, by its marker (inside the create's
 * transaction). Reads only: a database without the marker table has no marker.
 */
export async function markedBy(
  client: PoolClient,
  kind: MarkedKind,
  oid: number,
): Promise<Marked | undefined> {
  if (!(await tableUsable(client))) return undefined;
  const cluster = await clusterIdentifier(client);
  if (cluster === undefined) return undefined;
  const r = await client.query<Marked>(MARKED_BY, [cluster, kind, oid]);
  return r.rows[0];
}

/**
 * Marks objects as created by their `urn`, in the transaction that created them (after the CREATE),
 * making the marker table first if need be. Without markers (see markersUnavailable) it does nothing:
 * the create still succeeds, only an interrupted one can then not be recognized. Answers whether it
 * marked (the table is usable and the cluster known).
 */
export async function mark(client: PoolClient, ...entries: MarkEntry[]): Promise<boolean> {
  if (entries.length === 0 || (await markersUnavailable(client)) !== undefined) return false;
  const cluster = await clusterIdentifier(client);
  if (cluster === undefined) return false;
  await client.query(MARK, [
    cluster,
    entries.map((m) => m.kind),
    entries.map((m) => m.oid),
    entries.map((m) => m.name),
    entries.map((m) => m.urn),
    entries.map((m) => (m.data === undefined ? null : JSON.stringify(m.data))),
  ]);
  return true;
}

/**
 * Marks the objects a create made, when the resource knows its URN (`resourceUrn`; a state of an
 * earlier version, or a hook called directly without it, marks nothing). Not for an object taken
 * over through adoptExisting: it was not created here.
 */
export async function markCreated(
  client: PoolClient,
  urn: string | undefined,
  kind: MarkedKind,
  objects: ReadonlyArray<{ oid: number; name: string; data?: Record<string, unknown> }>,
): Promise<void> {
  if (urn === undefined || objects.length === 0) return;
  await mark(client, ...objects.map((o) => ({ urn, kind, oid: o.oid, name: o.name, data: o.data })));
}

/**
 * Removes the markers of objects, in the transaction that drops them. Looks for the table first (in
 * the same transaction): a database without it, or an admin without access, is not an error.
 */
export async function unmark(client: PoolClient, kind: MarkedKind, oids: readonly number[]): Promise<void> {
  if (oids.length === 0 || !(await tableUsable(client))) return;
  const cluster = await clusterIdentifier(client);
  if (cluster === undefined) return;
  // A role's rename record (renames.ts) goes with it too.
  const kinds = kind === "role" ? [kind, "renamed role"] : [kind];
  await client.query(UNMARK, [cluster, kinds, oids.map(String)]);
}

/** Whether a marker says this very resource created the object. */
export function createdBy(marked: Marked | undefined, urn: string | undefined): boolean {
  return marked !== undefined && urn !== undefined && marked.urn === urn;
}

/**
 * The words an "already exists" error adds: why the object is not taken as this resource's own
 * (another resource made it; nothing says this one did; or markers cannot be kept here, so an object
 * left by an interrupted run cannot be told apart). Call it only on the way to that error: it may
 * try to make the marker table, which the error's rollback undoes.
 */
export async function notOursDetail(client: PoolClient, marked: Marked | undefined): Promise<string> {
  if (marked) return `it was created by another resource (${marked.urn})`;
  const unavailable = await markersUnavailable(client);
  if (unavailable !== undefined) {
    return `this provider could not keep creation markers in this database (${unavailable}), so an object left by an interrupted run of this resource cannot be told apart from someone else's`;
  }
  return "this resource did not create it";
}
