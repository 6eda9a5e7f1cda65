/**
 * `pulumi-postgres-roles audit | export`: the command line. Errors are one line (and a hint), never
 * a stack trace; exit status 0 on success, 1 on a failure, 2 on a usage error.
 */
import { writeFileSync } from "node:fs";
import { QueryError } from "../queries/connect";
import { readCatalogSnapshot } from "../queries/functions";
import { type CliArgs, USAGE, UsageError, parseArgs } from "./args";
import { buildAudit, formatJson, formatMarkdown, formatText } from "./audit";
import { generateProgram } from "./export";
import { formatDot, formatMermaid } from "./graph";
import { formatHtml } from "./html";

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Where progress lines go, if anywhere (stderr when it is a terminal). */
  progress?: (line: string) => void;
}

const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  progress: process.stderr.isTTY ? (line) => process.stderr.write(`… ${line}\n`) : undefined,
};

function version(): string {
  try {
    return (require("../../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

async function run(args: CliArgs, io: Io): Promise<void> {
  const started = Date.now();
  const snapshot = await readCatalogSnapshot({
    connection: args.connection,
    schema: args.schemas,
    includeSystem: args.includeSystem,
    // Progress on a terminal only: piped output and scripts stay quiet.
    onProgress: io.progress
      ? (m) => io.progress!(`${((Date.now() - started) / 1000).toFixed(1)}s ${m}`)
      : undefined,
  });
  let text: string;
  if (args.command === "audit") {
    const report = buildAudit(snapshot, {
      roles: args.roles,
      schemas: args.schemas,
      includeDefaults: args.includeDefaults,
    });
    switch (args.format) {
      case "json":
        text = formatJson(report);
        break;
      case "markdown":
        text = formatMarkdown(report);
        break;
      case "mermaid":
        text = formatMermaid(report);
        break;
      case "dot":
        text = formatDot(report);
        break;
      case "html":
        text = formatHtml(report);
        break;
      default:
        text = formatText(report);
    }
  } else {
    const result = generateProgram(snapshot, {
      roles: args.roles,
      schemas: args.schemas,
      retainOnDelete: args.retainOnDelete,
      includeAdmin: args.includeAdmin,
    });
    text = result.program;
    const c = result.counts;
    io.stderr(
      `exported ${c.roles} roles, ${c.memberships} memberships, ${c.grants} grants, ${c.defaultPrivileges} default privileges, ` +
        `${c.rowLevelSecurity} row level security settings and ${c.policies} policies from database ${snapshot.server.database}` +
        `${args.output ? ` to ${args.output}` : ""}\n`,
    );
    for (const n of result.notes) io.stderr(`note: ${n}\n`);
    if (result.passwordKeys.length > 0) {
      io.stderr(
        `passwords are not exported; before \`pulumi up\` set: ${result.passwordKeys.map((k) => `pulumi config set --secret ${k} …`).join("; ")}\n`,
      );
    }
  }
  if (args.output) writeFileSync(args.output, text);
  else io.stdout(text);
}

/** Runs the command line; resolves to the exit status. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  io: Io = processIo,
): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\nRun pulumi-postgres-roles --help for the options.\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (args.command === "version") {
    io.stdout(`${version()}\n`);
    return 0;
  }
  try {
    await run(args, io);
    return 0;
  } catch (e) {
    if (e instanceof QueryError) {
      io.stderr(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ""}`);
    } else {
      const message = e instanceof Error ? e.message : String(e);
      io.stderr(`error: ${message}\n`);
      if (process.env.PGR_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    }
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
