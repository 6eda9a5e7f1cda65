/** Privileges hooks: read the scope once, plan the delta, send it in one round trip, in one transaction. */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { type Statement, batch, stmt } from "../common/statement";
import { CANNOT_GRANT_HINT, type Db, type Tx, defineResource } from "../db/scaffold";
import { renamedRoles } from "../db/renames";
import { type PrivilegesCatalog, readPrivilegesCatalog } from "./catalog";
import {
  type HeldEntry,
  type PrivilegesEntry,
  type PrivilegesInputs,
  type PrivilegesOutputs,
  checkPrivileges,
  diffPrivileges,
  entryKey,
} from "./inputs";
import { defaultEntryKey } from "./default-inputs";
import { type PrivilegesPlan, planPrivileges } from "./planner";
import type { DefaultPrivilegesEntry } from "./default-inputs";
import { readDefaultCatalog } from "./default-catalog";
import { type DefaultPlan, planDefaultPrivilegeEntries } from "./default-planner";

function label(i: PrivilegesInputs): string {
  const n = Object.keys(i.grants ?? {}).length;
  const a = i.authoritative;
  const mode =
    a && (a.schemas.length > 0 || a.roles.length > 0)
      ? `, authoritative for ${[...a.schemas.map((s) => `schema ${s}`), ...a.roles.map((r) => `role ${r}`)].join(", ")}`
      : "";
  const d = i.defaultPrivileges ? Object.keys(i.defaultPrivileges).length : 0;
  const defaults = d > 0 ? `, ${d} default ${d === 1 ? "entry" : "entries"}` : "";
  return `Privileges (${n} ${n === 1 ? "entry" : "entries"}${defaults}${mode}${i.database ? ` in database ${i.database}` : ""})`;
}

const entriesOf = (i: Partial<PrivilegesInputs> | undefined): PrivilegesEntry[] =>
  Object.values(i?.grants ?? {});

const defaultsOf = (i: Partial<PrivilegesInputs> | undefined): DefaultPrivilegesEntry[] =>
  Object.values(i?.defaultPrivileges ?? {});

/**
 * The plan of the default-privileges entries (undefined when neither the new nor the old inputs
 * have `defaultPrivileges`: such a resource leaves default privileges alone). The authoritative
 * scope covers default privileges only when `news` has the list (possibly empty).
 */
async function planDefaults(
  client: Tx["client"],
  version: number,
  news: Partial<PrivilegesInputs>,
  olds: Partial<PrivilegesInputs> | undefined,
): Promise<DefaultPlan | undefined> {
  if (news.defaultPrivileges === undefined && olds?.defaultPrivileges === undefined) return undefined;
  const desired = defaultsOf(news);
  const previous = olds ? defaultsOf(olds) : undefined;
  const authoritative = news.defaultPrivileges !== undefined ? news.authoritative : undefined;
  const c = await readDefaultCatalog(client, version, [...desired, ...(previous ?? [])], authoritative);
  return planDefaultPrivilegeEntries({ version, ...c, desired, previous, authoritative });
}

/** Our transactions on one database queue: they rewrite the ACLs of many objects at once. */
const lockKey = (i: PrivilegesInputs) => `pulumi-postgres-roles/privileges/${i.database ?? ""}`;

function plan(
  c: PrivilegesCatalog,
  desired: PrivilegesEntry[],
  previous: PrivilegesEntry[] | undefined,
  i: Pick<PrivilegesInputs, "authoritative" | "cascade">,
): PrivilegesPlan {
  const missing = new Set(c.missingRoles);
  const exists = (e: PrivilegesEntry) => !missing.has(e.role);
  return planPrivileges({
    version: c.version,
    database: c.database,
    acl: c.acl,
    objects: c.objects,
    routines: c.routines,
    desired,
    previous: previous?.filter(exists),
    authoritative: i.authoritative,
    cascade: i.cascade,
    admin: c.admin,
    columnsListed: true,
  });
}

