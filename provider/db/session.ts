/**
 * What does not change while a connection is open: the server's version, the cluster's system
 * identifier. Read once per pooled connection (the pool keeps its connections between hook calls),
 * not once per hook call: a refresh of 1,000 resources sent one such query per read. A connection
 * is bound to one server for its life; after a failover or a restart it is a new connection.
 */
import type { PoolClient } from "pg";

const FACTS = new WeakMap<PoolClient, Map<string, unknown>>();

/**
 * `read()` once per connection; a result of undefined (not readable now: a missing privilege, say)
 * is not kept, and is asked again next time.
 */
export async function connectionFact<T>(
  client: PoolClient,
  name: string,
  read: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let facts = FACTS.get(client);
  if (!facts) FACTS.set(client, (facts = new Map()));
  if (facts.has(name)) return facts.get(name) as T;
  const value = await read();
  if (value !== undefined) facts.set(name, value);
  return value;
}

export const SERVER_VERSION_QUERY = `SELECT current_setting('server_version_num')::int AS version`;

/** server_version_num of the server the connection leads to. */
export async function serverVersion(client: PoolClient): Promise<number> {
  return (await connectionFact(
    client,
    "version",
    async () => (await client.query<{ version: number }>(SERVER_VERSION_QUERY)).rows[0]!.version,
  ))!;
}
