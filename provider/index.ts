/**
 * pulumi-postgres-roles: PostgreSQL roles, memberships and privileges as Pulumi resources.
 */
export { Role, RoleProvider, type RoleArgs } from "./role/resource";
export { RoleMembership, RoleMembershipProvider, type RoleMembershipArgs } from "./membership/resource";
export { Grant, GrantProvider, type GrantArgs } from "./grant/resource";
export type { ConnectionArgs, SslMode } from "./db/connection";
export type { ConnectionInput } from "./common/inputs";
export type { ObjectType } from "./common/privileges";
export type { RoleInputs, RoleOutputs } from "./role/inputs";
export type { MembershipInputs, MembershipOutputs } from "./membership/inputs";
export type { GrantInputs, GrantOutputs } from "./grant/inputs";
export { ProviderError } from "./common/errors";
