/** Role hooks: read the catalog, plan, run in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { compact, omit } from "../common/values";
import { scramVerifier, verifierMatchesAsync } from "../common/scram";
import { type Db, defineResource } from "../db/scaffold";
import { type Dependents, dependents, existingRoles, readPassword, readRole } from "./catalog";
import type { PoolClient } from "pg";
import { settingEquals } from "./settings";
import { ident } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { type RoleFields, type RoleInputs, type RoleOutputs, checkRole, diffRole } from "./inputs";
import { type RoleActual, type RoleDesired, planRole } from "./planner";
import { ROLE_FLAGS, flagsOf } from "./attributes";
import { otherClusterError, whereabouts } from "../db/cluster";
import { createdBy, markCreated, markedBy, notOursDetail, unmark } from "../db/ownership";
import { recordRenames } from "../db/renames";

/** Shown as the password of a role whose stored password no longer matches (a secret, like the password). */
export const PASSWORD_DRIFT = "(changed outside Pulumi)";
/** What `passwordCheck` says after a refresh: whether a password changed by hand could have been seen. */
export const PASSWORD_CHECKED = "checked against pg_authid";
export const PASSWORD_NOT_CHECKED =
  "not checked: the admin cannot read pg_authid (not a superuser, as on managed services); a password changed by hand is not seen";

const label = (i: RoleInputs) => `Role ${JSON.stringify(i.name)}`;

/**
 * The role as wanted, for the planner: `i` (a Role's inputs, or one entry of Roles), the verifier of
 * its password when it is to be written, and what the resource managed before (`olds`: the groups it
 * added, the parameters and the comment it set), so that only those are ever removed.
 */
export function desiredOf(
  i: Omit<RoleFields, "password"> & { name: string },
  passwordVerifier: string | null | undefined,
  olds?: Partial<Pick<RoleFields, "inRoles" | "settings" | "comment">>,
): RoleDesired {
  const d: RoleDesired = {
    name: i.name,
    ...flagsOf(i),
    connectionLimit: i.connectionLimit,
    inRoles: i.inRoles,
    previousInRoles: olds?.inRoles ?? [],
    settings: i.settings ?? {},
    previousSettings: Object.keys(olds?.settings ?? {}),
  };
  // A comment no longer wanted is removed only if this resource set it.
  if (i.comment !== undefined) d.comment = i.comment;
  else if (olds?.comment !== undefined) d.comment = null;
  if (i.validUntil !== undefined) d.validUntil = i.validUntil;
  if (passwordVerifier !== undefined) d.passwordVerifier = passwordVerifier;
  return d;
}

function outputsOf(i: RoleInputs, oid: number, systemIdentifier: string | undefined): RoleOutputs {
  return compact({ ...i, oid, systemIdentifier });
}

async function afterChange(
  client: Parameters<typeof readRole>[0],
  name: string,
  resource: string,
): Promise<RoleActual> {
  const after = await readRole(client, { name });
  if (!after)
    throw new ProviderError(resource, "reading the role back", {
      message: `role ${name} not found after the change`,
    });
  return after;
}

/**
 * Whether a role found on a retry is the one an earlier attempt of this create made (its COMMIT
 * went through, its answer was lost): every attribute, group, setting and comment as asked.
 */
export function isOwnCreate(existing: RoleActual, desired: RoleDesired): boolean {
  const flagsSame = ROLE_FLAGS.every((f) => existing[f] === desired[f]);
  const validUntilSame =
    desired.validUntil === undefined
      ? existing.validUntil === undefined
      : existing.validUntilMatches === true;
  const settingsSame =
    Object.keys(existing.settings).length === Object.keys(desired.settings).length &&
    Object.entries(desired.settings).every(([k, v]) => settingEquals(k, existing.settings[k], v));
  return (
    flagsSame &&
    existing.connectionLimit === desired.connectionLimit &&
    validUntilSame &&
    desired.inRoles.every((g) => existing.inRoles.includes(g)) &&
    settingsSame &&
    (existing.comment ?? null) === (desired.comment ?? null)
  );
}

/**
 * Creates the role, or takes over one of that name when adoptExisting says so, when its creation
 * marker says this very resource made it (a run interrupted after the COMMIT: killed, or its state
 * never written), or when an earlier attempt of this call may have committed it. Anything else of
 * that name is refused. The marker is written in the same transaction as the role.
 */
