/**
 * Mocha root hooks: one PostgreSQL server for the whole run, its address exported through the
 * libpq environment variables so that the providers (which fall back to them) use it.
 * No server means failure, never a skip.
 */
import { startTestServer, type TestServer } from "./support/server";
import { closeAdmin, setServer } from "./support/db";
import { runtime } from "../provider/common/runtime-context";

let server: TestServer | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    const started = Date.now();
    server = await startTestServer();
    process.env.PGHOST = server.host;
    process.env.PGPORT = String(server.port);
    process.env.PGUSER = server.user;
    if (server.password !== undefined) process.env.PGPASSWORD = server.password;
    process.env.PGDATABASE = server.database;
    delete process.env.DATABASE_URL;
    setServer(server);
    console.log(
      `test server: ${server.embedded ? "embedded" : "external"} PostgreSQL at ${server.host}:${server.port} (${Date.now() - started} ms)`,
    );
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await runtime.pools.closeAll();
    await closeAdmin();
    await server?.stop();
  },
};
