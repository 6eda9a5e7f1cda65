/** Command-line parsing for `pulumi-postgres-roles`. Pure. */
import type { ConnectionArgs, SslMode } from "../db/connection";
import { SSL_MODES } from "../db/connection";

export const AUDIT_FORMATS = ["table", "json", "markdown", "mermaid", "dot", "html"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export interface CliArgs {
  command: "audit" | "export" | "help" | "version";
  /** Connection fields from flags (--url fills what the others leave unset); the rest comes from the libpq environment. */
  connection: ConnectionArgs;
  format: AuditFormat;
  roles?: string[];
  schemas?: string[];
  output?: string;
  includeSystem: boolean;
  includeDefaults: boolean;
  includeAdmin: boolean;
  retainOnDelete: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `Usage: pulumi-postgres-roles <command> [options]

Commands:
  audit    roles and their attributes, memberships as a tree, grants per role, default
           privileges, row level security and policies
  export   a Pulumi TypeScript program (this package) declaring that state, with adoptExisting,
           so that \`pulumi up\` takes the database over without recreating anything

Connection (flags first, then the libpq environment: DATABASE_URL, PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGPASSFILE, PGAPPNAME,
PGCONNECT_TIMEOUT; the password from PGPASSWORD, the URL, or PGPASSFILE / ~/.pgpass):
  --url URL             postgres://user:password@host:port/database?sslmode=…
  -h, --host HOST       -p, --port PORT       -U, --user USER       -d, --database NAME
  --sslmode MODE        disable, allow, prefer (default), require, verify-ca, verify-full

Filters:
  --role NAME[,NAME…]   only these roles (repeatable; * is a wildcard: --role 'app_*'; PUBLIC)
  --schema NAME[,NAME…] only objects in these schemas (repeatable)
  --include-system      also pg_* roles and pg_catalog / information_schema objects

audit:
  --format FORMAT       table (default), json, markdown, mermaid, dot (role graphs), html (one page:
                        role graph and a roles × objects privilege matrix with filters)
  --include-defaults    also the built-in default privileges (PUBLIC's CONNECT, EXECUTE, USAGE …)

export:
  --retain-on-delete    every resource with retainOnDelete: pulumi destroy forgets instead of dropping
  --include-admin       also declare the role the export connects as and the bootstrap superuser

  -o, --output FILE     write to FILE instead of standard output
  --help, --version
`;

const VALUE_FLAGS: Record<string, string> = {
  "--url": "url",
  "--host": "host",
  "-h": "host",
  "--port": "port",
  "-p": "port",
  "--user": "user",
  "-U": "user",
  "--username": "user",
  "--database": "database",
  "--dbname": "database",
  "-d": "database",
  "--sslmode": "sslmode",
  "--format": "format",
  "-f": "format",
  "--role": "role",
  "--schema": "schema",
  "-n": "schema",
  "--output": "output",
  "-o": "output",
};
const BOOL_FLAGS: Record<string, keyof CliArgs> = {
  "--include-system": "includeSystem",
  "--include-defaults": "includeDefaults",
  "--include-admin": "includeAdmin",
  "--retain-on-delete": "retainOnDelete",
};

const list = (v: string) =>
  v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = {
    command: "help",
    connection: {},
    format: "table",
    includeSystem: false,
    includeDefaults: false,
    includeAdmin: false,
    retainOnDelete: false,
  };
  let command: string | undefined;
  const roles: string[] = [];
  const schemas: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    if (arg.startsWith("--") && arg.includes("=")) {
      inline = arg.slice(arg.indexOf("=") + 1);
      arg = arg.slice(0, arg.indexOf("="));
    }
    if (arg === "--help") return { ...out, command: "help" };
    if (arg === "--version" || arg === "-V") return { ...out, command: "version" };
    const bool = BOOL_FLAGS[arg];
    if (bool) {
      if (inline !== undefined) throw new UsageError(`${arg} takes no value`);
      (out as unknown as Record<string, unknown>)[bool] = true;
      continue;
    }
    const key = VALUE_FLAGS[arg];
    if (key) {
      const value = inline ?? argv[++i];
      if (
        value === undefined ||
        (inline === undefined && value.startsWith("-") && value.length > 1 && key !== "role")
      )
        throw new UsageError(`${arg} needs a value`);
      switch (key) {
        case "url":
          if (!/^postgres(ql)?:\/\//i.test(value))
            throw new UsageError("--url must be a postgres:// or postgresql:// URI");
          out.connection.connectionString = value;
          break;
        case "port": {
          const port = Number(value);
          if (!Number.isInteger(port) || port <= 0 || port >= 65536)
            throw new UsageError(`--port ${value}: not a port number`);
          out.connection.port = port;
          break;
        }
        case "sslmode":
          if (!SSL_MODES.includes(value as SslMode))
            throw new UsageError(`--sslmode must be one of ${SSL_MODES.join(", ")}`);
          out.connection.sslmode = value as SslMode;
          break;
        case "host":
        case "user":
        case "database":
          out.connection[key] = value;
          break;
        case "format":
          if (!(AUDIT_FORMATS as readonly string[]).includes(value))
            throw new UsageError(`--format must be one of ${AUDIT_FORMATS.join(", ")}`);
          out.format = value as AuditFormat;
          break;
        case "role":
          roles.push(...list(value));
          break;
        case "schema":
          schemas.push(...list(value));
          break;
        case "output":
          out.output = value;
          break;
      }
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
    if (command !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    command = arg;
  }
  if (command === undefined || command === "help") return { ...out, command: "help" };
  if (command === "version") return { ...out, command: "version" };
  if (command !== "audit" && command !== "export")
    throw new UsageError(`unknown command ${JSON.stringify(command)} (audit or export)`);
  out.command = command;
  if (roles.length > 0) out.roles = roles;
  if (schemas.length > 0) out.schemas = schemas;
  if (command === "export" && out.format !== "table")
    throw new UsageError("--format is for audit (export writes TypeScript)");
  return out;
}
