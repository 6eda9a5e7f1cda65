/**
 * Policy hooks: find the policy (by OID, else by table and name), plan, run in one transaction,
 * and read back how PostgreSQL stored the expressions (pg_get_expr) to recognize drift later.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { GONE, ProviderError } from "../common/errors";
import { sameSet } from "../common/privileges";
import { compact } from "../common/values";
import { type Db, ON_TABLE, defineResource } from "../db/scaffold";
import { readPolicy } from "./catalog";
import { type PolicyInputs, type PolicyOutputs, checkPolicy, diffPolicy } from "./inputs";
import { type PolicyActual, type PolicySpec, planPolicy } from "./planner";

type Where = Pick<PolicyInputs, "name" | "schema" | "table" | "database" | "connection">;

const label = (i: Where) =>
  `Policy ${JSON.stringify(i.name)} on ${i.schema}.${i.table}${i.database ? ` in database ${i.database}` : ""}`;

function specOf(i: PolicyInputs): PolicySpec {
  return compact({
    name: i.name,
    schema: i.schema,
    table: i.table,
    command: i.command,
    permissive: i.permissive,
    roles: i.roles,
    using: i.using,
    withCheck: i.withCheck,
  });
}

/** The inputs as written, plus the OID and the expressions as PostgreSQL stored them. */
function outputsOf(i: PolicyInputs, stored: PolicyActual): PolicyOutputs {
  return compact({
    ...i,
    oid: stored.oid,
    usingNormalized: stored.using,
    withCheckNormalized: stored.withCheck,
  });
}

/** The expression to report: the text as written while the catalog still shows what it became. */
function reported(actual: string | undefined, written: string | undefined, normalized: string | undefined) {
  if (actual === undefined) return undefined;
  return written !== undefined && actual === normalized ? written : actual;
}

/** The policy this resource manages: by OID (it follows a rename by hand), else by its name. */
async function locate(
  client: PoolClient,
  p: Partial<PolicyOutputs> & Where,
): Promise<PolicyActual | undefined> {
  if (p.oid !== undefined) {
    const byOid = await readPolicy(client, { oid: p.oid });
    if (byOid) return byOid;
  }
  return readPolicy(client, { schema: p.schema, table: p.table, name: p.name });
}

/** Reads the policy back after a change (by name: a recreated policy has a new OID). */
async function readBack(client: PoolClient, i: PolicyInputs): Promise<PolicyActual> {
  const after = await readPolicy(client, { schema: i.schema, table: i.table, name: i.name });
  if (!after) {
    throw new ProviderError(label(i), "reading the policy back", {
      message: `policy ${JSON.stringify(i.name)} not found after the change`,
    });
  }
  return after;
}

async function create(db: Db, inputs: PolicyInputs): Promise<pulumi.dynamic.CreateResult<PolicyOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    // adoptExisting: a policy of that name already on the table is converged, not created again;
    // an expression written as PostgreSQL stores it (what `export` writes) counts as in place.
    const existing = inputs.adoptExisting
      ? await readPolicy(client, { schema: inputs.schema, table: inputs.table, name: inputs.name })
      : undefined;
    const asStored = existing && {
      using: existing.using,
      usingNormalized: existing.using,
      withCheck: existing.withCheck,
      withCheckNormalized: existing.withCheck,
    };
    await execute(planPolicy({ actual: existing, desired: specOf(inputs), previous: asStored }));
    const after = await readBack(client, inputs);
    return { id: String(after.oid), outs: outputsOf(inputs, after) };
  });
}

async function read(
  db: Db,
  id: string,
  props: PolicyOutputs,
): Promise<pulumi.dynamic.ReadResult<PolicyOutputs>> {
  const gone = { id: undefined, props: {} as PolicyOutputs };
  return db.transaction(async ({ client }) => {
    const a = await locate(client, props);
    if (!a) return gone;
    const outs: PolicyOutputs = {
      ...props,
      oid: a.oid,
      name: a.name,
      schema: a.schema,
      table: a.table,
      command: a.command,
      permissive: a.permissive,
      roles: sameSet(a.roles, props.roles ?? []) ? props.roles : a.roles,
      using: reported(a.using, props.using, props.usingNormalized),
      withCheck: reported(a.withCheck, props.withCheck, props.withCheckNormalized),
    };
    return { id, props: compact(outs) };
  });
}

async function update(
  db: Db,
  _id: string,
  olds: PolicyOutputs,
  news: PolicyInputs,
): Promise<pulumi.dynamic.UpdateResult<PolicyOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    const actual = await locate(client, olds);
    if (!actual) {
      throw new ProviderError(db.label, "update policy", {
        message: `policy ${JSON.stringify(olds.name)} on ${olds.schema}.${olds.table} no longer exists`,
        code: GONE.undefinedObject,
        hint: "run `pulumi refresh` so that the next `pulumi up` creates it again",
      });
    }
    await execute(planPolicy({ actual, desired: specOf(news), previous: olds }));
    return { outs: outputsOf(news, await readBack(client, news)) };
  });
}

async function remove(db: Db, _id: string, props: PolicyOutputs): Promise<void> {
  await db.transaction(async ({ client, execute }) => {
    // Policy, table or schema already gone counts as success.
    await execute(planPolicy({ actual: await locate(client, props) }));
  });
}

export const policy = defineResource<PolicyInputs, PolicyOutputs>(
  {
    check: checkPolicy,
    diff: diffPolicy,
    label,
    ...ON_TABLE,
  },
  { create, read, update, delete: remove },
);