/** What stops an apply: roles or objects that do not exist, revokes the admin cannot make. */
function requireApplicable(
  resource: string,
  doing: string,
  c: PrivilegesCatalog,
  desired: readonly PrivilegesEntry[],
  p: PrivilegesPlan,
  defaults?: { desired: readonly DefaultPrivilegesEntry[]; plan: DefaultPlan },
): void {
  // Only the roles of desired entries: a previous entry's role that is gone holds nothing to revoke.
  const wanted = new Set(desired.map((e) => e.role));
  const problems = [
    ...c.missingRoles.filter((r) => wanted.has(r)).map((r) => `role ${JSON.stringify(r)} does not exist`),
    ...p.entries.flatMap((e, i) => e.missing.map((m) => `${entryKey(desired[i]!)}: ${m}`)),
    ...(defaults?.plan.entries ?? []).flatMap((e, i) =>
      e.missing.map((m) => `${defaultEntryKey(defaults!.desired[i]!)}: ${m}`),
    ),
  ];
  if (problems.length > 0) {
    throw new ProviderError(resource, doing, { message: problems.join("; "), code: "42704" });
  }
  if (p.blocked.length > 0) {
    throw new ProviderError(resource, doing, {
      message: `cannot revoke ${p.blocked.join("; ")}`,
      code: "42501",
      hint: "only the grantor (or the object's owner, with CASCADE) can revoke a privilege: make the admin a member of the grantor role, revoke it as the grantor, or leave the schema or role out of authoritative",
    });
  }
  requireAlterable(resource, doing, c.admin.user, defaults?.plan);
}

/** ALTER DEFAULT PRIVILEGES FOR ROLE owner, for owners the admin may not act for: what PostgreSQL would refuse, said first. */
function requireAlterable(resource: string, doing: string, admin: string, p: DefaultPlan | undefined): void {
  if (!p || p.blocked.length === 0) return;
  const owners = p.blocked.map((o) => JSON.stringify(o)).join(", ");
  throw new ProviderError(resource, doing, {
    message: `permission denied to change default privileges of ${owners}: ${JSON.stringify(admin)} lacks the privileges of ${p.blocked.length === 1 ? "that role" : "those roles"} (not a member, or on PostgreSQL 16+ a member without INHERIT)`,
    code: "42501",
    hint: "ALTER DEFAULT PRIVILEGES FOR ROLE x needs the privileges of x: make the admin a member of each owner (GRANT owner TO admin; on PostgreSQL 16+ with INHERIT TRUE), or leave their default privileges out of this resource (and its authoritative scope)",
  });
}

/**
 * PostgreSQL's warnings that a GRANT or REVOKE did not do all it was asked (the grantor lacks the
 * grant option): "no privileges were granted", "not all privileges could be revoked", ...
 * https://www.postgresql.org/docs/current/errcodes-appendix.html (01007, 01006)
 */
const NOT_APPLIED = new Set(["01006", "01007"]);

/**
 * Runs the plan's statements in one round trip and fails if PostgreSQL warned that one of them
 * did not apply: the check Grant makes by planning again after its statements (Tx.executeVerified),
 * made here by PostgreSQL's own warnings, so that an apply reads the catalog once, not twice.
 * The warnings reach the client at client_min_messages = warning or below (set for the transaction).
 */
async function executeChecked(
  tx: Tx,
  resource: string,
  doing: string,
  statements: Statement[],
): Promise<void> {
  if (statements.length === 0) return;
  const warnings: string[] = [];
  const onNotice = (n: { code?: string; message?: string }) => {
    if (n.code && NOT_APPLIED.has(n.code)) warnings.push(n.message ?? n.code);
  };
  tx.client.on("notice", onNotice);
  try {
    await tx.execute([
      batch([stmt("report warnings", "SET LOCAL client_min_messages = warning"), ...statements]),
    ]);
  } finally {
    tx.client.removeListener("notice", onNotice);
  }
  if (warnings.length > 0) {
    throw new ProviderError(resource, doing, {
      message: `PostgreSQL accepted the statements but did not apply: ${warnings.join("; ")}`,
      code: "42501",
      hint: CANNOT_GRANT_HINT,
    });
  }
}

