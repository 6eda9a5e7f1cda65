/**
 * The implementation behind the provider classes, loaded in the provider process with
 * `require("pulumi-postgres-roles/runtime")` (see load.ts). Module state here is real module
 * state: one pool registry per process, shared by every provider instance.
 */
export { connectionFromConfig } from "./db/connection";
export { runtime, type Hooks } from "./common/runtime-context";
export { role } from "./role/entry";
export { membership } from "./membership/entry";
export { grant } from "./grant/entry";
export { rowLevelSecurity } from "./rls/entry";
export { policy } from "./policy/entry";
export { defaultPrivileges } from "./defaultprivileges/entry";
