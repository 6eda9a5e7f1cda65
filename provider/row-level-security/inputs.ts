/** RowLevelSecurity inputs: defaults, check and diff. Pure. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems } from "../common/validate";
import { compact } from "../common/values";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";

export interface RowLevelSecurityInputs {
  /** The table (ordinary or partitioned). */
  table: string;
  /** Its schema. Default "public". */
  schema: string;
  /** ENABLE (true, the default) or DISABLE ROW LEVEL SECURITY. */
  enabled: boolean;
  /** FORCE (true) or NO FORCE (false, the default) ROW LEVEL SECURITY: whether the owner is subject to it too. */
  force: boolean;
  /** The database the table is in (the provider connects to it). Default: the connection's. */
  database?: string;
  connection?: ConnectionArgs;
  /** The resource's own URN (computed by the constructor): the key of its creation marker. Not compared by diff. */
  resourceUrn?: string;
}

/** The inputs, plus the table's setting found at create: delete restores it. */
export interface RowLevelSecurityOutputs extends RowLevelSecurityInputs {
  previousEnabled: boolean;
  previousForce: boolean;
}

export function checkRowLevelSecurity(news: Record<string, unknown>): {
  inputs: RowLevelSecurityInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("table", news.table, true);
  p.name("schema", news.schema, false);
  p.name("database", news.database, false);
  p.bool("enabled", news.enabled);
  p.bool("force", news.force);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);
  const inputs: RowLevelSecurityInputs = compact({
    table: news.table as string,
    schema: (news.schema as string | undefined) ?? "public",
    enabled: (news.enabled as boolean | undefined) ?? true,
    force: (news.force as boolean | undefined) ?? false,
    database: news.database as string | undefined,
    connection: news.connection as ConnectionArgs | undefined,
    resourceUrn: typeof news.resourceUrn === "string" ? news.resourceUrn : undefined,
  });
  return { inputs, failures: p.failures };
}

export function diffRowLevelSecurity(
  olds: Partial<RowLevelSecurityOutputs>,
  news: RowLevelSecurityInputs,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  for (const k of ["table", "schema", "database"] as const) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) replaces.push(k);
  }
  const sameServer = serverIdentity(olds.connection) === serverIdentity(news.connection);
  if (!sameServer) replaces.push("connection");
  const updates =
    (olds.enabled ?? true) !== news.enabled ||
    (olds.force ?? false) !== news.force ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  return {
    changes: replaces.length > 0 || updates,
    replaces,
    // Only the connection changed: it may be another address of the same server, and then the
    // replacement would record our own setting as "previous" before the old resource restores the
    // table's. Restoring first keeps the original setting (at the cost of a moment without it).
    deleteBeforeReplace: replaces.length > 0 && replaces.every((r) => r === "connection"),
  };
}
