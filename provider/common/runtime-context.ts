/**
 * What every hook needs at run time: the stack configuration seen by the provider's configure
 * hook, and the shared pool registry. Created once per provider process (see runtime.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
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

/** The process-wide runtime: its pool registry (tests close it; the engine just ends the process). */
export const runtime = new Runtime();

/** The hooks of one resource, as the provider classes call them (check and diff are pure). */
export interface Hooks<I, O> {
  check(olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(ctx: HookContext, inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(ctx: HookContext, id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>>;
  update(ctx: HookContext, id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(ctx: HookContext, id: string, props: O): Promise<void>;
}

/** Drops keys whose value is undefined: engine outputs must be plain JSON. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
