/**
 * Roles hooks: many roles in one resource. Each hook reads every role it concerns in one catalog
 * query (role/catalog.ts `readRoles`), plans them with Role's planner phase by phase (planner.ts),
 * and runs the statements in one transaction; the number of queries does not grow with the number
 * of roles (apart from the statements themselves). What each role means, how it is compared and what
 * SQL changes it are Role's (role/*): this file only handles the many.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { PoolClient } from "pg";
import { ProviderError } from "../common/errors";
import { compact, omit } from "../common/values";
import { scramVerifierAsync } from "../common/scram";
import { type Db, defineResource } from "../db/scaffold";
import { otherClusterError, whereabouts } from "../db/cluster";
import { createdBy, markCreated, markedBy, notOursDetail, unmark } from "../db/ownership";
import { recordRenames } from "../db/renames";
import { type RoleLookup, readPasswords, readRoles } from "../role/catalog";
import { readBack, rolesToDrop } from "./catalog";
import {
  PASSWORD_CHECKED,
  PASSWORD_DRIFT,
  PASSWORD_NOT_CHECKED,
  desiredOf,
  isOwnCreate,
  observedFields,
  passwordDrifted,
  releaseOwned,
} from "../role/hooks";
import type { RoleActual, RoleDesired } from "../role/planner";
import {
  type RoleEntryFields,
  type RolesInputs,
  type RolesOutputs,
  checkRoles,
  diffRoles,
  fullEntry,
  sparseEntry,
} from "./inputs";
import { planRoles } from "./planner";

/** The resource's name, from its URN (`urn:pulumi:stack::project::type::name`). */
const label = (i: RolesInputs) => {
  const name = i.resourceUrn?.split("::").pop();
  return name === undefined
    ? `Roles (${Object.keys(i.roles ?? {}).length} roles)`
    : `Roles ${JSON.stringify(name)}`;
};

interface Entry {
  key: string;
  fields: RoleEntryFields;
  password?: string;
}

/** The roles of the inputs, by key, each with every default filled in. */
function entriesOf(i: RolesInputs): Entry[] {
  return Object.keys(i.roles)
    .sort()
    .map((key) => compact({ key, fields: fullEntry(key, i.roles[key]!), password: i.passwords?.[key] }));
}

const byName = (e: Entry): RoleLookup => ({ name: e.fields.name, validUntil: e.fields.validUntil });

/** How many names an error lists before "and N more". */
const LISTED = 10;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).map((n) => JSON.stringify(n));
  return names.length > LISTED ? `${shown.join(", ")} and ${names.length - LISTED} more` : shown.join(", ");
}

/**
 * Roles this resource is about to create that already exist: taken over when adoptExisting says so,
 * when their creation marker says this very resource made them (a run interrupted after its COMMIT),
 * or when an earlier attempt of this transaction may have committed them and they are exactly as
 * asked; anything else fails (42710), naming them. Returns the keys of the ones this resource made.
 */
async function claimExisting(
  client: PoolClient,
  resource: string,
  inputs: RolesInputs,
  mayHaveCommitted: boolean,
  existing: ReadonlyArray<{ entry: Entry; actual: RoleActual }>,
): Promise<Set<string>> {
  const ours = new Set<string>();
  const foreign: Array<{ name: string; detail: string }> = [];
  for (const { entry, actual } of existing) {
    const marked = await markedBy(client, "role", actual.oid);
    if (
      createdBy(marked, inputs.resourceUrn) ||
      (mayHaveCommitted && isOwnCreate(actual, desiredOf(entry.fields, undefined)))
    )
      ours.add(entry.key);
    else if (!inputs.adoptExisting)
      foreign.push({ name: entry.fields.name, detail: await notOursDetail(client, marked) });
  }
  if (foreign.length > 0) {
    const details = [...new Set(foreign.map((f) => f.detail))];
    throw new ProviderError(resource, "create roles", {
      message: `${foreign.length === 1 ? "role" : "roles"} ${listNames(foreign.map((f) => f.name))} already ${
        foreign.length === 1 ? "exists" : "exist"
      } (${details.join("; ")})`,
      code: "42710",
      hint: "set adoptExisting: true to take over existing roles, or choose other names",
    });
  }
  return ours;
}

/**
 * The password to write for each role, by key: a verifier, or null to remove the password; a key
 * absent leaves it as it is. `written(key)`: the password the role has by this resource's doing
 * (undefined for a role it creates or takes over now: any password given is written). The verifiers
 * are computed side by side (PBKDF2 on libuv's thread pool).
 */
async function verifiersFor(
  entries: readonly Entry[],
  written: (key: string) => { before: string | undefined } | undefined,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  await Promise.all(
    entries.map(async (e) => {
      const was = written(e.key);
      if (was !== undefined && e.password === was.before) return;
      if (e.password === undefined) {
        if (was !== undefined) out.set(e.key, null);
        return;
      }
      out.set(e.key, await scramVerifierAsync(e.password));
    }),
  );
  return out;
}

