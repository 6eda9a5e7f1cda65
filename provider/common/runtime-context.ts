/**
 * What every hook needs at run time: the stack configuration seen by the provider's configure
 * hook, and the shared pool registry. Created once per provider process (see runtime.ts).
 */
import type { Pool } from "pg";
import {
  type ConnectionArgs,
  type ResolvedConnection,
  connectionFromEnv,
  resolveConnection,
} from "../db/connection";
import { PoolRegistry } from "../db/pools";

export interface HookContext {
  /** Connection settings from the stack configuration (set by the configure hook), if any. */
  stackConfig?: ConnectionArgs;
}

export class Runtime {
  readonly pools = new PoolRegistry();

  connect(
    resource: ConnectionArgs | undefined,
    ctx: HookContext,
    database?: string,
  ): { pool: Pool; conn: ResolvedConnection } {
    const conn = resolveConnection(
      { resource, config: ctx.stackConfig, env: connectionFromEnv(process.env) },
      database,
    );
    return { pool: this.pools.get(conn), conn };
  }
}

/** Drops keys whose value is undefined: engine outputs must be plain JSON. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
