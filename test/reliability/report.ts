/**
 * The figures of a reliability run, written as JSON as the tests go (a run that stops half way still
 * leaves what it measured): PGR_RELIABILITY_REPORT, or reliability-<major>.json in the matrix's cache
 * folder. scripts/ci-matrix-report.js renders RELIABILITY.md from these files and the matrix summary.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT, requestedMajor } from "../support/versions";

export function reportFile(): string {
  return (
    process.env.PGR_RELIABILITY_REPORT ||
    join(
      REPO_ROOT,
      "node_modules",
      ".cache",
      "pulumi-postgres-roles-matrix",
      `reliability-${requestedMajor()}.json`,
    )
  );
}

type Report = Record<string, unknown>;

function load(): Report {
  const f = reportFile();
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, "utf8")) as Report;
  } catch {
    return {};
  }
}

function save(r: Report): void {
  const f = reportFile();
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, JSON.stringify(r, null, 2));
}

/** Sets one section of the report (replacing what an earlier run of the same section wrote). */
export function record(section: string, data: unknown): void {
  const r = load();
  r[section] = data;
  r.updatedAt = new Date().toISOString();
  save(r);
}

/** Appends an entry to a list section (faults, secrets checks). */
export function append(section: string, entry: unknown): void {
  const r = load();
  const list = Array.isArray(r[section]) ? (r[section] as unknown[]) : [];
  list.push(entry);
  r[section] = list;
  r.updatedAt = new Date().toISOString();
  save(r);
}

/** Starts a fresh list section (at the start of a suite, so that reruns do not accumulate). */
export function reset(section: string): void {
  const r = load();
  delete r[section];
  save(r);
}
