import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import { resourceUrn } from "../common/urn";
import provider from "../providers/policy";
import type { PolicyCommand, PolicyInputs, PolicyOutputs } from "./inputs";

/** Arguments of a {@link Policy}. */
export interface PolicyArgs {
  /** The policy's name (unique per table). Default: the Pulumi resource name. Changes in place (ALTER POLICY … RENAME TO). */
  name?: pulumi.Input<string>;
  /** The table the policy is on. Changing it replaces the policy. */
  table: pulumi.Input<string>;
  /** The table's schema. Default "public". Changing it replaces the policy. */
  schema?: pulumi.Input<string>;
  /** ALL (the default), SELECT, INSERT, UPDATE or DELETE, any letter case. Changing it replaces the policy. */
  command?: pulumi.Input<PolicyCommand | Lowercase<PolicyCommand> | string>;
  /** AS PERMISSIVE (true, the default: policies are OR-ed) or AS RESTRICTIVE (false: AND-ed). Changing it replaces the policy. */
  permissive?: pulumi.Input<boolean>;
  /** The roles the policy applies to. Default: PUBLIC (every role). Changes in place (ALTER POLICY … TO). */
  roles?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * USING expression: which existing rows are visible / may be updated or deleted.
   * **Trusted SQL**: inserted into the statement as written (between parentheses), not quoted.
   * Never build it from untrusted values. Not for INSERT policies. Changes in place (ALTER POLICY … USING).
   */
  using?: pulumi.Input<string>;
  /**
   * WITH CHECK expression: which new rows may be inserted / rows updated to.
   * **Trusted SQL**: inserted as written (between parentheses), not quoted. Not for SELECT and
   * DELETE policies. Changes in place (ALTER POLICY … WITH CHECK).
   */
  withCheck?: pulumi.Input<string>;
  /** The database the table is in (the provider connects to it). Default: the connection's. Changing it replaces the policy. */
  database?: pulumi.Input<string>;
  /**
   * Take over a policy of this name that already exists on the table (converging it to these
   * arguments) instead of failing. Default false.
   */
  adoptExisting?: pulumi.Input<boolean>;
  /** Where to connect; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link Policy}; its hooks can be called directly with plain inputs. */
export class PolicyProvider extends HookProvider<PolicyInputs, PolicyOutputs> {
  constructor() {
    super("policy");
  }
}

/**
 * A row level security policy: `CREATE POLICY name ON schema.table AS PERMISSIVE|RESTRICTIVE FOR
 * command TO roles USING (…) WITH CHECK (…)`. It takes effect once row level security is enabled on
 * the table (see {@link RowLevelSecurity}).
 */
export class Policy extends PostgresResource {
  /** The policy's name. */
  declare public readonly name: pulumi.Output<string>;
  /** The table the policy is on. */
  declare public readonly table: pulumi.Output<string>;
  /** The table's schema. */
  declare public readonly schema: pulumi.Output<string>;
  /** ALL, SELECT, INSERT, UPDATE or DELETE. */
  declare public readonly command: pulumi.Output<PolicyCommand>;
  /** true: AS PERMISSIVE; false: AS RESTRICTIVE. */
  declare public readonly permissive: pulumi.Output<boolean>;
  /** The roles the policy applies to, sorted, or ["PUBLIC"]. */
  declare public readonly roles: pulumi.Output<string[]>;
  /** The USING expression as written (or, after drift, as the catalog has it). */
  declare public readonly using: pulumi.Output<string | undefined>;
  /** The WITH CHECK expression as written (or, after drift, as the catalog has it). */
  declare public readonly withCheck: pulumi.Output<string | undefined>;
  /** The database the table is in; undefined: the connection's. */
  declare public readonly database: pulumi.Output<string | undefined>;
  /** The policy's OID in pg_policy: stays the same across in-place changes. */
  declare public readonly oid: pulumi.Output<number>;
  /** The system identifier of the cluster the policy (its OID) belongs to. */
  declare public readonly systemIdentifier: pulumi.Output<string | undefined>;
  /** The USING expression as PostgreSQL stored it when this resource last wrote it (pg_get_expr). */
  declare public readonly usingNormalized: pulumi.Output<string | undefined>;
  /** The WITH CHECK expression as PostgreSQL stored it when this resource last wrote it. */
  declare public readonly withCheckNormalized: pulumi.Output<string | undefined>;

  constructor(name: string, args: PolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        name: args.name ?? name,
        table: args.table,
        schema: args.schema,
        command: args.command,
        permissive: args.permissive,
        roles: args.roles,
        using: args.using,
        withCheck: args.withCheck,
        database: args.database,
        adoptExisting: args.adoptExisting,
        connection: secretInput(args.connection),
        oid: undefined,
        usingNormalized: undefined,
        withCheckNormalized: undefined,
        systemIdentifier: undefined,
        resourceUrn: resourceUrn(name, "Policy", opts),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "Policy",
    );
  }
}
