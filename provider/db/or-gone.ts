import type { Pool, PoolClient } from "pg";
import { GONE, ProviderError } from "../common/errors";
import { type TransactionOptions, inTransaction } from "./transaction";

/**
 * inTransaction for work inside a named database: when that database no longer exists
 * (SQLSTATE 3D000 on connect), the answer is `gone` instead of an error, so that read reports
 * the resource gone and delete succeeds.
 */
export async function inTransactionOrGone<T>(
  pool: Pool,
  opts: TransactionOptions,
  gone: T,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  try {
    return await inTransaction(pool, opts, work);
  } catch (e) {
    if (e instanceof ProviderError && e.code === GONE.invalidCatalogName) return gone;
    throw e;
  }
}
