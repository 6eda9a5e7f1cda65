/**
 * Roles planner: many roles, (as the catalog has them, as wanted) -> statements for one
 * transaction. Pure. Each role is planned by Role's own planner (role/planner.ts), phase by phase
 * for all roles at once: the roles removed are dropped first (a name they free can be taken), then
 * every rename, then every CREATE/ALTER ROLE, and only then the memberships, so that a role may be
 * a member of another role of the same resource whichever comes first.
 */
import type { Statement } from "../common/statement";
import {
  ROLE_PHASES,
  type RoleActual,
  type RoleDesired,
  dropStatement,
  planRolePhases,
} from "../role/planner";

export interface RolesPlanInput {
  /** The roles wanted: each with the role as the catalog has it (undefined: to create). */
  roles: ReadonlyArray<{ actual: RoleActual | undefined; desired: RoleDesired }>;
  /** The roles to drop (keys removed from the resource), as the catalog has them. */
  drop: readonly RoleActual[];
}

export function planRoles({ roles, drop }: RolesPlanInput): Statement[] {
  const out: Statement[] = [];
  if (drop.length > 0) out.push(dropStatement(drop.map((a) => a.name)));
  const phases = roles.map((r) => planRolePhases(r.actual, r.desired));
  for (const phase of ROLE_PHASES) for (const p of phases) out.push(...p[phase]);
  return out;
}
