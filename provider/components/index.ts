/**
 * The reference document's common patterns as component resources (type tokens
 * `postgres-roles:patterns:<Component>`): one line per intent, the Roles, Grants, DefaultPrivileges
 * and RoleMemberships as their children. See docs/components.md.
 */
export { ReadOnlyGroup, type ReadOnlyGroupArgs } from "./read-only-group";
export { ApplicationUser, type ApplicationUserArgs } from "./application-user";
export { AdminUser, type AdminUserArgs } from "./admin-user";
export { TeamHierarchy, type TeamHierarchyArgs, type TeamSpec, type TeamUserSpec } from "./team-hierarchy";
export { RoleHierarchy, type RoleHierarchyArgs } from "./role-hierarchy";
export type { SchemaAccess } from "./common";
