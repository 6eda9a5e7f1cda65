import type { PoolClient } from "pg";
import { serverVersion } from "../db/session";
import type { MembershipActual } from "./planner";

/**
 * The pair's membership rows. From PostgreSQL 16 a pair can have several rows (one per grantor),
 * so the answer aggregates: present if any row is, admin if any row has the option (and, from 16,
 * inherit and set, added then per grant).
 * Also says whether both roles exist, so that a vanished role reads as "membership gone".
 */
const membershipQuery = (version: number) => `
SELECT (SELECT oid FROM pg_roles WHERE rolname = $1) IS NOT NULL AS role_exists,
       (SELECT oid FROM pg_roles WHERE rolname = $2) IS NOT NULL AS member_exists,
       count(m.*)::int AS grants,
       coalesce(bool_or(m.admin_option), false) AS admin${
         version >= 160000
           ? `,
       bool_or(m.inherit_option) AS inherit, bool_or(m.set_option) AS set`
           : ""
       }
  FROM pg_auth_members m
 WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1)
   AND m.member = (SELECT oid FROM pg_roles WHERE rolname = $2)`;
export const MEMBERSHIP_QUERY_15 = membershipQuery(150000);
export const MEMBERSHIP_QUERY_16 = membershipQuery(160000);

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
  const version = await serverVersion(client);
  const { rows } = await client.query<{
    role_exists: boolean;
    member_exists: boolean;
    grants: number;
    admin: boolean;
    inherit?: boolean;
    set?: boolean;
  }>(version >= 160000 ? MEMBERSHIP_QUERY_16 : MEMBERSHIP_QUERY_15, [role, member]);
  const r = rows[0]!;
  let actual: MembershipActual | undefined;
  if (r.grants > 0) {
    actual = { admin: r.admin };
    if (version >= 160000) {
      actual.inherit = r.inherit;
      actual.set = r.set;
    }
  }
  return { version, roleExists: r.role_exists, memberExists: r.member_exists, actual };
}
