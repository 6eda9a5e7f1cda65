import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import provider from "../providers/membership";
import type { MembershipInputs, MembershipOutputs } from "./inputs";

/** Arguments of a {@link RoleMembership}. */
export interface RoleMembershipArgs {
  /** The group role granted. Changing it replaces the membership. */
  role: pulumi.Input<string>;
  /** The role made a member of `role`. Changing it replaces the membership. */
  member: pulumi.Input<string>;
  /** WITH ADMIN OPTION: the member may grant `role` to others. Default false; changes in place. */
  withAdmin?: pulumi.Input<boolean>;
  /**
   * PostgreSQL 16+: whether the member inherits the group's privileges through this membership (INHERIT
   * option). Omitted: the server's default (the member's own INHERIT attribute). Changes in place; an error on older servers.
   */
  inherit?: pulumi.Input<boolean>;
  /** PostgreSQL 16+: whether the member may `SET ROLE` to the group (SET option). Omitted: the server's default (true). */
  set?: pulumi.Input<boolean>;
  /** Where the roles live; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link RoleMembership}; its hooks can be called directly with plain inputs. */
export class RoleMembershipProvider extends HookProvider<MembershipInputs, MembershipOutputs> {
  constructor() {
    super("membership");
  }
}

/** Makes `member` a member of the group `role` (GRANT role TO member), optionally WITH ADMIN OPTION. */
export class RoleMembership extends PostgresResource {
  /** The group role. */
  declare public readonly role: pulumi.Output<string>;
  /** The role that is a member of `role`. */
  declare public readonly member: pulumi.Output<string>;
  /** Whether the member holds ADMIN OPTION on the group. */
  declare public readonly withAdmin: pulumi.Output<boolean>;
  /** PostgreSQL 16+: the membership's INHERIT option, when this resource manages it. */
  declare public readonly inherit: pulumi.Output<boolean | undefined>;
  /** PostgreSQL 16+: the membership's SET option, when this resource manages it. */
  declare public readonly set: pulumi.Output<boolean | undefined>;

  constructor(name: string, args: RoleMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        role: args.role,
        member: args.member,
        withAdmin: args.withAdmin,
        inherit: args.inherit,
        set: args.set,
        connection: secretInput(args.connection),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "RoleMembership",
    );
  }
}
