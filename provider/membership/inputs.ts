/** RoleMembership inputs: defaults, check and diff. Pure. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { compact } from "../common/values";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";

export interface MembershipInputs {
  /** The group granted. */
  role: string;
  /** The role that becomes a member. */
  member: string;
  withAdmin: boolean;
  /** PostgreSQL 16+: INHERIT option of the membership; undefined = the server's default (the member's INHERIT attribute). */
  inherit?: boolean;
  /** PostgreSQL 16+: SET option (may SET ROLE to the group); undefined = the server's default (true). */
  set?: boolean;
  connection?: ConnectionArgs;
}
export type MembershipOutputs = MembershipInputs;

export function checkMembership(news: Record<string, unknown>): {
  inputs: MembershipInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("role", news.role, true);
  p.name("member", news.member, true);
  p.bool("withAdmin", news.withAdmin);
  p.bool("inherit", news.inherit);
  p.bool("set", news.set);
  if (typeof news.role === "string" && news.role.toUpperCase() === "PUBLIC") {
    p.add("role", "PUBLIC is not a role that can be granted");
  }
  if (typeof news.member === "string" && news.member.toUpperCase() === "PUBLIC") {
    p.add("member", "PUBLIC cannot be made a member of a role");
  }
  if (typeof news.role === "string" && !isUnknown(news.role) && news.role === news.member) {
    p.add("member", `a role cannot be a member of itself (${JSON.stringify(news.role)})`);
  }
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);
  const inputs: MembershipInputs = compact({
    role: news.role as string,
    member: news.member as string,
    withAdmin: (news.withAdmin as boolean | undefined) ?? false,
    inherit: news.inherit as boolean | undefined,
    set: news.set as boolean | undefined,
    connection: news.connection as ConnectionArgs | undefined,
  });
  return { inputs, failures: p.failures };
}

export function diffMembership(
  olds: Partial<MembershipOutputs>,
  news: MembershipInputs,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  // A new group or member is an update: the hook tells a rename of the old one from another role.
  const updates =
    olds.role !== news.role ||
    olds.member !== news.member ||
    (olds.withAdmin ?? false) !== news.withAdmin ||
    (news.inherit !== undefined && olds.inherit !== news.inherit) ||
    (news.set !== undefined && olds.set !== news.set) ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  // Old and new name different pairs (or servers): creating the new one first never collides.
  return { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace: false };
}
