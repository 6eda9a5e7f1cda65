/**
 * The runtime: the implementation behind the provider classes, which they load inside the
 * provider process with `require("pulumi-postgres-roles/runtime")` (see common/provider-base.ts).
 * Module state reached from here is real module state: one pool registry per process, shared by
 * every provider instance.
 */
import { pools } from "./db/pools";

export { connectionFromConfig } from "./db/connection";
export { pools } from "./db/pools";
export { leanProviderMigration } from "./common/provider-base";
export type { Hooks } from "./db/scaffold";
export { role } from "./role/hooks";
export { roles } from "./roles/hooks";
export { membership } from "./membership/hooks";
export { grant } from "./grant/hooks";
export { rowLevelSecurity } from "./row-level-security/hooks";
export { policy } from "./policy/hooks";
export { defaultPrivileges } from "./default-privileges/hooks";
export { privileges } from "./privileges/hooks";

/** The runtime's process-wide state: its pool registry (`runtime.pools.closeAll()` ends its connections). */
export const runtime = { pools };
