/**
 * Runs a unit of work in one transaction, retrying what concurrency and connection loss throw at
 * it. The unit re-reads the catalog on every attempt, so a retry re-plans from what is really
 * there: work that did commit before a connection dropped is not done twice.
 */
import type { Pool, PoolClient, QueryConfig } from "pg";
import { literal } from "../common/quote";
import type { Statement } from "../common/statement";
import { ProviderError, asPgError } from "../common/errors";

export interface TransactionOptions {
  /** Human label of the resource, used in errors. */
  resource: string;
  /** PostgreSQL lock_timeout for the transaction. */
  lockTimeout: string;
  /**
   * Key of a transaction-scoped advisory lock taken first: units that change the same catalog
   * rows (privileges on one schema's objects, say) queue instead of colliding. One key per
   * transaction, so no lock-order deadlock is possible between our own transactions.
   */
  lockKey?: string;
  /**
   * Reads only (a read hook): no transaction and no advisory lock, one round trip less at each end.
   * Each statement sees what is committed when it starts, as in the READ COMMITTED transaction it
   * would otherwise run in; lock_timeout is the session's (set when the pool connects: pools.ts).
   * Retried like the others.
   */
  readOnly?: boolean;
  /** Attempts in all (default 8). */
  attempts?: number;
  /**
   * How long to keep trying while the server cannot be reached (connection refused or lost, server
   * shutting down or starting up: a restart, a failover), in milliseconds, however many attempts
   * that takes (default 30 s).
   */
  unavailableForMs?: number;
}

/**
 * What a unit of work knows about the attempts before it. `mayHaveCommitted`: an earlier attempt
 * lost its connection while COMMIT was on its way, so its changes may be in the catalog now (the
 * server committed, the reply never arrived): a create that finds "its" object must not call it
 * someone else's without looking.
 */
export interface Attempt {
  /** 1 for the first attempt. */
  number: number;
  mayHaveCommitted: boolean;
}

/** SQLSTATEs that mean the transaction did not commit, whatever happened to the connection after. */
function rolledBack(e: unknown): boolean {
  const { code, message } = asPgError(e);
  return (
    code === "40001" ||
    code === "40P01" ||
    (code === "XX000" && /tuple concurrently (updated|deleted)/.test(message)) ||
    (code !== undefined && /^(23|42|55|22)/.test(code))
  );
}

/** The words for a lock_timeout expiry: what waited, how long, and which setting says so. */
export function lockTimeoutHint(lockTimeout: string): string {
  return (
    `another transaction held a lock on the object longer than lockTimeout (${lockTimeout}, PostgreSQL's lock_timeout): ` +
    `end that transaction (see pg_locks / pg_stat_activity), or raise the connection's lockTimeout ` +
    `(resource connection.lockTimeout, or stack config postgres-roles:lockTimeout)`
  );
}

/** The server could not be reached or went away (as opposed to a concurrency conflict). */
export function isUnavailable(e: unknown): boolean {
  const { code, message } = asPgError(e);
  if (code === "57P01" || code === "57P02" || code === "57P03") return true;
  if (code && code.startsWith("08")) return true;
  if (code === "ECONNRESET" || code === "ECONNREFUSED" || code === "EPIPE") return true;
  // "timeout expired": opening a connection took longer than connectTimeout (see pools.ts)
  return /Connection terminated|connection terminated|Client has encountered a connection error|^timeout expired$/.test(
    message,
  );
}