async function create(db: Db, inputs: RoleInputs): Promise<pulumi.dynamic.CreateResult<RoleOutputs>> {
  const resource = db.label;
  return db.transaction(async ({ client, attempt, execute }) => {
    const existing = await readRole(client, { name: inputs.name }, inputs.validUntil);
    const marked = existing && (await markedBy(client, "role", existing.oid));
    const ours =
      existing !== undefined &&
      (createdBy(marked, inputs.resourceUrn) ||
        (attempt.mayHaveCommitted && isOwnCreate(existing, desiredOf(inputs, undefined))));
    if (existing && !inputs.adoptExisting && !ours) {
      throw new ProviderError(resource, "create role", {
        message: `role ${JSON.stringify(inputs.name)} already exists (${await notOursDetail(client, marked)})`,
        code: "42710",
        hint: "set adoptExisting: true to take over the existing role, or choose another name",
      });
    }
    const verifier = inputs.password === undefined ? undefined : scramVerifier(inputs.password);
    await execute(planRole({ actual: existing, desired: desiredOf(inputs, verifier) }));
    const after = await afterChange(client, inputs.name, resource);
    // A role taken over through adoptExisting was not created here: it gets no marker.
    if (!existing || ours) await markCreated(client, inputs.resourceUrn, "role", [after]);
    const { here } = await whereabouts(client, undefined);
    return { id: String(after.oid), outs: outputsOf(inputs, after.oid, here) };
  });
}

/**
 * A role's fields as the catalog has them, for a refresh, limited to what `managed` (the resource's
 * last outputs) manages: every attribute and the connection limit; the expiry (the wanted value when
 * the server says it matches); the groups it added that are still granted (all groups with
 * `allGroups`: authoritative memberships); the parameters and the comment it set.
 */
export function observedFields(
  actual: RoleActual,
  managed: Pick<RoleFields, "validUntil" | "comment"> & Partial<Pick<RoleFields, "inRoles" | "settings">>,
  allGroups = false,
): Omit<RoleFields, "password"> {
  const observed: Omit<RoleFields, "password"> = {
    ...flagsOf(actual),
    connectionLimit: actual.connectionLimit,
    // Only the memberships this resource manages; others (RoleMembership, by hand) are not its concern.
    inRoles: allGroups
      ? [...actual.inRoles]
      : (managed.inRoles ?? []).filter((g) => actual.inRoles.includes(g)),
    // Only the parameters and the comment this resource manages.
    settings: Object.fromEntries(
      Object.entries(managed.settings ?? {})
        .filter(([k]) => k in actual.settings)
        .map(([k, v]) => [k, settingEquals(k, actual.settings[k], v) ? v : actual.settings[k]!]),
    ),
  };
  if (
    actual.validUntil !== undefined &&
    !(actual.validUntil === "infinity" && managed.validUntil === undefined)
  ) {
    observed.validUntil = actual.validUntilMatches ? managed.validUntil : actual.validUntil;
  }
  if (managed.comment !== undefined && actual.comment !== undefined) observed.comment = actual.comment;
  return observed;
}

/**
 * Whether a password is no longer the stored one. Where pg_authid is readable (superuser), the stored
 * verifier is checked against the password; elsewhere (managed services) password drift cannot be
 * seen and the state is trusted.
 */
export async function passwordDrifted(
  readable: boolean,
  stored: string | null,
  password: string,
  name: string,
): Promise<boolean> {
  return readable && (stored === null || (await verifierMatchesAsync(stored, password, name)) === false);
}

async function read(db: Db, id: string, props: RoleOutputs): Promise<pulumi.dynamic.ReadResult<RoleOutputs>> {
  return db.transaction(async ({ client }) => {
    // On another cluster the OID means nothing: the role is looked for by name (a refresh after a
    // dump and restore finds it there; a stack pointed at the wrong server never claims another role).
    const where = await whereabouts(client, props.systemIdentifier);
    const actual = await readRole(
      client,
      where.same ? { oid: Number(id) } : { name: props.name },
      props.validUntil,
    );
    if (!actual) return { id: undefined, props: {} as RoleOutputs };
    const outs: RoleOutputs = {
      ...omit(props, "validUntil", "comment"),
      ...observedFields(actual, props),
      name: actual.name,
      oid: actual.oid,
      systemIdentifier: where.here ?? props.systemIdentifier,
    };
    if (props.password !== undefined) {
      const { readable, stored } = await readPassword(client, actual.oid);
      if (await passwordDrifted(readable, stored, props.password, actual.name))
        outs.password = PASSWORD_DRIFT;
      outs.passwordCheck = readable ? PASSWORD_CHECKED : PASSWORD_NOT_CHECKED;
    }
    return { id: where.same ? id : String(actual.oid), props: compact(outs) };
  });
}

