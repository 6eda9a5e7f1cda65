/** RowLevelSecurity hooks: read pg_class, plan, run in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { GONE, ProviderError } from "../common/errors";
import { type HookContext, type Runtime, compact } from "../common/runtime-context";
import { execute, inTransaction } from "../db/transaction";
import { inTransactionOrGone } from "../db/or-gone";
import { RLS_RELKINDS, type TableRls, readTableRls } from "./catalog";
import type { RowLevelSecurityInputs, RowLevelSecurityOutputs } from "./inputs";
import { planRowLevelSecurity } from "./planner";

type Target = Pick<RowLevelSecurityInputs, "schema" | "table" | "database" | "connection">;

const label = (i: Target) =>
  `RowLevelSecurity on ${i.schema}.${i.table}${i.database ? ` in database ${i.database}` : ""}`;

export const rowLevelSecurityId = (i: Target) => JSON.stringify([i.database ?? null, i.schema, i.table]);

/** Our own transactions on one table (its row security, its policies) queue instead of colliding. */
export const tableLockKey = (schema: string, table: string) =>
  `pulumi-postgres-roles/table/${JSON.stringify([schema, table])}`;

/**
 * Runs `work` in one transaction in the table's database, queued behind our other transactions on
 * the same table (see tableLockKey); a database that no longer exists yields `gone` when given.
 * Shared with the Policy hooks.
 */
export async function inTableTransaction<T>(
  rt: Runtime,
  ctx: HookContext,
  where: Target,
  resource: string,
  gone: { value: T } | undefined,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const { pool, conn } = rt.connect(where.connection, ctx, where.database);
  const opts = { resource, lockTimeout: conn.lockTimeout, lockKey: tableLockKey(where.schema, where.table) };
  return gone ? inTransactionOrGone(pool, opts, gone.value, work) : inTransaction(pool, opts, work);
}

const inTableDatabase = <T>(
  rt: Runtime,
  ctx: HookContext,
  i: Target,
  gone: { value: T } | undefined,
  work: (client: PoolClient) => Promise<T>,
) => inTableTransaction(rt, ctx, i, label(i), gone, work);

/** The table's setting, or a ProviderError saying why there is none to change. */
function requireTable(i: Target, doing: string, found: TableRls | undefined): TableRls {
  if (!found) {
    throw new ProviderError(label(i), doing, {
      message: `table ${JSON.stringify(i.table)} does not exist in schema ${JSON.stringify(i.schema)}`,
      code: GONE.undefinedTable,
    });
  }
  if (!RLS_RELKINDS.includes(found.relkind)) {
    throw new ProviderError(label(i), doing, {
      message: `${JSON.stringify(`${i.schema}.${i.table}`)} is not a table (relkind ${found.relkind}); only tables have row level security`,
      code: "42809",
    });
  }
  return found;
}

export async function create(
  rt: Runtime,
  ctx: HookContext,
  inputs: RowLevelSecurityInputs,
): Promise<pulumi.dynamic.CreateResult> {
  return inTableDatabase(rt, ctx, inputs, undefined, async (client) => {
    const found = requireTable(
      inputs,
      "set row level security",
      await readTableRls(client, inputs.schema, inputs.table),
    );
    await execute(client, label(inputs), planRowLevelSecurity(inputs, found.setting, inputs));
    const outs: RowLevelSecurityOutputs = compact({
      ...inputs,
      previousEnabled: found.setting.enabled,
      previousForce: found.setting.force,
    });
    return { id: rowLevelSecurityId(inputs), outs };
  });
}

export async function read(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  props: RowLevelSecurityOutputs,
): Promise<pulumi.dynamic.ReadResult<RowLevelSecurityOutputs>> {
  const gone = { id: undefined, props: {} as RowLevelSecurityOutputs };
  return inTableDatabase(rt, ctx, props, { value: gone }, async (client) => {
    const found = await readTableRls(client, props.schema, props.table);
    if (!found || !RLS_RELKINDS.includes(found.relkind)) return gone;
    return { id, props: { ...props, enabled: found.setting.enabled, force: found.setting.force } };
  });
}

export async function update(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  olds: RowLevelSecurityOutputs,
  news: RowLevelSecurityInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  return inTableDatabase(rt, ctx, news, undefined, async (client) => {
    const found = requireTable(
      news,
      "update row level security",
      await readTableRls(client, news.schema, news.table),
    );
    await execute(client, label(news), planRowLevelSecurity(news, found.setting, news));
    // The setting to restore on delete stays the one found when the resource was created.
    const outs: RowLevelSecurityOutputs = compact({
      ...news,
      previousEnabled: olds.previousEnabled ?? false,
      previousForce: olds.previousForce ?? false,
    });
    return { outs };
  });
}

export async function remove(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  props: RowLevelSecurityOutputs,
): Promise<void> {
  await inTableDatabase(rt, ctx, props, { value: undefined }, async (client) => {
    const found = await readTableRls(client, props.schema, props.table);
    // Table (or schema) gone: so is its setting.
    if (!found || !RLS_RELKINDS.includes(found.relkind)) return;
    const previous = { enabled: props.previousEnabled ?? false, force: props.previousForce ?? false };
    await execute(client, label(props), planRowLevelSecurity(props, found.setting, previous, true));
  });
}
