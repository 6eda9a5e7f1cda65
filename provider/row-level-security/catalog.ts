/** Reading a table's row level security setting. Queries are constants with bind parameters. */
import type { PoolClient } from "pg";
import type { RowLevelSecuritySetting } from "./planner";

/** The relation by schema and name ($1, $2): its kind and pg_class's two row security flags. */
export const TABLE_ROW_LEVEL_SECURITY_QUERY = `
SELECT c.oid, c.relkind::text AS relkind, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2`;

/** Relation kinds that have row level security: ordinary and partitioned tables. */
export const ROW_LEVEL_SECURITY_RELKINDS: readonly string[] = ["r", "p"];

export interface TableRowLevelSecurity {
  /** The table's OID (the key of its creation marker). */
  oid: number;
  /** pg_class.relkind: "r" or "p" for tables; anything else cannot have row level security. */
  relkind: string;
  setting: RowLevelSecuritySetting;
}

/** The relation's setting, or undefined when no relation of that name is in the schema. */
export async function readTableRowLevelSecurity(
  client: PoolClient,
  schema: string,
  table: string,
): Promise<TableRowLevelSecurity | undefined> {
  const { rows } = await client.query<{
    oid: string;
    relkind: string;
    relrowsecurity: boolean;
    relforcerowsecurity: boolean;
  }>(TABLE_ROW_LEVEL_SECURITY_QUERY, [schema, table]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    oid: Number(r.oid),
    relkind: r.relkind,
    setting: { enabled: r.relrowsecurity, force: r.relforcerowsecurity },
  };
}