async function create(db: Db, inputs: RolesInputs): Promise<pulumi.dynamic.CreateResult<RolesOutputs>> {
  const resource = db.label;
  return db.transaction(async ({ client, attempt, execute }) => {
    const entries = entriesOf(inputs);
    const found = await readRoles(client, entries.map(byName));
    const existing = entries.flatMap((entry, i) => {
      const actual = found[i];
      return actual ? [{ entry, actual }] : [];
    });
    const ours = await claimExisting(client, resource, inputs, attempt.mayHaveCommitted, existing);
    const verifiers = await verifiersFor(entries, () => undefined);
    await execute(
      planRoles({
        roles: entries.map((e, i) => ({
          actual: found[i],
          desired: desiredOf(e.fields, verifiers.get(e.key)),
        })),
        drop: [],
      }),
    );
    const after = await readBack(
      client,
      resource,
      entries.map((e) => e.fields.name),
    );
    // A role taken over through adoptExisting was not created here: it gets no marker.
    const created = after.filter((_, i) => !found[i] || ours.has(entries[i]!.key));
    await markCreated(client, inputs.resourceUrn, "role", created);
    const { here } = await whereabouts(client, undefined);
    const oids = Object.fromEntries(entries.map((e, i) => [e.key, after[i]!.oid]));
    return { id: randomUUID(), outs: compact({ ...inputs, oids, systemIdentifier: here }) };
  });
}

async function read(
  db: Db,
  id: string,
  props: RolesOutputs,
): Promise<pulumi.dynamic.ReadResult<RolesOutputs>> {
  return db.transaction(async ({ client }) => {
    // On another cluster the OIDs mean nothing: the roles are looked for by name.
    const where = await whereabouts(client, props.systemIdentifier);
    const entries = entriesOf(props);
    const found = await readRoles(
      client,
      entries.map((e) => {
        const oid = props.oids?.[e.key];
        return where.same && oid !== undefined ? { oid, validUntil: e.fields.validUntil } : byName(e);
      }),
    );
    const allGroups = props.authoritative?.memberships === true;
    const roles: RolesOutputs["roles"] = {};
    const oids: RolesOutputs["oids"] = {};
    const passwords: Record<string, string> = {};
    const withPassword: Array<{ key: string; actual: RoleActual; password: string }> = [];
    entries.forEach((e, i) => {
      const actual = found[i];
      if (!actual) return; // dropped by hand: gone from the state, the next `up` creates it again
      roles[e.key] = sparseEntry(e.key, {
        ...observedFields(actual, e.fields, allGroups),
        name: actual.name,
      });
      oids[e.key] = actual.oid;
      if (e.password !== undefined) {
        passwords[e.key] = e.password;
        withPassword.push({ key: e.key, actual, password: e.password });
      }
    });
    let passwordCheck: string | undefined;
    if (withPassword.length > 0) {
      const { readable, stored } = await readPasswords(
        client,
        withPassword.map((w) => w.actual.oid),
      );
      await Promise.all(
        withPassword.map(async (w) => {
          if (await passwordDrifted(readable, stored.get(w.actual.oid) ?? null, w.password, w.actual.name))
            passwords[w.key] = PASSWORD_DRIFT;
        }),
      );
      passwordCheck = readable ? PASSWORD_CHECKED : PASSWORD_NOT_CHECKED;
    }
    const inputs: RolesInputs = compact({
      ...omit(props, "oids", "passwordCheck", "systemIdentifier", "passwords"),
      roles,
      passwords: Object.keys(passwords).length > 0 ? passwords : undefined,
    });
    const outs: RolesOutputs = compact({
      ...inputs,
      oids,
      passwordCheck,
      systemIdentifier: where.here ?? props.systemIdentifier,
    });
    // The refreshed inputs too: `pulumi preview --diff` compares the state's inputs with the program's,
    // so drift shows there (e.g. `~ connectionLimit: 99 => 5`) only if the inputs say what was found.
    return { id, props: outs, inputs: inputs as RolesOutputs };
  });
}

