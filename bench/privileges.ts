/**
 * Privileges at scale: one Privileges resource of N entries (default 2,000: 200 roles, each with ten
 * entries on tables of a 1,000-table schema, in a few privilege sets, plus schema USAGE), through
 * PrivilegesProvider's hooks in this process. Each operation is timed and its queries counted (on
 * node-postgres' Client, which the provider's pools use). The floor of an apply is the raw SQL: the
 * same GRANT (or REVOKE) statements the provider sent, in one transaction on one open connection,
 * from the same starting catalog. Not a test: nothing is asserted.
 *
 *   npm run bench:privileges [-- --entries=2000 --repeats=5]   (BENCH_VERBOSE=1: each read's queries
 *   with their time, and the server's own time for the ACL query)
 *   (or: npm run build && tsc -p bench/tsconfig.json && node dist/bench/privileges.js)
 */
import type { Client } from "pg";
import { PrivilegesProvider } from "../provider";
import { pools } from "../provider/db/pools";
import {
  type Row,
  type Sent,
  fmtMs,
  fmtRatio,
  installQueryRecorder,
  loadAverage,
  median,
  msSince,
  now,
  openClient,
  recorded,
  renderTable,
} from "./lib";
import { type BenchServer, startBenchServer } from "./server";

const SCHEMA = "bench_privs";
const TABLES = 1000;
const PER_ROLE = 10;
const SETS = [["SELECT"], ["SELECT", "INSERT"], ["SELECT", "INSERT", "UPDATE", "DELETE"], ["ALL"]];

export interface PrivilegesResult {
  entries: number;
  op: string;
  times: number[];
  floor: number[];
  queries: number;
  statements: number;
  /** CPU time of this process (the provider's reading of rows, planning, building SQL), median. */
  cpu: number;
}

function entries(n: number): Array<Record<string, unknown>> {
  const roles = Math.ceil(n / PER_ROLE);
  const out: Array<Record<string, unknown>> = [];
  for (let r = 0; r < roles && out.length < n; r++) {
    const role = `bench_pr_${r}`;
    out.push({ role, objectType: "schema", schema: SCHEMA, privileges: ["USAGE"] });
    for (let i = 1; i < PER_ROLE && out.length < n; i++) {
      const table = `t${((r * 7 + i * 13) % TABLES) + 1}`;
      out.push({
        role,
        objectType: "table",
        schema: SCHEMA,
        objects: [table],
        privileges: SETS[(r + i) % SETS.length],
      });
    }
  }
  return out;
}

/** The statements of an apply (what the batch carried), without the reads around them. */
const writes = (sent: readonly Sent[]) =>
  sent.filter((s) => /^\s*(GRANT|REVOKE)\b/m.test(s.text) && !/^\s*(SELECT|WITH)\b/.test(s.text));

async function floorOf(c: Client, statements: readonly Sent[]): Promise<number> {
  const t = now();
  await c.query("BEGIN");
  for (const s of statements) await c.query(s.text);
  await c.query("COMMIT");
  return msSince(t);
}

