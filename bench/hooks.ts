/**
 * Part 1: hook overhead. create, read, update and delete of a Role, a RoleMembership and a Grant,
 * called through the provider classes in this process (warm pool), against two floors sent on one
 * open connection with `pg`, side by side (provider, floor, minimal floor, for each iteration):
 *
 *   floor          the very statements the provider sent for that call (recorded from node-postgres,
 *                  names and OIDs swapped for a twin object): transaction, SET LOCAL lock_timeout,
 *                  advisory lock, read-before-write, read-back, Grant's second plan. What remains
 *                  between provider and floor is ours: pool checkout, JavaScript, planning, retries.
 *   minimal        the same DDL and the catalog reads that precede it, one statement at a time in
 *                  autocommit: no transaction, no lock, no read-back or re-plan. What the design
 *                  costs over a tool that trusts its first read.
 */
import type { Client } from "pg";
import { GrantProvider, RoleMembershipProvider, RoleProvider } from "../provider";
import type { HookProvider } from "../provider/common/provider-base";
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

type Op = "create" | "read" | "update" | "delete";
const OPS: Op[] = ["create", "read", "update", "delete"];

/** What one benchmark subject needs: the twin objects, and the inputs of each step. */
interface Subject {
  kind: string;
  provider: HookProvider<object, object>;
  /** Untimed: creates what the resource refers to (roles, tables) for name set `set`. */
  prepare(c: Client, i: number, set: string): Promise<void>;
  /** Untimed: removes it again. */
  cleanup(c: Client, i: number, set: string): Promise<void>;
  inputs(i: number, set: string): Record<string, unknown>;
  updated(i: number, set: string): Record<string, unknown>;
  /** Untimed: the OID the twin object got, where the provider's id is an OID (roles). */
  oidOf?(c: Client, i: number, set: string): Promise<string>;
}

const token = (prefix: string, set: string, i: number) =>
  `bench_${prefix}_${set}_${String(i).padStart(5, "0")}`;
const SCHEMA = "bench_hooks";

function subjects(): Subject[] {
  return [
    {
      kind: "Role",
      provider: new RoleProvider() as unknown as HookProvider<object, object>,
      prepare: async () => undefined,
      cleanup: async (c, i, set) => {
        await c.query(`DROP ROLE IF EXISTS ${token("r", set, i)}`);
      },
      inputs: (i, set) => ({ name: token("r", set, i), login: true, connectionLimit: 5 }),
      updated: (i, set) => ({ name: token("r", set, i), login: true, connectionLimit: 10 }),
      oidOf: async (c, i, set) =>
        String(
          (await c.query("SELECT oid::int8 AS oid FROM pg_roles WHERE rolname = $1", [token("r", set, i)]))
            .rows[0].oid,
        ),
    },
    {
      kind: "RoleMembership",
      provider: new RoleMembershipProvider() as unknown as HookProvider<object, object>,
      prepare: async (c, i, set) => {
        await c.query(`CREATE ROLE ${token("mg", set, i)}; CREATE ROLE ${token("mm", set, i)}`);
      },
      cleanup: async (c, i, set) => {
        await c.query(
          `DROP ROLE IF EXISTS ${token("mm", set, i)}; DROP ROLE IF EXISTS ${token("mg", set, i)}`,
        );
      },
      inputs: (i, set) => ({ role: token("mg", set, i), member: token("mm", set, i) }),
      updated: (i, set) => ({ role: token("mg", set, i), member: token("mm", set, i), withAdmin: true }),
    },
    {
      kind: "Grant",
      provider: new GrantProvider() as unknown as HookProvider<object, object>,
      prepare: async (c, i, set) => {
        await c.query(`CREATE ROLE ${token("g", set, i)}`);
      },
      cleanup: async (c, i, set) => {
        await c.query(`DROP OWNED BY ${token("g", set, i)}; DROP ROLE IF EXISTS ${token("g", set, i)}`);
      },
      inputs: (i, set) => ({
        role: token("g", set, i),
        objectType: "table",
        schema: SCHEMA,
        objects: ["t1", "t2"],
        privileges: ["SELECT"],
      }),
      updated: (i, set) => ({
        role: token("g", set, i),
        objectType: "table",
        schema: SCHEMA,
        objects: ["t1", "t2"],
        privileges: ["SELECT", "INSERT"],
      }),
    },
  ];
}

