/** Small helpers shared by the benchmark parts: timing, statistics, counting queries, sampling. */
import { readFileSync, readdirSync } from "node:fs";
import { Client, type ClientConfig } from "pg";

export const now = (): bigint => process.hrtime.bigint();
export const msSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Nearest-rank quantile (p95 of 50 samples is the 48th smallest). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : "-";
}

/** One row of the result table. */
export interface Row {
  part: string;
  what: string;
  figure: string;
  floor?: string;
  ratio?: string;
  note?: string;
}

export function renderTable(rows: readonly Row[]): string {
  const head = ["part", "what", "figure", "floor / baseline", "ratio", "note"];
  const cells = rows.map((r) => [r.part, r.what, r.figure, r.floor ?? "", r.ratio ?? "", r.note ?? ""]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

/**
 * Counts (and optionally records) every query sent through node-postgres in this process, the
 * provider's pools included: they are instances of the same pg.Client class.
 */
export interface Sent {
  text: string;
  values?: unknown[];
  queryMode?: string;
  /** From the call to the result (recorded calls only). */
  ms?: number;
}

const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const originalQuery = proto.query;
let recording: Sent[] | undefined;
let counting = 0;

export function installQueryRecorder(): void {
  if ((proto.query as { recorder?: boolean }).recorder) return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    counting += 1;
    let entry: Sent | undefined;
    if (recording) {
      const [a, b] = args;
      if (typeof a === "string") entry = { text: a, values: Array.isArray(b) ? b : undefined };
      else if (a && typeof a === "object") {
        const c = a as { text: string; values?: unknown[]; queryMode?: string };
        entry = {
          text: c.text,
          values: c.values ?? (Array.isArray(b) ? b : undefined),
          queryMode: c.queryMode,
        };
      }
      if (entry) recording.push(entry);
    }
    const t0 = process.hrtime.bigint();
    const result = originalQuery.apply(this, args);
    if (entry && result instanceof Promise) {
      const e = entry;
      result.then(
        () => (e.ms = Number(process.hrtime.bigint() - t0) / 1e6),
        () => (e.ms = Number(process.hrtime.bigint() - t0) / 1e6),
      );
    }
    return result;
  };
  (wrapped as { recorder?: boolean }).recorder = true;
  proto.query = wrapped;
}

/** Runs `fn`, returning its result and the queries it sent (in this process). */
export async function recorded<T>(fn: () => Promise<T>): Promise<{ result: T; sent: Sent[] }> {
  const sent: Sent[] = [];
  recording = sent;
  try {
    const result = await fn();
    return { result, sent };
  } finally {
    recording = undefined;
  }
}

export function queriesSentSoFar(): number {
  return counting;
}

/** A plain client (the floor: one open connection). */
export async function openClient(cfg: ClientConfig): Promise<Client> {
  const c = new Client(cfg);
  await c.connect();
  return c;
}

/** Samples the number of client backends (other than its own) until stopped; returns the peak. */
export function connectionSampler(cfg: ClientConfig, everyMs = 50): { stop(): Promise<number> } {
  let peak = 0;
  let stopped = false;
  const done = (async () => {
    const c = await openClient({ ...cfg, application_name: "bench-sampler" });
    try {
      while (!stopped) {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
              AND application_name NOT LIKE 'bench-%'`,
        );
        peak = Math.max(peak, rows[0]!.n);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    } finally {
      await c.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return peak;
    },
  };
}

const TICKS = 100; // USER_HZ: clock ticks per second of /proc/<pid>/stat on Linux

function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14 and 15 (utime, stime), counted from 1 with the two before the ")" removed
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` was started (directly or not) by this process: other sessions' processes do not count. */
function isDescendant(pid: number): boolean {
  for (let p: number | undefined = pid, hops = 0; p && p > 1 && hops < 32; hops++) {
    p = parentOf(p);
    if (p === process.pid) return true;
  }
  return false;
}

/**
 * CPU time of this process's descendants whose command line matches, sampled from /proc every
 * `everyMs` (the last sample of a process that exits counts: up to one interval of its CPU time can
 * be missed). Processes are keyed by pid, so the total covers each matching process of the run.
 */
export function cpuSampler(match: RegExp, everyMs = 50): { stop(): number; processes(): number } {
  const seen = new Map<number, number>();
  const foreign = new Set<number>();
  const tick = () => {
    for (const name of readdirSync("/proc")) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || foreign.has(pid)) continue;
      if (!seen.has(pid)) {
        if (!match.test(cmdline(pid))) continue;
        if (!isDescendant(pid)) {
          foreign.add(pid);
          continue;
        }
      }
      const ms = procCpuMs(pid);
      if (ms !== undefined) seen.set(pid, Math.max(seen.get(pid) ?? 0, ms));
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      tick();
      clearInterval(timer);
      return [...seen.values()].reduce((a, b) => a + b, 0);
    },
    processes: () => seen.size,
  };
}

export function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}
