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
import { type Whereabouts, otherClusterError, whereabouts } from "../db/cluster";
import { createdBy, markCreated, markedBy, notOursDetail, unmark } from "../db/ownership";

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

/** The inputs as written, plus the OID (and its cluster) and the expressions as PostgreSQL stored them. */
function outputsOf(
  i: PolicyInputs,
  stored: PolicyActual,
  systemIdentifier: string | undefined,
): PolicyOutputs {
  return compact({
    ...i,
    oid: stored.oid,
    systemIdentifier,
    usingNormalized: stored.using,
    withCheckNormalized: stored.withCheck,
  });
}

/** The expression to report: the text as written while the catalog still shows what it became. */
function reported(actual: string | undefined, written: string | undefined, normalized: string | undefined) {
  if (actual === undefined) return undefined;
  return written !== undefined && actual === normalized ? written : actual;
}

/**
 * The policy this resource manages: by OID (it follows a rename by hand), else by its name; by name
 * only when the OID was recorded on another cluster (see provider/db/cluster.ts).
 */
async function locate(
  client: PoolClient,
  p: Partial<PolicyOutputs> & Where,
  where: Whereabouts,
): Promise<PolicyActual | undefined> {
  if (p.oid !== undefined && where.same) {
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

/**
 * Creates the policy; one of that name already on the table is taken over (converged) when
 * adoptExisting says so or when its creation marker says this very resource made it (a run
 * interrupted after its COMMIT), and refused otherwise. The marker is written in the same transaction.
 */
async function create(db: Db, inputs: PolicyInputs): Promise<pulumi.dynamic.CreateResult<PolicyOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    const found = await readPolicy(client, { schema: inputs.schema, table: inputs.table, name: inputs.name });
    const marked = found && (await markedBy(client, "policy", found.oid));
    const ours = createdBy(marked, inputs.resourceUrn);
    if (found && !inputs.adoptExisting && !ours) {
      throw new ProviderError(db.label, "create policy", {
        message: `policy ${JSON.stringify(inputs.name)} for table ${JSON.stringify(inputs.table)} already exists (${await notOursDetail(client, marked)})`,
        code: "42710",
        hint: "set adoptExisting: true to take over the existing policy, or choose another name",
      });
    }
    // A policy taken over is converged; an expression written as PostgreSQL stores it (what
    // `export` writes) counts as in place.
    const asStored = found && {
      using: found.using,
      usingNormalized: found.using,
      withCheck: found.withCheck,
      withCheckNormalized: found.withCheck,
    };
    await execute(planPolicy({ actual: found, desired: specOf(inputs), previous: asStored }));
    const after = await readBack(client, inputs);
    if (!found || ours) await markCreated(client, inputs.resourceUrn, "policy", [after]);
    const { here } = await whereabouts(client, undefined);
    return { id: String(after.oid), outs: outputsOf(inputs, after, here) };
  });
}

async function read(
  db: Db,
  id: string,
  props: PolicyOutputs,
): Promise<pulumi.dynamic.ReadResult<PolicyOutputs>> {
  const gone = { id: undefined, props: {} as PolicyOutputs };
  return db.transaction(async ({ client }) => {
    const where = await whereabouts(client, props.systemIdentifier);
    const a = await locate(client, props, where);
    if (!a) return gone;
    const outs: PolicyOutputs = {
      ...props,
      oid: a.oid,
      systemIdentifier: where.here ?? props.systemIdentifier,
      name: a.name,
      schema: a.schema,
      table: a.table,
      command: a.command,
      permissive: a.permissive,
      roles: sameSet(a.roles, props.roles ?? []) ? props.roles : a.roles,
      using: reported(a.using, props.using, props.usingNormalized),
      withCheck: reported(a.withCheck, props.withCheck, props.withCheckNormalized),
    };
    return { id: where.same ? id : String(a.oid), props: compact(outs) };
  });
}

async function update(
  db: Db,
  _id: string,
  olds: PolicyOutputs,
  news: PolicyInputs,
): Promise<pulumi.dynamic.UpdateResult<PolicyOutputs>> {
  return db.transaction(async ({ client, execute }) => {
    const where = await whereabouts(client, olds.systemIdentifier);
    if (!where.same) {
      throw otherClusterError(
        db.label,
        "update policy",
        `policy ${JSON.stringify(olds.name)} (oid ${olds.oid})`,
        where,
      );
    }
    const actual = await locate(client, olds, where);
    if (!actual) {
      throw new ProviderError(db.label, "update policy", {
        message: `policy ${JSON.stringify(olds.name)} on ${olds.schema}.${olds.table} no longer exists`,
        code: GONE.undefinedObject,
        hint: "run `pulumi refresh` so that the next `pulumi up` creates it again",
      });
    }
    await execute(planPolicy({ actual, desired: specOf(news), previous: olds }));
    return { outs: outputsOf(news, await readBack(client, news), where.here ?? olds.systemIdentifier) };
  });
}

async function remove(db: Db, _id: string, props: PolicyOutputs): Promise<void> {
  await db.transaction(async ({ client, execute }) => {
    // Policy, table or schema already gone counts as success. On another cluster the OID means
    // nothing: missing by name is gone, found by name is refused (refresh first).
    const where = await whereabouts(client, props.systemIdentifier);
    const actual = await locate(client, props, where);
    if (actual && !where.same) {
      throw otherClusterError(
        db.label,
        "drop policy",
        `policy ${JSON.stringify(props.name)} (oid ${props.oid})`,
        where,
      );
    }
    await execute(planPolicy({ actual }));
    // Its creation marker goes with it, in the same transaction.
    if (actual) await unmark(client, "policy", [actual.oid]);
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
