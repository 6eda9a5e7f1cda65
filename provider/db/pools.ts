/**
 * One bounded pool per distinct connection. The provider classes load the runtime module (and so
 * this one) with `require` inside the provider process: a real module, cached by Node, so the
 * registry's pools survive between hook calls and are shared by every provider instance.
 */
import { createHash } from "node:crypto";
import { Client, type ClientConfig, Pool, type PoolConfig } from "pg";
import type { ResolvedConnection } from "./connection";

/** How long opening one connection may take (TCP, TLS, authentication). */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * node-postgres applies a pool's connectionTimeoutMillis to two different waits: opening a
 * connection, and waiting for a free one when all `max` are in use. The second is no failure: the
 * engine's parallelism bounds the queue, and every transaction holding a connection is bounded by
 * lock_timeout. So the pool waits as long as it takes, and each connection bounds its own opening.
 */
class BoundedConnectClient extends Client {
  constructor(config?: ClientConfig) {
    // Every property copied, the password too (the pool keeps it non-enumerable, out of stack traces).
    const own = Object.defineProperties({}, Object.getOwnPropertyDescriptors(config ?? {})) as ClientConfig;
    own.connectionTimeoutMillis = CONNECT_TIMEOUT_MS;
    super(own);
  }
}

function sslOption(mode: ResolvedConnection["sslmode"]): PoolConfig["ssl"] {
  switch (mode) {
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { rejectUnauthorized: true };
    default:
      // disable, allow, prefer and unset: node-postgres has no opportunistic TLS, so no TLS.
      return false;
  }
}

export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();

  get(c: ResolvedConnection): Pool {
    const key = createHash("sha256").update(JSON.stringify(c)).digest("hex");
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ssl: sslOption(c.sslmode),
        max: c.maxConnections,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 0,
        Client: BoundedConnectClient as unknown as new () => Client,
        allowExitOnIdle: true,
        application_name: "pulumi-postgres-roles",
        // Timestamps (validUntil) are read and compared in UTC.
        options: "-c TimeZone=UTC",
      });
      // A pooled connection that the server closes while idle must not crash the provider.
      pool.on("error", () => undefined);
      // Nor one that dies while checked out, or in the instant between its connection and its
      // first use (a terminated backend's FATAL message can arrive in the same read as the
      // connection's ReadyForQuery, before the code that asked for it can listen): node-postgres
      // emits "error" on the client, which no one hears otherwise. The failure still reaches the
      // transaction through its query (or "not queryable" on the next one), and is retried.
      pool.on("connect", (client) => client.on("error", () => undefined));
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Number of pools currently open (one per distinct connection). */
  get size(): number {
    return this.pools.size;
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}

/** The process-wide pool registry (tests close it; the engine just ends the process). */
export const pools = new PoolRegistry();
