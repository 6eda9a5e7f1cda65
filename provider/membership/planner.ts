/** RoleMembership planner: (membership as the catalog has it, as wanted) -> statements. Pure. */
import { ident } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { GONE } from "../common/errors";

export interface MembershipActual {
  /** Whether any grant of the pair carries ADMIN OPTION. */
  admin: boolean;
  /** PostgreSQL 16+: whether any grant of the pair has INHERIT TRUE / SET TRUE. */
  inherit?: boolean;
  set?: boolean;
}

export interface MembershipDesired {
  role: string;
  member: string;
  withAdmin: boolean;
  /** PostgreSQL 16 membership options; undefined leaves them to the server's defaults. */
  inherit?: boolean;
  set?: boolean;
}

/** PostgreSQL 16's option list (`WITH INHERIT FALSE, SET TRUE`) for the options that need changing. */
function options(desired: MembershipDesired, actual: MembershipActual | undefined): string[] {
  const out: string[] = [];
  if (desired.inherit !== undefined && desired.inherit !== actual?.inherit) {
    out.push(`INHERIT ${desired.inherit ? "TRUE" : "FALSE"}`);
  }
  if (desired.set !== undefined && desired.set !== actual?.set)
    out.push(`SET ${desired.set ? "TRUE" : "FALSE"}`);
  return out;
}

export interface MembershipPlanInput {
  role: string;
  member: string;
  /** The pair's membership as the catalog has it (undefined: none). */
  actual?: MembershipActual;
  /** As wanted (undefined: delete). */
  desired?: MembershipDesired;
}

export function planMembership(input: MembershipPlanInput): Statement[] {
  const { actual, desired } = input;
  const role = ident(input.role);
  const member = ident(input.member);
  const what = `${input.member} in ${input.role}`;
  if (!desired) {
    if (!actual) return [];
    return [stmt(`remove ${what}`, `REVOKE ${role} FROM ${member}`, [GONE.undefinedObject])];
  }
  const opts = options(desired, actual);
  if (!actual) {
    if (opts.length > 0) {
      const all = desired.withAdmin ? ["ADMIN TRUE", ...opts] : opts;
      return [
        stmt(
          `add ${what} with ${all.join(", ").toLowerCase()}`,
          `GRANT ${role} TO ${member} WITH ${all.join(", ")}`,
        ),
      ];
    }
    return [
      stmt(
        `add ${what}${desired.withAdmin ? " with admin option" : ""}`,
        `GRANT ${role} TO ${member}${desired.withAdmin ? " WITH ADMIN OPTION" : ""}`,
      ),
    ];
  }
  const out: Statement[] = [];
  if (desired.withAdmin && !actual.admin) {
    out.push(stmt(`give ${what} the admin option`, `GRANT ${role} TO ${member} WITH ADMIN OPTION`));
  }
  if (!desired.withAdmin && actual.admin) {
    out.push(stmt(`take the admin option from ${what}`, `REVOKE ADMIN OPTION FOR ${role} FROM ${member}`));
  }
  if (opts.length > 0) {
    // Granting an existing membership again with options changes them (PostgreSQL 16+).
    out.push(
      stmt(
        `set ${opts.join(", ").toLowerCase()} on ${what}`,
        `GRANT ${role} TO ${member} WITH ${opts.join(", ")}`,
      ),
    );
  }
  return out;
}