/** Concurrency failures PostgreSQL asks the client to retry, and lost connections. */
export function isRetryable(e: unknown): boolean {
  const { code, message } = asPgError(e);
  if (code === "40001" || code === "40P01") return true; // serialization failure, deadlock
  if (code === "XX000" && /tuple concurrently (updated|deleted)/.test(message)) return true;
  return isUnavailable(e); // lost connections, shutdown, crash, starting up
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function inTransaction<T>(
  pool: Pool,
  opts: TransactionOptions,
  work: (client: PoolClient, attempt: Attempt) => Promise<T>,
): Promise<T> {
  const attempts = opts.attempts ?? 8;
  const unavailableForMs = opts.unavailableForMs ?? 30_000;
  let mayHaveCommitted = false;
  let unavailableSince: number | undefined;
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient | undefined;
    let broken = false;
    let committing = false;
    // node-postgres emits "error" on a checked-out client whose connection dies (terminated backend,
    // server restart, network cut), besides failing the query in flight; unheard, that event would
    // end the provider process. The failure itself reaches us through the query, and is retried.
    const onError = () => {
      broken = true;
    };
    try {
      client = await pool.connect();
      client.on("error", onError);
      if (!opts.readOnly) {
        // one round trip (simple protocol): every hook call that changes something opens one
        await client.query(`BEGIN; SET LOCAL lock_timeout = ${literal(opts.lockTimeout)}`);
        if (opts.lockKey !== undefined) {
          await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [opts.lockKey]);
        }
      }
      const result = await work(client, { number: attempt, mayHaveCommitted });
      if (!opts.readOnly) {
        committing = true;
        await client.query("COMMIT");
      }
      return result;
    } catch (e) {
      // A COMMIT whose answer was lost (connection gone) may have been carried out.
      if (committing && !rolledBack(e)) mayHaveCommitted = true;
      if (client && !opts.readOnly) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
      }
      const unavailable = isUnavailable(e);
      if (unavailable) unavailableSince ??= Date.now();
      else unavailableSince = undefined;
      const retry =
        isRetryable(e) &&
        (attempt < attempts ||
          (unavailable &&
            unavailableSince !== undefined &&
            Date.now() - unavailableSince < unavailableForMs));
      if (retry) {
        client?.removeListener("error", onError);
        client?.release(true);
        client = undefined;
        // Exponential backoff with full jitter, capped at 2 s.
        await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
        continue;
      }
      if (asPgError(e).code === "55P03") {
        // lock_timeout: name the setting (the resource and statement name the object).
        const cause = asPgError(e);
        const hint = lockTimeoutHint(opts.lockTimeout);
        if (e instanceof ProviderError) {
          e.message = `${e.message}; ${hint}`;
          throw e;
        }
        throw new ProviderError(opts.resource, "waiting for a lock", { ...cause, hint });
      }
      if (e instanceof ProviderError) throw e;
      const tries = attempt > 1 ? ` (${attempt} attempts)` : "";
      throw new ProviderError(opts.resource, `connecting or running the transaction${tries}`, e);
    } finally {
      client?.removeListener("error", onError);
      client?.release(broken);
    }
  }
}

/**
 * The extended query protocol: exactly one statement per call, so text that is trusted SQL by
 * nature (a policy's USING expression) can never smuggle in a second statement after a `;`.
 */
function single(sql: string): QueryConfig {
  return { text: sql, queryMode: "extended" } as QueryConfig;
}

/**
 * Executes statements in order on a client inside a transaction. A statement that names
 * SQLSTATEs to ignore runs under a savepoint so that its failure does not abort the rest.
 */
export async function execute(
  client: PoolClient,
  resource: string,
  statements: readonly Statement[],
): Promise<void> {
  for (const s of statements) {
    try {
      if (s.ignore) {
        await client.query("SAVEPOINT pulumi_stmt");
        try {
          await client.query(single(s.sql));
          await client.query("RELEASE SAVEPOINT pulumi_stmt");
        } catch (e) {
          const code = asPgError(e).code;
          if (code && s.ignore.includes(code)) {
            await client.query("ROLLBACK TO SAVEPOINT pulumi_stmt");
            continue;
          }
          throw e;
        }
      } else {
        await client.query(s.batch ? s.sql : single(s.sql));
      }
    } catch (e) {
      if (isRetryable(e)) throw e; // let inTransaction retry with PostgreSQL's own error
      throw new ProviderError(resource, s.description, e);
    }
  }
}
