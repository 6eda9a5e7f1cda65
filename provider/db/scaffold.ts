/**
 * The scaffold around every resource's hooks, written once: a resource declares what it is and
 * its hooks with {@link defineResource}; each hook gets a {@link Db} for its inputs, and `db.transaction(work)`
 * connects (in the resource's database), opens the transaction (lock_timeout, the resource's
 * advisory lock, retries: see transaction.ts; for a read, no transaction and no lock, retries
 * still) and hands `work` a {@link Tx}. Where the resource
 * lives in a database of its own, a vanished database (SQLSTATE 3D000) means the resource is gone:
 * read reports it gone and delete succeeds.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { GONE, ProviderError } from "../common/errors";
import type { Statement } from "../common/statement";
import { type ConnectionArgs, connectionFromEnv, resolveConnection } from "./connection";
import { pools } from "./pools";
import { type Attempt, execute, inTransaction } from "./transaction";

/** What every hook call carries: the stack configuration seen by the provider's configure hook. */
export interface HookContext {
  stackConfig?: ConnectionArgs;
}

/** One attempt of a hook's transaction (a retry runs `work` again with a new one). */
export interface Tx {
  client: PoolClient;
  attempt: Attempt;
  /** The database the transaction runs in. */
  database: string;
  /** Runs statements in order; a failure names the resource and the statement. */
  execute(statements: readonly Statement[]): Promise<void>;
  /**
   * Runs a plan, then plans again: the second plan must be empty. GRANT and REVOKE by a role that
   * lacks the right (not the owner, no grant option) only warn "no privileges were granted" and
   * succeed; this turns that into an error instead of a state that claims what the catalog lacks.
   */
  executeVerified(doing: string, plan: () => Promise<Statement[]>): Promise<void>;
}

/** What an admin needs to grant or revoke a privilege (the hint of an apply that did not take). */
export const CANNOT_GRANT_HINT =
  "the admin must own the objects (or be a member of their owner), or hold the privileges WITH GRANT OPTION; a superuser can always grant";

/** Where one hook call works: the resource (by its label, for errors) and its connection. */
export interface Db {
  label: string;
  /** The database the resource lives in (its own, else the connection's). */
  database: string;
  /** The connection's own database (where a Role's transactions run, and its records are kept). */
  connectionDatabase: string;
  /**
   * Runs `work` in one transaction, in the resource's database or the one named (for a read hook:
   * outside a transaction, see TransactionOptions.readOnly).
   */
  transaction<T>(work: (tx: Tx) => Promise<T>, database?: string): Promise<T>;
}

/** The hooks of one resource, as the provider classes call them (check and diff are pure). */
export interface Hooks<I, O> {
  check(olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(ctx: HookContext, inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(ctx: HookContext, id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>>;
  update(ctx: HookContext, id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(ctx: HookContext, id: string, props: O): Promise<void>;
}

/** What a resource declares about itself: its checks and where it lives. */
export interface ResourceSpec<I extends { connection?: ConnectionArgs }, O extends I> {
  check(news: Record<string, unknown>): pulumi.dynamic.CheckResult<I>;
  diff(olds: O, news: I): pulumi.dynamic.DiffResult;
  /** The resource as errors name it. */
  label(i: I): string;
  /** The database to connect to (default: the connection's). */
  database?(i: I): string | undefined;
  /** Key of the advisory lock its transactions take first, but read's (see TransactionOptions.lockKey). */
  lockKey?(i: I): string;
  /** Whether a vanished database means the resource is gone (resources inside a database). */
  goneWithDatabase?: boolean;
}

/** A resource's hooks, each over the {@link Db} of its inputs (news for update, props for read and delete). */
export interface DbHooks<I, O> {
  create(db: Db, inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(db: Db, id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>>;
  update(db: Db, id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(db: Db, id: string, props: O): Promise<void>;
}

/** The Db of one hook call, for the inputs `i`. */
function dbFor<I extends { connection?: ConnectionArgs }>(
  spec: Pick<ResourceSpec<I, I>, "label" | "database" | "lockKey">,
  ctx: HookContext,
  i: I,
  readOnly = false,
): Db {
  const resource = spec.label(i);
  const lockKey = readOnly ? undefined : spec.lockKey?.(i);
  const connect = (database: string | undefined) =>
    resolveConnection(
      { resource: i.connection, config: ctx.stackConfig, env: connectionFromEnv(process.env) },
      database,
    );
  const home = connect(spec.database?.(i));
  return {
    label: resource,
    database: home.database,
    get connectionDatabase() {
      return connect(undefined).database;
    },
    transaction(work, database) {
      const conn = database === undefined ? home : connect(database);
      const opts = { resource, lockTimeout: conn.lockTimeout, lockKey, readOnly };
      return inTransaction(pools.get(conn), opts, (client, attempt) =>
        work({
          client,
          attempt,
          database: conn.database,
          execute: (statements) => execute(client, resource, statements),
          async executeVerified(doing, plan) {
            const statements = await plan();
            if (statements.length === 0) return;
            await execute(client, resource, statements);
            const left = await plan();
            if (left.length > 0) {
              throw new ProviderError(resource, doing, {
                message: `PostgreSQL accepted the statements but did not apply: ${left.map((x) => x.description).join("; ")}`,
                code: "42501",
                hint: CANNOT_GRANT_HINT,
              });
            }
          },
        }),
      );
    },
  };
}

/** Whether `e` says the database the hook connected to no longer exists. */
const databaseGone = (e: unknown) => e instanceof ProviderError && e.code === GONE.invalidCatalogName;

/** A resource's hooks, as the runtime module exports them, from what is particular to it. */
export function defineResource<I extends { connection?: ConnectionArgs }, O extends I>(
  spec: ResourceSpec<I, O>,
  hooks: DbHooks<I, O>,
): Hooks<I, O> {
  return {
    check: async (_olds, news) => spec.check(news),
    diff: async (_id, olds, news) => spec.diff(olds, news),
    create: (ctx, inputs) => hooks.create(dbFor(spec, ctx, inputs), inputs),
    update: (ctx, id, olds, news) => hooks.update(dbFor(spec, ctx, news), id, olds, news),
    async read(ctx, id, props) {
      try {
        // A read changes nothing: no transaction, and no queueing behind our others (the lock).
        return await hooks.read(dbFor(spec, ctx, props, true), id, props);
      } catch (e) {
        if (spec.goneWithDatabase && databaseGone(e)) return { id: undefined, props: {} as O };
        throw e;
      }
    },
    async delete(ctx, id, props) {
      try {
        await hooks.delete(dbFor(spec, ctx, props), id, props);
      } catch (e) {
        if (spec.goneWithDatabase && databaseGone(e)) return;
        throw e;
      }
    },
  };
}

/**
 * Where a resource on one table lives (its row level security, its policies): the table's
 * database, and our transactions on the same table queue instead of colliding.
 */
export const ON_TABLE = {
  database: (i: { database?: string }) => i.database,
  lockKey: (i: { schema: string; table: string }) =>
    `pulumi-postgres-roles/table/${JSON.stringify([i.schema, i.table])}`,
  goneWithDatabase: true,
};