async function update(
  db: Db,
  _id: string,
  olds: RolesOutputs,
  news: RolesInputs,
): Promise<pulumi.dynamic.UpdateResult<RolesOutputs>> {
  const resource = db.label;
  const oldOids = olds.oids ?? {};
  const removed = Object.keys(oldOids)
    .filter((k) => !(k in news.roles))
    .sort();
  if (removed.length > 0) {
    // What the roles to drop still own: reassigned / dropped first, database by database.
    const found = await db.transaction(async ({ client }) => {
      const where = await whereabouts(client, olds.systemIdentifier);
      if (!where.same) throw otherClusterError(resource, "update roles", `${removed.length} role(s)`, where);
      return rolesToDrop(
        client,
        removed.map((k) => oldOids[k]),
      );
    });
    await releaseOwned(db, found.actuals, found.deps, news);
  }
  return db.transaction(async ({ client, attempt, execute }) => {
    const where = await whereabouts(client, olds.systemIdentifier);
    if (!where.same) throw otherClusterError(resource, "update roles", `the roles of ${resource}`, where);
    const entries = entriesOf(news);
    const lookups: RoleLookup[] = entries.map((e) => {
      const oid = oldOids[e.key];
      return oid !== undefined ? { oid, validUntil: e.fields.validUntil } : byName(e);
    });
    const found = await readRoles(client, [...lookups, ...removed.map((k) => ({ oid: oldOids[k] }))]);
    const drop = found.slice(entries.length).filter((a): a is RoleActual => a !== undefined);
    // Tracked by OID: the resource's own. Anything else (new keys, roles dropped by hand since) is created,
    // and a role found under its name then is someone else's unless claimed.
    const tracked = entries.map((e, i) => oldOids[e.key] !== undefined && found[i] !== undefined);
    const toCreate = entries.filter((_, i) => !tracked[i]);
    let ours = new Set<string>();
    const byNameFound = new Map<string, RoleActual | undefined>();
    if (toCreate.length > 0) {
      const again = await readRoles(client, toCreate.map(byName));
      toCreate.forEach((e, i) => byNameFound.set(e.key, again[i]));
      const existing = toCreate.flatMap((entry, i) => {
        const actual = again[i];
        return actual ? [{ entry, actual }] : [];
      });
      ours = await claimExisting(client, resource, news, attempt.mayHaveCommitted, existing);
    }
    const allGroups = news.authoritative?.memberships === true;
    const trackedKeys = new Set(entries.filter((_, i) => tracked[i]).map((e) => e.key));
    const verifiers = await verifiersFor(entries, (key) =>
      trackedKeys.has(key) ? { before: olds.passwords?.[key] } : undefined,
    );
    const plan: Array<{ actual: RoleActual | undefined; desired: RoleDesired }> = entries.map((e, i) => {
      if (!tracked[i]) {
        return {
          actual: byNameFound.get(e.key),
          desired: desiredOf(e.fields, verifiers.get(e.key)),
        };
      }
      const actual = found[i]!;
      const before = olds.roles?.[e.key];
      const desired = desiredOf(
        e.fields,
        verifiers.get(e.key),
        before === undefined ? undefined : fullEntry(e.key, before),
      );
      if (allGroups) desired.previousInRoles = [...actual.inRoles];
      return { actual, desired };
    });
    await execute(planRoles({ roles: plan, drop }));
    // For dependents deleted later in this `up` that still name an old name (see db/renames.ts).
    await recordRenames(
      client,
      news.resourceUrn,
      plan.flatMap(({ actual, desired }) =>
        actual && actual.name !== desired.name
          ? [{ oid: actual.oid, from: actual.name, to: desired.name }]
          : [],
      ),
    );
    // Their creation markers go with them, in the same transaction.
    await unmark(
      client,
      "role",
      drop.map((a) => a.oid),
    );
    // OIDs: the tracked roles keep theirs; the new ones are read back (one query).
    const after =
      toCreate.length > 0
        ? await readBack(
            client,
            resource,
            toCreate.map((e) => e.fields.name),
          )
        : [];
    await markCreated(
      client,
      news.resourceUrn,
      "role",
      after.filter((_, i) => !byNameFound.get(toCreate[i]!.key) || ours.has(toCreate[i]!.key)),
    );
    const oids: Record<string, number> = {};
    entries.forEach((e, i) => {
      if (tracked[i]) oids[e.key] = found[i]!.oid;
    });
    toCreate.forEach((e, i) => {
      oids[e.key] = after[i]!.oid;
    });
    return { outs: compact({ ...news, oids, systemIdentifier: where.here ?? olds.systemIdentifier }) };
  });
}

async function remove(db: Db, _id: string, props: RolesOutputs): Promise<void> {
  const resource = db.label;
  const entries = entriesOf(props);
  const oids = props.oids ?? {};
  // By OID, so a role renamed by hand is still the one dropped; roles already gone count as dropped.
  // On another cluster the OIDs mean nothing: roles missing by name are gone, any found is refused.
  const found = await db.transaction(async ({ client }) => {
    const where = await whereabouts(client, props.systemIdentifier);
    if (!where.same) {
      const byNames = (await readRoles(client, entries.map(byName))).filter((a) => a !== undefined);
      if (byNames.length === 0) return undefined;
      throw otherClusterError(resource, "drop roles", `${byNames.length} role(s)`, where);
    }
    return rolesToDrop(
      client,
      entries.map((e) => oids[e.key]),
    );
  });
  if (!found || found.actuals.length === 0) return;
  await releaseOwned(db, found.actuals, found.deps, props);
  await db.transaction(async ({ client, execute }) => {
    const now = (
      await readRoles(
        client,
        found.actuals.map((a) => ({ oid: a.oid })),
      )
    ).filter((a): a is RoleActual => a !== undefined);
    await execute(planRoles({ roles: [], drop: now }));
    await unmark(
      client,
      "role",
      now.map((a) => a.oid),
    );
  });
}

export const roles = defineResource<RolesInputs, RolesOutputs>(
  {
    check: checkRoles,
    diff: diffRoles,
    label,
  },
  { create, read, update, delete: remove },
);
