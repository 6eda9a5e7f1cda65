/**
 * The desired state every tool of parts 3 and 4 applies: N resources in units of five,
 *   a group role        app_<i>  (NOLOGIN)
 *   a login role        usr_<i>  (LOGIN, CONNECTION LIMIT 5)
 *   a membership        usr_<i> in app_<i>
 *   a schema grant      USAGE on schema bench_s<i mod 10> to app_<i>
 *   an all-tables grant SELECT on every table of that schema to app_<i>
 * over ten schemas of ten tables each, made beforehand. It is what ldap2pg can express (roles with
 * options, parents, privileges on schemas and on all tables of a schema) and what the Terraform
 * provider can (postgresql_role, postgresql_grant_role, postgresql_grant), so every tool applies it whole.
 */
import type { Client } from "pg";

export const SCHEMAS = 10;
export const TABLES_PER_SCHEMA = 10;

export interface Unit {
  app: string;
  user: string;
  schema: string;
}

export function units(resources: number, prefix: string): Unit[] {
  const n = Math.floor(resources / 5);
  return Array.from({ length: n }, (_, k) => {
    const i = String(k + 1).padStart(5, "0");
    return { app: `${prefix}_app_${i}`, user: `${prefix}_usr_${i}`, schema: `bench_s${k % SCHEMAS}` };
  });
}

export async function makeSchemas(c: Client): Promise<void> {
  for (let s = 0; s < SCHEMAS; s++) {
    const tables = Array.from(
      { length: TABLES_PER_SCHEMA },
      (_, t) => `CREATE TABLE bench_s${s}.t${t} (id int);`,
    );
    await c.query(
      `DROP SCHEMA IF EXISTS bench_s${s} CASCADE; CREATE SCHEMA bench_s${s}; ${tables.join(" ")}`,
    );
  }
}

export async function dropSchemas(c: Client): Promise<void> {
  for (let s = 0; s < SCHEMAS; s++) await c.query(`DROP SCHEMA IF EXISTS bench_s${s} CASCADE`);
}

/** The physical floor: the whole state in one transaction, one round trip. */
export function applySql(us: readonly Unit[]): string {
  const out = ["BEGIN;"];
  for (const u of us) {
    out.push(
      `CREATE ROLE ${u.app} NOLOGIN;`,
      `CREATE ROLE ${u.user} LOGIN CONNECTION LIMIT 5;`,
      `GRANT ${u.app} TO ${u.user};`,
      `GRANT USAGE ON SCHEMA ${u.schema} TO ${u.app};`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${u.schema} TO ${u.app};`,
    );
  }
  out.push("COMMIT;");
  return out.join("\n");
}

/**
 * The floor of a no-op check: one query that compares the whole state with the catalog and
 * returns the number of differences (0 when in sync).
 */
export function checkSql(us: readonly Unit[]): { text: string; values: unknown[] } {
  return {
    text: `
WITH want AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS w(app, usr, nsp))
SELECT count(*)::int AS differences FROM want w
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = w.app AND NOT rolcanlogin)
    OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = w.usr AND rolcanlogin AND rolconnlimit = 5)
    OR NOT pg_has_role(w.usr, w.app, 'MEMBER')
    OR NOT has_schema_privilege(w.app, w.nsp, 'USAGE')
    OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = w.nsp AND c.relkind IN ('r','v','m','f','p')
                  AND NOT has_table_privilege(w.app, c.oid, 'SELECT'))`,
    values: [us.map((u) => u.app), us.map((u) => u.user), us.map((u) => u.schema)],
  };
}

export function destroySql(us: readonly Unit[]): string {
  const roles = us.flatMap((u) => [u.user, u.app]);
  const out = ["BEGIN;"];
  for (let i = 0; i < roles.length; i += 500)
    out.push(`DROP OWNED BY ${roles.slice(i, i + 500).join(", ")};`);
  for (let i = 0; i < roles.length; i += 500) out.push(`DROP ROLE ${roles.slice(i, i + 500).join(", ")};`);
  out.push("COMMIT;");
  return out.join("\n");
}

/** How much of the state is in the catalog: roles, memberships, and privileges (for checks after a run). */
export async function census(
  c: Client,
  prefix: string,
): Promise<{ roles: number; members: number; acl: number }> {
  const { rows } = await c.query<{ roles: number; members: number; acl: number }>(
    `SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname LIKE $1) AS roles,
            (SELECT count(*)::int FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname LIKE $1) AS members,
            (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                    aclexplode(c.relacl) a JOIN pg_roles g ON g.oid = a.grantee
              WHERE n.nspname LIKE 'bench\\_s%' AND g.rolname LIKE $1) AS acl`,
    [`${prefix}\\_%`],
  );
  return rows[0]!;
}
