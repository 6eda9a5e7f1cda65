/** RoleMembership hooks. */
import type * as pulumi from "@pulumi/pulumi";
import { ProviderError } from "../common/errors";
import { type Db, defineResource } from "../db/scaffold";
import { actFollowingRenames, renamedRoles } from "../db/renames";
import { readMembership } from "./catalog";
import { type MembershipInputs, type MembershipOutputs, checkMembership, diffMembership } from "./inputs";
import { planMembership } from "./planner";

const label = (i: { role: string; member: string }) =>
  `RoleMembership ${JSON.stringify(i.member)} in ${JSON.stringify(i.role)}`;
export const membershipId = (i: { role: string; member: string }) => JSON.stringify([i.role, i.member]);

function outputsOf(i: MembershipInputs): MembershipOutputs {
  return { ...i };
}

async function apply(db: Db, inputs: MembershipInputs, doing: string): Promise<void> {
  const resource = db.label;
  await db.transaction(async ({ client, execute }) => {
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
    await execute(planMembership({ role: inputs.role, member: inputs.member, actual, desired: inputs }));
  });
}

async function create(
  db: Db,
  inputs: MembershipInputs,
): Promise<pulumi.dynamic.CreateResult<MembershipOutputs>> {
  await apply(db, inputs, "grant membership");
  return { id: membershipId(inputs), outs: outputsOf(inputs) };
}

/**
 * A new group or member is an update, not a replacement: when the old pair is the new one renamed
 * (see db/renames.ts) nothing is revoked (a replacement would have granted the new membership, then
 * revoked the old one from the very same pair); otherwise the old membership is revoked first. The
 * id keeps the names at creation (nothing reads it back).
 */
async function update(
  db: Db,
  _id: string,
  olds: MembershipOutputs,
  news: MembershipInputs,
): Promise<pulumi.dynamic.UpdateResult<MembershipOutputs>> {
  if (olds.role !== news.role || olds.member !== news.member) {
    const renamed = await renamedRoles(db, [olds.role, olds.member]);
    const was = {
      role: renamed.get(olds.role) ?? olds.role,
      member: renamed.get(olds.member) ?? olds.member,
    };
    if (was.role !== news.role || was.member !== news.member) await revoke(db, { ...olds, ...was });
  }
  await apply(db, news, "update membership");
  return { outs: outputsOf(news) };
}

async function read(
  db: Db,
  id: string,
  props: MembershipOutputs,
): Promise<pulumi.dynamic.ReadResult<MembershipOutputs>> {
  return db.transaction(async ({ client }) => {
    const { actual } = await readMembership(client, props.role, props.member);
    if (!actual) return { id: undefined, props: {} as MembershipOutputs };
    const props2: MembershipOutputs = { ...props, withAdmin: actual.admin };
    // The options are reported only where they are managed (and exist: 16+).
    if (props.inherit !== undefined && actual.inherit !== undefined) props2.inherit = actual.inherit;
    if (props.set !== undefined && actual.set !== undefined) props2.set = actual.set;
    return { id, props: props2 };
  });
}

/** Revokes the membership; answers whether the group or the member was missing (by name). */
async function revoke(db: Db, props: MembershipOutputs): Promise<boolean> {
  return db.transaction(async ({ client, execute }) => {
    const { actual, roleExists, memberExists } = await readMembership(client, props.role, props.member);
    await execute(planMembership({ role: props.role, member: props.member, actual }));
    return !roleExists || !memberExists;
  });
}

/** A group or member renamed earlier in this `up` (deletions run after updates): by its new name. */
const remove = (db: Db, _id: string, props: MembershipOutputs) =>
  actFollowingRenames(db, props, ["role", "member"], (p) => revoke(db, p));

export const membership = defineResource<MembershipInputs, MembershipOutputs>(
  {
    check: checkMembership,
    diff: diffMembership,
    label,
  },
  { create, read, update, delete: remove },
);
