/**
 * Where the provider connects, resolved field by field with this precedence:
 *   1. the resource's `connection` input,
 *   2. the stack configuration (namespace `postgres-roles`, read in the provider's configure hook),
 *   3. the libpq environment of the process running the provider: DATABASE_URL, then PGHOST,
 *      PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE.
 * A `connectionString` at a level fills the fields of that level that are not set explicitly.
 */
import { parse as parseConnectionString } from "pg-connection-string";
import { isUnknown } from "../common/validate";

/** libpq's sslmode values. */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";
export const SSL_MODES: readonly SslMode[] = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
];

/** How to reach the server. Every field is optional; see the precedence above. */
export interface ConnectionArgs {
  /** Host name, IP address, or the directory of a Unix socket. */
  host?: string;
  /** Port. Default 5432. */
  port?: number;
  /** The admin role the provider connects as. */
  user?: string;
  /** The admin's password. Pass a Pulumi secret; it is never stored in plaintext. */
  password?: string;
  /** The database to connect to (grants in another database name it with their own `database`). */
  database?: string;
  /** libpq's sslmode: disable, allow, prefer, require, verify-ca or verify-full. */
  sslmode?: SslMode;
  /** A libpq connection URI (`postgres://user:pw@host:port/db?sslmode=require`). */
  connectionString?: string;
  /** Upper bound of connections the provider opens to this server and database (default 4). */
  maxConnections?: number;
  /** How long a statement waits for a lock before failing, as PostgreSQL's lock_timeout (default "30s"). */
  lockTimeout?: string;
}

/** Stack configuration keys, all under the `postgres-roles` namespace (`pulumi config set postgres-roles:host ...`). */
export const CONFIG_NAMESPACE = "postgres-roles";
export const CONFIG_KEYS = [
  "host",
  "port",
  "user",
  "password",
  "database",
  "sslmode",
  "connectionString",
  "maxConnections",
  "lockTimeout",
] as const;

export interface ResolvedConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode | undefined;
  maxConnections: number;
  lockTimeout: string;
}

export const DEFAULT_MAX_CONNECTIONS = 4;
export const DEFAULT_LOCK_TIMEOUT = "30s";
export const LOCK_TIMEOUT_RE = /^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$/;

type Fields = Partial<Omit<ResolvedConnection, "password">> & { password?: string };

function fromConnectionString(cs: string | undefined): Fields {
  if (!cs) return {};
  if (!/^postgres(ql)?:\/\//i.test(cs)) {
    throw new Error("a connection string must be a postgres:// or postgresql:// URI");
  }
  const p = parseConnectionString(cs);
  const out: Fields = {};
  if (p.host) out.host = p.host;
  if (p.port) out.port = Number(p.port);
  if (p.user) out.user = p.user;
  if (p.password) out.password = p.password;
  if (p.database) out.database = p.database;
  const sslmode = new URLSearchParams(cs.split("?")[1] ?? "").get("sslmode");
  if (sslmode) out.sslmode = sslmode as SslMode;
  return out;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "")) as Partial<T>;
}

function fromArgs(a: ConnectionArgs | undefined): Fields {
  if (!a) return {};
  return {
    ...fromConnectionString(a.connectionString),
    ...defined({
      host: a.host,
      port: a.port === undefined ? undefined : Number(a.port),
      user: a.user,
      password: a.password,
      database: a.database,
      sslmode: a.sslmode,
      maxConnections: a.maxConnections === undefined ? undefined : Number(a.maxConnections),
      lockTimeout: a.lockTimeout,
    }),
  };
}

/** The stack configuration as ConnectionArgs, given the configure hook's `config.get`. */
export function connectionFromConfig(get: (key: string) => string | undefined): ConnectionArgs {
  const out: Record<string, string | number> = {};
  for (const key of CONFIG_KEYS) {
    const v = get(`${CONFIG_NAMESPACE}:${key}`);
    if (v === undefined || v === "") continue;
    out[key] = key === "port" || key === "maxConnections" ? Number(v) : v;
  }
  return out as ConnectionArgs;
}