const TXN = /^\s*(BEGIN|COMMIT|ROLLBACK|SET LOCAL|SAVEPOINT|RELEASE|SELECT pg_advisory_xact_lock)/i;
const READ = /^\s*SELECT/i;

/** The statements of a minimal tool: the reads before the first change, and the changes; no transaction. */
function minimal(sent: readonly Sent[]): Sent[] {
  const out: Sent[] = [];
  let changed = false;
  for (const s of sent) {
    if (TXN.test(s.text)) continue;
    if (READ.test(s.text)) {
      if (!changed) out.push(s);
      continue;
    }
    changed = true;
    out.push(s);
  }
  return out;
}

function swap(sent: readonly Sent[], set: string, oids: Map<string, string>): Sent[] {
  const re = /_p_(\d{5})\b/g;
  const sub = (v: unknown): unknown => {
    if (typeof v === "string") return oids.get(v) ?? v.replace(re, `_${set}_$1`);
    if (typeof v === "number" && oids.has(String(v))) return Number(oids.get(String(v)));
    if (Array.isArray(v)) return v.map(sub);
    return v;
  };
  return sent.map((s) => ({
    text: s.text.replace(re, `_${set}_$1`),
    values: s.values?.map(sub),
    queryMode: s.queryMode,
  }));
}

/** Sends the statements in order; returns the time spent waiting for their results. */
/** The statements of iteration `from` as they are for iteration `to` (names, and the OID the provider's id is). */
function renumber(sent: readonly Sent[], from: number, to: number, fromId: string, toId: string): Sent[] {
  const a = `_p_${String(from).padStart(5, "0")}`;
  const b = `_p_${String(to).padStart(5, "0")}`;
  const sub = (v: unknown): unknown => {
    if (typeof v === "string") return v === fromId ? toId : v.split(a).join(b);
    if (typeof v === "number" && String(v) === fromId) return Number(toId);
    if (Array.isArray(v)) return v.map(sub);
    return v;
  };
  return sent.map((s) => ({
    text: s.text.split(a).join(b),
    values: s.values?.map(sub),
    queryMode: s.queryMode,
  }));
}

async function replay(c: Client, sent: readonly Sent[]): Promise<number> {
  let inQueries = 0;
  for (const s of sent) {
    const t = now();
    await c.query({ text: s.text, values: s.values, queryMode: s.queryMode } as never);
    inQueries += msSince(t);
  }
  return inQueries;
}

export interface HookResult {
  kind: string;
  op: Op;
  provider: number[];
  floor: number[];
  minimal: number[];
  /** Per call: the time outside the queries (JavaScript, pool checkout, event loop), provider and floor. */
  providerOutside: number[];
  floorOutside: number[];
  statements: number;
  minimalStatements: number;
}