async function update(
  db: Db,
  id: string,
  olds: RoleOutputs,
  news: RoleInputs,
): Promise<pulumi.dynamic.UpdateResult<RoleOutputs>> {
  const resource = db.label;
  return db.transaction(async ({ client, execute }) => {
    const where = await whereabouts(client, olds.systemIdentifier);
    if (!where.same) {
      throw otherClusterError(
        resource,
        "update role",
        `role ${JSON.stringify(olds.name)} (oid ${id})`,
        where,
      );
    }
    const actual = await readRole(client, { oid: Number(id) }, news.validUntil);
    if (!actual) {
      throw new ProviderError(resource, "update role", {
        message: `role ${JSON.stringify(olds.name)} (oid ${id}) no longer exists`,
        hint: "run `pulumi refresh` so that the next `pulumi up` creates it again",
      });
    }
    let verifier: string | null | undefined;
    if (news.password !== olds.password)
      verifier = news.password === undefined ? null : scramVerifier(news.password);
    const desired = desiredOf(news, verifier, olds);
    const now = (await awaitRenamedGroups(client, actual, desired))
      ? ((await readRole(client, { oid: Number(id) }, news.validUntil)) ?? actual)
      : actual;
    await execute(planRole({ actual: now, desired }));
    // For dependents deleted later in this `up` that still name the old name (see db/renames.ts).
    if (actual.name !== news.name) {
      await recordRenames(client, news.resourceUrn, [{ oid: actual.oid, from: actual.name, to: news.name }]);
    }
    return { outs: outputsOf(news, actual.oid, where.here ?? olds.systemIdentifier) };
  });
}

/** How long an update waits for a group it is moved to that a parallel step is renaming (see below). */
export const RENAMED_GROUP_WAIT_MS = 20_000;

/**
 * When a role moves from a group it is in to groups that do not exist yet, the likeliest cause is
 * that this `up` renames the group and that the member does not depend on the rename (its `inRoles`
 * written as a plain name, not the group's `name` output): the engine runs the two updates in either
 * order. Run first, `GRANT new TO member` failed (42704). So the update waits, up to
 * RENAMED_GROUP_WAIT_MS, for those groups to appear (committed by the group's update), and answers
 * whether it waited: the caller reads the role again, and finds its membership under the new name
 * (a rename keeps memberships: they are by OID), so neither a GRANT nor a REVOKE is left to send.
 * If they never appear, the GRANT fails as before, only later.
 */
async function awaitRenamedGroups(
  client: PoolClient,
  actual: RoleActual,
  desired: RoleDesired,
): Promise<boolean> {
  const leaving = (desired.previousInRoles ?? []).filter(
    (g) => actual.inRoles.includes(g) && !desired.inRoles.includes(g),
  );
  const joining = desired.inRoles.filter((g) => !actual.inRoles.includes(g));
  if (leaving.length === 0 || joining.length === 0) return false;
  const missing = (found: Set<string>) => joining.filter((g) => !found.has(g));
  if (missing(await existingRoles(client, joining)).length === 0) return false;
  const until = Date.now() + RENAMED_GROUP_WAIT_MS;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (missing(await existingRoles(client, joining)).length === 0) return true;
  }
  return false;
}

const SESSION_ROLES = new Set(["CURRENT_USER", "CURRENT_ROLE", "SESSION_USER"]);

/** What to do on delete with what a role still owns (Role's and Roles' options). */
export interface OwnedOptions {
  reassignOwnedTo?: string;
  dropOwned?: boolean;
}

