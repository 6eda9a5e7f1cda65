/** DefaultPrivileges hooks: read the entry once, plan the delta, run it in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { ProviderError } from "../common/errors";
import { type HookContext, type Runtime } from "../common/runtime-context";
import { execute, inTransaction } from "../db/transaction";
import { inTransactionOrGone } from "../db/or-gone";
import { type DefaultAclCatalog, readDefaultAcl } from "./catalog";
import type { DefaultPrivilegesInputs, DefaultPrivilegesOutputs } from "./inputs";
import { describeDefaultPrivileges, expandDefaultPrivileges } from "./object-types";
import { type PrivilegeSet, controlled, heldControlled, planDefaultPrivileges } from "./planner";

function label(i: DefaultPrivilegesInputs): string {
  const where = `future ${i.objectType}s of ${i.owner}${i.schema !== undefined ? ` in schema ${i.schema}` : ""}${i.database ? ` in database ${i.database}` : ""}`;
  return `DefaultPrivileges ${i.privileges.join(", ") || "(none)"} on ${where} to ${i.role}`;
}

export const defaultPrivilegesId = (i: DefaultPrivilegesInputs) =>
  JSON.stringify([i.database ?? null, i.owner, i.schema ?? null, i.objectType, i.role]);

/** Default privileges are per database: connect to the one named, else the connection's. */
function connectFor(rt: Runtime, ctx: HookContext, i: DefaultPrivilegesInputs) {
  return rt.connect(i.connection, ctx, i.database);
}

/**
 * One pg_default_acl row per (owner, schema, type) is rewritten by every grantee's statement:
 * our transactions on one (owner, schema) queue (advisory locks are per database already).
 */
function lockKey(i: DefaultPrivilegesInputs): string {
  return `pulumi-postgres-roles/default-privileges/${JSON.stringify([i.owner, i.schema ?? null])}`;
}

function privilegeSet(i: DefaultPrivilegesInputs, version: number): PrivilegeSet {
  return {
    privileges: expandDefaultPrivileges(i.objectType, i.privileges, version),
    withGrantOption: i.withGrantOption,
  };
}

function plan(
  i: DefaultPrivilegesInputs,
  c: DefaultAclCatalog,
  previous: PrivilegeSet | undefined,
  desired: PrivilegeSet | undefined,
) {
  return planDefaultPrivileges({
    owner: i.owner,
    schema: i.schema,
    objectType: i.objectType,
    role: i.role,
    held: c.held,
    builtin: c.builtin,
    previous,
    desired,
  });
}

async function apply(
  rt: Runtime,
  ctx: HookContext,
  news: DefaultPrivilegesInputs,
  olds: DefaultPrivilegesInputs | undefined,
  doing: string,
): Promise<void> {
  const resource = label(news);
  const { pool, conn } = connectFor(rt, ctx, news);
  await inTransaction(
    pool,
    { resource, lockTimeout: conn.lockTimeout, lockKey: lockKey(news) },
    async (client) => {
      const catalog = await readDefaultAcl(client, news);
      if (catalog.absent)
        throw new ProviderError(resource, doing, { message: catalog.absent, code: "42704" });
      const previous = olds ? privilegeSet(olds, catalog.version) : undefined;
      await execute(client, resource, plan(news, catalog, previous, privilegeSet(news, catalog.version)));
    },
  );
}

export async function create(
  rt: Runtime,
  ctx: HookContext,
  inputs: DefaultPrivilegesInputs,
): Promise<pulumi.dynamic.CreateResult> {
  await apply(rt, ctx, inputs, undefined, "set default privileges");
  return { id: defaultPrivilegesId(inputs), outs: { ...inputs } };
}

export async function update(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  olds: DefaultPrivilegesOutputs,
  news: DefaultPrivilegesInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  await apply(rt, ctx, news, olds, "update default privileges");
  return { outs: { ...news } };
}

/** Runs `work`, treating a database that no longer exists as "nothing there". */
async function inDatabase<T>(
  rt: Runtime,
  ctx: HookContext,
  i: DefaultPrivilegesInputs,
  gone: T,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const { pool, conn } = connectFor(rt, ctx, i);
  return inTransactionOrGone(
    pool,
    { resource: label(i), lockTimeout: conn.lockTimeout, lockKey: lockKey(i) },
    gone,
    work,
  );
}

/**
 * Reports, of the privileges the resource controls (those it declares, plus the grantee's
 * built-in defaults for a global entry), the ones the grantee holds in the entry: for a global
 * entry the effective default (its row, or the built-in default), for a per-schema entry what that
 * entry adds. The resource is gone when the owner, the grantee, the schema or the database is.
 */
export async function read(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  props: DefaultPrivilegesOutputs,
): Promise<pulumi.dynamic.ReadResult<DefaultPrivilegesOutputs>> {
  const gone = { id: undefined, props: {} as DefaultPrivilegesOutputs };
  return inDatabase(rt, ctx, props, gone, async (client) => {
    const catalog = await readDefaultAcl(client, props);
    if (catalog.absent) return gone;
    const declared = expandDefaultPrivileges(props.objectType, props.privileges, catalog.version);
    const { held } = heldControlled(catalog.held, controlled(declared, catalog.builtin));
    const { grantable } = heldControlled(catalog.held, declared);
    return {
      id,
      props: {
        ...props,
        privileges: describeDefaultPrivileges(props.objectType, held, props.privileges, catalog.version),
        withGrantOption: props.withGrantOption && grantable,
      },
    };
  });
}

/** Revokes what the resource granted and restores the built-in default it took away; gone is success. */
export async function remove(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  props: DefaultPrivilegesOutputs,
): Promise<void> {
  const resource = label(props);
  await inDatabase(rt, ctx, props, undefined, async (client) => {
    const catalog = await readDefaultAcl(client, props);
    if (catalog.absent) return; // owner, grantee or schema gone: so is the entry
    await execute(client, resource, plan(props, catalog, privilegeSet(props, catalog.version), undefined));
  });
}
