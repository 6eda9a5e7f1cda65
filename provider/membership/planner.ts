/** RoleMembership planner: (membership as the catalog has it, as wanted) -> statements. Pure. */
import { ident } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { GONE } from "../common/errors";

export interface MembershipActual {
  /** Whether any grant of the pair carries ADMIN OPTION. */
  admin: boolean;
}

export interface MembershipDesired {
  role: string;
  member: string;
  withAdmin: boolean;
}

export function planMembership(
  pair: { role: string; member: string },
  actual: MembershipActual | undefined,
  desired: MembershipDesired | undefined,
): Statement[] {
  const role = ident(pair.role);
  const member = ident(pair.member);
  const what = `${pair.member} in ${pair.role}`;
  if (!desired) {
    if (!actual) return [];
    return [stmt(`remove ${what}`, `REVOKE ${role} FROM ${member}`, [GONE.undefinedObject])];
  }
  if (!actual) {
    return [
      stmt(
        `add ${what}${desired.withAdmin ? " with admin option" : ""}`,
        `GRANT ${role} TO ${member}${desired.withAdmin ? " WITH ADMIN OPTION" : ""}`,
      ),
    ];
  }
  if (desired.withAdmin && !actual.admin) {
    return [stmt(`give ${what} the admin option`, `GRANT ${role} TO ${member} WITH ADMIN OPTION`)];
  }
  if (!desired.withAdmin && actual.admin) {
    return [stmt(`take the admin option from ${what}`, `REVOKE ADMIN OPTION FOR ${role} FROM ${member}`)];
  }
  return [];
}