export async function benchPrivileges(
  server: BenchServer,
  opts: { sizes: number[]; repeats: number; log: (s: string) => void },
): Promise<PrivilegesResult[]> {
  const admin = await openClient(server.client());
  const floor = await openClient({ ...server.client(), application_name: "bench-floor" });
  const provider = new PrivilegesProvider();
  const results: PrivilegesResult[] = [];
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
    await admin.query(`DO $$ BEGIN
      FOR i IN 1..${TABLES} LOOP EXECUTE format('CREATE TABLE ${SCHEMA}.t%s (id int)', i); END LOOP;
    END $$`);
    const maxRoles = Math.ceil(Math.max(...opts.sizes) / PER_ROLE);
    await admin.query(`DO $$ BEGIN
      FOR i IN 0..${maxRoles - 1} LOOP EXECUTE format('DROP ROLE IF EXISTS bench_pr_%s; CREATE ROLE bench_pr_%s', i, i); END LOOP;
    END $$`);
    for (const n of opts.sizes) {
      const grants = entries(n);
      const inputs = (await provider.check(undefined, { grants })).inputs!;
      // One more entry (and one changed) for the update.
      const changed = [
        ...grants,
        { role: "bench_pr_0", objectType: "sequence", schema: SCHEMA, privileges: ["USAGE"] },
      ];
      (changed[1] as { privileges: string[] }).privileges = ["SELECT", "TRUNCATE"];
      const news = (await provider.check(inputs, { grants: changed })).inputs!;
      const measure = async (
        op: string,
        fn: () => Promise<unknown>,
        undo: () => Promise<unknown>,
        replayUndo: () => Promise<unknown>,
      ) => {
        const times: number[] = [];
        const floors: number[] = [];
        let queries = 0;
        let statements = 0;
        const cpu: number[] = [];
        for (let i = 0; i < opts.repeats; i++) {
          const t = now();
          const c0 = process.cpuUsage();
          const { sent } = await recorded(fn);
          times.push(msSince(t));
          const c1 = process.cpuUsage(c0);
          cpu.push((c1.user + c1.system) / 1000);
          queries = sent.length;
          const w = writes(sent);
          statements = w.reduce(
            (a, s) => a + s.text.split(";\n").filter((x) => /^(GRANT|REVOKE)/.test(x)).length,
            0,
          );
          await undo();
          floors.push(await floorOf(floor, w));
          await replayUndo();
        }
        results.push({ entries: n, op, times, floor: floors, queries, statements, cpu: median(cpu) });
        opts.log(
          `  ${n} entries ${op}: ${fmtMs(median(times))} in ${queries} queries (${statements} statements); floor ${fmtMs(median(floors))}`,
        );
      };
      let id = "";
      // create: from nothing granted; undone by delete (not timed).
      await measure(
        "create (apply)",
        async () => (id = (await provider.create(inputs)).id),
        () => provider.delete(id, inputs),
        () => provider.delete(id, inputs),
      );
      await provider.create(inputs);
      const reads: number[] = [];
      const readCpu: number[] = [];
      let readQueries = 0;
      for (let i = 0; i < opts.repeats; i++) {
        const t = now();
        const c0 = process.cpuUsage();
        const { sent } = await recorded(() => provider.read(id, inputs));
        reads.push(msSince(t));
        const c1 = process.cpuUsage(c0);
        readCpu.push((c1.user + c1.system) / 1000);
        readQueries = sent.length;
        const aclQuery = sent.find((x) => x.text.includes("objects_all"));
        if (process.env.BENCH_VERBOSE === "1" && aclQuery) {
          const e = await admin.query({ text: `EXPLAIN ANALYZE ${aclQuery.text}`, values: aclQuery.values });
          opts.log(
            `    server: ${e.rows.slice(-1)[0]["QUERY PLAN"]}; rows ${(await admin.query({ text: aclQuery.text, values: aclQuery.values })).rowCount}`,
          );
        }
        if (process.env.BENCH_VERBOSE === "1")
          opts.log(
            `    read: ${sent.map((x) => `${x.text.trim().slice(0, 24).replace(/\s+/g, " ")}… ${fmtMs(x.ms ?? NaN)}`).join("; ")}`,
          );
      }
      results.push({
        entries: n,
        op: "read (refresh)",
        times: reads,
        floor: [],
        queries: readQueries,
        statements: 0,
        cpu: median(readCpu),
      });
      opts.log(`  ${n} entries read: ${fmtMs(median(reads))} in ${readQueries} queries`);
      await measure(
        "update (one entry added, one changed)",
        () => provider.update(id, inputs, news),
        () => provider.update(id, news, inputs),
        () => provider.update(id, news, inputs),
      );
      await measure(
        "delete",
        () => provider.delete(id, inputs),
        () => provider.create(inputs),
        () => provider.create(inputs),
      );
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    const maxRoles = Math.ceil(Math.max(...opts.sizes) / PER_ROLE);
    await admin
      .query(
        `DO $$ BEGIN FOR i IN 0..${maxRoles - 1} LOOP EXECUTE format('DROP ROLE IF EXISTS bench_pr_%s', i); END LOOP; END $$`,
      )
      .catch(() => undefined);
    await admin.end();
    await floor.end();
  }
  return results;
}

export function privilegesRows(results: readonly PrivilegesResult[]): Row[] {
  return results.map((r) => ({
    part: "privileges",
    what: `Privileges of ${r.entries.toLocaleString("en")} entries: ${r.op}`,
    figure: fmtMs(median(r.times)),
    floor: r.floor.length > 0 ? `${fmtMs(median(r.floor))} (the same statements, one transaction)` : "",
    ratio: r.floor.length > 0 ? fmtRatio(median(r.times) / median(r.floor)) : "",
    note: `${r.queries} queries sent${r.statements ? `, ${r.statements} statements` : ""}; provider CPU ${fmtMs(r.cpu)}`,
  }));
}

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

async function main(): Promise<void> {
  installQueryRecorder();
  const base = await startBenchServer();
  Object.assign(process.env, base.env());
  delete process.env.DATABASE_URL;
  const admin = await openClient(base.client());
  const version = (await admin.query("SELECT version() AS v")).rows[0].v as string;
  await admin.end();
  const log = (s: string) => console.error(s);
  log(`bench privileges: PostgreSQL ${version.split(" ").slice(0, 2).join(" ")}; load ${loadAverage()}`);
  try {
    const results = await benchPrivileges(
      { ...base, version },
      {
        sizes: arg("entries", "2000").split(",").map(Number),
        repeats: Number(arg("repeats", "5")),
        log,
      },
    );
    console.log(renderTable(privilegesRows(results)));
  } finally {
    await pools.closeAll();
    await base.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
