/**
 * Part 5: the estate target. The state of state.ts (units of five: a group role, a login role with
 * CONNECTION LIMIT 5, the membership, USAGE on a schema, SELECT on all its tables) declared the way
 * the docs recommend for an estate: one `Roles` for every role and membership and one `Privileges`
 * for every grant (program.ts, BENCH_MODE=estate), at 1,000 and 10,000 resource-equivalents, side by
 * side in one run with ldap2pg and the raw SQL floor (compare.ts). Operations: `pulumi up` from
 * empty, a no-op `pulumi preview`, `pulumi refresh` after one privilege revoked by hand (the drift
 * must be reported), `pulumi up` (repairs it), `pulumi destroy`; with the default settings, and again with
 * PULUMI_SKIP_CHECKPOINTS=true. Targets (issue 13): up within 10x ldap2pg's real run, the no-op
 * preview and the refresh within 5x ldap2pg --check.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { benchCompare } from "./compare";
import { type Row, fmtMs, openClient } from "./lib";
import { benchProject } from "./program";
import type { BenchServer } from "./server";
import {
  type StackResult,
  DYNAMIC_PROVIDER,
  engine,
  PARALLEL,
  REPO_ROOT,
  benchStack,
  fmtBytes,
  measure,
  stackEnv,
  stateBytes,
} from "./stacks";
import { census, units } from "./state";

export interface EstateResults {
  ours: StackResult[];
  tools: StackResult[];
  notes: string[];
}

/** The drift made by hand before the refresh: SELECT on one table revoked from the first group role. */
function drift(prefix: string): string {
  const u = units(5, prefix)[0]!;
  return `REVOKE SELECT ON ${u.schema}.t0 FROM ${u.app}`;
}