/**
 * Previous entries whose role no longer has its name: renamed earlier in this `up` (see
 * db/renames.ts), each takes the new name, so that what it granted is revoked (or kept, when a
 * desired entry wants it) under that name; a role that is gone keeps its name and holds nothing.
 * Answers undefined when nothing was renamed (one lookup, made only when a role is missing).
 */
async function followRenames(
  db: Db,
  entries: readonly PrivilegesEntry[],
  missing: readonly string[],
): Promise<PrivilegesEntry[] | undefined> {
  const renamed = await renamedRoles(db, missing);
  if (renamed.size === 0) return undefined;
  return entries.map((e) => (renamed.has(e.role) ? { ...e, role: renamed.get(e.role)! } : e));
}

async function apply(
  db: Db,
  news: PrivilegesInputs,
  olds: PrivilegesInputs | undefined,
  doing: string,
): Promise<void> {
  const desired = entriesOf(news);
  let previous = olds ? entriesOf(olds) : undefined;
  let renamesFollowed = false;
  for (;;) {
    // A first pass that finds a previous entry's role missing applies nothing: the names are
    // looked up (in a transaction of their own) and the apply runs again with them.
    const gone = await db.transaction(async (tx: Tx) => {
      const catalog = await readPrivilegesCatalog(
        tx.client,
        [...desired, ...(previous ?? [])],
        news.authoritative,
      );
      const wanted = new Set(desired.map((e) => e.role));
      const goneBefore = catalog.missingRoles.filter((r) => !wanted.has(r));
      if (!renamesFollowed && goneBefore.length > 0) return goneBefore;
      const p = plan(catalog, desired, previous, news);
      const d = await planDefaults(tx.client, catalog.version, news, olds);
      requireApplicable(db.label, doing, catalog, desired, p, d && { desired: defaultsOf(news), plan: d });
      await executeChecked(tx, db.label, doing, [...p.statements, ...(d?.statements ?? [])]);
      return [];
    });
    if (gone.length === 0) return;
    renamesFollowed = true;
    previous = (await followRenames(db, previous!, gone)) ?? previous;
  }
}

export const privilegesId = (i: PrivilegesInputs) =>
  `${i.database ?? ""}/${createHash("sha256")
    .update(JSON.stringify(Object.keys(i.grants).sort()))
    .digest("hex")
    .slice(0, 16)}`;

async function create(
  db: Db,
  inputs: PrivilegesInputs,
): Promise<pulumi.dynamic.CreateResult<PrivilegesOutputs>> {
  await apply(db, inputs, undefined, "apply privileges");
  return { id: privilegesId(inputs), outs: { ...inputs, unmanaged: [] } };
}

async function update(
  db: Db,
  _id: string,
  olds: PrivilegesOutputs,
  news: PrivilegesInputs,
): Promise<pulumi.dynamic.UpdateResult<PrivilegesOutputs>> {
  await apply(db, news, olds, "update privileges");
  return { outs: { ...news, unmanaged: [] } }; // no `drifted`: the update made every entry whole
}

