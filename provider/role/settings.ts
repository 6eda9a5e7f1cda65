/**
 * Per-role configuration (`ALTER ROLE … SET name TO value`), stored in pg_db_role_setting as
 * "name=value" strings. List-valued parameters (search_path and the like) are written as a list of
 * literals, which PostgreSQL stores as `a, "$user"`; they compare element by element.
 */
import { ident, literal } from "../common/quote";

/** Parameters whose value is a list (GUC_LIST_QUOTE in PostgreSQL). */
const LIST_PARAMETERS = new Set([
  "search_path",
  "temp_tablespaces",
  "session_preload_libraries",
  "shared_preload_libraries",
  "local_preload_libraries",
]);

/** A parameter name: `name` or `prefix.name` (custom), letters, digits, underscores. */
export const PARAMETER_RE = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)*$/;

function listItems(value: string): string[] {
  return value
    .split(",")
    .map((x) => x.trim())
    .map((x) =>
      x.length >= 2 && x.startsWith('"') && x.endsWith('"') ? x.slice(1, -1).replace(/""/g, '"') : x,
    )
    .filter((x) => x.length > 0);
}

/** `name TO value` for ALTER ROLE … SET. */
export function setClause(name: string, value: string): string {
  const param = name.split(".").map(ident).join(".");
  const v = LIST_PARAMETERS.has(name) ? listItems(value).map(literal).join(", ") || "''" : literal(value);
  return `${param} TO ${v}`;
}

export function resetClause(name: string): string {
  return name.split(".").map(ident).join(".");
}

/** Whether a stored value (from pg_db_role_setting) is the wanted one. */
export function settingEquals(name: string, stored: string | undefined, wanted: string): boolean {
  if (stored === undefined) return false;
  if (LIST_PARAMETERS.has(name)) return listItems(stored).join("\u0000") === listItems(wanted).join("\u0000");
  return stored === wanted;
}

/** Parses pg_db_role_setting.setconfig ("name=value" entries). */
export function parseSetconfig(setconfig: readonly string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of setconfig ?? []) {
    const eq = entry.indexOf("=");
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
