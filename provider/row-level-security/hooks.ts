/** RowLevelSecurity hooks: read pg_class, plan, run in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { GONE, ProviderError } from "../common/errors";
import { compact } from "../common/values";
import { type Db, ON_TABLE, defineResource } from "../db/scaffold";
import {
  ROW_LEVEL_SECURITY_RELKINDS,
  type TableRowLevelSecurity,
  readTableRowLevelSecurity,
} from "./catalog";
import {
  type RowLevelSecurityInputs,
  type RowLevelSecurityOutputs,
  checkRowLevelSecurity,
  diffRowLevelSecurity,
} from "./inputs";
import { type RowLevelSecuritySetting, planRowLevelSecurity } from "./planner";
import { createdBy, mark, markedBy, unmark } from "../db/ownership";

type Target = Pick<RowLevelSecurityInputs, "schema" | "table" | "database" | "connection">;

const label = (i: Target) =>
  `RowLevelSecurity on ${i.schema}.${i.table}${i.database ? ` in database ${i.database}` : ""}`;

export const rowLevelSecurityId = (i: Target) => JSON.stringify([i.database ?? null, i.schema, i.table]);

const tableOf = (i: Target) => ({ schema: i.schema, table: i.table });

/** The table's setting, or a ProviderError saying why there is none to change. */
function requireTable(
  i: Target,
  doing: string,
  found: TableRowLevelSecurity | undefined,
): TableRowLevelSecurity {
  if (!found) {
    throw new ProviderError(label(i), doing, {
      message: `table ${JSON.stringify(i.table)} does not exist in schema ${JSON.stringify(i.schema)}`,
      code: GONE.undefinedTable,
    });
  }
  if (!ROW_LEVEL_SECURITY_RELKINDS.includes(found.relkind)) {
    throw new ProviderError(label(i), doing, {
      message: `${JSON.stringify(`${i.schema}.${i.table}`)} is not a table (relkind ${found.relkind}); only tables have row level security`,
      code: "42809",
    });
  }
  return found;
}

/**
 * Sets the table's row level security and notes the setting found, to restore on delete. When it
 * changes the setting, the setting found is also kept in the creation marker, written in the same
 * transaction: a create run again after an interruption (its COMMIT done, the state not written)
 * finds its own marker and restores the setting noted the first time, not the one it made itself.
 */
async function create(
  db: Db,
  inputs: RowLevelSecurityInputs,
): Promise<pulumi.dynamic.CreateResult<RowLevelSecurityOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    const found = requireTable(
      inputs,
      "set row level security",
      await readTableRowLevelSecurity(client, inputs.schema, inputs.table),
    );
    const marked = await markedBy(client, "row level security", found.oid);
    const noted = marked?.data as Partial<RowLevelSecuritySetting> | null | undefined;
    const previous: RowLevelSecuritySetting =
      createdBy(marked, inputs.resourceUrn) &&
      typeof noted?.enabled === "boolean" &&
      typeof noted.force === "boolean"
        ? { enabled: noted.enabled, force: noted.force }
        : found.setting;
    const plan = planRowLevelSecurity({ ...tableOf(inputs), actual: found.setting, desired: inputs });
    await execute(plan);
    // A create that changes nothing needs no marker: run again, it finds the same setting.
    if (inputs.resourceUrn !== undefined && plan.length > 0) {
      await mark(client, {
        urn: inputs.resourceUrn,
        kind: "row level security",
        oid: found.oid,
        name: `${inputs.schema}.${inputs.table}`,
        data: { ...previous },
      });
    }
    const outs: RowLevelSecurityOutputs = compact({
      ...inputs,
      previousEnabled: previous.enabled,
      previousForce: previous.force,
    });
    return { id: rowLevelSecurityId(inputs), outs };
  });
}

async function read(
  db: Db,
  id: string,
  props: RowLevelSecurityOutputs,
): Promise<pulumi.dynamic.ReadResult<RowLevelSecurityOutputs>> {
  const gone = { id: undefined, props: {} as RowLevelSecurityOutputs };
  return db.transaction(async ({ client }) => {
    const found = await readTableRowLevelSecurity(client, props.schema, props.table);
    if (!found || !ROW_LEVEL_SECURITY_RELKINDS.includes(found.relkind)) return gone;
    return { id, props: { ...props, enabled: found.setting.enabled, force: found.setting.force } };
  });
}

async function update(
  db: Db,
  _id: string,
  olds: RowLevelSecurityOutputs,
  news: RowLevelSecurityInputs,
): Promise<pulumi.dynamic.UpdateResult<RowLevelSecurityOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    const found = requireTable(
      news,
      "update row level security",
      await readTableRowLevelSecurity(client, news.schema, news.table),
    );
    await execute(planRowLevelSecurity({ ...tableOf(news), actual: found.setting, desired: news }));
    // The setting to restore on delete stays the one found when the resource was created.
    const outs: RowLevelSecurityOutputs = compact({
      ...news,
      previousEnabled: olds.previousEnabled ?? false,
      previousForce: olds.previousForce ?? false,
    });
    return { outs };
  });
}

async function remove(db: Db, _id: string, props: RowLevelSecurityOutputs): Promise<void> {
  await db.transaction(async ({ client, execute }) => {
    const found = await readTableRowLevelSecurity(client, props.schema, props.table);
    // Table (or schema) gone: so is its setting.
    if (!found || !ROW_LEVEL_SECURITY_RELKINDS.includes(found.relkind)) return;
    const previous = { enabled: props.previousEnabled ?? false, force: props.previousForce ?? false };
    await execute(
      planRowLevelSecurity({ ...tableOf(props), actual: found.setting, desired: previous, restore: true }),
    );
    await unmark(client, "row level security", [found.oid]);
  });
}

export const rowLevelSecurity = defineResource<RowLevelSecurityInputs, RowLevelSecurityOutputs>(
  {
    check: checkRowLevelSecurity,
    diff: diffRowLevelSecurity,
    label,
    ...ON_TABLE,
  },
  { create, read, update, delete: remove },
);
