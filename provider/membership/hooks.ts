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
    const { roleExists, memberExists, actual } = await readMembership(client, inputs.role, inputs.member);
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
    return { id, props: { ...props, withAdmin: actual.admin } };
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