const samePrivileges = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** What is held under each entry's key (privileges held on every object), and the unmanaged privileges. */
async function read(
  db: Db,
  id: string,
  props: PrivilegesOutputs,
): Promise<pulumi.dynamic.ReadResult<PrivilegesOutputs>> {
  return db.transaction(async ({ client }) => {
    const keys = Object.keys(props.grants ?? {});
    const catalog = await readPrivilegesCatalog(client, entriesOf(props), props.authoritative);
    // Entries of roles that are gone hold nothing.
    const missing = new Set(catalog.missingRoles);
    const live = keys.filter((k) => !missing.has(props.grants[k]!.role));
    const p = plan(
      catalog,
      live.map((k) => props.grants[k]!),
      undefined,
      props,
    );
    const drifted: Record<string, HeldEntry> = {};
    for (const k of keys) {
      const i = live.indexOf(k);
      const held = i < 0 ? { privileges: [], withGrantOption: false } : p.entries[i]!;
      const want = props.grants[k]!;
      if (!samePrivileges(held.privileges, want.privileges) || held.withGrantOption !== want.withGrantOption)
        drifted[k] = { privileges: held.privileges, withGrantOption: held.withGrantOption };
    }
    const grants = Object.fromEntries(
      keys.map((k) => [k, drifted[k] ? { ...props.grants[k]!, ...drifted[k] } : props.grants[k]!]),
    );
    const d = await planDefaults(client, catalog.version, props, undefined);
    const defaultKeys = Object.keys(props.defaultPrivileges ?? {});
    defaultKeys.forEach((k, i) => {
      const held = d!.entries[i]!;
      const want = props.defaultPrivileges![k]!;
      if (!samePrivileges(held.privileges, want.privileges) || held.withGrantOption !== want.withGrantOption)
        drifted[k] = { privileges: held.privileges, withGrantOption: held.withGrantOption };
    });
    const unmanaged = [...p.unmanaged, ...(d?.unmanaged ?? [])];
    const outs: PrivilegesOutputs = { ...props, unmanaged };
    if (Object.keys(drifted).length > 0) outs.drifted = drifted;
    else delete outs.drifted;
    // As the inputs the engine compares the next program with (SDKs that support it; 3.248 does):
    // what is held, so that `preview --diff` after a refresh shows what `up` will change, each
    // unmanaged privilege one removed item. The outputs keep the wanted entries (see
    // PrivilegesOutputs). The connection stays a secret in the state (the e2e test reads the state).
    const now = { ...props, grants, unmanaged };
    if (props.defaultPrivileges)
      now.defaultPrivileges = Object.fromEntries(
        defaultKeys.map((k) => [k, { ...props.defaultPrivileges![k]!, ...drifted[k] }]),
      );
    delete (now as PrivilegesOutputs).drifted;
    return { id, props: outs, inputs: now };
  });
}

/** Revokes what the entries granted (as the admin, or the owner it acts as); nothing else. */
async function remove(db: Db, _id: string, props: PrivilegesOutputs): Promise<void> {
  let previous = entriesOf(props);
  let withDefaults = props.defaultPrivileges !== undefined;
  const revoke = () =>
    db.transaction(async (tx) => {
      const catalog = await readPrivilegesCatalog(tx.client, previous, undefined);
      const p = plan(catalog, [], previous, { cascade: props.cascade });
      const d = withDefaults
        ? await planDefaults(tx.client, catalog.version, { defaultPrivileges: {} }, props)
        : undefined;
      requireAlterable(db.label, "revoke privileges", catalog.admin.user, d);
      await executeChecked(tx, db.label, "revoke privileges", [...p.statements, ...(d?.statements ?? [])]);
      return catalog.missingRoles;
    });
  const gone = await revoke();
  if (gone.length === 0) return;
  // Entries of roles renamed earlier in this `up` (deletions run after updates): under the new name.
  const renamed = await followRenames(db, previous, gone);
  if (renamed === undefined) return;
  const before = previous;
  previous = renamed.filter((e, i) => e !== before[i]); // the others were revoked above
  withDefaults = false; // so were the default privileges
  await revoke();
}

export const privileges = defineResource<PrivilegesInputs, PrivilegesOutputs>(
  {
    check: checkPrivileges,
    diff: diffPrivileges,
    label,
    database: (i) => i.database,
    lockKey,
    goneWithDatabase: true,
  },
  { create, read, update, delete: remove },
);
