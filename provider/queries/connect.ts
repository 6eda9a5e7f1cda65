/**
 * One short-lived connection per call: resolved like the resources' (explicit `connection` fields
 * first, then the libpq environment), one read-only REPEATABLE READ transaction so that the few
 * queries of a call see one snapshot, and the pool ended before returning, whatever happens.
 */
import type { PoolClient } from "pg";
import { asPgError } from "../common/errors";
import { type ResolvedConnection, connectionFromEnv, resolveConnection } from "../db/connection";
import { PoolRegistry } from "../db/pools";
import { VERSION_QUERY } from "./sql";
import type { QueryOptions } from "./types";

/** A failure a person can act on: what went wrong in words, PostgreSQL's SQLSTATE, and a hint. */
export class QueryError extends Error {
  readonly code: string | undefined;
  readonly hint: string | undefined;
  constructor(message: string, code?: string, hint?: string) {
    super(message);
    this.name = "QueryError";
    this.code = code;
    this.hint = hint;
  }
}

export interface Catalog {
  client: PoolClient;
  /** server_version_num */
  version: number;
  conn: ResolvedConnection;
}

export function resolveQueryConnection(opts: QueryOptions | undefined): ResolvedConnection {
  return resolveConnection({ resource: opts?.connection, env: connectionFromEnv(process.env) });
}

const where = (c: ResolvedConnection) => `${c.host}:${c.port}`;

/** Turns a connection failure into one sentence (and a hint), without a stack trace. */
export function describeConnectError(e: unknown, c: ResolvedConnection): QueryError {
  const pg = asPgError(e);
  const code = pg.code;
  const msg = pg.message;
  if (code === "ECONNREFUSED")
    return new QueryError(
      `could not connect to PostgreSQL at ${where(c)}: connection refused`,
      code,
      "is the server running there and accepting TCP connections? (--host/--port, PGHOST/PGPORT)",
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new QueryError(`could not connect to PostgreSQL: host ${JSON.stringify(c.host)} not found`, code);
  if (code === "ETIMEDOUT" || /timeout/i.test(msg))
    return new QueryError(`could not connect to PostgreSQL at ${where(c)}: timed out`, code);
  if (code === "28P01")
    return new QueryError(
      `could not log in to ${where(c)} as ${JSON.stringify(c.user)}: ${msg}`,
      code,
      "check the password (PGPASSWORD, ~/.pgpass, or the password in --url)",
    );
  if (/password must be a string|SASL/i.test(msg))
    return new QueryError(
      `could not log in to ${where(c)} as ${JSON.stringify(c.user)}: the server asks for a password and none was given`,
      code,
      "set PGPASSWORD, use ~/.pgpass, or put the password in --url",
    );
  if (code === "28000")
    return new QueryError(`could not log in to ${where(c)} as ${JSON.stringify(c.user)}: ${msg}`, code);
  if (code === "3D000")
    return new QueryError(`could not connect to ${where(c)}: ${msg}`, code, "--database, PGDATABASE");
  if (code === "42501")
    return new QueryError(
      `could not connect to database ${JSON.stringify(c.database)} at ${where(c)} as ${JSON.stringify(c.user)}: ${msg}`,
      code,
      "the role needs CONNECT on the database",
    );
  if (/ssl|certificate|private key/i.test(msg))
    return new QueryError(
      `could not connect to ${where(c)}: ${msg}`,
      code,
      "check sslmode and the certificate files (PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, --url …?sslmode=…&sslrootcert=…)",
    );
  return new QueryError(`could not connect to ${where(c)}: ${msg}${code ? ` (SQLSTATE ${code})` : ""}`, code);
}

/** Turns a failure while reading into one sentence. */
export function describeQueryError(e: unknown, doing: string): QueryError {
  if (e instanceof QueryError) return e;
  const pg = asPgError(e);
  if (pg.code === "42501")
    return new QueryError(
      `permission denied while ${doing}: ${pg.message}`,
      pg.code,
      "connect as a role that can read the system catalogs (any role can, unless access to them was revoked)",
    );
  return new QueryError(
    `${doing} failed: ${pg.message}${pg.code ? ` (SQLSTATE ${pg.code})` : ""}`,
    pg.code,
    pg.hint,
  );
}

/** Connects, runs `work` in a read-only snapshot, and closes the connection. */
export async function withCatalog<T>(
  opts: QueryOptions | undefined,
  doing: string,
  work: (c: Catalog) => Promise<T>,
): Promise<T> {
  const conn = resolveQueryConnection(opts);
  const registry = new PoolRegistry();
  try {
    const pool = registry.get({ ...conn, maxConnections: 1 });
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw describeConnectError(e, conn);
    }
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const version = (await client.query<{ version: number }>(VERSION_QUERY)).rows[0]!.version;
      const result = await work({ client, version, conn });
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw describeQueryError(e, doing);
    } finally {
      client.release();
    }
  } finally {
    await registry.closeAll();
  }
}
