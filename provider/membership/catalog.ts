import type { PoolClient } from "pg";
import type { MembershipActual } from "./planner";

/**
 * The pair's membership rows. From PostgreSQL 16 a pair can have several rows (one per grantor),
 * so the answer aggregates: present if any row is, admin if any row has the option.
 * Also says whether both roles exist, so that a vanished role reads as "membership gone".
 */
export const MEMBERSHIP_QUERY = `
SELECT (SELECT oid FROM pg_roles WHERE rolname = $1) IS NOT NULL AS role_exists,
       (SELECT oid FROM pg_roles WHERE rolname = $2) IS NOT NULL AS member_exists,
       count(m.*)::int AS grants,
       coalesce(bool_or(m.admin_option), false) AS admin
  FROM pg_auth_members m
 WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1)
   AND m.member = (SELECT oid FROM pg_roles WHERE rolname = $2)`;

/** PostgreSQL 16 added inherit_option and set_option (per grant; aggregated like admin). */
export const MEMBERSHIP_OPTIONS_QUERY = `
SELECT bool_or(m.inherit_option) AS inherit, bool_or(m.set_option) AS set
  FROM pg_auth_members m
 WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1)
   AND m.member = (SELECT oid FROM pg_roles WHERE rolname = $2)`;

export const SERVER_VERSION_QUERY = `SELECT current_setting('server_version_num')::int AS version`;

export async function readMembership(
  client: PoolClient,
  role: string,
  member: string,
): Promise<{
  version: number;
  roleExists: boolean;
  memberExists: boolean;
  actual: MembershipActual | undefined;
}> {
  const version = (await client.query<{ version: number }>(SERVER_VERSION_QUERY)).rows[0]!.version;
  const { rows } = await client.query<{
    role_exists: boolean;
    member_exists: boolean;
    grants: number;
    admin: boolean;
  }>(MEMBERSHIP_QUERY, [role, member]);
  const r = rows[0]!;
  let actual: MembershipActual | undefined;
  if (r.grants > 0) {
    actual = { admin: r.admin };
    if (version >= 160000) {
      const o = (
        await client.query<{ inherit: boolean; set: boolean }>(MEMBERSHIP_OPTIONS_QUERY, [role, member])
      ).rows[0]!;
      actual.inherit = o.inherit;
      actual.set = o.set;
    }
  }
  return { version, roleExists: r.role_exists, memberExists: r.member_exists, actual };
}
