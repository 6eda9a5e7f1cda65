/** Test helpers that look at the catalog (as the admin) or try things as a role. */
import { Client, type ClientConfig, Pool } from "pg";
import type { TestServer } from "./server";

let server: TestServer | undefined;
let admin: { user: string; password: string | undefined } | undefined;
let pool: Pool | undefined;
let superPool: Pool | undefined;

/** A server's address, user and database (a TestServer, an embedded cluster, a connection). */
export type Endpoint = Pick<TestServer, "host" | "port" | "user" | "password" | "database">;

/** The connection settings of `s` (its user and database unless `over` names others). */
function settings(s: Endpoint, over: ClientConfig = {}): ClientConfig {
  return { host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, ...over };
}

/** A client of `s`, not yet connected: as its user to its database, unless `over` names others. */
export function clientFor(s: Endpoint, over: ClientConfig = {}): Client {
  return new Client(settings(s, over));
}

function newPool(s: TestServer, user: string, password: string | undefined): Pool {
  const p = new Pool({ ...settings(s, { user, password }), max: 4 });
  p.on("error", () => undefined);
  return p;
}

/**
 * The server, and the admin the tests (and the providers, through PGUSER) act as: the server's
 * superuser, or in the non-superuser run (PGR_TEST_ADMIN=nonsuper) a CREATEROLE/CREATEDB role that
 * owns the database, as on managed services.
 */
export function setServer(s: TestServer, nonSuperAdmin?: { user: string; password: string }): void {
  server = s;
  versionNum = undefined;
  admin = nonSuperAdmin ?? { user: s.user, password: s.password };
  pool = newPool(s, admin.user, admin.password);
  superPool = nonSuperAdmin ? newPool(s, s.user, s.password) : pool;
}

export function testServer(): TestServer {
  if (!server) throw new Error("no test server (the mocha setup file starts it)");
  return server;
}

/** Whether the admin the providers connect as is a superuser (false in the managed-service run). */
export function adminIsSuperuser(): boolean {
  return admin?.user === server?.user;
}

/** The admin's connection settings (for resources given an explicit `connection`). */
export function adminConnection(): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  const s = testServer();
  return {
    host: s.host,
    port: s.port,
    user: admin!.user,
    password: admin!.password ?? "",
    database: s.database,
  };
}

export async function closeAdmin(): Promise<void> {
  await pool?.end();
  if (superPool !== pool) await superPool?.end();
}

