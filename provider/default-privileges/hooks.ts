/** DefaultPrivileges hooks: read the entry once, plan the delta, run it in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { type Db, defineResource } from "../db/scaffold";
import { actFollowingRenames } from "../db/renames";
import { type DefaultAclCatalog, readDefaultAcl } from "./catalog";
import {
  type DefaultPrivilegesInputs,
  type DefaultPrivilegesOutputs,
  checkDefaultPrivileges,
  diffDefaultPrivileges,
} from "./inputs";
import { describeDefaultPrivileges, expandDefaultPrivileges } from "./object-types";
import { type PrivilegeSet, controlled, heldControlled, planDefaultPrivileges } from "./planner";

function label(i: DefaultPrivilegesInputs): string {
  const where = `future ${i.objectType}s of ${i.owner}${i.schema !== undefined ? ` in schema ${i.schema}` : ""}${i.database ? ` in database ${i.database}` : ""}`;
  return `DefaultPrivileges ${i.privileges.join(", ") || "(none)"} on ${where} to ${i.role}`;
}

export const defaultPrivilegesId = (i: DefaultPrivilegesInputs) =>
  JSON.stringify([i.database ?? null, i.owner, i.schema ?? null, i.objectType, i.role]);

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
  db: Db,
  news: DefaultPrivilegesInputs,
  olds: DefaultPrivilegesInputs | undefined,
  doing: string,
): Promise<void> {
  await db.transaction(async ({ client, execute }) => {
    const catalog = await readDefaultAcl(client, news);
    if (catalog.absent) throw new ProviderError(db.label, doing, { message: catalog.absent, code: "42704" });
    const previous = olds ? privilegeSet(olds, catalog.version) : undefined;
    await execute(plan(news, catalog, previous, privilegeSet(news, catalog.version)));
  });
}

async function create(
  db: Db,
  inputs: DefaultPrivilegesInputs,
): Promise<pulumi.dynamic.CreateResult<DefaultPrivilegesOutputs>> {
  await apply(db, inputs, undefined, "set default privileges");
  return { id: defaultPrivilegesId(inputs), outs: { ...inputs } };
}

async function update(
  db: Db,
  _id: string,
  olds: DefaultPrivilegesOutputs,
  news: DefaultPrivilegesInputs,
): Promise<pulumi.dynamic.UpdateResult<DefaultPrivilegesOutputs>> {
  await apply(db, news, olds, "update default privileges");
  return { outs: { ...news } };
}

/**
 * Reports, of the privileges the resource controls (those it declares, plus the grantee's
 * built-in defaults for a global entry), the ones the grantee holds in the entry: for a global
 * entry the effective default (its row, or the built-in default), for a per-schema entry what that
 * entry adds. The resource is gone when the owner, the grantee, the schema or the database is.
 */
async function read(
  db: Db,
  id: string,
  props: DefaultPrivilegesOutputs,
): Promise<pulumi.dynamic.ReadResult<DefaultPrivilegesOutputs>> {
  const gone = { id: undefined, props: {} as DefaultPrivilegesOutputs };
  return db.transaction(async ({ client }) => {
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
async function revoke(db: Db, props: DefaultPrivilegesOutputs): Promise<boolean> {
  return db.transaction(async ({ client, execute }) => {
    const catalog = await readDefaultAcl(client, props);
    if (catalog.absent) return true; // owner, grantee or schema gone: so is the entry
    await execute(plan(props, catalog, privilegeSet(props, catalog.version), undefined));
    return false;
  });
}

/** The grantee or owner renamed earlier in this `up` (deletions run after updates): by the new names. */
const remove = (db: Db, _id: string, props: DefaultPrivilegesOutputs) =>
  actFollowingRenames(db, props, ["role", "owner"], (p) => revoke(db, p));

export const defaultPrivileges = defineResource<DefaultPrivilegesInputs, DefaultPrivilegesOutputs>(
  {
    check: checkDefaultPrivileges,
    diff: diffDefaultPrivileges,
    label,
    // Default privileges are per database: connect to the one named, else the connection's.
    database: (i) => i.database,
    lockKey,
    goneWithDatabase: true,
  },
  { create, read, update, delete: remove },
);
