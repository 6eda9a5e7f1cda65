/**
 * Where the provider connects, resolved field by field with this precedence:
 *   1. the resource's `connection` input,
 *   2. the stack configuration (namespace `postgres-roles`, read in the provider's configure hook),
 *   3. the libpq environment of the process running the provider: DATABASE_URL, then PGHOST,
 *      PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY,
 *      PGPASSFILE, PGAPPNAME, PGCONNECT_TIMEOUT;
 *   4. libpq's defaults (sslmode prefer; ~/.postgresql/root.crt, postgresql.crt, postgresql.key;
 *      ~/.pgpass), and the provider's own (application name, a 30 s connect timeout).
 * A `connectionString` at a level fills the fields of that level that are not set explicitly.
 * How each setting is used when connecting: pools.ts (sslmode), tls.ts (files), passfile.ts.
 */
import { homedir, platform } from "node:os";
import { join } from "node:path";
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
  /**
   * libpq's sslmode: disable, allow (no TLS first, TLS if refused), prefer (the default: TLS first,
   * no TLS if the server has none or refuses it), require, verify-ca or verify-full.
   */
  sslmode?: SslMode;
  /**
   * File of the CA certificates that verify the server's (PEM; a managed service's CA bundle), or
   * `system` for Node.js's trusted CAs (then sslmode must be verify-full, its default). Default
   * ~/.postgresql/root.crt: when that file exists, require, prefer and allow verify the chain too.
   */
  sslrootcert?: string;
  /** File of the client certificate (PEM), for `cert` authentication. Default ~/.postgresql/postgresql.crt, if it exists. */
  sslcert?: string;
  /** File of the client certificate's private key (PEM, mode 0600). Default ~/.postgresql/postgresql.key. */
  sslkey?: string;
  /** The password file, read when no password is given and the server asks for one. Default ~/.pgpass. */
  passfile?: string;
  /** application_name of the provider's sessions (pg_stat_activity). Default "pulumi-postgres-roles". */
  applicationName?: string;
  /** Seconds that opening one connection may take, as libpq's connect_timeout (0: no limit). Default 30. */
  connectTimeout?: number;
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
  "sslrootcert",
  "sslcert",
  "sslkey",
  "passfile",
  "applicationName",
  "connectTimeout",
  "connectionString",
  "maxConnections",
  "lockTimeout",
] as const;

/** Keys whose configuration value is a number. */
const NUMERIC_KEYS: ReadonlySet<string> = new Set(["port", "maxConnections", "connectTimeout"]);

export interface ResolvedConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode;
  /** A file name, or "system". */
  sslrootcert: string;
  sslcert: string;
  sslkey: string;
  passfile: string;
  applicationName: string;
  /** Seconds; 0: no limit. */
  connectTimeout: number;
  maxConnections: number;
  lockTimeout: string;
}

export const DEFAULT_MAX_CONNECTIONS = 4;
export const DEFAULT_APPLICATION_NAME = "pulumi-postgres-roles";
/** libpq waits without limit by default; the provider bounds the opening of a connection. */
export const DEFAULT_CONNECT_TIMEOUT_S = 30;
export const DEFAULT_LOCK_TIMEOUT = "30s";
export const LOCK_TIMEOUT_RE = /^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$/;

/** Fields as given at one level; values are checked when resolved (connectTimeout may be a string there). */
type Fields = Partial<Omit<ResolvedConnection, "password" | "connectTimeout">> & {
  password?: string;
  connectTimeout?: number | string;
};

/** Connection string parameters read here (libpq's names), and the field each sets. */
const URI_PARAMETERS = {
  sslmode: "sslmode",
  sslrootcert: "sslrootcert",
  sslcert: "sslcert",
  sslkey: "sslkey",
  passfile: "passfile",
  application_name: "applicationName",
  connect_timeout: "connectTimeout",
} as const;

function fromConnectionString(cs: string | undefined): Fields {
  if (!cs) return {};
  if (!/^postgres(ql)?:\/\//i.test(cs)) {
    throw new Error("a connection string must be a postgres:// or postgresql:// URI");
  }
  // Our parameters are taken out before pg-connection-string sees them: it would read the
  // certificate files itself (and warn on stdout about some sslmodes).
  const q = cs.indexOf("?");
  const params = new URLSearchParams(q < 0 ? "" : cs.slice(q + 1));
  const out: Fields = {};
  for (const [name, field] of Object.entries(URI_PARAMETERS)) {
    const v = params.get(name);
    params.delete(name);
    if (v !== null && v !== "") (out as Record<string, string>)[field] = v;
  }
  const rest = params.toString();
  const p = parseConnectionString(q < 0 ? cs : cs.slice(0, q) + (rest ? `?${rest}` : ""));
  if (p.host) out.host = p.host;
  if (p.port) out.port = Number(p.port);
  if (p.user) out.user = p.user;
  if (p.password) out.password = p.password;
  if (p.database) out.database = p.database;
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
      sslrootcert: a.sslrootcert,
      sslcert: a.sslcert,
      sslkey: a.sslkey,
      passfile: a.passfile,
      applicationName: a.applicationName,
      connectTimeout: a.connectTimeout,
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
    out[key] = NUMERIC_KEYS.has(key) && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
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
      sslrootcert: env.PGSSLROOTCERT,
      sslcert: env.PGSSLCERT,
      sslkey: env.PGSSLKEY,
      passfile: env.PGPASSFILE,
      applicationName: env.PGAPPNAME,
      connectTimeout: env.PGCONNECT_TIMEOUT as number | undefined,
    }),
    ...fromConnectionString(env.DATABASE_URL),
  } as ConnectionArgs; // connectTimeout as written (checked when resolved)
}

