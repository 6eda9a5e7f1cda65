/**
 * One bounded pool per distinct connection. The provider classes load the runtime module (and so
 * this one) with `require` inside the provider process: a real module, cached by Node, so the
 * registry's pools survive between hook calls and are shared by every provider instance.
 */
import { createHash } from "node:crypto";
import { Client, type ClientConfig, Pool, type PoolClient, type PoolConfig } from "pg";
import type { ResolvedConnection } from "./connection";
import { NoPasswordError, readPassfile } from "./passfile";
import { TlsSettingError, tlsOptions } from "./tls";

/** Our option: how long opening one connection may take (TCP, TLS, authentication); 0: no limit. */
interface BoundedConfig extends ClientConfig {
  openTimeoutMillis?: number;
}

/**
 * node-postgres applies a pool's connectionTimeoutMillis to two different waits: opening a
 * connection, and waiting for a free one when all `max` are in use. The second is no failure: the
 * engine's parallelism bounds the queue, and every transaction holding a connection is bounded by
 * lock_timeout. So the pool waits as long as it takes, and each connection bounds its own opening
 * (connectTimeout, libpq's connect_timeout).
 */
class BoundedConnectClient extends Client {
  constructor(config?: BoundedConfig) {
    // Every property copied, the password too (the pool keeps it non-enumerable, out of stack traces).
    const own = Object.defineProperties({}, Object.getOwnPropertyDescriptors(config ?? {})) as BoundedConfig;
    own.connectionTimeoutMillis = own.openTimeoutMillis ?? 0;
    delete own.openTimeoutMillis;
    super(own);
  }
}

/** With or without TLS: the attempts of one connection, in libpq's order for each sslmode. */
export type Transport = "tls" | "plain";
export function transports(c: Pick<ResolvedConnection, "sslmode" | "host">): Transport[] {
  // libpq never asks for TLS on a Unix socket, whatever the sslmode.
  if (c.host.startsWith("/")) return ["plain"];
  switch (c.sslmode) {
    case "disable":
      return ["plain"];
    case "allow":
      return ["plain", "tls"];
    case "prefer":
      return ["tls", "plain"];
    default:
      return ["tls"];
  }
}

/** Failures that are about the network, not the transport: libpq tries no other transport after them. */
function networkFailure(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: string; message?: string };
  return (
    [
      "ECONNREFUSED",
      "ENOTFOUND",
      "EAI_AGAIN",
      "ETIMEDOUT",
      "EHOSTUNREACH",
      "ENETUNREACH",
      "EADDRNOTAVAIL",
    ].includes(code ?? "") || /timeout/i.test(message ?? "")
  );
}

/**
 * Whether a failed attempt over `from` is followed by the next transport, as libpq does: `allow`
 * retries with TLS when the server sends an error while authenticating (a `hostssl`-only
 * pg_hba.conf, say); `prefer` retries without TLS when the server has no TLS, when the TLS
 * handshake fails (a certificate that a root certificate file does not verify), or when the server
 * sends an error while authenticating (a `hostnossl`-only pg_hba.conf).
 */
export function fallsBack(from: Transport, e: unknown): boolean {
  if (e instanceof NoPasswordError || networkFailure(e)) return false;
  const fromServer = typeof (e as { severity?: unknown })?.severity === "string";
  if (from === "plain") return fromServer;
  return true;
}

/**
 * A pool whose connections follow libpq's sslmode: each new connection tries the transports of its
 * mode in order. The pool remembers the transport that last worked and starts there (libpq starts
 * over for each connection: the outcome is the same while the server's settings are, with fewer
 * round trips), and starts over after a failure.
 */
class LibpqPool extends Pool {
  private start = 0;

  constructor(
    private readonly conn: ResolvedConnection,
    config: PoolConfig & BoundedConfig,
  ) {
    super(config);
  }

  override connect(): Promise<PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(
    callback?: (
      err: Error | undefined,
      client: PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): Promise<PoolClient> | void {
    const p = this.connectInOrder();
    if (!callback) return p;
    p.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as boolean)),
      (err: Error) => callback(err, undefined, () => undefined),
    );
  }

  private async connectInOrder(): Promise<PoolClient> {
    const order = transports(this.conn);
    let first: unknown;
    for (let i = this.start; i < order.length; i++) {
      try {
        this.options.ssl = order[i] === "tls" ? await tlsOptions(this.conn) : false;
        const client = await super.connect();
        this.start = i;
        return client;
      } catch (e) {
        if (i + 1 < order.length && (e instanceof TlsSettingError || fallsBack(order[i]!, e))) {
          first ??= e;
          continue;
        }
        this.start = 0;
        if (first !== undefined && e instanceof Error) {
          e.message += ` (after ${order[0] === "tls" ? "a TLS" : "a non-TLS"} attempt failed: ${(first as Error).message})`;
        }
        throw e;
      }
    }
    throw new Error("unreachable: no transport to try");
  }
}

/** The password, read from the password file when the server asks for one and none is given. */
function passwordOf(c: ResolvedConnection): string | (() => Promise<string>) {
  if (c.password !== undefined) return c.password;
  return async () => {
    const found = await readPassfile(c.passfile, c);
    if ("password" in found) return found.password;
    throw new NoPasswordError(c, found.reason);
  };
}

export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();

  /** The pool of `c`: one per distinct resolved connection (every setting counts; the password only hashed). */
  get(c: ResolvedConnection): Pool {
    const key = createHash("sha256").update(JSON.stringify(c)).digest("hex");
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new LibpqPool(c, {
        host: c.host,
        port: c.port,
        user: c.user,
        password: passwordOf(c),
        database: c.database,
        ssl: false, // set by LibpqPool before each new connection
        max: c.maxConnections,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 0,
        openTimeoutMillis: c.connectTimeout * 1000,
        Client: BoundedConnectClient as unknown as new () => Client,
        allowExitOnIdle: true,
        application_name: c.applicationName,
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
