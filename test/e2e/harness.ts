/**
 * End-to-end harness: the real Pulumi CLI (an installed one on PATH of a version this repository
 * accepts, else the one built into this project's cache folder: scripts/pulumi-cli.js) driven through
 * the Automation API, with a local file backend in a scratch folder inside this repository (so that
 * the provider process, which requires "pulumi-postgres-roles/runtime" by name, finds node_modules).
 * The scratch folder is node_modules/.cache/pulumi-postgres-roles-e2e: inside the repository and
 * ignored by git.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import {
  LocalWorkspace,
  PulumiCommand,
  type OpMap,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";
import { testServer } from "../support/db";
import { sh } from "../support/project";

export const REPO_ROOT = resolve(__dirname, "..", "..", "..");
export const WORK_ROOT = join(REPO_ROOT, "node_modules", ".cache", "pulumi-postgres-roles-e2e");

/** What scripts/pulumi-cli.js finds (the same choice as the demo's). */
export interface LocatedCli {
  bin?: string;
  pulumi?: string;
  version?: string;
  source?: "PATH" | "build";
  root?: string;
  reason?: string;
}
const pulumiCli = require(join(REPO_ROOT, "scripts", "pulumi-cli.js")) as { locate(): LocatedCli };

let located: LocatedCli | undefined;
/** The CLI these tests use (found once per process). */
export function locateCli(): LocatedCli {
  located ??= pulumiCli.locate();
  return located;
}

/** The bin folder of the CLI (throws when there is none: call findCli first). */
export function cliBin(): string {
  const c = locateCli();
  if (!c.bin) throw new Error(`no Pulumi CLI: ${c.reason}`);
  return c.bin;
}

let printed = false;
/** The CLI, or undefined (with the reason) when none is installed. */
export async function findCli(): Promise<{ cmd?: PulumiCommand; reason?: string }> {
  const c = locateCli();
  if (!c.bin) return { reason: c.reason };
  try {
    // without a root the Automation API runs `pulumi` from PATH, which is where such a CLI was found
    const cmd = await PulumiCommand.get(c.root ? { root: c.root } : {});
    if (!printed) {
      // what the part ran with (scripts/ci-matrix.js records the last such line of each part)
      printed = true;
      const sdk = (require("@pulumi/pulumi/package.json") as { version: string }).version;
      console.log(
        `      versions: node ${process.version}, @pulumi/pulumi ${sdk}, pulumi ${c.version} (${c.source}: ${c.pulumi})`,
      );
    }
    return { cmd };
  } catch (e) {
    return { reason: `Pulumi CLI ${c.pulumi} unusable: ${(e as Error).message}` };
  }
}

/**
 * The Pulumi CLI run as a user runs it, in a project folder (not through the Automation API): the CLI
 * of package.json, a file backend in `backend`, the test server through the libpq variables. Returns
 * `cli(...args)`, which runs `pulumi <args> --non-interactive` there and returns its output, and the
 * environment (change it to change what the next command sees).
 */
export function projectCli(
  project: string,
  backend: string,
  passphrase: string,
): { cli: (...args: string[]) => Promise<string>; env: NodeJS.ProcessEnv } {
  const s = testServer();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${cliBin()}:${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PGHOST: s.host,
    PGPORT: String(s.port),
    PGUSER: s.user,
    PGPASSWORD: s.password ?? "",
    PGDATABASE: s.database,
  };
  const pulumi = join(cliBin(), "pulumi");
  return { cli: (...args) => sh(pulumi, [...args, "--non-interactive"], project, env), env };
}

type Operation = "up" | "preview" | "refresh" | "destroy";
const OPERATIONS: Operation[] = ["up", "preview", "refresh", "destroy"];

/** One run's scratch folder: a file backend plus one work folder per stack. */
export class E2eEnv {
  readonly dir: string;
  readonly backend: string;
  readonly passphrase = `e2e-${Math.random().toString(36).slice(2)}`;
  readonly stacks: Stack[] = [];
  /** The last engine operation of each stack (project/stack) and whether it succeeded. */
  private readonly last = new Map<string, { op: Operation; ok: boolean }>();