/**
 * libpq's folder of default files: ~/.postgresql on Unix (the home folder as Node.js finds it: $HOME,
 * else the user database), %APPDATA%\\postgresql on Windows.
 */
export function libpqDefaults(home: string = homedir(), env: NodeJS.ProcessEnv = process.env) {
  if (platform() === "win32") {
    const dir = join(env.APPDATA ?? home, "postgresql");
    const f = (name: string) => join(dir, name);
    return {
      sslrootcert: f("root.crt"),
      sslcert: f("postgresql.crt"),
      sslkey: f("postgresql.key"),
      passfile: f("pgpass.conf"),
    };
  }
  const f = (name: string) => join(home, ".postgresql", name);
  return {
    sslrootcert: f("root.crt"),
    sslcert: f("postgresql.crt"),
    sslkey: f("postgresql.key"),
    passfile: join(home, ".pgpass"),
  };
}

/** libpq's connect_timeout: an integer number of seconds; 0 or less: no limit; 1 counts as 2. */
export function parseConnectTimeout(v: unknown): number | undefined {
  if (typeof v === "number" ? !Number.isInteger(v) : !/^\s*[-+]?\d+\s*$/.test(String(v))) return undefined;
  const n = Number(v);
  return n <= 0 ? 0 : Math.max(n, 2);
}

/** The sslmode once `sslrootcert` is known (libpq 16+: `system` makes verify-full the default and the only mode). */
function resolveSslmode(mode: string | undefined, sslrootcert: string | undefined): SslMode {
  if (mode !== undefined && !SSL_MODES.includes(mode as SslMode)) {
    throw new Error(`invalid sslmode value: ${JSON.stringify(mode)} (one of ${SSL_MODES.join(", ")})`);
  }
  if (sslrootcert === "system") {
    if (mode !== undefined && mode !== "verify-full") {
      throw new Error(
        `weak sslmode ${JSON.stringify(mode)} may not be used with sslrootcert=system (use "verify-full")`,
      );
    }
    return "verify-full";
  }
  return (mode as SslMode | undefined) ?? "prefer";
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
  const defaults = libpqDefaults();
  let connectTimeout = DEFAULT_CONNECT_TIMEOUT_S;
  if (merged.connectTimeout !== undefined) {
    const t = parseConnectTimeout(merged.connectTimeout);
    if (t === undefined) {
      throw new Error(
        `invalid connect_timeout value: ${JSON.stringify(String(merged.connectTimeout))} (a whole number of seconds)`,
      );
    }
    connectTimeout = t;
  }
  return {
    host: merged.host ?? "localhost",
    port: merged.port ?? 5432,
    user,
    password: merged.password,
    database: database ?? merged.database ?? user,
    sslmode: resolveSslmode(merged.sslmode, merged.sslrootcert),
    sslrootcert: merged.sslrootcert ?? defaults.sslrootcert,
    sslcert: merged.sslcert ?? defaults.sslcert,
    sslkey: merged.sslkey ?? defaults.sslkey,
    passfile: merged.passfile ?? defaults.passfile,
    applicationName: merged.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectTimeout,
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
  } else if (o.sslrootcert === "system" && o.sslmode !== undefined && o.sslmode !== "verify-full") {
    out.push({
      property: "connection.sslmode",
      reason: 'connection.sslmode must be "verify-full" (or unset) with sslrootcert "system"',
    });
  }
  for (const k of ["sslrootcert", "sslcert", "sslkey", "passfile", "applicationName"] as const) {
    if (o[k] !== undefined && (typeof o[k] !== "string" || o[k] === "")) {
      out.push({ property: `connection.${k}`, reason: `connection.${k} must be a non-empty string` });
    }
  }
  if (o.connectTimeout !== undefined && parseConnectTimeout(o.connectTimeout) === undefined) {
    out.push({
      property: "connection.connectTimeout",
      reason: "connection.connectTimeout must be a whole number of seconds (0: no limit)",
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