async function run<T extends Record<string, unknown>>(
  asSuper: boolean,
  sql: string,
  params: unknown[],
  database?: string,
): Promise<T[]> {
  if (!database) return (await (asSuper ? superPool! : pool!).query<T>(sql, params)).rows;
  const s = testServer();
  const who = asSuper ? { user: s.user, password: s.password } : admin!;
  const c = clientFor(s, { user: who.user, password: who.password, database });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Runs a query as the admin in the default database, or in `database` on a short-lived connection. */
export async function q<T extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T[]> {
  return run<T>(false, sql, params, database);
}

/** Runs a query as the server's superuser (fixtures only a superuser can make, pg_authid). */
export async function qSuper<T extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T[]> {
  return run<T>(true, sql, params, database);
}

export async function one<T extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T> {
  const rows = await q<T>(sql, params, database);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
  return rows[0]!;
}

let counter = 0;
/** A name no other test uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 6)}`;
}

/** Names that have broken other tools: quotes, backslashes, spaces, upper case, unicode, SQL. */
export function hostile(prefix: string): string {
  return `${unique(prefix)} "q" 'a' \\b Ünï; DROP ROLE x;--`;
}

/** Logs in as `role` with `password`; returns the error instead of throwing. */
export async function tryLogin(
  role: string,
  password: string,
  database?: string,
): Promise<Error | undefined> {
  const s = testServer();
  const c = clientFor(s, { user: role, password, database: database ?? s.database });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs `sql` logged in as `role` (a login role with `password`). */
export async function asRole<T extends Record<string, unknown> = Record<string, unknown>>(
  role: string,
  password: string,
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T[]> {
  const s = testServer();
  const c = clientFor(s, { user: role, password, database: database ?? s.database });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export async function roleRow(name: string): Promise<Record<string, unknown> | undefined> {
  return (await q("SELECT oid::int8 AS oid, * FROM pg_roles WHERE rolname = $1", [name]))[0];
}

export async function isMember(group: string, member: string): Promise<{ member: boolean; admin: boolean }> {
  const r = await one<{ n: number; admin: boolean | null }>(
    `SELECT count(*)::int AS n, bool_or(admin_option) AS admin FROM pg_auth_members
      WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND member = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [group, member],
  );
  return { member: r.n > 0, admin: r.admin === true };
}

/** has_table_privilege for a role (or 'public') on a schema-qualified table given as parts. */
export async function tablePriv(role: string, schema: string, table: string, priv: string): Promise<boolean> {
  const r = await one<{ ok: boolean }>(
    `SELECT has_table_privilege($1, (quote_ident($2) || '.' || quote_ident($3))::regclass, $4) AS ok`,
    [role, schema, table, priv],
  );
  return r.ok;
}

const VERSION_NUM_QUERY = "SELECT current_setting('server_version_num') AS v";

/** The server_version_num of the server `client` is connected to (before setServer: the mocha setup). */
export async function serverVersionNumOf(client: Client): Promise<number> {
  return Number((await client.query<{ v: string }>(VERSION_NUM_QUERY)).rows[0]!.v);
}

let versionNum: number | undefined;
/** The server's server_version_num (170004 for 17.4). */
export async function serverVersionNum(): Promise<number> {
  versionNum ??= Number((await one<{ v: string }>(VERSION_NUM_QUERY)).v);
  return versionNum;
}

/**
 * Makes the admin a member of `roles` where it is not one by itself: a non-superuser CREATEROLE admin
 * on PostgreSQL before 16, which (unlike 16+ with createrole_self_grant) is not made a member of the
 * roles it creates, and needs to be one to act for them (ALTER DEFAULT PRIVILEGES FOR ROLE, CREATE
 * SCHEMA AUTHORIZATION, ALTER … OWNER TO, REASSIGN / DROP OWNED BY), as users of managed services on
 * those versions do by hand. A no-op for a superuser admin and on 16+.
 */
export async function adminActsFor(...roles: string[]): Promise<void> {
  if (adminIsSuperuser() || (await serverVersionNum()) >= 160000) return;
  for (const r of roles) {
    const member = await q(
      "SELECT 1 FROM pg_auth_members WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND member = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
      [r],
    );
    if (member.length === 0) await q(`GRANT ${quoteIdent(r)} TO CURRENT_USER`);
  }
}

/** Drops roles by name if they exist (test cleanup), after removing what they own or hold. */
export async function dropRoles(...names: string[]): Promise<void> {
  for (const n of names) {
    const exists = await q("SELECT 1 FROM pg_roles WHERE rolname = $1", [n]);
    if (exists.length === 0) continue;
    await adminActsFor(n).catch(() => undefined);
    await q(`DROP OWNED BY ${quoteIdent(n)} CASCADE`).catch(() => undefined);
    await q(`DROP ROLE IF EXISTS ${quoteIdent(n)}`);
  }
}

/**
 * The tests quote the SQL of their fixtures on their own, not through provider/common/quote.ts: a
 * quoting bug in the provider must not also shape the fixtures its tests check it against.
 */
export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The SQL of a server log line written by log_statement=all: simple-protocol statements are logged
 * as "statement: …", extended-protocol ones (what the provider sends) as "execute <unnamed>: …".
 */
export function loggedStatement(line: string): string | undefined {
  const m = /(?:statement|execute [^:]*): (.*)$/.exec(line);
  return m ? m[1] : undefined;
}

/** Runs `sql` as the server's superuser after SET ROLE owner: the objects it creates are owned by `owner`. */
export async function asOwner(owner: string, sql: string, database?: string): Promise<void> {
  const s = testServer();
  const c = clientFor(s, { database: database ?? s.database });
  await c.connect();
  try {
    await c.query(`SET ROLE ${quoteIdent(owner)}`);
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Counts the queries every pg Client sends while `work` runs (the provider's pools use pg's Client). */
export async function countQueries(work: () => Promise<unknown>): Promise<number> {
  const proto = Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    n += 1;
    return original.apply(this, a);
  };
  try {
    await work();
  } finally {
    proto.query = original;
  }
  return n;
}