export async function benchEstate(
  server: BenchServer,
  cmd: PulumiCommand,
  opts: { sizes: number[]; log: (s: string) => void; skipCheckpoints: boolean[] },
): Promise<EstateResults> {
  const work = join(REPO_ROOT, "node_modules", ".cache", "pulumi-postgres-roles-bench");
  mkdirSync(work, { recursive: true });
  const dir = mkdtempSync(join(work, "estate-"));
  const backend = join(dir, "state");
  mkdirSync(backend, { recursive: true });
  const project = benchProject();
  const admin = await openClient(server.client());
  const ours: StackResult[] = [];
  try {
    /** The operations `ops` of a stack in `mode` with no resource of ours: the engine's fixed costs. */
    const engineAlone = async (mode: "empty" | "estate-floor", what: string, ops: readonly string[]) => {
      const stack = await benchStack(cmd, project, stackEnv(server, backend), mode, 0, mode, mode);
      const quiet = { onOutput: () => undefined, parallel: PARALLEL };
      const run: Record<string, () => Promise<unknown>> = {
        "pulumi up": () => stack.up(quiet),
        "pulumi preview (no-op)": () => stack.preview(quiet),
        "pulumi refresh": () => stack.refresh(quiet),
        "pulumi destroy": () => stack.destroy(quiet),
      };
      for (const op of ops) {
        const m = await measure(server, DYNAMIC_PROVIDER, async () => void (await run[op]!()), engine());
        ours.push({ resources: 0, op, m, mode });
        opts.log(
          `  ${what}, ${op}: ${fmtMs(m.wall)} wall, provider CPU ${fmtMs(m.providerCpu)}, engine CPU ${fmtMs(m.engineCpu)}`,
        );
      }
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    };
    // the fixed cost of an operation: a stack with no resource
    await engineAlone("empty", "empty stack", ["pulumi up", "pulumi preview (no-op)"]);
    // the engine's floor of the estate: its two steps as trivial dynamic resources (one provider
    // process, create returns at once): what any dynamic provider pays before doing anything
    await engineAlone("estate-floor", "two trivial dynamic resources", [
      "pulumi up",
      "pulumi preview (no-op)",
      "pulumi refresh",
      "pulumi destroy",
    ]);
    for (const size of opts.sizes) {
      for (const skip of opts.skipCheckpoints) {
        const envVars = stackEnv(server, backend);
        if (skip) envVars.PULUMI_SKIP_CHECKPOINTS = "true";
        else delete envVars.PULUMI_SKIP_CHECKPOINTS;
        const prefix = `es${size}${skip ? "s" : ""}`;
        const stack = await benchStack(
          cmd,
          project,
          envVars,
          "estate",
          size,
          prefix,
          `estate${size}${skip ? "s" : ""}`,
        );
        const quiet = { onOutput: () => undefined, parallel: PARALLEL };
        const run = async (name: string, fn: () => Promise<string | void>) => {
          const op = skip ? `${name} (PULUMI_SKIP_CHECKPOINTS=true)` : name;
          const m = await measure(server, DYNAMIC_PROVIDER, fn, engine());
          const r: StackResult = { resources: size, op, m, mode: "estate" };
          ours.push(r);
          opts.log(
            `  estate, ${size} resource-equivalents, ${op}: ${fmtMs(m.wall)} wall, provider CPU ${fmtMs(m.providerCpu)}, engine CPU ${fmtMs(m.engineCpu)}, peak ${m.peakConnections} connections${m.detail ? `; ${m.detail}` : ""}`,
          );
          return r;
        };
        try {
          const up = await run("pulumi up", async () => {
            const u = await stack.up(quiet);
            const c = await census(admin, prefix);
            return `${JSON.stringify(u.summary.resourceChanges)}; catalog: ${c.roles} roles, ${c.members} memberships, ${c.acl} table ACL entries`;
          });
          up.stateBytes = await stateBytes(stack);
          opts.log(`    state per resource: ${fmtBytes(up.stateBytes)}`);
          await run("pulumi preview (no-op)", async () => {
            const r = await stack.preview(quiet);
            const changed = Object.entries(r.changeSummary).filter(([op, n]) => op !== "same" && n);
            return changed.length > 0 ? `NOT a no-op: ${JSON.stringify(r.changeSummary)}` : undefined;
          });
          await admin.query(drift(prefix));
          await run("pulumi refresh (one drift)", async () => {
            const r = await stack.refresh(quiet);
            const changes = r.summary.resourceChanges ?? {};
            const reported = Object.entries(changes).some(([op, n]) => op !== "same" && n);
            return `${JSON.stringify(changes)}${reported ? "" : "; the drift was NOT reported"}`;
          });
          // (and before the destroy: h-privs at a38a4ad, a Privileges refreshed with an all-tables entry
          // missing on one table deletes without revoking that entry on the other tables)
          await run("pulumi up (repairs the drift)", async () => {
            const u = await stack.up(quiet);
            return JSON.stringify(u.summary.resourceChanges);
          });
          await run("pulumi destroy", async () => {
            await stack.destroy(quiet);
            const c = await census(admin, prefix);
            return c.roles > 0 ? `left ${c.roles} roles` : undefined;
          });
        } finally {
          await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        }
      }
    }
    opts.log("  the same state by ldap2pg and raw SQL");
    const { results, notes } = await benchCompare(server, { sizes: opts.sizes, log: opts.log });
    return { ours, tools: results, notes };
  } finally {
    await admin.end();
    rmSync(project, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our figure against the tool's, and whether the target is met. */
function against(
  ours: StackResult,
  theirs: StackResult | undefined,
  limit: number,
  what: string,
): Partial<Row> {
  if (!theirs) return { floor: `${what}: not run` };
  const ratio = ours.m.wall / theirs.m.wall;
  return {
    floor: `${what} ${fmtMs(theirs.m.wall)}`,
    ratio: `${ratio.toFixed(2)}x (target ≤ ${limit}x: ${ratio <= limit ? "met" : "NOT met"})`,
  };
}

export function estateRows(r: EstateResults): Row[] {
  const tool = (size: number, op: string) => r.tools.find((t) => t.resources === size && t.op === op);
  const rows: Row[] = r.ours.map((o) => {
    if (o.mode === "empty") {
      return {
        part: "5 estate",
        what: `a stack with no resource: ${o.op} (the fixed cost of an operation)`,
        figure: fmtMs(o.m.wall),
        note: `engine CPU ${fmtMs(o.m.engineCpu)}`,
      };
    }
    if (o.mode === "estate-floor") {
      return {
        part: "5 estate",
        what: `two trivial dynamic resources (the engine's floor of the estate's steps): ${o.op}`,
        figure: fmtMs(o.m.wall),
        note: `provider CPU ${fmtMs(o.m.providerCpu)}, engine CPU ${fmtMs(o.m.engineCpu)}`,
      };
    }
    const base = o.op.replace(/ \(PULUMI_SKIP_CHECKPOINTS=true\)$/, "");
    const vs =
      base === "pulumi up"
        ? against(o, tool(o.resources, "ldap2pg real run"), 10, "ldap2pg real run")
        : base === "pulumi preview (no-op)" || base === "pulumi refresh (one drift)"
          ? against(o, tool(o.resources, "ldap2pg no-op check"), 5, "ldap2pg --check")
          : {
              floor: `raw SQL ${fmtMs(tool(o.resources, "raw SQL destroy (one transaction)")?.m.wall ?? NaN)}`,
            };
    return {
      part: "5 estate",
      what: `Roles + Privileges: ${o.op}, ${o.resources.toLocaleString("en")} resource-equivalents`,
      figure: fmtMs(o.m.wall),
      ...vs,
      note: `provider CPU ${fmtMs(o.m.providerCpu)}, engine CPU ${fmtMs(o.m.engineCpu)}, peak ${o.m.peakConnections} connections${o.m.detail ? `; ${o.m.detail}` : ""}${o.stateBytes ? `; state per resource: ${fmtBytes(o.stateBytes)}` : ""}`,
    };
  });
  for (const t of r.tools) {
    rows.push({
      part: "5 estate",
      what: `${t.op}, ${t.resources.toLocaleString("en")} resource-equivalents`,
      figure: fmtMs(t.m.wall),
      note: `CPU ${t.op.startsWith("raw SQL") ? "-" : fmtMs(t.m.providerCpu)}, peak ${t.m.peakConnections} connections${t.m.detail ? `; ${t.m.detail}` : ""}`,
    });
  }
  for (const n of r.notes) rows.push({ part: "5 estate", what: "note", figure: "-", note: n });
  return rows;
}
