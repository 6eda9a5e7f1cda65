/**
 * The impact of a preview on access: `pulumi preview --json` and the live catalog in, the report
 * out. One connection: the access model is read once, the routine signatures the preview names are
 * resolved by the server (its own type-name rules), and the rest is pure (simulate.ts, report.ts).
 */
import type { PoolClient } from "pg";
import { withCatalog } from "../queries/connect";
import { type AccessModel, readAccessModelWith } from "../queries/model";
import type { QueryOptions } from "../queries/types";
import { ident } from "../common/quote";
import { OBJECT_KINDS } from "../common/object-kinds";
import type { ObjectType } from "../common/privileges";
import { ROUTINE_RESOLVE_QUERY } from "../grant/catalog";
import { splitRoutine } from "../grant/inputs";
import { type PlannedStep, type PreviewSummary, isUnknownValue, parsePreview } from "./preview";
import { type RoutineOids, type SimulationContext, simulate } from "./simulate";
import { type ImpactOptions, type ImpactReport, buildImpact } from "./report";

export { parsePreview, type PlannedStep, type PreviewSummary } from "./preview";
export { simulate, type SimulationContext, type SimulationResult, type StepHandler } from "./simulate";
export {
  buildImpact,
  exitStatus,
  reaches,
  EXIT_FINDINGS,
  LEVELS,
  type Level,
  type ImpactReport,
} from "./report";
export { formatImpactJson, formatImpactMarkdown, formatImpactText } from "./render";

/** `name(argtypes)` items of routine grants in the steps (with their schema), to resolve on the server. */
export function routineItems(steps: readonly PlannedStep[]): Array<{ schema: string; item: string }> {
  const out = new Map<string, { schema: string; item: string }>();
  for (const s of steps) {
    // Grants, and the entries of Privileges (Grant's arguments each).
    const values = [s.olds, s.news].flatMap((v) =>
      v && s.kind === "Privileges" && v.grants && typeof v.grants === "object"
        ? (Object.values(v.grants) as Array<Record<string, unknown>>)
        : [v],
    );
    for (const v of values) {
      if (!v || isUnknownValue(v.objects) || isUnknownValue(v.schema)) continue;
      const t = v.objectType as ObjectType | undefined;
      if (!t || !OBJECT_KINDS[t]?.prokinds || !Array.isArray(v.objects)) continue;
      const schema = typeof v.schema === "string" ? v.schema : "public";
      for (const item of v.objects as string[]) {
        if (splitRoutine(item).args !== undefined) out.set(`${schema}\u0000${item}`, { schema, item });
      }
    }
  }
  return [...out.values()];
}

async function resolveRoutines(client: PoolClient, steps: readonly PlannedStep[]): Promise<RoutineOids> {
  const items = routineItems(steps);
  const out = new Map<string, string | null>();
  if (items.length === 0) return out;
  // Indexes as the query's item: a NUL (the key's separator) cannot travel as text.
  const keys = items.map((_, i) => String(i));
  const sigs = items.map((i) => {
    const { name, args } = splitRoutine(i.item);
    return `${ident(i.schema)}.${ident(name)}(${args})`;
  });
  const { rows } = await client.query<{ item: string; oid: string | null }>(ROUTINE_RESOLVE_QUERY, [
    keys,
    sigs,
  ]);
  for (const r of rows) {
    const i = items[Number(r.item)]!;
    out.set(`${i.schema}\u0000${i.item}`, r.oid === null ? null : String(r.oid));
  }
  return out;
}

/** (schema, table, column) of column grants in the steps, to check on the server. */
export function columnItems(steps: readonly PlannedStep[]): Array<[string, string, string]> {
  const out = new Map<string, [string, string, string]>();
  for (const s of steps) {
    for (const v of [s.olds, s.news]) {
      if (!v || v.objectType !== "column" || isUnknownValue(v)) continue;
      const schema = typeof v.schema === "string" ? v.schema : "public";
      for (const t of (v.objects as string[] | undefined) ?? [])
        for (const c of (v.columns as string[] | undefined) ?? [])
          out.set(JSON.stringify([schema, t, c]), [schema, t, c]);
    }
  }
  return [...out.values()];
}

/** Which of the (schema, table, column) triples exist ($1, $2, $3 arrays). */
export const COLUMNS_EXIST_QUERY = `
SELECT w.i FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(s, t, c, i)
 WHERE EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE n.nspname = w.s AND r.relname = w.t AND a.attname = w.c AND a.attnum > 0
                  AND NOT a.attisdropped)`;

async function existingColumns(client: PoolClient, steps: readonly PlannedStep[]): Promise<Set<string>> {
  const items = columnItems(steps);
  if (items.length === 0) return new Set();
  const { rows } = await client.query<{ i: string }>(
    COLUMNS_EXIST_QUERY,
    [0, 1, 2].map((k) => items.map((x) => x[k])),
  );
  return new Set(rows.map((r) => items[Number(r.i) - 1]!.join("\u0000")));
}

export interface ImpactInputs {
  preview: PreviewSummary;
  before: AccessModel;
  routineOids: RoutineOids;
  /** `schema NUL table NUL column` of the columns the preview's column grants name that exist. */
  columns: ReadonlySet<string>;
}

/** Reads what the simulation needs from the server: the access model and the routine signatures. */
export async function readImpactInputs(
  previewText: string,
  opts?: QueryOptions & { schemas?: string[] },
): Promise<ImpactInputs> {
  const preview = parsePreview(previewText);
  return withCatalog(opts, "reading the catalog", async ({ client }) => ({
    preview,
    before: await readAccessModelWith(client, { schema: opts?.schemas }),
    routineOids: await resolveRoutines(client, preview.steps),
    columns: await existingColumns(client, preview.steps),
  }));
}

/** The report from what was read (pure). */
export function impactOf(
  inputs: ImpactInputs,
  opts: ImpactOptions & { extensions?: SimulationContext["extensions"] } = {},
): ImpactReport {
  const result = simulate(inputs.before, inputs.preview.steps, {
    routineOids: inputs.routineOids,
    columns: inputs.columns,
    extensions: opts.extensions,
  });
  return buildImpact(inputs.before, result, inputs.preview, opts);
}
