/** Reading roles from the catalog. Queries are constants with bind parameters. */
import type { PoolClient } from "pg";
import type { RoleActual } from "./planner";
import { parseSetconfig } from "./settings";
import { ROLE_ATTRIBUTES, type RoleFlags, attributeColumns } from "./attributes";

/**
 * Roles by OID (or by name where the OID is null), any number in one query: $1, $2 and $3 are
 * parallel arrays (OIDs, names, wanted expiries), and `ord` (1-based) says which element a row
 * answers (no row: no such role). Attributes from pg_roles (readable by anyone), group memberships
 * from pg_auth_members (PostgreSQL 16 can hold several rows per pair, one per grantor, hence
 * DISTINCT), and the stored expiry compared with the wanted one by the server itself, so both are
 * parsed the same way.
 */
export const ROLES_QUERY = `
WITH wanted AS (
  SELECT w.ord, w.valid_until,
         coalesce(w.oid, (SELECT a.oid FROM pg_roles a WHERE a.rolname = w.name)) AS oid
    FROM unnest($1::oid[], $2::text[], $3::text[]) WITH ORDINALITY AS w(oid, name, valid_until, ord)
)
SELECT w.ord::int AS ord, r.oid::int8 AS oid, r.rolname, ${attributeColumns("r", "column")}, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN r.rolvaliduntil = 'infinity' THEN 'infinity'
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS valid_until,
       CASE WHEN w.valid_until IS NULL THEN NULL ELSE r.rolvaliduntil = w.valid_until::timestamptz END AS valid_until_matches,
       ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             WHERE m.member = r.oid ORDER BY 1) AS in_roles,
       (SELECT setconfig FROM pg_db_role_setting WHERE setrole = r.oid AND setdatabase = 0) AS setconfig,
       shobj_description(r.oid, 'pg_authid') AS comment
  FROM wanted w
  JOIN pg_roles r ON r.oid = w.oid
 ORDER BY w.ord`;

/** The stored password verifier: pg_authid is readable by superusers only (not on managed services). */
export const PASSWORD_READABLE_QUERY = `SELECT has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS readable`;
/** Only sent when readable: PostgreSQL checks the permission of every table a query names, taken branch or not. */
export const PASSWORDS_QUERY = `SELECT oid::int8 AS oid, rolpassword FROM pg_catalog.pg_authid WHERE oid = ANY($1::oid[])`;

interface RoleRow extends Record<(typeof ROLE_ATTRIBUTES)[number]["column"], boolean> {
  ord: number;
  oid: string;
  rolname: string;
  rolconnlimit: number;
  valid_until: string | null;
  valid_until_matches: boolean | null;
  in_roles: string[];
  setconfig: string[] | null;
  comment: string | null;
}

/** Which role to read: by OID, else by name; `validUntil` is the expiry wanted (compared by the server). */
export interface RoleLookup {
  oid?: number;
  name?: string;
  validUntil?: string;
}

function actualOf(r: RoleRow): RoleActual {
  const actual: RoleActual = {
    oid: Number(r.oid),
    name: r.rolname,
    ...(Object.fromEntries(ROLE_ATTRIBUTES.map((a) => [a.key, r[a.column]])) as RoleFlags),
    connectionLimit: r.rolconnlimit,
    inRoles: r.in_roles,
    settings: parseSetconfig(r.setconfig),
  };
  if (r.comment !== null) actual.comment = r.comment;
  if (r.valid_until !== null) actual.validUntil = r.valid_until;
  if (r.valid_until_matches !== null) actual.validUntilMatches = r.valid_until_matches;
  return actual;
}

/** Any number of roles in one query: the answer is parallel to `lookups` (undefined: no such role). */
export async function readRoles(
  client: PoolClient,
  lookups: readonly RoleLookup[],
): Promise<Array<RoleActual | undefined>> {
  const { rows } = await client.query<RoleRow>(ROLES_QUERY, [
    lookups.map((l) => l.oid ?? null),
    lookups.map((l) => l.name ?? null),
    lookups.map((l) => l.validUntil ?? null),
  ]);
  const out: Array<RoleActual | undefined> = lookups.map(() => undefined);
  for (const r of rows) out[r.ord - 1] = actualOf(r);
  return out;
}

export async function readRole(
  client: PoolClient,
  by: { oid?: number; name?: string },
  wantedValidUntil?: string,
): Promise<RoleActual | undefined> {
  return (await readRoles(client, [{ ...by, validUntil: wantedValidUntil }]))[0];
}

/** The stored verifiers by OID, or `readable: false` where pg_authid cannot be read. */
export async function readPasswords(
  client: PoolClient,
  oids: readonly number[],
): Promise<{ readable: boolean; stored: Map<number, string | null> }> {
  const readable = (await client.query<{ readable: boolean }>(PASSWORD_READABLE_QUERY)).rows[0]!.readable;
  const stored = new Map<number, string | null>();
  if (!readable || oids.length === 0) return { readable, stored };
  const { rows } = await client.query<{ oid: string; rolpassword: string | null }>(PASSWORDS_QUERY, [oids]);
  for (const r of rows) stored.set(Number(r.oid), r.rolpassword);
  return { readable, stored };
}

/** The stored verifier, or `readable: false` where pg_authid cannot be read. */
export async function readPassword(
  client: PoolClient,
  oid: number,
): Promise<{ readable: boolean; stored: string | null }> {
  const { readable, stored } = await readPasswords(client, [oid]);
  return { readable, stored: stored.get(oid) ?? null };
}

/**
 * Where roles own objects or hold privileges (pg_shdepend, one row per dependent object): per role,
 * the databases (datname, and whether the admin can connect) and, with a null datname, the cluster's
 * shared objects (dbid 0: databases, tablespaces; from PostgreSQL 16 also memberships it granted).
 * REASSIGN OWNED and DROP OWNED act on the current database only, so they run in each of these.
 */
export const DEPENDENT_DATABASES_QUERY = `
SELECT DISTINCT s.refobjid::int8 AS oid, d.datname,
       d.datallowconn AND has_database_privilege(d.oid, 'CONNECT') AS can_connect
  FROM pg_shdepend s
  LEFT JOIN pg_database d ON d.oid = s.dbid
 WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = ANY($1::oid[])
   AND (s.dbid = 0 OR d.oid IS NOT NULL)
 ORDER BY 1, 2`;

export interface Dependents {
  databases: Array<{ name: string; canConnect: boolean }>;
  shared: boolean;
}

/** What each of the roles (by OID) owns or holds, in one query; roles with nothing are absent. */
export async function dependents(
  client: PoolClient,
  oids: readonly number[],
): Promise<Map<number, Dependents>> {
  const out = new Map<number, Dependents>();
  if (oids.length === 0) return out;
  const { rows } = await client.query<{ oid: string; datname: string | null; can_connect: boolean | null }>(
    DEPENDENT_DATABASES_QUERY,
    [oids],
  );
  for (const r of rows) {
    const oid = Number(r.oid);
    const d = out.get(oid) ?? { databases: [], shared: false };
    if (r.datname === null) d.shared = true;
    else d.databases.push({ name: r.datname, canConnect: r.can_connect === true });
    out.set(oid, d);
  }
  return out;
}

const EXISTING_ROLES = `SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])`;

/** Which of `names` are roles now (each call sees what other transactions committed since). */
export async function existingRoles(client: PoolClient, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const r = await client.query<{ rolname: string }>(EXISTING_ROLES, [names]);
  return new Set(r.rows.map((x) => x.rolname));
}
