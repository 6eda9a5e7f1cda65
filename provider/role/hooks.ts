/** Role hooks: read the catalog, plan, run in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { compact } from "../common/values";
import { scramVerifier, verifierMatches } from "../common/scram";
import { type Db, defineResource } from "../db/scaffold";
import { dependentDatabases, readPassword, readRole } from "./catalog";
import { settingEquals } from "./settings";
import { ident } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { type RoleInputs, type RoleOutputs, checkRole, diffRole } from "./inputs";
import { type RoleActual, type RoleDesired, planRole } from "./planner";
import { ROLE_FLAGS, flagsOf } from "./attributes";
import { otherClusterError, whereabouts } from "../db/cluster";
import { createdBy, mark, markedBy, notOursDetail, unmark } from "../db/ownership";

/** Shown as the password of a role whose stored password no longer matches (a secret, like the password). */
export const PASSWORD_DRIFT = "(changed outside Pulumi)";
/** What `passwordCheck` says after a refresh: whether a password changed by hand could have been seen. */
export const PASSWORD_CHECKED = "checked against pg_authid";
export const PASSWORD_NOT_CHECKED =
  "not checked: the admin cannot read pg_authid (not a superuser, as on managed services); a password changed by hand is not seen";

const label = (i: RoleInputs) => `Role ${JSON.stringify(i.name)}`;

function desiredOf(
  i: RoleInputs,
  passwordVerifier: string | null | undefined,
  olds?: RoleOutputs,
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
    if (inputs.resourceUrn !== undefined && (!existing || ours)) {
      await mark(client, {
        urn: inputs.resourceUrn,
        kind: "role",
        oid: after.oid,
        name: after.name,
      });
    }
    const { here } = await whereabouts(client, undefined);
    return { id: String(after.oid), outs: outputsOf(inputs, after.oid, here) };
  });
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
      ...props,
      name: actual.name,
      ...flagsOf(actual),
      connectionLimit: actual.connectionLimit,
      // Only the memberships this resource manages; others (RoleMembership, by hand) are not its concern.
      inRoles: (props.inRoles ?? []).filter((g) => actual.inRoles.includes(g)),
      oid: actual.oid,
      systemIdentifier: where.here ?? props.systemIdentifier,
    };
    delete outs.validUntil;
    if (
      actual.validUntil !== undefined &&
      !(actual.validUntil === "infinity" && props.validUntil === undefined)
    ) {
      outs.validUntil = actual.validUntilMatches ? props.validUntil : actual.validUntil;
    }
    // Only the parameters and the comment this resource manages.
    outs.settings = Object.fromEntries(
      Object.entries(props.settings ?? {})
        .filter(([k]) => k in actual.settings)
        .map(([k, v]) => [k, settingEquals(k, actual.settings[k], v) ? v : actual.settings[k]!]),
    );
    if (props.comment !== undefined) outs.comment = actual.comment;
    if (props.password !== undefined) {
      // Where pg_authid is readable (superuser), check the stored verifier against the password;
      // elsewhere (managed services) password drift cannot be seen and the state is trusted.
      const { readable, stored } = await readPassword(client, actual.oid);
      if (readable && (stored === null || verifierMatches(stored, props.password, actual.name) === false)) {
        outs.password = PASSWORD_DRIFT;
      }
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
    await execute(planRole({ actual, desired: desiredOf(news, verifier, olds) }));
    return { outs: outputsOf(news, actual.oid, where.here ?? olds.systemIdentifier) };
  });
}

const SESSION_ROLES = new Set(["CURRENT_USER", "CURRENT_ROLE", "SESSION_USER"]);

/** REASSIGN OWNED / DROP OWNED in one database, as the role's delete options say. */
function ownedStatements(props: RoleOutputs, name: string): Statement[] {
  const out: Statement[] = [];
  const target = props.reassignOwnedTo;
  if (target !== undefined) {
    const to = SESSION_ROLES.has(target.toUpperCase()) ? target.toUpperCase() : ident(target);
    out.push(stmt(`reassign what ${name} owns to ${target}`, `REASSIGN OWNED BY ${ident(name)} TO ${to}`));
  }
  if (props.dropOwned) out.push(stmt(`drop what ${name} owns`, `DROP OWNED BY ${ident(name)}`));
  return out;
}

async function remove(db: Db, id: string, props: RoleOutputs): Promise<void> {
  const resource = db.label;
  // By OID, so a role renamed by hand is still the one dropped; already gone counts as success.
  // On another cluster the OID means nothing: missing by name is gone, found by name is refused.
  const found = await db.transaction(async ({ client }) => {
    const where = await whereabouts(client, props.systemIdentifier);
    if (!where.same) {
      if (!(await readRole(client, { name: props.name }))) return undefined;
      throw otherClusterError(resource, "drop role", `role ${JSON.stringify(props.name)} (oid ${id})`, where);
    }
    const actual = await readRole(client, { oid: Number(id) });
    return actual && { actual, deps: await dependentDatabases(client, actual.oid) };
  });
  if (!found) return;
  const { actual, deps } = found;
  const owned = ownedStatements(props, actual.name);
  if (deps.databases.length > 0 || deps.shared) {
    const names = deps.databases.map((d) => d.name);
    if (owned.length === 0) {
      throw new ProviderError(resource, "drop role", {
        message: `role ${JSON.stringify(actual.name)} owns objects or holds privileges in ${
          names.length > 0 ? `database(s) ${names.join(", ")}` : "the cluster (databases or tablespaces)"
        }`,
        code: "2BP01",
        hint: "set reassignOwnedTo (REASSIGN OWNED BY … TO …) and/or dropOwned: true (DROP OWNED BY …) to remove them on delete, or remove them first",
      });
    }
    const unreachable = deps.databases.filter((d) => !d.canConnect).map((d) => d.name);
    if (unreachable.length > 0) {
      throw new ProviderError(resource, "drop role", {
        message: `role ${JSON.stringify(actual.name)} owns objects or holds privileges in database(s) ${unreachable.join(", ")}, which the admin cannot connect to`,
        code: "42501",
      });
    }
    // REASSIGN OWNED and DROP OWNED act on the current database (and shared objects): each database in turn.
    const databases = names.length > 0 ? names : [db.database];
    for (const database of databases) await db.transaction((tx) => tx.execute(owned), database);
  }
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
