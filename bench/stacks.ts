/**
 * Part 3: whole stacks through the real Pulumi engine (the CLI pinned in package.json, through the
 * Automation API, file backend, the program of program.ts in a project where the package is installed
 * as npm installs it): pulumi up, a no-op preview, refresh and destroy of the state of state.ts, and
 * side by side the same for the engine floor (as many trivial dynamic resources). Wall time; CPU time of the dynamic provider process(es) (node running
 * @pulumi/pulumi/cmd/dynamic-provider, sampled from /proc); CPU of the engine (the pulumi CLI);
 * peak client connections to the server (pg_stat_activity, sampled every 50 ms).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { cliBin, findCli } from "../test/e2e/harness";
import { type Row, connectionSampler, cpuSampler, fmtMs, msSince, now, openClient } from "./lib";
import { benchProject } from "./program";
import type { BenchServer } from "./server";
import { census } from "./state";

export const REPO_ROOT = resolve(__dirname, "..", "..");
const WORK_ROOT = join(REPO_ROOT, "node_modules", ".cache", "pulumi-postgres-roles-bench");

export interface Measured {
  wall: number;
  providerCpu: number;
  engineCpu: number;
  peakConnections: number;
  detail?: string;
}

/** Runs `fn` while sampling CPU of processes matching `match` and the server's connections. */
export async function measure(
  server: BenchServer,
  match: RegExp,
  fn: () => Promise<string | void>,
  engine?: RegExp,
): Promise<Measured> {
  const conns = connectionSampler(server.client());
  const cpu = cpuSampler(match);
  const eng = engine ? cpuSampler(engine) : undefined;
  const t0 = now();
  let detail: string | void = undefined;
  let failure: unknown;
  try {
    detail = await fn();
  } catch (e) {
    failure = e;
  }
  const wall = msSince(t0);
  const providerCpu = cpu.stop();
  const engineCpu = eng?.stop() ?? 0;
  const peakConnections = await conns.stop();
  if (failure) throw failure;
  return { wall, providerCpu, engineCpu, peakConnections, detail: detail || undefined };
}

export const PARALLEL = 8; // the CLI's default (--parallel) on this machine; Terraform gets -parallelism=8

export interface StackResult {
  resources: number;
  op: string;
  m: Measured;
  /** Whose stack: ours (part 3), the engine floor (trivial resources), the estate (part 5). */
  mode?: Mode;
  /** Bytes of the state per dynamic resource, by type (JSON without spaces), after `up`. */
  stateBytes?: Record<string, number>;
}

export type Mode = "ours" | "floor" | "estate" | "estate-floor" | "empty";

export const DYNAMIC_PROVIDER = /cmd\/dynamic-provider/;
/** The engine process (its command line starts with the CLI's path; known once the CLI is found). */
export const engine = (): RegExp =>
  new RegExp(`${cliBin().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/pulumi( |$)`);

export async function cliOrReason(): Promise<{ cmd?: PulumiCommand; reason?: string }> {
  return findCli();
}

/** The environment of the stacks: file backend in `backend`, the bench server, the switches of the run. */
export function stackEnv(server: BenchServer, backend: string): Record<string, string> {
  const envVars: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...server.env(),
  };
  // Pulumi's experimental switch: the state is written at the end of an update only (not after each step).
  if (process.env.BENCH_SKIP_CHECKPOINTS === "1") envVars.PULUMI_SKIP_CHECKPOINTS = "true";
  if (process.env.BENCH_PROFILE_DIR) {
    // Diagnostics: CPU profiles of the dynamic provider process (see bench/profile-hook.js).
    envVars.BENCH_PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
    envVars.NODE_OPTIONS =
      `${process.env.NODE_OPTIONS ?? ""} --require ${join(REPO_ROOT, "bench", "profile-hook.js")}`.trim();
  }
  return envVars;
}

/** One stack of the bench project (program.ts) in `mode`, of `size` resources, its roles named `prefix`_…. */
export async function benchStack(
  cmd: PulumiCommand,
  project: string,
  envVars: Record<string, string>,
  mode: Mode,
  size: number,
  prefix: string,
  stackName: string,
): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName, workDir: project },
    {
      workDir: project,
      pulumiCommand: cmd,
      envVars: { ...envVars, BENCH_MODE: mode, BENCH_SIZE: String(size), BENCH_PREFIX: prefix },
    },
  );
}

/** Bytes per dynamic resource of the stack's state, by type (the mean of each type), JSON without spaces. */
export async function stateBytes(stack: Stack): Promise<Record<string, number>> {
  const { deployment } = await stack.exportStack();
  const byType = new Map<string, number[]>();
  for (const r of (deployment as { resources: Array<{ type: string }> }).resources) {
    if (!r.type.startsWith("pulumi-nodejs:dynamic/")) continue;
    const t = r.type.split(":").pop()!;
    byType.set(t, [...(byType.get(t) ?? []), Buffer.byteLength(JSON.stringify(r))]);
  }
  return Object.fromEntries(
    [...byType].map(([t, xs]) => [t, Math.round(xs.reduce((a, b) => a + b, 0) / xs.length)]),
  );
}

export const fmtBytes = (b: Record<string, number> | undefined) =>
  b
    ? Object.entries(b)
        .map(([t, n]) => `${t} ${n.toLocaleString("en")} B`)
        .join(", ")
    : "";

