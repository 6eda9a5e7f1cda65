/**
 * pulumi-postgres-roles: PostgreSQL roles, memberships and privileges as Pulumi resources.
 */
export { Role, RoleProvider, type RoleArgs } from "./role/resource";
export { Roles, RolesProvider, type RolesArgs, type RoleEntry } from "./roles/resource";
export { RoleMembership, RoleMembershipProvider, type RoleMembershipArgs } from "./membership/resource";
export { Grant, GrantProvider, type GrantArgs } from "./grant/resource";
export {
  RowLevelSecurity,
  RowLevelSecurityProvider,
  type RowLevelSecurityArgs,
} from "./row-level-security/resource";
export { Policy, PolicyProvider, type PolicyArgs } from "./policy/resource";
export {
  DefaultPrivileges,
  DefaultPrivilegesProvider,
  type DefaultPrivilegesArgs,
} from "./default-privileges/resource";
export {
  Privileges,
  PrivilegesProvider,
  type PrivilegesArgs,
  type PrivilegesEntryArgs,
  type DefaultPrivilegesEntryArgs,
} from "./privileges/resource";
export {
  AdminUser,
  ApplicationUser,
  ReadOnlyGroup,
  RoleHierarchy,
  TeamHierarchy,
  type AdminUserArgs,
  type ApplicationUserArgs,
  type ReadOnlyGroupArgs,
  type RoleHierarchyArgs,
  type SchemaAccess,
  type TeamHierarchyArgs,
  type TeamSpec,
  type TeamUserSpec,
} from "./components";
export type { ConnectionArgs, SslMode } from "./db/connection";
export type { ConnectionInput } from "./common/inputs";
export type { ObjectType } from "./common/privileges";
export type { RoleInputs, RoleOutputs } from "./role/inputs";
export type { RolesInputs, RolesOutputs, RolesEntry } from "./roles/inputs";
export type { MembershipInputs, MembershipOutputs } from "./membership/inputs";
export type { GrantInputs, GrantOutputs } from "./grant/inputs";
export type { RowLevelSecurityInputs, RowLevelSecurityOutputs } from "./row-level-security/inputs";
export type { PolicyCommand, PolicyInputs, PolicyOutputs } from "./policy/inputs";
export type { DefaultPrivilegesInputs, DefaultPrivilegesOutputs } from "./default-privileges/inputs";
export type { DefaultObjectType } from "./default-privileges/object-types";
export type {
  PrivilegesInputs,
  PrivilegesOutputs,
  PrivilegesEntry,
  Authoritative,
  UnmanagedPrivilege,
} from "./privileges/inputs";
export type { DefaultPrivilegesEntry } from "./privileges/default-inputs";
export {
  planPrivileges,
  simulatePrivileges,
  type PrivilegesPlanInput,
  type PrivilegesPlan,
  type CatalogObject,
  type AdminInfo,
} from "./privileges/planner";
export {
  planDefaultPrivilegeEntries,
  type DefaultPlanInput,
  type DefaultPlan,
  type DefaultAclRow,
} from "./privileges/default-planner";
export { ProviderError } from "./common/errors";
export {
  roleExists,
  listRoles,
  listRoleMembers,
  listRoleGrants,
  effectivePrivileges,
  whoCan,
  readCatalogSnapshot,
  QueryError,
  type ScopeOptions,
  type SnapshotOptions,
  type ObjectRef,
  type NameRef,
  type RoutineRef,
  type QueryOptions,
  type RoleInfo,
  type RoleMember,
  type RoleGrant,
  type GrantObjectType,
  type EffectivePrivileges,
  type EffectivePrivilege,
  type WhoCanEntry,
  type Reason,
  type CatalogSnapshot,
} from "./queries";
