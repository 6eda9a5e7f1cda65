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
  /** Attempts in all (default 8). */
  attempts?: number;
}

/** Concurrency failures PostgreSQL asks the client to retry, and lost connections. */
export function isRetryable(e: unknown): boolean {
  const { code, message } = asPgError(e);
  if (code === "40001" || code === "40P01") return true; // serialization failure, deadlock
  if (code === "XX000" && /tuple concurrently (updated|deleted)/.test(message)) return true;
  if (code === "57P01" || code === "57P02" || code === "57P03") return true; // shutdown, crash, starting up
  if (code && code.startsWith("08")) return true; // connection exceptions
  if (code === "ECONNRESET" || code === "ECONNREFUSED" || code === "EPIPE") return true;
  return /Connection terminated|connection terminated|Client has encountered a connection error/.test(
    message,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function inTransaction<T>(
  pool: Pool,
  opts: TransactionOptions,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const attempts = opts.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient | undefined;
    let broken = false;
    try {
      client = await pool.connect();
      await client.query("BEGIN");
      await client.query(`SET LOCAL lock_timeout = ${literal(opts.lockTimeout)}`);
      if (opts.lockKey !== undefined) {
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [opts.lockKey]);
      }
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      if (client) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
      }
      if (attempt < attempts && isRetryable(e)) {
        client?.release(true);
        client = undefined;
        // Exponential backoff with full jitter, capped at 2 s.
        await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
        continue;
      }
      if (e instanceof ProviderError) throw e;
      throw new ProviderError(opts.resource, "connecting or running the transaction", e);
    } finally {
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
        await client.query(single(s.sql));
      }
    } catch (e) {
      if (isRetryable(e)) throw e; // let inTransaction retry with PostgreSQL's own error
      throw new ProviderError(resource, s.description, e);
    }
  }
}
