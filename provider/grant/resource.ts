import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import type { ObjectType } from "../common/privileges";
import { HookProvider } from "../common/provider-base";
import provider from "../providers/grant";
import type { GrantInputs, GrantOutputs } from "./inputs";

/** Arguments of a {@link Grant}. */
export interface GrantArgs {
  /** The grantee: a role name, or "PUBLIC". Changing it replaces the grant. */
  role: pulumi.Input<string>;
  /**
   * database, schema, table, sequence, function, procedure, routine, column, type, domain, language,
   * foreign_data_wrapper, foreign_server, tablespace or parameter (PostgreSQL 15+), in any letter case.
   * Changing it replaces the grant.
   */
  objectType: pulumi.Input<ObjectType | Uppercase<ObjectType> | string>;
  /**
   * For database grants, the database granted on; for the others, the database the schema is in
   * (the provider connects to it). Default: the connection's database. Changing it replaces the grant.
   */
  database?: pulumi.Input<string>;
  /** For schema grants, the schema granted on (required); for objects inside a schema, their schema (default "public"). */
  schema?: pulumi.Input<string>;
  /**
   * Tables (views, materialized views, foreign and partitioned tables count as tables), sequences or
   * routines by name; routines as `name(argtype, ...)` (a bare name must not be overloaded).
   * Omitted: every object of the type in the schema ("ALL TABLES IN SCHEMA"); read then reports a
   * table created later without the privileges as drift. Not for database and schema grants.
   */
  objects?: pulumi.Input<pulumi.Input<string>[]>;
  /** Column grants (objectType "column"): the columns, in each table of `objects`. Changing them replaces the grant. */
  columns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Privilege names ("SELECT", "USAGE", ...) or "ALL", in any letter case. Changes are applied as a delta, in place. */
  privileges: pulumi.Input<pulumi.Input<string>[]>;
  /** WITH GRANT OPTION. Default false; changes in place. */
  withGrantOption?: pulumi.Input<boolean>;
  /** Revoke with CASCADE when the grant is removed or narrowed (dependent grants go too). Default false. */
  cascade?: pulumi.Input<boolean>;
  /** Where to connect; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link Grant}; its hooks can be called directly with plain inputs. */
export class GrantProvider extends HookProvider<GrantInputs, GrantOutputs> {
  constructor() {
    super("grant");
  }
}

/** Privileges of a role (or PUBLIC) on a database, a schema, or tables, sequences or routines in a schema. */
export class Grant extends PostgresResource {
  /** The grantee, or "PUBLIC". */
  declare public readonly role: pulumi.Output<string>;
  /** The object type, in lower case. */
  declare public readonly objectType: pulumi.Output<ObjectType>;
  /** The database granted on (database grants) or the objects are in; undefined: the connection's. */
  declare public readonly database: pulumi.Output<string | undefined>;
  /** The schema granted on (schema grants) or the objects are in. */
  declare public readonly schema: pulumi.Output<string | undefined>;
  /** The objects, sorted; undefined: every object of the type in the schema. */
  declare public readonly objects: pulumi.Output<string[] | undefined>;
  /** Column grants: the columns, sorted. */
  declare public readonly columns: pulumi.Output<string[] | undefined>;
  /** The privileges, as last applied (a refresh that finds some missing reports them in `drifted`). */
  declare public readonly privileges: pulumi.Output<string[]>;
  /** After a refresh that found the grantee without some of `privileges` on some object: what it holds on every one (the next `up` grants the rest). */
  declare public readonly drifted: pulumi.Output<
    { privileges: string[]; withGrantOption: boolean } | undefined
  >;
  /** Whether the privileges are held WITH GRANT OPTION. */
  declare public readonly withGrantOption: pulumi.Output<boolean>;
  /** Whether revokes use CASCADE. */
  declare public readonly cascade: pulumi.Output<boolean>;

  constructor(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        role: args.role,
        objectType: args.objectType,
        database: args.database,
        schema: args.schema,
        objects: args.objects,
        columns: args.columns,
        privileges: args.privileges,
        withGrantOption: args.withGrantOption,
        cascade: args.cascade,
        drifted: undefined,
        connection: secretInput(args.connection),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "Grant",
    );
  }
}
