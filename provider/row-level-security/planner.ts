/**
 * RowLevelSecurity planner: (the table's setting as the catalog has it, as wanted) -> statements.
 * Pure. One ALTER TABLE per flag that differs; nothing when the table is as wanted or gone.
 */
import { qualified } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { GONE } from "../common/errors";

export interface RowLevelSecuritySetting {
  /** pg_class.relrowsecurity */
  enabled: boolean;
  /** pg_class.relforcerowsecurity */
  force: boolean;
}

export interface RowLevelSecurityPlanInput {
  schema: string;
  table: string;
  /** The table's setting as the catalog has it (undefined: no such table). */
  actual?: RowLevelSecuritySetting;
  desired: RowLevelSecuritySetting;
  /** Delete: `desired` is the setting recorded at create. */
  restore?: boolean;
}

/**
 * `actual` undefined: the table does not exist (nothing to do; create reports it before planning).
 * On delete (`restore`), `desired` is the setting recorded at create, and a table dropped between
 * the read and the statement counts as done.
 */
export function planRowLevelSecurity(input: RowLevelSecurityPlanInput): Statement[] {
  const { actual, desired, restore = false } = input;
  if (!actual) return [];
  const table = qualified(input.schema, input.table);
  const what = `${input.schema}.${input.table}`;
  const ignore = restore ? [GONE.undefinedTable, GONE.invalidSchemaName] : undefined;
  const out: Statement[] = [];
  if (actual.enabled !== desired.enabled) {
    const verb = desired.enabled ? "ENABLE" : "DISABLE";
    out.push(
      stmt(
        `${verb.toLowerCase()} row level security on ${what}`,
        `ALTER TABLE ${table} ${verb} ROW LEVEL SECURITY`,
        ignore,
      ),
    );
  }
  if (actual.force !== desired.force) {
    const verb = desired.force ? "FORCE" : "NO FORCE";
    out.push(
      stmt(
        `${desired.force ? "force" : "stop forcing"} row level security on ${what}`,
        `ALTER TABLE ${table} ${verb} ROW LEVEL SECURITY`,
        ignore,
      ),
    );
  }
  return out;
}
