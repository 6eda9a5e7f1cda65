/**
 * Role values for the planners' unit tests: a role as the catalog reads it (`RoleActual`) and as a
 * resource wants it (`RoleDesired`), every attribute at PostgreSQL's default unless `over` says
 * otherwise. Spelled out here, not taken from the provider's defaults, so that a wrong default there
 * fails the tests.
 */
import type { RoleActual, RoleDesired } from "../../provider/role/planner";

/** Every attribute at PostgreSQL's default, for a role named "app". */
const DEFAULTS = {
  name: "app",
  login: false,
  superuser: false,
  createDatabase: false,
  createRole: false,
  inherit: true,
  replication: false,
  bypassRowLevelSecurity: false,
  connectionLimit: -1,
  inRoles: [],
  settings: {},
} satisfies Partial<RoleActual & RoleDesired>;

export function roleDesired(over: Partial<RoleDesired> = {}): RoleDesired {
  return { ...DEFAULTS, previousInRoles: [], ...over };
}

export function roleActual(over: Partial<RoleActual> = {}): RoleActual {
  return { oid: 16384, ...DEFAULTS, ...over };
}
