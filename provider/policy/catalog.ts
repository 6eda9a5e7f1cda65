/** Reading policies from pg_policy. Queries are constants with bind parameters. */
import type { PoolClient } from "pg";
import type { PolicyCommand } from "./inputs";
import type { PolicyActual } from "./planner";

/**
 * One policy: by OID ($1), or when $1 is null by schema, table and name ($2, $3, $4). Roles by
 * name (OID 0 is PUBLIC; a role that no longer exists cannot be listed: its policy dependency
 * keeps it from being dropped), expressions as PostgreSQL prints them (pg_get_expr).
 */
export const POLICY_QUERY = `
SELECT p.oid::int8 AS oid, p.polname, n.nspname, c.relname, p.polcmd::text AS polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE coalesce(a.rolname::text, r.oid::text) END
               FROM unnest(p.polroles) AS r(oid) LEFT JOIN pg_roles a ON a.oid = r.oid) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS qual,
       pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p
  JOIN pg_class c ON c.oid = p.polrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ($1::oid IS NOT NULL AND p.oid = $1::oid)
    OR ($1::oid IS NULL AND n.nspname = $2 AND c.relname = $3 AND p.polname = $4)`;

const COMMANDS: Record<string, PolicyCommand> = {
  "*": "ALL",
  r: "SELECT",
  a: "INSERT",
  w: "UPDATE",
  d: "DELETE",
};

interface PolicyRow {
  oid: string;
  polname: string;
  nspname: string;
  relname: string;
  polcmd: string;
  polpermissive: boolean;
  roles: string[];
  qual: string | null;
  with_check: string | null;
}

export async function readPolicy(
  client: PoolClient,
  by: { oid: number } | { schema: string; table: string; name: string },
): Promise<PolicyActual | undefined> {
  const params = "oid" in by ? [by.oid, null, null, null] : [null, by.schema, by.table, by.name];
  const { rows } = await client.query<PolicyRow>(POLICY_QUERY, params);
  const r = rows[0];
  if (!r) return undefined;
  const actual: PolicyActual = {
    oid: Number(r.oid),
    name: r.polname,
    schema: r.nspname,
    table: r.relname,
    command: COMMANDS[r.polcmd] ?? (r.polcmd as PolicyCommand),
    permissive: r.polpermissive,
    roles: [...r.roles].sort(),
  };
  if (r.qual !== null) actual.using = r.qual;
  if (r.with_check !== null) actual.withCheck = r.with_check;
  return actual;
}
