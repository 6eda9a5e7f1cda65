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

/** With or without TLS. */
export type Transport = "tls" | "plain";

/** Our options: how long opening one connection may take (0: no limit), and how the pool wants it made now. */
interface BoundedConfig extends ClientConfig {
  openTimeoutMillis?: number;
  transportNow?: () => { transport: Transport; ssl: ClientConfig["ssl"] };
}

/** The transport a failed connection used, set on its error. */
const TRANSPORT = Symbol("transport");

/**
 * node-postgres applies a pool's connectionTimeoutMillis to two different waits: opening a
 * connection, and waiting for a free one when all `max` are in use. The second is no failure: the
 * engine's parallelism bounds the queue, and every transaction holding a connection is bounded by
 * lock_timeout. So the pool waits as long as it takes, and each connection bounds its own opening
 * (connectTimeout, libpq's connect_timeout). Each connection is made with the transport its pool
 * wants when the connection is made (a request may wait in the pool's queue meanwhile), and a
 * failure says which it was.
 */
class BoundedConnectClient extends Client {
  private readonly transport: Transport;

  constructor(config?: BoundedConfig) {
    // Every property copied, the password too (the pool keeps it non-enumerable, out of stack traces).
    const own = Object.defineProperties({}, Object.getOwnPropertyDescriptors(config ?? {})) as BoundedConfig;
    own.connectionTimeoutMillis = own.openTimeoutMillis ?? 0;
    const now = own.transportNow?.() ?? { transport: "plain", ssl: false };
    own.ssl = now.ssl;
    delete own.openTimeoutMillis;
    delete own.transportNow;
    super(own);
    this.transport = now.transport;
  }

  override connect(): Promise<Client>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<Client> | void {
    const tag = <E>(e: E): E => {
      if (e && typeof e === "object") (e as Record<symbol, unknown>)[TRANSPORT] = this.transport;
      return e;
    };
    if (callback) return super.connect((err: Error) => callback(err ? tag(err) : err));
    return super.connect().catch((e: unknown) => {
      throw tag(e);
    });
  }
}

/** The attempts of one connection, in libpq's order for each sslmode. */
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
 * A pool whose connections follow libpq's sslmode: a connection is tried over the transports of its
 * mode in order. The pool remembers the transport that last worked and starts there (libpq starts
 * over for each connection: the outcome is the same while the server's settings are, with fewer
 * round trips), and starts over after a failure of the last one.
 */
class LibpqPool extends Pool {
  private readonly order: Transport[];
  /** `index`: the transport new connections are made with, in `order`; `tls`: the TLS options last read. */
  private readonly now: { index: number; tls: ClientConfig["ssl"] | undefined };

  constructor(
    private readonly conn: ResolvedConnection,
    config: PoolConfig & BoundedConfig,
  ) {
    const order = transports(conn);
    const now = { index: 0, tls: undefined as ClientConfig["ssl"] | undefined };
    super({
      ...config,
      transportNow: () => {
        if (order[now.index] === "plain") return { transport: "plain", ssl: false };
        if (now.tls !== undefined) return { transport: "tls", ssl: now.tls };
        // TLS wanted before any request read its files (a request queued while another moved the
        // pool to TLS): without TLS where the mode allows it, else verified against Node.js's CAs.
        return order.includes("plain")
          ? { transport: "plain", ssl: false }
          : { transport: "tls", ssl: { rejectUnauthorized: true } };
      },
    } as PoolConfig);
    this.order = order;
    this.now = now;
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
    const failed = new Map<Transport, unknown>();
    // Each transport once per request, and one more try should another request move the pool back.
    for (let attempt = 0; ; attempt++) {
      const want = this.order[this.now.index]!;
      if (want === "tls") {
        try {
          this.now.tls = await tlsOptions(this.conn);
        } catch (e) {
          this.failedOver("tls", e, failed, attempt);
          continue;
        }
      }
      try {
        return await super.connect();
      } catch (e) {
        const used =
          ((e as Record<symbol, unknown> | undefined)?.[TRANSPORT] as Transport | undefined) ?? want;
        this.failedOver(used, e, failed, attempt);
      }
    }
  }

  /** After a failure over `used`: moves the pool to the next transport, or throws. */
  private failedOver(used: Transport, e: unknown, failed: Map<Transport, unknown>, attempt: number): void {
    const at = this.order.indexOf(used);
    const next = this.order[at + 1];
    failed.set(used, failed.get(used) ?? e);
    const again =
      next !== undefined &&
      attempt < this.order.length &&
      (e instanceof TlsSettingError || fallsBack(used, e));
    if (again) {
      if (this.now.index === at) this.now.index = at + 1;
      return;
    }
    if (at > 0 && this.now.index === at) this.now.index = 0;
    const earlier = [...failed].find(([t]) => t !== used);
    if (earlier && e instanceof Error) {
      e.message += ` (after ${earlier[0] === "tls" ? "a TLS" : "a non-TLS"} attempt failed: ${(earlier[1] as Error).message})`;
    }
    throw e;
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
        max: c.maxConnections,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 0,
        openTimeoutMillis: c.connectTimeout * 1000,
        Client: BoundedConnectClient as unknown as new () => Client,
        allowExitOnIdle: true,
        application_name: c.applicationName,
        // Timestamps (validUntil) are read and compared in UTC. lock_timeout: for the reads, which
        // run outside a transaction (the others set it again for theirs: SET LOCAL).
        options: `-c TimeZone=UTC -c lock_timeout=${c.lockTimeout.replace(/\s+/g, "")}`,
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
