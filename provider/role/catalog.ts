/** Reading roles from the catalog. Queries are constants with bind parameters. */
import type { PoolClient } from "pg";
import type { RoleActual } from "./planner";
import { parseSetconfig } from "./settings";
import { ROLE_ATTRIBUTES, type RoleFlags, attributeColumns } from "./attributes";

/**
 * One role by OID (or by name when $1 is null): attributes from pg_roles (readable by anyone),
 * group memberships from pg_auth_members (PostgreSQL 16 can hold several rows per pair, one per
 * grantor, hence DISTINCT), and the stored expiry compared with the wanted one by the server
 * itself ($3), so both are parsed the same way.
 */
export const ROLE_QUERY = `
SELECT r.oid::int8 AS oid, r.rolname, ${attributeColumns("r", "column")}, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN r.rolvaliduntil = 'infinity' THEN 'infinity'
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS valid_until,
       CASE WHEN $3::text IS NULL THEN NULL ELSE r.rolvaliduntil = $3::timestamptz END AS valid_until_matches,
       ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             WHERE m.member = r.oid ORDER BY 1) AS in_roles,
       (SELECT setconfig FROM pg_db_role_setting WHERE setrole = r.oid AND setdatabase = 0) AS setconfig,
       shobj_description(r.oid, 'pg_authid') AS comment
  FROM pg_roles r
 WHERE ($1::oid IS NOT NULL AND r.oid = $1::oid) OR ($1::oid IS NULL AND r.rolname = $2)`;

/** The stored password verifier: pg_authid is readable by superusers only (not on managed services). */
export const PASSWORD_READABLE_QUERY = `SELECT has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS readable`;
/** Only sent when readable: PostgreSQL checks the permission of every table a query names, taken branch or not. */
export const PASSWORD_QUERY = `SELECT rolpassword FROM pg_catalog.pg_authid WHERE oid = $1::oid`;

interface RoleRow extends Record<(typeof ROLE_ATTRIBUTES)[number]["column"], boolean> {
  oid: string;
  rolname: string;
  rolconnlimit: number;
  valid_until: string | null;
  valid_until_matches: boolean | null;
  in_roles: string[];
  setconfig: string[] | null;
  comment: string | null;
}

export async function readRole(
  client: PoolClient,
  by: { oid?: number; name?: string },
  wantedValidUntil?: string,
): Promise<RoleActual | undefined> {
  const { rows } = await client.query<RoleRow>(ROLE_QUERY, [
    by.oid ?? null,
    by.name ?? null,
    wantedValidUntil ?? null,
  ]);
  const r = rows[0];
  if (!r) return undefined;
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

/** The stored verifier, or `readable: false` where pg_authid cannot be read. */
export async function readPassword(
  client: PoolClient,
  oid: number,
): Promise<{ readable: boolean; stored: string | null }> {
  const readable = (await client.query<{ readable: boolean }>(PASSWORD_READABLE_QUERY)).rows[0]!.readable;
  if (!readable) return { readable, stored: null };
  const { rows } = await client.query<{ rolpassword: string | null }>(PASSWORD_QUERY, [oid]);
  return { readable, stored: rows[0]?.rolpassword ?? null };
}

/**
 * Databases where the role owns objects or holds privileges (pg_shdepend, one row per dependent
 * object; dbid 0 = shared objects such as databases), and whether the admin can connect to them.
 * REASSIGN OWNED and DROP OWNED act on the current database only, so they run in each of these.
 */
export const DEPENDENT_DATABASES_QUERY = `
SELECT DISTINCT d.datname, d.datallowconn AND has_database_privilege(d.oid, 'CONNECT') AS can_connect
  FROM pg_shdepend s
  JOIN pg_database d ON d.oid = s.dbid
 WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1::oid
 ORDER BY 1`;

export const SHARED_DEPENDENCIES_QUERY = `
SELECT count(*)::int AS n FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND refobjid = $1::oid AND dbid = 0`;

export async function dependentDatabases(
  client: PoolClient,
  oid: number,
): Promise<{ databases: Array<{ name: string; canConnect: boolean }>; shared: boolean }> {
  const { rows } = await client.query<{ datname: string; can_connect: boolean }>(DEPENDENT_DATABASES_QUERY, [
    oid,
  ]);
  const shared = await client.query<{ n: number }>(SHARED_DEPENDENCIES_QUERY, [oid]);
  return {
    databases: rows.map((r) => ({ name: r.datname, canConnect: r.can_connect })),
    shared: shared.rows[0]!.n > 0,
  };
}
