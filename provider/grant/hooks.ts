/** Grant hooks: read the ACLs once, plan the delta, run it in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import {
  CLUSTER_OBJECT_TYPES,
  UNQUALIFIED_OBJECT_TYPES,
  describeActual,
  expandPrivileges,
} from "../common/privileges";
import { type Db, defineResource } from "../db/scaffold";
import { type GrantCatalog, readGrantCatalog } from "./catalog";
import { type GrantInputs, type GrantOutputs, checkGrant, diffGrant } from "./inputs";
import { type PrivilegeSet, heldOnAll, heldOnSome, planGrant } from "./planner";
import { omit, sameList } from "../common/values";
import { actFollowingRenames, renamedRoles } from "../db/renames";

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
function databaseOf(i: GrantInputs): string | undefined {
  return CLUSTER_OBJECT_TYPES.includes(i.objectType) ? undefined : i.database;
}

/** Serializes our own transactions that rewrite the same catalog rows (see TransactionOptions.lockKey). */
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

async function apply(db: Db, news: GrantInputs, olds: GrantInputs | undefined, doing: string): Promise<void> {
  await db.transaction(async ({ client, database, executeVerified }) => {
    const plan = async () => {
      const catalog = await readGrantCatalog(client, news, database);
      requireTarget(db.label, doing, catalog);
      return planGrant({
        objectType: news.objectType,
        role: news.role,
        objects: catalog.objects,
        previous: olds ? privilegeSet(olds, catalog.version) : undefined,
        desired: privilegeSet(news, catalog.version),
        cascade: news.cascade,
      });
    };
    await executeVerified(doing, plan);
  });
}

async function create(db: Db, inputs: GrantInputs): Promise<pulumi.dynamic.CreateResult<GrantOutputs>> {
  await apply(db, inputs, undefined, "grant");
  return { id: grantId(inputs), outs: { ...inputs } };
}

/**
 * A new grantee is an update, not a replacement: when it is the old one renamed (see db/renames.ts)
 * the delta is planned as for any update (a replacement would have created the new grant, then
 * revoked the old one from the very same role); otherwise the old grantee's privileges are revoked
 * and the new one's granted. The id keeps the grantee's name at creation (nothing reads it back).
 */
async function update(
  db: Db,
  id: string,
  olds: GrantOutputs,
  news: GrantInputs,
): Promise<pulumi.dynamic.UpdateResult<GrantOutputs>> {
  let previous: GrantInputs | undefined = olds;
  if (olds.role !== news.role) {
    const was = (await renamedRoles(db, [olds.role])).get(olds.role) ?? olds.role;
    if (was !== news.role) {
      await remove(db, id, { ...olds, role: was });
      previous = undefined;
    }
  }
  await apply(db, news, previous, "update grant");
  return { outs: { ...news } }; // no `drifted`: the update granted what was missing on every object
}

/**
 * What the grantee holds: `drifted` when it no longer holds all it should on every object (the
 * outputs keep the wanted privileges, which a delete revokes; see GrantOutputs), and the same as
 * the inputs the engine compares the next program with, so that `preview --diff` after a refresh
 * shows what `up` will change.
 */
async function read(
  db: Db,
  id: string,
  props: GrantOutputs,
): Promise<pulumi.dynamic.ReadResult<GrantOutputs>> {
  const gone = { id: undefined, props: {} as GrantOutputs };
  return db.transaction(async ({ client, database }) => {
    const catalog = await readGrantCatalog(client, props, database);
    if (catalog.absent) return gone;
    const managed = expandPrivileges(props.objectType, props.privileges, catalog.version);
    // A named object that vanished holds nothing; an all-objects grant must hold on every object.
    const { held, grantable } =
      catalog.missing.length > 0 ? { held: [], grantable: false } : heldOnAll(catalog.objects, managed);
    const now = {
      privileges: describeActual(props.objectType, held, props.privileges, catalog.version),
      withGrantOption: props.withGrantOption && grantable,
    };
    const outs: GrantOutputs = omit(props, "drifted");
    if (!sameList(now.privileges, props.privileges) || now.withGrantOption !== props.withGrantOption) {
      outs.drifted = now;
    }
    return { id, props: outs, inputs: { ...omit(props, "drifted"), ...now } };
  });
}

/**
 * Revokes what the grant lists, on every object. Outputs with no privileges at all come from the
 * refresh of an earlier release, which narrowed them to what was held on every object (check never
 * lets an empty list through): the wanted list is lost, and what it left behind is what the grantee
 * holds on some of the objects but not on all, which is revoked instead. (A list narrowed to a
 * non-empty part cannot be told from a wanted one: `up` with the Grant still declared rewrites it.)
 * Answers whether the grantee was missing (by name).
 */
async function revoke(db: Db, props: GrantOutputs): Promise<boolean> {
  let granteeMissing = false;
  await db.transaction(async ({ client, database, executeVerified }) => {
    const plan = async () => {
      const catalog = await readGrantCatalog(client, props, database);
      granteeMissing = catalog.granteeMissing === true;
      if (catalog.absent) return []; // grantee, schema or database gone: so is the grant
      const previous: PrivilegeSet =
        props.privileges.length > 0
          ? privilegeSet(props, catalog.version)
          : {
              privileges: heldOnSome(
                catalog.objects,
                expandPrivileges(props.objectType, ["ALL"], catalog.version),
                catalog.missing.length > 0,
              ),
              withGrantOption: false,
            };
      return planGrant({
        objectType: props.objectType,
        role: props.role,
        objects: catalog.objects,
        previous,
        cascade: props.cascade,
      });
    };
    await executeVerified("revoke", plan);
  });
  return granteeMissing;
}

/** A grantee renamed earlier in this `up` (deletions run after updates): by its new name (db/renames.ts). */
const remove = (db: Db, _id: string, props: GrantOutputs) =>
  actFollowingRenames(db, props, ["role"], (p) => revoke(db, p));

export const grant = defineResource<GrantInputs, GrantOutputs>(
  {
    check: checkGrant,
    diff: diffGrant,
    label,
    database: databaseOf,
    lockKey,
    goneWithDatabase: true,
  },
  { create, read, update, delete: remove },
);
