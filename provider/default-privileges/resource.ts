import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import provider from "../providers/defaultPrivileges";
import type { DefaultPrivilegesInputs, DefaultPrivilegesOutputs } from "./inputs";
import type { DefaultObjectType } from "./object-types";

/** Arguments of a {@link DefaultPrivileges}. */
export interface DefaultPrivilegesArgs {
  /** The grantee: a role name, or "PUBLIC". Changing it replaces the resource. */
  role: pulumi.Input<string>;
  /**
   * The role whose future objects get the privileges (FOR ROLE): only objects this role creates
   * (it is their owner) are covered, not objects created by its members under their own name.
   * Changing it replaces the resource.
   */
  owner: pulumi.Input<string>;
  /**
   * IN SCHEMA: only objects created in this schema; the entry adds to the owner's global one.
   * Omitted: the owner's global entry (objects in every schema), which replaces PostgreSQL's
   * built-in default. Not with objectType "schema". Changing it replaces the resource.
   */
  schema?: pulumi.Input<string>;
  /**
   * table, sequence, function, routine (the same entry as function; procedures included), type
   * or schema, in any letter case. Changing it replaces the resource.
   */
  objectType: pulumi.Input<DefaultObjectType | Uppercase<DefaultObjectType> | string>;
  /**
   * Privilege names or "ALL", any letter case; applied as a delta, in place. For a global entry,
   * the grantee's built-in defaults not listed are revoked (`privileges: []` with role "PUBLIC"
   * and objectType "function" revokes EXECUTE from PUBLIC). Must not be empty with a schema.
   */
  privileges: pulumi.Input<pulumi.Input<string>[]>;
  /** WITH GRANT OPTION. Default false; changes in place. */
  withGrantOption?: pulumi.Input<boolean>;
  /**
   * The database whose default privileges these are (they are per database); the provider
   * connects to it. Default: the connection's database. Changing it replaces the resource.
   */
  database?: pulumi.Input<string>;
  /** Where to connect; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link DefaultPrivileges}; its hooks can be called directly with plain inputs. */
export class DefaultPrivilegesProvider extends HookProvider<
  DefaultPrivilegesInputs,
  DefaultPrivilegesOutputs
> {
  constructor() {
    super("defaultPrivileges");
  }
}

/**
 * Privileges that objects created later by `owner` get (ALTER DEFAULT PRIVILEGES FOR ROLE owner
 * [IN SCHEMA schema] GRANT ... ON TABLES | SEQUENCES | FUNCTIONS | ROUTINES | TYPES | SCHEMAS TO role).
 */
export class DefaultPrivileges extends PostgresResource {
  /** The grantee, or "PUBLIC". */
  declare public readonly role: pulumi.Output<string>;
  /** The role whose future objects get the privileges. */
  declare public readonly owner: pulumi.Output<string>;
  /** IN SCHEMA; undefined: the owner's global entry. */
  declare public readonly schema: pulumi.Output<string | undefined>;
  /** The object type, in lower case. */
  declare public readonly objectType: pulumi.Output<DefaultObjectType>;
  /** The privileges, as written (after a refresh: those the entry holds). */
  declare public readonly privileges: pulumi.Output<string[]>;
  /** Whether the privileges are given WITH GRANT OPTION. */
  declare public readonly withGrantOption: pulumi.Output<boolean>;
  /** The database whose default privileges these are; undefined: the connection's. */
  declare public readonly database: pulumi.Output<string | undefined>;

  constructor(name: string, args: DefaultPrivilegesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        role: args.role,
        owner: args.owner,
        schema: args.schema,
        objectType: args.objectType,
        privileges: args.privileges,
        withGrantOption: args.withGrantOption,
        database: args.database,
        connection: secretInput(args.connection),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "DefaultPrivileges",
    );
  }
}