/**
 * Part 3: for each size, our stack and the engine floor's (program.ts) side by side: each operation
 * on ours, then on the floor (the floor first at every other size), so that load hits both alike.
 */
export async function benchStacks(
  server: BenchServer,
  cmd: PulumiCommand,
  opts: { sizes: number[]; log: (s: string) => void; modes?: Mode[] },
): Promise<StackResult[]> {
  const modes = opts.modes ?? ["ours", "floor"];
  mkdirSync(WORK_ROOT, { recursive: true });
  const dir = mkdtempSync(join(WORK_ROOT, "run-"));
  const backend = join(dir, "state");
  mkdirSync(backend, { recursive: true });
  const project = benchProject();
  const envVars = stackEnv(server, backend);
  const skipCheckpoints = envVars.PULUMI_SKIP_CHECKPOINTS === "true";
  const results: StackResult[] = [];
  const admin = await openClient(server.client());
  try {
    for (const [n, size] of opts.sizes.entries()) {
      const order = n % 2 === 0 ? modes : [...modes].reverse();
      const stacks = new Map<Mode, { stack: Stack; prefix: string }>();
      for (const mode of order) {
        const prefix = `${mode === "ours" ? "pu" : "fl"}${size}`;
        stacks.set(mode, {
          stack: await benchStack(cmd, project, envVars, mode, size, prefix, `${mode}${size}`),
          prefix,
        });
      }
      const quiet = { onOutput: () => undefined, parallel: PARALLEL };
      const run = async (mode: Mode, name: string, fn: () => Promise<string | void>) => {
        const op = skipCheckpoints ? `${name} (PULUMI_SKIP_CHECKPOINTS=true)` : name;
        const m = await measure(server, DYNAMIC_PROVIDER, fn, engine());
        const r: StackResult = { resources: size, op, m, mode };
        results.push(r);
        opts.log(
          `  ${mode}, ${size} resources, ${op}: ${fmtMs(m.wall)} wall, provider CPU ${fmtMs(m.providerCpu)}, engine CPU ${fmtMs(m.engineCpu)}, peak ${m.peakConnections} connections${m.detail ? `; ${m.detail}` : ""}`,
        );
        return r;
      };
      for (const mode of order) {
        const { stack, prefix } = stacks.get(mode)!;
        const r = await run(mode, "pulumi up", async () => {
          const u = await stack.up(quiet);
          const c = await census(admin, prefix);
          return `${JSON.stringify(u.summary.resourceChanges)}${mode === "floor" ? "" : `; catalog: ${c.roles} roles, ${c.members} memberships, ${c.acl} table ACL entries`}`;
        });
        r.stateBytes = await stateBytes(stack);
        opts.log(`    state per resource: ${fmtBytes(r.stateBytes)}`);
      }
      for (const mode of order) {
        await run(mode, "pulumi preview (no-op)", async () => {
          const r = await stacks.get(mode)!.stack.preview(quiet);
          const changed = Object.entries(r.changeSummary).filter(([op, n]) => op !== "same" && n);
          return changed.length > 0 ? `NOT a no-op: ${JSON.stringify(r.changeSummary)}` : undefined;
        });
      }
      for (const mode of order) {
        await run(mode, "pulumi refresh", async () => {
          const r = await stacks.get(mode)!.stack.refresh(quiet);
          return JSON.stringify(r.summary.resourceChanges);
        });
      }
      if (process.env.BENCH_KEEP_STATE) {
        for (const [mode, { stack }] of stacks)
          await stack
            .exportStack()
            .then((d) =>
              writeFileSync(join(dir, `state-${mode}-${size}.json`), JSON.stringify(d.deployment, null, 1)),
            );
      }
      for (const mode of order) {
        const { stack, prefix } = stacks.get(mode)!;
        await run(mode, "pulumi destroy", async () => {
          await stack.destroy(quiet);
          const c = await census(admin, prefix);
          return c.roles > 0 ? `left ${c.roles} roles` : undefined;
        });
        await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
      }
    }
  } finally {
    await admin.end();
    rmSync(project, { recursive: true, force: true });
    if (process.env.BENCH_KEEP_STATE) opts.log(`  state kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function stackRows(results: readonly StackResult[], label = "3 engine"): Row[] {
  const floorOf = (r: StackResult) =>
    results.find((f) => f.mode === "floor" && f.resources === r.resources && f.op === r.op);
  return results.map((r) => {
    const f = r.mode === "ours" ? floorOf(r) : undefined;
    const who = r.mode === "floor" ? "engine floor (trivial resources): " : "";
    return {
      part: label,
      what: `${who}${r.op}, ${r.resources.toLocaleString("en")} resources`,
      figure: fmtMs(r.m.wall),
      floor: f ? `floor ${fmtMs(f.m.wall)}` : "",
      ratio: f ? `${(r.m.wall / f.m.wall).toFixed(2)}x the floor` : "",
      note: `provider CPU ${fmtMs(r.m.providerCpu)}, engine CPU ${fmtMs(r.m.engineCpu)}, peak ${r.m.peakConnections} connections${r.stateBytes ? `; state per resource: ${fmtBytes(r.stateBytes)}` : ""}`,
    };
  });
}
