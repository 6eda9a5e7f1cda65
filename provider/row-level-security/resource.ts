import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import { resourceUrn } from "../common/urn";
import provider from "../providers/rowLevelSecurity";
import type { RowLevelSecurityInputs, RowLevelSecurityOutputs } from "./inputs";

/** Arguments of a {@link RowLevelSecurity}. */
export interface RowLevelSecurityArgs {
  /** The table (ordinary or partitioned). Changing it replaces the resource. */
  table: pulumi.Input<string>;
  /** The table's schema. Default "public". Changing it replaces the resource. */
  schema?: pulumi.Input<string>;
  /** ENABLE ROW LEVEL SECURITY (true, the default) or DISABLE. Changes in place. */
  enabled?: pulumi.Input<boolean>;
  /**
   * FORCE ROW LEVEL SECURITY: the table's owner is subject to the policies too (superusers and
   * roles with BYPASSRLS never are). Default false (NO FORCE). Changes in place.
   */
  force?: pulumi.Input<boolean>;
  /** The database the table is in (the provider connects to it). Default: the connection's. Changing it replaces the resource. */
  database?: pulumi.Input<string>;
  /** Where to connect; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link RowLevelSecurity}; its hooks can be called directly with plain inputs. */
export class RowLevelSecurityProvider extends HookProvider<RowLevelSecurityInputs, RowLevelSecurityOutputs> {
  constructor() {
    super("rowLevelSecurity");
  }
}

/**
 * Row level security of one table: `ALTER TABLE … ENABLE/DISABLE ROW LEVEL SECURITY` and
 * `… [NO] FORCE ROW LEVEL SECURITY`. Delete restores the setting the table had when the resource
 * was created (`previousEnabled`, `previousForce`).
 */
export class RowLevelSecurity extends PostgresResource {
  /** The table. */
  declare public readonly table: pulumi.Output<string>;
  /** The table's schema. */
  declare public readonly schema: pulumi.Output<string>;
  /** Whether row level security is enabled (pg_class.relrowsecurity). */
  declare public readonly enabled: pulumi.Output<boolean>;
  /** Whether it is forced on the table's owner too (pg_class.relforcerowsecurity). */
  declare public readonly force: pulumi.Output<boolean>;
  /** The database the table is in; undefined: the connection's. */
  declare public readonly database: pulumi.Output<string | undefined>;
  /** Whether row level security was enabled when the resource was created (restored on delete). */
  declare public readonly previousEnabled: pulumi.Output<boolean>;
  /** Whether it was forced when the resource was created (restored on delete). */
  declare public readonly previousForce: pulumi.Output<boolean>;

  constructor(name: string, args: RowLevelSecurityArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        table: args.table,
        schema: args.schema,
        enabled: args.enabled,
        force: args.force,
        database: args.database,
        connection: secretInput(args.connection),
        previousEnabled: undefined,
        previousForce: undefined,
        resourceUrn: resourceUrn(name, "RowLevelSecurity", opts),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "RowLevelSecurity",
    );
  }
}
