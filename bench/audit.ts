/**
 * Part 2b: the audit query functions (provider/queries) on a small database and on one of 10,000
 * tables and 1,000 roles: time of each call and the number of queries it sent (counted on
 * node-postgres' Client). Each call opens and closes its own connection, which is in its time.
 * Skipped when this build has no provider/queries.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "pg";
import { type Row, fmtMs, median, msSince, now, openClient, recorded } from "./lib";
import type { BenchServer } from "./server";

const SCHEMA = "bench_audit";

async function populate(c: Client, tables: number, roles: number): Promise<void> {
  await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
  for (let start = 1; start <= tables; start += 1000) {
    const end = Math.min(tables, start + 999);
    await c.query(`DO $$ BEGIN
      FOR i IN ${start}..${end} LOOP EXECUTE format('CREATE TABLE ${SCHEMA}.t%s (id int)', i); END LOOP;
    END $$`);
  }
  // Ten groups; every role a login member of one, with SELECT on ten tables and USAGE on the schema.
  await c.query(`DO $$ BEGIN
    FOR g IN 0..9 LOOP EXECUTE format('CREATE ROLE bench_audit_g%s', g); END LOOP;
    FOR r IN 1..${roles} LOOP
      EXECUTE format('CREATE ROLE bench_audit_r%s LOGIN IN ROLE bench_audit_g%s', r, r % 10);
      EXECUTE format('GRANT USAGE ON SCHEMA ${SCHEMA} TO bench_audit_r%s', r);
      FOR t IN 0..9 LOOP
        EXECUTE format('GRANT SELECT ON ${SCHEMA}.t%s TO bench_audit_r%s', ((r * 10 + t) % ${tables}) + 1, r);
      END LOOP;
    END LOOP;
  END $$`);
}

async function depopulate(c: Client, roles: number): Promise<void> {
  await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await c.query(`DO $$ BEGIN
    FOR r IN 1..${roles} LOOP EXECUTE format('DROP ROLE IF EXISTS bench_audit_r%s', r); END LOOP;
    FOR g IN 0..9 LOOP EXECUTE format('DROP ROLE IF EXISTS bench_audit_g%s', g); END LOOP;
  END $$`);
}

export interface AuditResult {
  tables: number;
  roles: number;
  fn: string;
  times: number[];
  queries: number;
}

type Fn = (...args: unknown[]) => Promise<unknown>;

export async function benchAudit(
  server: BenchServer,
  opts: { sizes: Array<[number, number]>; repeats: number; log: (s: string) => void },
): Promise<{ results: AuditResult[]; skipped?: string }> {
  const entry = join(__dirname, "..", "provider", "queries", "index.js");
  if (!existsSync(entry)) return { results: [], skipped: "skipped: this build has no provider/queries" };
  const q = require(entry) as Record<string, Fn>;
  const calls: Array<[string, () => Promise<unknown>]> = [
    ["roleExists", () => q.roleExists!("bench_audit_r1")],
    ["listRoles", () => q.listRoles!()],
    ["listRoleMembers (recursive)", () => q.listRoleMembers!("bench_audit_g1", { recursive: true })],
    ["listRoleGrants", () => q.listRoleGrants!("bench_audit_r1")],
    ["effectivePrivileges", () => q.effectivePrivileges!("bench_audit_r1", { schema: SCHEMA })],
    ["whoCan SELECT on a table", () => q.whoCan!("SELECT", { table: `${SCHEMA}.t11` })],
    ["readCatalogSnapshot", () => q.readCatalogSnapshot!()],
  ].filter(([name]) => typeof q[(name as string).split(" ")[0]!] === "function") as Array<
    [string, () => Promise<unknown>]
  >;
  const admin = await openClient(server.client());
  const results: AuditResult[] = [];
  try {
    for (const [tables, roles] of opts.sizes) {
      const t0 = now();
      await populate(admin, tables, roles);
      opts.log(`  audit database: ${tables} tables, ${roles} roles made in ${fmtMs(msSince(t0))}`);
      for (const [name, call] of calls) {
        const times: number[] = [];
        let queries = 0;
        for (let i = 0; i < opts.repeats + 1; i++) {
          const t = now();
          const { sent } = await recorded(call);
          const ms = msSince(t);
          if (i > 0) times.push(ms);
          queries = sent.length;
        }
        results.push({ tables, roles, fn: name, times, queries });
        opts.log(`    ${name}: ${fmtMs(median(times))}, ${queries} queries`);
      }
      await depopulate(admin, roles);
    }
  } finally {
    await admin.end();
  }
  return { results };
}

export function auditRows(results: readonly AuditResult[], skipped?: string): Row[] {
  if (skipped) return [{ part: "2 audit", what: "audit query functions", figure: "-", note: skipped }];
  const fns = [...new Set(results.map((r) => r.fn))];
  return fns.map((fn) => {
    const rs = results.filter((r) => r.fn === fn);
    const counts = rs.map((r) => r.queries);
    return {
      part: "2 audit",
      what: `${fn} at ${rs.map((r) => `${r.tables.toLocaleString("en")} tables/${r.roles.toLocaleString("en")} roles`).join(" vs ")}`,
      figure: rs.map((r) => fmtMs(median(r.times))).join(" vs "),
      note: `queries ${counts.join(" / ")}: ${new Set(counts).size === 1 ? "constant" : "GROWS with the number of objects"}`,
    };
  });
}
