/**
 * Query functions: what the catalog says about roles, memberships and privileges, for programs
 * and scripts. Each call opens one connection (explicit `connection` fields, then the libpq
 * environment), runs a fixed number of catalog queries and closes it.
 */
export {
  roleExists,
  listRoles,
  listRoleMembers,
  listRoleGrants,
  effectivePrivileges,
  whoCan,
  readCatalogSnapshot,
  type ScopeOptions,
  type SnapshotOptions,
} from "./functions";
export { QueryError } from "./connect";
export type { ObjectRef, NameRef, RoutineRef } from "./refs";
export type * from "./types";