/** REASSIGN OWNED / DROP OWNED of one or more roles in one database, as the delete options say. */
function ownedStatements(options: OwnedOptions, names: readonly string[]): Statement[] {
  const out: Statement[] = [];
  const who = names.map(ident).join(", ");
  const target = options.reassignOwnedTo;
  if (target !== undefined) {
    const to = SESSION_ROLES.has(target.toUpperCase()) ? target.toUpperCase() : ident(target);
    out.push(
      stmt(`reassign what ${names.join(", ")} owns to ${target}`, `REASSIGN OWNED BY ${who} TO ${to}`),
    );
  }
  if (options.dropOwned) out.push(stmt(`drop what ${names.join(", ")} owns`, `DROP OWNED BY ${who}`));
  return out;
}

/**
 * Before roles are dropped: what they still own or hold (`deps`, from {@link dependents}) is
 * reassigned and/or dropped as `options` say, in every database concerned, each in a transaction of
 * its own (REASSIGN OWNED and DROP OWNED act on the current database only). Without options, a role
 * that owns or holds anything fails the delete (2BP01), naming the roles, the databases and both options.
 */
export async function releaseOwned(
  db: Db,
  roles: ReadonlyArray<{ oid: number; name: string }>,
  deps: ReadonlyMap<number, Dependents>,
  options: OwnedOptions,
): Promise<void> {
  const holding = roles.filter((r) => deps.has(r.oid));
  if (holding.length === 0) return;
  const names = holding.map((r) => r.name);
  const databases = [
    ...new Set(holding.flatMap((r) => deps.get(r.oid)!.databases.map((d) => d.name))),
  ].sort();
  const who =
    names.length === 1
      ? `role ${JSON.stringify(names[0])}`
      : `roles ${names.map((n) => JSON.stringify(n)).join(", ")}`;
  const owned = ownedStatements(options, names);
  if (owned.length === 0) {
    throw new ProviderError(db.label, "drop role", {
      message: `${who} ${names.length === 1 ? "owns" : "own"} objects or ${names.length === 1 ? "holds" : "hold"} privileges in ${
        databases.length > 0
          ? `database(s) ${databases.join(", ")}`
          : "the cluster (databases or tablespaces)"
      }`,
      code: "2BP01",
      hint: "set reassignOwnedTo (REASSIGN OWNED BY … TO …) and/or dropOwned: true (DROP OWNED BY …) to remove them on delete, or remove them first",
    });
  }
  const unreachable = [
    ...new Set(
      holding.flatMap((r) =>
        deps
          .get(r.oid)!
          .databases.filter((d) => !d.canConnect)
          .map((d) => d.name),
      ),
    ),
  ];
  if (unreachable.length > 0) {
    throw new ProviderError(db.label, "drop role", {
      message: `${who} ${names.length === 1 ? "owns" : "own"} objects or ${names.length === 1 ? "holds" : "hold"} privileges in database(s) ${unreachable.join(", ")}, which the admin cannot connect to`,
      code: "42501",
    });
  }
  for (const database of databases.length > 0 ? databases : [db.database]) {
    await db.transaction((tx) => tx.execute(owned), database);
  }
}

async function remove(db: Db, id: string, props: RoleOutputs): Promise<void> {
  // By OID, so a role renamed by hand is still the one dropped; already gone counts as success.
  // On another cluster the OID means nothing: missing by name is gone, found by name is refused.
  const found = await db.transaction(async ({ client }) => {
    const where = await whereabouts(client, props.systemIdentifier);
    if (!where.same) {
      if (!(await readRole(client, { name: props.name }))) return undefined;
      throw otherClusterError(db.label, "drop role", `role ${JSON.stringify(props.name)} (oid ${id})`, where);
    }
    const actual = await readRole(client, { oid: Number(id) });
    return actual && { actual, deps: await dependents(client, [actual.oid]) };
  });
  if (!found) return;
  await releaseOwned(db, [found.actual], found.deps, props);
  await db.transaction(async ({ client, execute }) => {
    const actualNow = await readRole(client, { oid: Number(id) });
    await execute(planRole({ actual: actualNow }));
    // Its creation marker goes with it, in the same transaction.
    if (actualNow) await unmark(client, "role", [actualNow.oid]);
  });
}

export const role = defineResource<RoleInputs, RoleOutputs>(
  {
    check: checkRole,
    diff: diffRole,
    label,
  },
  { create, read, update, delete: remove },
);