export function connectionFromEnv(env: NodeJS.ProcessEnv): ConnectionArgs {
  return {
    ...defined({
      host: env.PGHOST,
      port: env.PGPORT ? Number(env.PGPORT) : undefined,
      user: env.PGUSER,
      password: env.PGPASSWORD,
      database: env.PGDATABASE,
      sslmode: env.PGSSLMODE as SslMode | undefined,
    }),
    ...fromConnectionString(env.DATABASE_URL),
  };
}

/** Merges the three levels field by field; `database` (a grant's own database) wins over all. */
export function resolveConnection(
  levels: { resource?: ConnectionArgs; config?: ConnectionArgs; env?: ConnectionArgs },
  database?: string,
): ResolvedConnection {
  const merged: Fields = {
    ...fromArgs(levels.env),
    ...fromArgs(levels.config),
    ...fromArgs(levels.resource),
  };
  const user = merged.user ?? process.env.USER ?? "postgres";
  return {
    host: merged.host ?? "localhost",
    port: merged.port ?? 5432,
    user,
    password: merged.password,
    database: database ?? merged.database ?? user,
    sslmode: merged.sslmode,
    maxConnections: merged.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    lockTimeout: merged.lockTimeout ?? DEFAULT_LOCK_TIMEOUT,
  };
}

/** The parts of a connection that decide which server (and database) a resource lives on. */
export function serverIdentity(c: ConnectionArgs | undefined): string {
  const f = fromArgs(c);
  return JSON.stringify([f.host ?? null, f.port ?? null, f.database ?? null]);
}

/** Problems with a connection input, for check. */
export function connectionProblems(c: unknown): Array<{ property: string; reason: string }> {
  const out: Array<{ property: string; reason: string }> = [];
  if (c === undefined || c === null || isUnknown(c)) return out;
  if (typeof c !== "object" || Array.isArray(c))
    return [{ property: "connection", reason: "connection must be an object" }];
  // Values not known yet (preview) are checked when they are.
  const o = Object.fromEntries(Object.entries(c as Record<string, unknown>).filter(([, v]) => !isUnknown(v)));
  const known = new Set<string>([...CONFIG_KEYS]);
  for (const k of Object.keys(o)) {
    if (!known.has(k))
      out.push({ property: `connection.${k}`, reason: `unknown connection field ${JSON.stringify(k)}` });
  }
  if (
    o.port !== undefined &&
    !(Number.isInteger(Number(o.port)) && Number(o.port) > 0 && Number(o.port) < 65536)
  ) {
    out.push({ property: "connection.port", reason: "connection.port must be a port number" });
  }
  if (o.sslmode !== undefined && !SSL_MODES.includes(o.sslmode as SslMode)) {
    out.push({
      property: "connection.sslmode",
      reason: `connection.sslmode must be one of ${SSL_MODES.join(", ")}`,
    });
  }
  if (
    o.maxConnections !== undefined &&
    !(Number.isInteger(Number(o.maxConnections)) && Number(o.maxConnections) >= 1)
  ) {
    out.push({
      property: "connection.maxConnections",
      reason: "connection.maxConnections must be a positive integer",
    });
  }
  if (o.lockTimeout !== undefined && !LOCK_TIMEOUT_RE.test(String(o.lockTimeout))) {
    out.push({
      property: "connection.lockTimeout",
      reason: 'connection.lockTimeout must be a duration such as "30s", "500ms" or "2min"',
    });
  }
  if (o.connectionString !== undefined) {
    try {
      fromConnectionString(String(o.connectionString));
    } catch {
      out.push({
        property: "connection.connectionString",
        reason: "connection.connectionString does not parse",
      });
    }
  }
  return out;
}
