/** Grant hooks: read the ACLs once, plan the delta, run it in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { ProviderError } from "../common/errors";
import {
  CLUSTER_OBJECT_TYPES,
  UNQUALIFIED_OBJECT_TYPES,
  describeActual,
  expandPrivileges,
} from "../common/privileges";
import { type HookContext, type Runtime } from "../common/runtime-context";
import { execute, inTransaction } from "../db/transaction";
import { inTransactionOrGone } from "../db/or-gone";
import type { Statement } from "../common/statement";
import { type GrantCatalog, readGrantCatalog } from "./catalog";
import type { GrantInputs, GrantOutputs } from "./inputs";
import { type PrivilegeSet, heldOnAll, planGrant } from "./planner";

function label(i: GrantInputs): string {
  let where: string;
  if (i.objectType === "database") where = `database ${i.database ?? "(connection's)"}`;
  else if (i.objectType === "schema") where = `schema ${i.schema}`;
  else if (i.objectType === "column")
    where = `columns ${i.columns?.join(", ")} of ${i.objects?.join(", ")} in schema ${i.schema}`;
  else if (UNQUALIFIED_OBJECT_TYPES.includes(i.objectType))
    where = `${i.objectType} ${i.objects?.join(", ")}`;
  else {
    where = `${i.objects ? i.objects.join(", ") : `all ${i.objectType}s`} in schema ${i.schema}`;
  }
  if (i.database && i.objectType !== "database") where += ` of database ${i.database}`;
  return `Grant ${i.privileges.join(", ")} on ${where} to ${i.role}`;
}

export const grantId = (i: GrantInputs) =>
  JSON.stringify([
    i.objectType,
    i.database ?? null,
    i.schema ?? null,
    i.objects ?? null,
    i.columns ?? null,
    i.role,
  ]);

/** Grants on objects inside a database connect to that database; database grants use the connection's. */
function connectFor(rt: Runtime, ctx: HookContext, i: GrantInputs) {
  const clusterWide = CLUSTER_OBJECT_TYPES.includes(i.objectType);
  return rt.connect(i.connection, ctx, clusterWide ? undefined : i.database);
}

/** Serializes our own transactions that rewrite the same catalog rows (see inTransaction). */
function lockKey(i: GrantInputs): string {
  const family = i.objectType === "table" || i.objectType === "sequence" ? "relation" : i.objectType;
  return `pulumi-postgres-roles/grant/${family}/${i.schema ?? ""}`;
}

function privilegeSet(i: GrantInputs, version: number): PrivilegeSet {
  return {
    privileges: expandPrivileges(i.objectType, i.privileges, version),
    withGrantOption: i.withGrantOption,
  };
}

function requireTarget(resource: string, doing: string, c: GrantCatalog): void {
  const problems = [
    ...(c.absent ? [c.absent] : []),
    ...c.missing.map((m) => `${m} does not exist`),
    ...c.problems,
  ];
  if (problems.length > 0) {
    throw new ProviderError(resource, doing, {
      message: problems.join("; "),
      code: c.absent ? "42704" : undefined,
    });
  }
}

/**
 * Runs a plan, then plans again: the second plan must be empty. GRANT and REVOKE by a role that
 * lacks the right (not the owner, no grant option) only warn "no privileges were granted" and
 * succeed; this turns that into an error instead of a state that claims what the catalog lacks.
 */
async function executeVerified(
  client: PoolClient,
  resource: string,
  doing: string,
  plan: () => Promise<Statement[]>,
): Promise<void> {
  const statements = await plan();
  if (statements.length === 0) return;
  await execute(client, resource, statements);
  const left = await plan();
  if (left.length > 0) {
    throw new ProviderError(resource, doing, {
      message: `PostgreSQL accepted the statements but did not apply: ${left.map((x) => x.description).join("; ")}`,
      code: "42501",
      hint: "the admin must own the objects (or be a member of their owner), or hold the privileges WITH GRANT OPTION; a superuser can always grant",
    });
  }
}

async function apply(
  rt: Runtime,
  ctx: HookContext,
  news: GrantInputs,
  olds: GrantInputs | undefined,
  doing: string,
): Promise<void> {
  const resource = label(news);
  const { pool, conn } = connectFor(rt, ctx, news);
  await inTransaction(
    pool,
    { resource, lockTimeout: conn.lockTimeout, lockKey: lockKey(news) },
    async (client) => {
      const plan = async () => {
        const catalog = await readGrantCatalog(client, news, conn.database);
        requireTarget(resource, doing, catalog);
        return planGrant({
          objectType: news.objectType,
          role: news.role,
          objects: catalog.objects,
          previous: olds ? privilegeSet(olds, catalog.version) : undefined,
          desired: privilegeSet(news, catalog.version),
          cascade: news.cascade,
        });
      };
      await executeVerified(client, resource, doing, plan);
    },
  );
}

export async function create(
  rt: Runtime,
  ctx: HookContext,
  inputs: GrantInputs,
): Promise<pulumi.dynamic.CreateResult> {
  await apply(rt, ctx, inputs, undefined, "grant");
  return { id: grantId(inputs), outs: { ...inputs } };
}

export async function update(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  olds: GrantOutputs,
  news: GrantInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  await apply(rt, ctx, news, olds, "update grant");
  return { outs: { ...news } };
}

/** Runs `work`, treating a database that no longer exists as "nothing there". */
async function inDatabase<T>(
  rt: Runtime,
  ctx: HookContext,
  i: GrantInputs,
  gone: T,
  work: (client: PoolClient, connectionDatabase: string) => Promise<T>,
): Promise<T> {
  const { pool, conn } = connectFor(rt, ctx, i);
  return inTransactionOrGone(
    pool,
    { resource: label(i), lockTimeout: conn.lockTimeout, lockKey: lockKey(i) },
    gone,
    (c) => work(c, conn.database),
  );
}

export async function read(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  props: GrantOutputs,
): Promise<pulumi.dynamic.ReadResult<GrantOutputs>> {
  const gone = { id: undefined, props: {} as GrantOutputs };
  return inDatabase(rt, ctx, props, gone, async (client, db) => {
    const catalog = await readGrantCatalog(client, props, db);
    if (catalog.absent) return gone;
    const managed = expandPrivileges(props.objectType, props.privileges, catalog.version);
    // A named object that vanished holds nothing; an all-objects grant must hold on every object.
    const { held, grantable } =
      catalog.missing.length > 0 ? { held: [], grantable: false } : heldOnAll(catalog.objects, managed);
    return {
      id,
      props: {
        ...props,
        privileges: describeActual(props.objectType, held, props.privileges, catalog.version),
        withGrantOption: props.withGrantOption && grantable,
      },
    };
  });
}

export async function remove(rt: Runtime, ctx: HookContext, _id: string, props: GrantOutputs): Promise<void> {
  const resource = label(props);
  await inDatabase(rt, ctx, props, undefined, async (client, db) => {
    const plan = async () => {
      const catalog = await readGrantCatalog(client, props, db);
      if (catalog.absent) return []; // grantee, schema or database gone: so is the grant
      return planGrant({
        objectType: props.objectType,
        role: props.role,
        objects: catalog.objects,
        previous: privilegeSet(props, catalog.version),
        cascade: props.cascade,
      });
    };
    await executeVerified(client, resource, "revoke", plan);
  });
}
