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

export async function readMembership(
  client: PoolClient,
  role: string,
  member: string,
): Promise<{ roleExists: boolean; memberExists: boolean; actual: MembershipActual | undefined }> {
  const { rows } = await client.query<{
    role_exists: boolean;
    member_exists: boolean;
    grants: number;
    admin: boolean;
  }>(MEMBERSHIP_QUERY, [role, member]);
  const r = rows[0]!;
  return {
    roleExists: r.role_exists,
    memberExists: r.member_exists,
    actual: r.grants > 0 ? { admin: r.admin } : undefined,
  };
}
