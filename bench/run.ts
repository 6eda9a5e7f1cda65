/**
 * `npm run bench`: starts its own PostgreSQL, measures, prints one table. Not a test: no timing
 * is asserted. Options (environment or arguments):
 *   --parts=1,2,3,4,5        which parts (default all; part 3 runs our stacks and the engine floor side by side)
 *   --iterations=N           part 1: measured calls per operation (default 200, after 20 warm-up)
 *   --tables=100,10000       part 2: schema sizes of the all-tables Grant
 *   --audit=100x10,10000x1000 part 2: databases (tables x roles) for the audit query functions
 *   --sizes=100,1000         parts 3 and 4: stack sizes in resources (5000 for the provider alone: --sizes=100,1000,5000)
 *   --compare-sizes=100,1000 part 4 sizes (default: the part 3 sizes up to 1000)
 *   --estate-sizes=1000,10000 part 5: estate sizes in resource-equivalents (Roles + Privileges, ldap2pg, raw SQL)
 *   --estate-checkpoints=default,skip part 5: with Pulumi's default checkpoints, with PULUMI_SKIP_CHECKPOINTS=true, or both
 *   --json=FILE              also write every figure as JSON
 * The compared tools are built or located by bench/tools.sh (run it first; see BENCHMARKS.md).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { pools } from "../provider/db/pools";
import { auditRows, benchAudit } from "./audit";
import { benchCatalog, catalogRows } from "./catalog";
import { benchCompare, compareRows, locateTools } from "./compare";
import { benchEstate, estateRows } from "./estate";
import { benchHooks, hookRows } from "./hooks";
import { type Row, installQueryRecorder, loadAverage, openClient, renderTable } from "./lib";
import { type BenchServer, startBenchServer } from "./server";
import { type StackResult, benchStacks, cliOrReason, stackRows, PARALLEL } from "./stacks";
import { dropSchemas, makeSchemas } from "./state";

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a
    ? a.slice(name.length + 3)
    : (process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`] ?? fallback);
}
const list = (s: string) => s.split(",").filter(Boolean).map(Number);

async function main(): Promise<void> {
  const parts = new Set(arg("parts", "1,2,3,4,5").split(","));
  const iterations = Number(arg("iterations", "200"));
  const tables = list(arg("tables", "100,10000"));
  const sizes = list(arg("sizes", "100,1000"));
  const auditSizes = arg("audit", "100x10,10000x1000")
    .split(",")
    .filter(Boolean)
    .map((x) => x.split("x").map(Number) as [number, number]);
  const compareSizes = list(arg("compare-sizes", sizes.filter((s) => s <= 1000).join(",")));
  const estateSizes = list(arg("estate-sizes", "1000,10000"));
  const estateCheckpoints = arg("estate-checkpoints", "default,skip")
    .split(",")
    .filter(Boolean)
    .map((x) => x === "skip");
  const log = (s: string) => console.error(s);
  const rows: Row[] = [];
  const json: Record<string, unknown> = { started: new Date().toISOString(), loadBefore: loadAverage() };

  if ((parts.has("4") || parts.has("5")) && process.env.BENCH_NO_TOOLS !== "1") {
    // Builds (first time: minutes) or finds the compared tools, outside the repository.
    const t0 = Date.now();
    const r = spawnSync("bash", [join(__dirname, "..", "..", "bench", "tools.sh")], {
      stdio: ["ignore", 2, 2],
    });
    json.tools = { seconds: (Date.now() - t0) / 1000, status: r.status };
    log(`bench/tools.sh: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  // Every node-postgres query of this process is counted (the provider's pools included).
  installQueryRecorder();
  const base = await startBenchServer();
  // Connection settings for the provider in this process (it falls back to the libpq environment).
  Object.assign(process.env, base.env());
  delete process.env.DATABASE_URL;
  const admin = await openClient(base.client());
  const version = (await admin.query("SELECT version() AS v")).rows[0].v as string;
  const server: BenchServer = { ...base, version };
  log(
    `bench: PostgreSQL ${version.split(" ").slice(0, 2).join(" ")} at ${server.host}:${server.port}; load ${loadAverage()}`,
  );
  let ours: StackResult[] = [];
  try {
    if (parts.has("1")) {
      log("part 1: hook overhead");
      const r = await benchHooks(server, { iterations, warmup: 20, log });
      rows.push(...hookRows(r));
      json.hooks = r;
    }
    if (parts.has("2")) {
      log("part 2: catalog reads at scale");
      const results = await benchCatalog(server, { sizes: tables, reads: 10, log });
      rows.push(...catalogRows(results));
      json.catalog = results;
      const audit = await benchAudit(server, { sizes: auditSizes, repeats: 5, log });
      rows.push(...auditRows(audit.results, audit.skipped));
      json.audit = audit;
    }
    if (parts.has("3") || parts.has("4") || parts.has("5")) await makeSchemas(admin);
    if (parts.has("3")) {
      log("part 3: stacks through the Pulumi engine");
      const { cmd, reason } = await cliOrReason();
      if (!cmd) {
        rows.push({ part: "3 engine", what: "stacks", figure: "-", note: `not run: ${reason}` });
      } else {
        await pools.closeAll(); // part 1 and 2 pools: not the engine's
        ours = await benchStacks(server, cmd, { sizes, log });
        rows.push(...stackRows(ours));
        json.stacks = ours;
      }
    }
    if (parts.has("4")) {
      log("part 4: the same state by the other tools");
      const { results, notes } = await benchCompare(server, { sizes: compareSizes, log });
      rows.push(
        ...compareRows(
          results,
          ours.filter((r) => r.mode === "ours"),
        ),
      );
      for (const n of notes) rows.push({ part: "4 compare", what: "note", figure: "-", note: n });
      json.compare = results;
      json.compareNotes = notes;
    }
    if (parts.has("5")) {
      log("part 5: the estate target (Roles + Privileges) beside ldap2pg and raw SQL");
      const { cmd, reason } = await cliOrReason();
      if (!cmd) {
        rows.push({ part: "5 estate", what: "stacks", figure: "-", note: `not run: ${reason}` });
      } else {
        await pools.closeAll();
        const estate = await benchEstate(server, cmd, {
          sizes: estateSizes,
          log,
          skipCheckpoints: estateCheckpoints,
        });
        rows.push(...estateRows(estate));
        json.estate = estate;
      }
    }
    if (parts.has("3") || parts.has("4") || parts.has("5")) await dropSchemas(admin);
  } finally {
    await admin.end();
    await pools.closeAll();
    await server.stop();
  }
  const tools = locateTools();
  const header = [
    `pulumi-postgres-roles benchmark, ${new Date().toISOString()}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}; load average before ${json.loadBefore}, after ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
    `server: ${version.split(",")[0]} (${server.embedded ? "embedded, fsync=off" : "external"}); Node.js ${process.version}; pulumi --parallel ${PARALLEL}`,
    `compared tools: ${[tools.ldap2pg && "ldap2pg 5.9", tools.tofu && "OpenTofu", tools.terraform && "Terraform", tools.tfProvider && "cyrilgdn/postgresql"].filter(Boolean).join(", ") || "none"}`,
  ];
  console.log([...header, "", renderTable(rows)].join("\n"));
  const out = arg("json", "");
  if (out) writeFileSync(out, JSON.stringify({ ...json, header, rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
