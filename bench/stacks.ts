/**
 * Part 3: whole stacks through the real Pulumi engine (the CLI pinned in package.json, through the
 * Automation API, file backend): pulumi up, a no-op preview, refresh and destroy of the state of
 * state.ts. Wall time; CPU time of the dynamic provider process(es) (node running
 * @pulumi/pulumi/cmd/dynamic-provider, sampled from /proc); CPU of the engine (the pulumi CLI);
 * peak client connections to the server (pg_stat_activity, sampled every 50 ms).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { Grant, Role, RoleMembership } from "../provider";
import { cliBin, findCli } from "../test/e2e/harness";
import { type Row, connectionSampler, cpuSampler, fmtMs, msSince, now, openClient } from "./lib";
import type { BenchServer } from "./server";
import { census, units } from "./state";

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
}

const DYNAMIC_PROVIDER = /cmd\/dynamic-provider/;
/** The engine process (its command line starts with the CLI's path; set once the CLI is found). */
const engine = () => new RegExp(`${cliBin().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/pulumi( |$)`);

export async function cliOrReason(): Promise<{ cmd?: PulumiCommand; reason?: string }> {
  return findCli();
}

export async function benchStacks(
  server: BenchServer,
  cmd: PulumiCommand,
  opts: { sizes: number[]; log: (s: string) => void },
): Promise<StackResult[]> {
  mkdirSync(WORK_ROOT, { recursive: true });
  const dir = mkdtempSync(join(WORK_ROOT, "run-"));
  const backend = join(dir, "state");
  mkdirSync(backend, { recursive: true });
  const envVars: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...server.env(),
  };
  // Pulumi's experimental switch: the state is written at the end of an update only (not after each step).
  const skipCheckpoints = process.env.BENCH_SKIP_CHECKPOINTS === "1";
  if (skipCheckpoints) envVars.PULUMI_SKIP_CHECKPOINTS = "true";
  if (process.env.BENCH_PROFILE_DIR) {
    // Diagnostics: CPU profiles of the dynamic provider process (see bench/profile-hook.js).
    envVars.BENCH_PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
    envVars.NODE_OPTIONS =
      `${process.env.NODE_OPTIONS ?? ""} --require ${join(REPO_ROOT, "bench", "profile-hook.js")}`.trim();
  }
  const results: StackResult[] = [];
  const admin = await openClient(server.client());
  try {
    for (const size of opts.sizes) {
      const prefix = `pu${size}`;
      const program = async () => {
        for (const u of units(size, prefix)) {
          const app = new Role(u.app, { name: u.app });
          const usr = new Role(u.user, { name: u.user, login: true, connectionLimit: 5 });
          new RoleMembership(`${u.user}-in-${u.app}`, { role: app.name, member: usr.name });
          new Grant(`${u.app}-usage`, {
            role: app.name,
            objectType: "schema",
            schema: u.schema,
            privileges: ["USAGE"],
          });
          new Grant(`${u.app}-select`, {
            role: app.name,
            objectType: "table",
            schema: u.schema,
            privileges: ["SELECT"],
          });
        }
      };
      const workDir = join(dir, `stack-${size}`);
      mkdirSync(workDir, { recursive: true });
      const stack: Stack = await LocalWorkspace.createOrSelectStack(
        { stackName: `s${size}`, projectName: "bench", program },
        {
          workDir,
          envVars,
          pulumiCommand: cmd,
          projectSettings: { name: "bench", runtime: "nodejs", backend: { url: `file://${backend}` } },
        },
      );
      const quiet = { onOutput: () => undefined, parallel: PARALLEL };
      const run = async (name: string, fn: () => Promise<string | void>) => {
        const op = skipCheckpoints ? `${name} (PULUMI_SKIP_CHECKPOINTS=true)` : name;
        const m = await measure(server, DYNAMIC_PROVIDER, fn, engine());
        results.push({ resources: size, op, m });
        opts.log(
          `  ${size} resources, ${op}: ${fmtMs(m.wall)} wall, provider CPU ${fmtMs(m.providerCpu)}, engine CPU ${fmtMs(m.engineCpu)}, peak ${m.peakConnections} connections${m.detail ? `; ${m.detail}` : ""}`,
        );
      };
      await run("pulumi up", async () => {
        const r = await stack.up(quiet);
        const c = await census(admin, prefix);
        return `${JSON.stringify(r.summary.resourceChanges)}; catalog: ${c.roles} roles, ${c.members} memberships, ${c.acl} table ACL entries`;
      });
      await run("pulumi preview (no-op)", async () => {
        const r = await stack.preview(quiet);
        const changed = Object.entries(r.changeSummary).filter(([op, n]) => op !== "same" && n);
        return changed.length > 0 ? `NOT a no-op: ${JSON.stringify(r.changeSummary)}` : undefined;
      });
      await run("pulumi refresh", async () => {
        const r = await stack.refresh(quiet);
        return JSON.stringify(r.summary.resourceChanges);
      });
      if (process.env.BENCH_KEEP_STATE)
        await stack
          .exportStack()
          .then((d) => writeFileSync(join(dir, `state-${size}.json`), JSON.stringify(d.deployment, null, 1)));
      await run("pulumi destroy", async () => {
        await stack.destroy(quiet);
        const c = await census(admin, prefix);
        return c.roles > 0 ? `left ${c.roles} roles` : undefined;
      });
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    }
  } finally {
    await admin.end();
    if (process.env.BENCH_KEEP_STATE) opts.log(`  state kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function stackRows(results: readonly StackResult[], label = "3 engine"): Row[] {
  return results.map((r) => ({
    part: label,
    what: `${r.op}, ${r.resources.toLocaleString("en")} resources`,
    figure: fmtMs(r.m.wall),
    note: `provider CPU ${fmtMs(r.m.providerCpu)}, engine CPU ${fmtMs(r.m.engineCpu)}, peak ${r.m.peakConnections} connections`,
  }));
}