export async function benchHooks(
  server: BenchServer,
  opts: { iterations: number; warmup: number; log: (s: string) => void },
): Promise<HookResult[]> {
  const admin = await openClient({ ...server.client(), options: "-c TimeZone=UTC" });
  // The floor's one open connection (the same session settings as the provider's pool).
  const floor = await openClient({
    ...server.client(),
    options: "-c TimeZone=UTC",
    application_name: "bench-floor",
  });
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.t1 (id int); CREATE TABLE ${SCHEMA}.t2 (id int)`);
  const results: HookResult[] = [];
  try {
    for (const s of subjects()) {
      const byOp = new Map<Op, HookResult>(
        OPS.map((op) => [
          op,
          {
            kind: s.kind,
            op,
            provider: [],
            floor: [],
            minimal: [],
            providerOutside: [],
            floorOutside: [],
            statements: 0,
            minimalStatements: 0,
          },
        ]),
      );
      const total = opts.warmup + opts.iterations;
      const templates = new Map<Op, { sent: Sent[]; i: number; id: string }>();
      for (let i = 0; i < total; i++) {
        const warm = i >= opts.warmup;
        for (const set of ["p", "f", "m"]) await s.prepare(admin, i, set);
        const { inputs } = (await s.provider.check(undefined, s.inputs(i, "p"))) as { inputs: object };
        const { inputs: news } = (await s.provider.check(inputs, s.updated(i, "p"))) as { inputs: object };
        const oids = { f: new Map<string, string>(), m: new Map<string, string>() };
        let id = "";
        let outs: object = {};
        for (const op of OPS) {
          const r = byOp.get(op)!;
          // The provider first on even iterations, the floors first on odd ones.
          const providerFirst = i % 2 === 0;
          let sent: Sent[] = [];
          let tp = 0;
          const callProvider = async () => {
            const t0 = now();
            sent = (
              await recorded(async () => {
                if (op === "create") {
                  const res = await s.provider.create(inputs);
                  id = res.id;
                  outs = res.outs as object;
                } else if (op === "read") {
                  const res = await s.provider.read(id, outs);
                  outs = res.props as object;
                } else if (op === "update") {
                  const res = await s.provider.update(id, outs, news);
                  outs = res.outs as object;
                } else {
                  await s.provider.delete(id, outs);
                }
              })
            ).sent;
            tp = msSince(t0);
          };
          let tf = 0;
          let tm = 0;
          let floorQueries = 0;
          const callFloors = async (template: Sent[]) => {
            const same = swap(template, "f", oids.f);
            const t1 = now();
            floorQueries = await replay(floor, same);
            tf = msSince(t1);
            const least = swap(minimal(template), "m", oids.m);
            const t2 = now();
            await replay(floor, least);
            tm = msSince(t2);
            return least.length;
          };
          let minimalCount = 0;
          if (providerFirst || !templates.has(op)) {
            await callProvider();
            minimalCount = await callFloors(sent);
          } else {
            // The floors need the statements before the provider sends them: those of the
            // previous iteration (the same statements, for the previous twin objects).
            const t = templates.get(op)!;
            minimalCount = await callFloors(renumber(t.sent, t.i, i, t.id, id));
            await callProvider();
          }
          templates.set(op, { sent, i, id });
          if (op === "create" && s.oidOf) {
            oids.f.set(id, await s.oidOf(admin, i, "f"));
            oids.m.set(id, await s.oidOf(admin, i, "m"));
          }
          if (warm) {
            r.provider.push(tp);
            r.floor.push(tf);
            r.minimal.push(tm);
            r.providerOutside.push(tp - sent.reduce((a, x) => a + (x.ms ?? 0), 0));
            r.floorOutside.push(tf - floorQueries);
            r.statements = sent.length;
            r.minimalStatements = minimalCount;
          }
        }
        for (const set of ["p", "f", "m"]) await s.cleanup(admin, i, set);
      }
      for (const r of byOp.values()) {
        results.push(r);
        opts.log(
          `  ${s.kind} ${r.op}: provider ${fmtMs(median(r.provider))} floor ${fmtMs(median(r.floor))} minimal ${fmtMs(median(r.minimal))} (${r.statements} / ${r.minimalStatements} statements); outside queries ${fmtMs(median(r.providerOutside))} vs ${fmtMs(median(r.floorOutside))}`,
        );
      }
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    await admin.end();
    await floor.end();
  }
  return results;
}

export function hookRows(results: readonly HookResult[]): Row[] {
  return results.map((r) => {
    const pm = median(r.provider);
    const fm = median(r.floor);
    const mm = median(r.minimal);
    return {
      part: "1 hooks",
      what: `${r.kind} ${r.op}`,
      figure: `${fmtMs(pm)} (p95 ${fmtMs(quantile(r.provider, 0.95))})`,
      floor: `${fmtMs(fm)} (p95 ${fmtMs(quantile(r.floor, 0.95))}); minimal ${fmtMs(mm)}`,
      ratio: `${fmtRatio(pm / fm)} (p95 ${fmtRatio(quantile(r.provider, 0.95) / quantile(r.floor, 0.95))}); ${fmtRatio(pm / mm)} to minimal`,
      note: `${r.statements} statements (minimal ${r.minimalStatements}); outside the queries: provider ${fmtMs(median(r.providerOutside))}, floor ${fmtMs(median(r.floorOutside))}`,
    };
  });
}