  /**
   * `skipCheckpoints`: for tests whose point is not the state an interrupted or failed operation
   * leaves behind (the end-to-end suite; not the fault tests).
   */
  constructor(
    readonly cmd: PulumiCommand,
    private readonly options: { skipCheckpoints?: boolean } = {},
  ) {
    mkdirSync(WORK_ROOT, { recursive: true });
    this.dir = mkdtempSync(join(WORK_ROOT, "run-"));
    this.backend = join(this.dir, "state");
    mkdirSync(this.backend, { recursive: true });
  }

  envVars(): Record<string, string> {
    const s = testServer();
    const env: Record<string, string> = {
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: this.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: process.env.PULUMI_HOME || join(homedir(), ".pulumi"),
      PGHOST: s.host,
      PGPORT: String(s.port),
      PGUSER: s.user,
      PGDATABASE: s.database,
    };
    if (s.password !== undefined) env.PGPASSWORD = s.password;
    // The state written once, at the end of each operation, not after every step (the file backend
    // rewrites the whole checkpoint per step).
    if (this.options.skipCheckpoints) env.PULUMI_SKIP_CHECKPOINTS = "true";
    return env;
  }

  workDir(name: string): string {
    const d = join(this.dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** A stack of an inline program, in its own work folder. */
  async inline(projectName: string, stackName: string, program: PulumiFn): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, projectName, program },
      {
        workDir: this.workDir(`${projectName}-${stackName}`),
        envVars: this.envVars(),
        pulumiCommand: this.cmd,
        projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${this.backend}` } },
      },
    );
    return this.track(stack, `${projectName}/${stackName}`);
  }

  /**
   * A stack of a folder program (a Pulumi.yaml of our own whose `main` points at `programDir`; the
   * folder may have a Pulumi.yaml of its own, which is not used). TypeScript is transpiled only
   * (PULUMI_NODEJS_TRANSPILE_ONLY): the examples are type-checked by `npm run build` (tsconfig.json
   * includes them), so ts-node need not do it again on every operation. `typeCheck` for a program
   * nothing else type-checks (a generated one).
   */
  async folder(
    projectName: string,
    stackName: string,
    programDir: string,
    options: { typeCheck?: boolean } = {},
  ): Promise<Stack> {
    const workDir = this.workDir(`${projectName}-${stackName}`);
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, workDir },
      {
        workDir,
        envVars: { ...this.envVars(), PULUMI_NODEJS_TRANSPILE_ONLY: options.typeCheck ? "false" : "true" },
        pulumiCommand: this.cmd,
        projectSettings: {
          name: projectName,
          runtime: { name: "nodejs", options: { typescript: true } },
          main: programDir,
          backend: { url: `file://${this.backend}` },
        },
      },
    );
    return this.track(stack, `${projectName}/${stackName}`);
  }

  /**
   * Records each engine operation of the stack (for the cleanup); with PGR_E2E_TIMINGS=1 also prints
   * how long it took (where the suite's time goes).
   */
  private track(stack: Stack, key: string): Stack {
    this.stacks.push(stack);
    for (const op of OPERATIONS) {
      const original = stack[op].bind(stack) as (...args: unknown[]) => Promise<unknown>;
      (stack as unknown as Record<Operation, (...args: unknown[]) => Promise<unknown>>)[op] = async (
        ...args: unknown[]
      ) => {
        const started = Date.now();
        try {
          const result = await original(...args);
          this.last.set(key, { op, ok: true });
          return result;
        } catch (e) {
          this.last.set(key, { op, ok: false });
          throw e;
        } finally {
          if (process.env.PGR_E2E_TIMINGS === "1") {
            console.log(`      [e2e timing] ${key} ${op}: ${Date.now() - started} ms`);
          }
        }
      };
    }
    this.keys.set(stack, key);
    return stack;
  }

  private readonly keys = new Map<Stack, string>();

  /**
   * Destroys what is left of every stack, removes them and the scratch folder (the file backend with
   * it). A stack whose last operation was a successful destroy holds nothing: it is not destroyed again.
   */
  async cleanup(): Promise<void> {
    const done = new Set<string>();
    for (const stack of this.stacks) {
      const key = this.keys.get(stack)!;
      if (done.has(key)) continue;
      done.add(key);
      const last = this.last.get(key);
      if (last?.op === "destroy" && last.ok) continue;
      await stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The operations of a summary other than `same` (and the informational ones). */
export function changes(summary: OpMap | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(summary ?? {})) {
    if (op === "same" || n === undefined || n === 0) continue;
    out[op] = n;
  }
  return out;
}
