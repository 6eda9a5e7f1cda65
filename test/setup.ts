/**
 * Mocha root hooks: one PostgreSQL server for the whole run, its address exported through the
 * libpq environment variables so that the providers (which fall back to them) use it.
 * No server means failure, never a skip.
 */
import { startTestServer, type TestServer } from "./support/server";
import { closeAdmin, serverVersionNumOf, setServer, clientFor } from "./support/db";
import { pools } from "../provider/db/pools";

let server: TestServer | undefined;
let startedAt = 0;

/**
 * The libpq environment as the process got it: the hooks below set it for the server they start, and
 * put it back when they stop it (in parallel mode one worker process runs several files, each with
 * its own server).
 */
const LIBPQ_ENV = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "DATABASE_URL"] as const;
const givenEnv = Object.fromEntries(LIBPQ_ENV.map((k) => [k, process.env[k]]));
function restoreEnv(): void {
  for (const k of LIBPQ_ENV) {
    if (givenEnv[k] === undefined) delete process.env[k];
    else process.env[k] = givenEnv[k];
  }
}

/**
 * An admin like the one managed services (RDS, Cloud SQL, Azure) hand out: not a superuser, with
 * CREATEROLE and CREATEDB, owner of the database (so of its public schema), and made a member (SET,
 * INHERIT) of the roles it creates (createrole_self_grant, PostgreSQL 16+), so that it can act for
 * them (ALTER DEFAULT PRIVILEGES FOR ROLE, REASSIGN OWNED).
 */
async function createManagedServiceAdmin(s: TestServer): Promise<{ user: string; password: string }> {
  const user = "pgr_managed_admin";
  const password = `managed-${Math.random().toString(36).slice(2)}`;
  const c = clientFor(s);
  await c.connect();
  try {
    await c.query(`DROP ROLE IF EXISTS ${user}`);
    await c.query(`CREATE ROLE ${user} LOGIN CREATEROLE CREATEDB PASSWORD '${password}'`);
    await c.query(`ALTER DATABASE ${s.database} OWNER TO ${user}`);
    if ((await serverVersionNumOf(c)) >= 160000)
      await c.query(`ALTER ROLE ${user} SET createrole_self_grant = 'set, inherit'`);
  } finally {
    await c.end();
  }
  return { user, password };
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    const started = Date.now();
    startedAt = started;
    server = await startTestServer();
    process.env.PGHOST = server.host;
    process.env.PGPORT = String(server.port);
    process.env.PGDATABASE = server.database;
    delete process.env.DATABASE_URL;
    let nonSuperAdmin: { user: string; password: string } | undefined;
    if (process.env.PGR_TEST_ADMIN === "nonsuper") {
      nonSuperAdmin = await createManagedServiceAdmin(server);
      process.env.PGUSER = nonSuperAdmin.user;
      process.env.PGPASSWORD = nonSuperAdmin.password;
    } else {
      process.env.PGUSER = server.user;
      if (server.password !== undefined) process.env.PGPASSWORD = server.password;
    }
    setServer(server, nonSuperAdmin);
    console.log(
      `test server: ${server.embedded ? `embedded PostgreSQL ${server.version}` : "external PostgreSQL"} at ${server.host}:${server.port} (${Date.now() - started} ms); admin: ${
        nonSuperAdmin
          ? `${nonSuperAdmin.user} (not a superuser: CREATEROLE, CREATEDB, owns the database)`
          : `${server.user} (superuser)`
      }`,
    );
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await pools.closeAll();
    await closeAdmin();
    await server?.stop();
    restoreEnv();
    // the wall time of this mocha process (of each file, in parallel mode), server included
    console.log(`test server stopped after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  },
};
