/**
 * Part 2: catalog reads at scale. An all-tables Grant (SELECT on every table of a schema) read
 * through GrantProvider on schemas of 100 and 10,000 tables: time, and the number of queries the
 * provider sent (counted on node-postgres' Client, which the provider's pools use). The floor is
 * the same read queries sent on one open connection. Create, update and delete of that grant are
 * timed and counted too.
 */
import type { Client } from "pg";
import { GrantProvider } from "../provider";
import {
  type Row,
  type Sent,
  fmtMs,
  fmtRatio,
  median,
  msSince,
  now,
  openClient,
  quantile,
  recorded,
} from "./lib";
import type { BenchServer } from "./server";

export interface CatalogResult {
  tables: number;
  op: string;
  times: number[];
  floor: number[];
  queries: number;
}

async function makeSchema(c: Client, schema: string, tables: number): Promise<void> {
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  for (let start = 1; start <= tables; start += 1000) {
    const end = Math.min(tables, start + 999);
    await c.query(`DO $$ BEGIN
      FOR i IN ${start}..${end} LOOP EXECUTE format('CREATE TABLE ${schema}.t%s (id int)', i); END LOOP;
    END $$`);
  }
}

async function replay(c: Client, sent: readonly Sent[]): Promise<void> {
  for (const s of sent) await c.query({ text: s.text, values: s.values, queryMode: s.queryMode } as never);
}

export async function benchCatalog(
  server: BenchServer,
  opts: { sizes: number[]; reads: number; log: (s: string) => void },
): Promise<CatalogResult[]> {
  const admin = await openClient(server.client());
  const floor = await openClient({
    ...server.client(),
    options: "-c TimeZone=UTC",
    application_name: "bench-floor",
  });
  const provider = new GrantProvider();
  const results: CatalogResult[] = [];
  try {
    await admin.query("DROP ROLE IF EXISTS bench_reader; CREATE ROLE bench_reader");
    for (const tables of opts.sizes) {
      const schema = `bench_wide_${tables}`;
      const t0 = now();
      await makeSchema(admin, schema, tables);
      opts.log(`  schema ${schema}: ${tables} tables made in ${fmtMs(msSince(t0))}`);
      const inputs = (
        await provider.check(undefined, {
          role: "bench_reader",
          objectType: "table",
          schema,
          privileges: ["SELECT"],
        })
      ).inputs!;
      const news = (
        await provider.check(inputs, {
          role: "bench_reader",
          objectType: "table",
          schema,
          privileges: ["SELECT", "INSERT"],
        })
      ).inputs!;
      const once = async (op: string, fn: () => Promise<unknown>) => {
        const t = now();
        const { sent } = await recorded(fn);
        const ms = msSince(t);
        // The same statements again on one connection: GRANT/REVOKE of what is already so cost the same.
        const tf = now();
        await replay(floor, sent);
        results.push({ tables, op, times: [ms], floor: [msSince(tf)], queries: sent.length });
        return sent;
      };
      const created = await provider.create(inputs);
      await provider.delete(created.id, created.outs!);
      await once("create", () => provider.create(inputs));
      const reads: number[] = [];
      const floors: number[] = [];
      let queries = 0;
      for (let i = 0; i < opts.reads + 2; i++) {
        const t = now();
        const { sent, result } = await recorded(() => provider.read(created.id, created.outs!));
        const ms = msSince(t);
        if ((result.props as { privileges: string[] }).privileges.join() !== "SELECT")
          throw new Error(`read of the all-tables grant on ${tables} tables did not report SELECT`);
        const tf = now();
        await replay(floor, sent);
        const fms = msSince(tf);
        if (i >= 2) {
          reads.push(ms);
          floors.push(fms);
          queries = sent.length;
        }
      }
      results.push({ tables, op: "read", times: reads, floor: floors, queries });
      await once("update", () => provider.update(created.id, created.outs!, news));
      await once("delete", () => provider.delete(created.id, news));
      opts.log(
        `  ${tables} tables: read ${fmtMs(median(reads))} in ${queries} queries (floor ${fmtMs(median(floors))})`,
      );
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
    await admin.query("DROP ROLE IF EXISTS bench_reader");
  } finally {
    await admin.end();
    await floor.end();
  }
  return results;
}

export function catalogRows(results: readonly CatalogResult[]): Row[] {
  const rows: Row[] = results.map((r) => ({
    part: "2 catalog",
    what: `all-tables Grant ${r.op}, ${r.tables.toLocaleString("en")} tables`,
    figure:
      r.times.length > 1
        ? `${fmtMs(median(r.times))} (p95 ${fmtMs(quantile(r.times, 0.95))})`
        : fmtMs(r.times[0]!),
    floor: `${fmtMs(median(r.floor))} (same statements, one connection)`,
    ratio: fmtRatio(median(r.times) / median(r.floor)),
    note: `${r.queries} queries sent`,
  }));
  const sizes = [...new Set(results.map((r) => r.tables))];
  for (const op of ["create", "read", "update", "delete"]) {
    const counts = sizes.map((n) => results.find((r) => r.tables === n && r.op === op)?.queries);
    rows.push({
      part: "2 catalog",
      what: `queries per ${op} at ${sizes.map((n) => n.toLocaleString("en")).join(" / ")} tables`,
      figure: counts.join(" / "),
      note:
        new Set(counts).size === 1
          ? "constant: does not grow with the number of tables"
          : "GROWS with the number of tables",
    });
  }
  return rows;
}
