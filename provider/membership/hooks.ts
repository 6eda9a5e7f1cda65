/** RoleMembership hooks. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { type HookContext, type Runtime } from "../common/runtime-context";
import { execute, inTransaction } from "../db/transaction";
import { readMembership } from "./catalog";
import type { MembershipInputs, MembershipOutputs } from "./inputs";
import { planMembership } from "./planner";

const label = (i: { role: string; member: string }) =>
  `RoleMembership ${JSON.stringify(i.member)} in ${JSON.stringify(i.role)}`;
export const membershipId = (i: { role: string; member: string }) => JSON.stringify([i.role, i.member]);

function outputsOf(i: MembershipInputs): MembershipOutputs {
  return { ...i };
}

async function apply(rt: Runtime, ctx: HookContext, inputs: MembershipInputs, doing: string): Promise<void> {
  const resource = label(inputs);
  const { pool, conn } = rt.connect(inputs.connection, ctx);
  await inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
    const { version, roleExists, memberExists, actual } = await readMembership(
      client,
      inputs.role,
      inputs.member,
    );
    if (version < 160000 && (inputs.inherit !== undefined || inputs.set !== undefined)) {
      throw new ProviderError(resource, doing, {
        message: `the membership options inherit and set need PostgreSQL 16 or later; this server is ${version}`,
        hint: "remove inherit/set from the RoleMembership (the member's INHERIT attribute applies instead)",
      });
    }
    const missing = [!roleExists && inputs.role, !memberExists && inputs.member].filter(Boolean);
    if (missing.length > 0) {
      throw new ProviderError(resource, doing, {
        message: `role ${missing.map((m) => JSON.stringify(m)).join(" and ")} does not exist`,
        code: "42704",
      });
    }
    await execute(client, resource, planMembership(inputs, actual, inputs));
  });
}

export async function create(
  rt: Runtime,
  ctx: HookContext,
  inputs: MembershipInputs,
): Promise<pulumi.dynamic.CreateResult> {
  await apply(rt, ctx, inputs, "grant membership");
  return { id: membershipId(inputs), outs: outputsOf(inputs) };
}

export async function update(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  _olds: MembershipOutputs,
  news: MembershipInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  await apply(rt, ctx, news, "update membership");
  return { outs: outputsOf(news) };
}

export async function read(
  rt: Runtime,
  ctx: HookContext,
  id: string,
  props: MembershipOutputs,
): Promise<pulumi.dynamic.ReadResult<MembershipOutputs>> {
  const { pool, conn } = rt.connect(props.connection, ctx);
  return inTransaction(pool, { resource: label(props), lockTimeout: conn.lockTimeout }, async (client) => {
    const { actual } = await readMembership(client, props.role, props.member);
    if (!actual) return { id: undefined, props: {} as MembershipOutputs };
    const props2: MembershipOutputs = { ...props, withAdmin: actual.admin };
    // The options are reported only where they are managed (and exist: 16+).
    if (props.inherit !== undefined && actual.inherit !== undefined) props2.inherit = actual.inherit;
    if (props.set !== undefined && actual.set !== undefined) props2.set = actual.set;
    return { id, props: props2 };
  });
}

export async function remove(
  rt: Runtime,
  ctx: HookContext,
  _id: string,
  props: MembershipOutputs,
): Promise<void> {
  const resource = label(props);
  const { pool, conn } = rt.connect(props.connection, ctx);
  await inTransaction(pool, { resource, lockTimeout: conn.lockTimeout }, async (client) => {
    const { actual } = await readMembership(client, props.role, props.member);
    await execute(client, resource, planMembership(props, actual, undefined));
  });
}
