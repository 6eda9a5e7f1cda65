/**
 * `pulumi-postgres-roles audit | export | impact`: the command line. Errors are one line (and a hint), never
 * a stack trace; exit status 0 on success, 1 on a failure, 2 on a usage error, 3 when `impact --fail-on` finds
 * what it was told to fail on.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { QueryError } from "../queries/connect";
import { readCatalogSnapshot } from "../queries/functions";
import { type CliArgs, USAGE, UsageError, parseArgs } from "./args";
import { buildAudit, formatJson, formatMarkdown, formatText } from "./audit";
import { generateProgram } from "./export";
import { formatDot, formatMermaid } from "./graph";
import { formatHtml } from "./html";
import {
  formatImpactJson,
  formatImpactMarkdown,
  formatImpactText,
  exitStatus,
  impactOf,
  readImpactInputs,
} from "../impact";
import { PreviewError } from "../impact/preview";

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Where progress lines go, if anywhere (stderr when it is a terminal). */
  progress?: (line: string) => void;
  /** Standard input, read whole (the impact command's preview when no file is given). */
  stdin?: () => Promise<string>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  progress: process.stderr.isTTY ? (line) => process.stderr.write(`… ${line}\n`) : undefined,
  stdin: readStdin,
};

/** `impact`: the report, and the exit status --fail-on asks for. */
async function runImpact(args: CliArgs, io: Io): Promise<number> {
  let text: string;
  if (args.preview === undefined || args.preview === "-") {
    if (!io.stdin) throw new PreviewError("no preview: give a file, or pipe `pulumi preview --json` in");
    text = await io.stdin();
  } else text = readFileSync(args.preview, "utf8");
  const inputs = await readImpactInputs(text, { connection: args.connection, schemas: args.schemas });
  const report = impactOf(inputs, { allRoles: args.allRoles, schemas: args.schemas });
  const out =
    args.format === "json"
      ? formatImpactJson(report)
      : args.format === "markdown"
        ? formatImpactMarkdown(report)
        : formatImpactText(report);
  if (args.output) writeFileSync(args.output, out);
  else io.stdout(out);
  return exitStatus(report, args.failOn);
}

function version(): string {
  try {
    return (require("../../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

async function run(args: CliArgs, io: Io): Promise<number> {
  if (args.command === "impact") return runImpact(args, io);
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
  return 0;
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
    return await run(args, io);
  } catch (e) {
    if (e instanceof QueryError || e instanceof PreviewError) {
      const hint = e instanceof QueryError ? e.hint : undefined;
      io.stderr(`error: ${e.message}\n${hint ? `hint: ${hint}\n` : ""}`);
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
