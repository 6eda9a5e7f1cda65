/** Role hooks: read the catalog, plan, run in one transaction. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { type HookContext, type Runtime, compact } from "../common/runtime-context";
import { scramVerifier, verifierMatches } from "../common/scram";
import { execute, inTransaction } from "../db/transaction";
import { readPassword, readRole } from "./catalog";
import type { RoleInputs, RoleOutputs } from "./inputs";
import { type RoleActual, type RoleDesired, planRole } from "./planner";

/** Shown as the password of a role whose stored password no longer matches (a secret, like the password). */
export const PASSWORD_DRIFT = "(changed outside Pulumi)";

const label = (name: string) => `Role ${JSON.stringify(name)}`;

function desiredOf(
  i: RoleInputs,
  passwordVerifier: string | null | undefined,
  previousInRoles: string[],
): RoleDesired {
  const d: RoleDesired = {
    name: i.name,
    login: i.login,
    superuser: i.superuser,
    createDatabase: i.createDatabase,
    createRole: i.createRole,
    inherit: i.inherit,
    replication: i.replication,
    bypassRowLevelSecurity: i.bypassRowLevelSecurity,
    connectionLimit: i.connectionLimit,
    inRoles: i.inRoles,
    previousInRoles,
  };
  if (i.validUntil !== undefined) d.validUntil = i.validUntil;
  if (passwordVerifier !== undefined) d.passwordVerifier = passwordVerifier;
  return d;
}

function outputsOf(i: RoleInputs, oid: number): RoleOutputs {
  return compact({ ...i, oid });
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

export async function create(
  rt: Runtime,
  ctx: HookContext,
  inputs: RoleInputs,
): Promise<pulumi.dynamic.CreateResult> {
  const resource = label(inputs.name);
  const { pool, conn } = rt.connect(inputs.connection, ctx);
  return inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
    const existing = await readRole(client, { name: inputs.name }, inputs.validUntil);
    if (existing && !inputs.adoptExisting) {
      throw new ProviderError(resource, "create role", {
        message: `role ${JSON.stringify(inputs.name)} already exists`,
        code: "42710",
        hint: "set adoptExisting: true to take over the existing role, or choose another name",
      });
    }
    const verifier = inputs.password === undefined ? undefined : scramVerifier(inputs.password);
    await execute(client, resource, planRole(existing, desiredOf(inputs, verifier, [])));
    const after = await afterChange(client, inputs.name, resource);
    return { id: String(after.oid), outs: outputsOf(inputs, after.oid) };
  });
}

export async function read(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  props: RoleOutputs,
): Promise<pulumi.dynamic.ReadResult<RoleOutputs>> {
  const resource = label(props.name);
  const { pool, conn } = rt.connect(props.connection, ctx);
  return inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
    const actual = await readRole(client, { oid: Number(id) }, props.validUntil);
    if (!actual) return { id: undefined, props: {} as RoleOutputs };
    const outs: RoleOutputs = {
      ...props,
      name: actual.name,
      login: actual.login,
      superuser: actual.superuser,
      createDatabase: actual.createDatabase,
      createRole: actual.createRole,
      inherit: actual.inherit,
      replication: actual.replication,
      bypassRowLevelSecurity: actual.bypassRowLevelSecurity,
      connectionLimit: actual.connectionLimit,
      // Only the memberships this resource manages; others (RoleMembership, by hand) are not its concern.
      inRoles: (props.inRoles ?? []).filter((g) => actual.inRoles.includes(g)),
      oid: actual.oid,
    };
    delete outs.validUntil;
    if (
      actual.validUntil !== undefined &&
      !(actual.validUntil === "infinity" && props.validUntil === undefined)
    ) {
      outs.validUntil = actual.validUntilMatches ? props.validUntil : actual.validUntil;
    }
    if (props.password !== undefined) {
      // Where pg_authid is readable (superuser), check the stored verifier against the password;
      // elsewhere (managed services) password drift cannot be seen and the state is trusted.
      const { readable, stored } = await readPassword(client, actual.oid);
      if (readable && (stored === null || verifierMatches(stored, props.password, actual.name) === false)) {
        outs.password = PASSWORD_DRIFT;
      }
    }
    return { id, props: compact(outs) };
  });
}

export async function update(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  olds: RoleOutputs,
  news: RoleInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  const resource = label(news.name);
  const { pool, conn } = rt.connect(news.connection, ctx);
  return inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
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
    await execute(client, resource, planRole(actual, desiredOf(news, verifier, olds.inRoles ?? [])));
    return { outs: outputsOf(news, actual.oid) };
  });
}

export async function remove(rt: Runtime, ctx: HookContext, id: string, props: RoleOutputs): Promise<void> {
  const resource = label(props.name);
  const { pool, conn } = rt.connect(props.connection, ctx);
  await inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
    // By OID, so a role renamed by hand is still the one dropped; already gone counts as success.
    const actual = await readRole(client, { oid: Number(id) });
    await execute(client, resource, planRole(actual, undefined));
  });
}
