import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import type { ObjectType } from "../common/privileges";
import { HookProvider } from "../common/provider-base";
import provider from "../providers/privileges";
import type { DefaultObjectType } from "../default-privileges/object-types";
import type { DefaultPrivilegesEntry } from "./default-inputs";
import type { PrivilegesEntry, PrivilegesInputs, PrivilegesOutputs, UnmanagedPrivilege } from "./inputs";

/** One entry of {@link PrivilegesArgs.grants}: what the same arguments mean on a Grant. */
export interface PrivilegesEntryArgs {
  /** The grantee: a role name, or "PUBLIC". */
  role: pulumi.Input<string>;
  /**
   * database (this resource's database), schema, table, sequence, function, procedure, routine,
   * column, type, domain, language, foreign_data_wrapper, foreign_server, tablespace or parameter.
   */
  objectType: pulumi.Input<ObjectType | Uppercase<ObjectType> | string>;
  /** Schema entries: the schema; objects inside one: their schema (default "public"). */
  schema?: pulumi.Input<string>;
  /**
   * Objects by name (routines as `name(argtypes)`). Omitted: every object of the type in the
   * schema, and read reports an object created later without the privileges as drift.
   */
  objects?: pulumi.Input<pulumi.Input<string>[]>;
  /** Column entries (objectType "column"): the columns, in each table of `objects`. */
  columns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Privilege names or "ALL" (what ALL means on the server's version), in any letter case. */
  privileges: pulumi.Input<pulumi.Input<string>[]>;
  /** WITH GRANT OPTION. Default false. */
  withGrantOption?: pulumi.Input<boolean>;
}

/**
 * One entry of {@link PrivilegesArgs.defaultPrivileges}: what the same arguments mean on a
 * DefaultPrivileges, in this resource's database.
 */
export interface DefaultPrivilegesEntryArgs {
  /** The role whose future objects get the privileges (FOR ROLE): only objects this role creates. */
  owner: pulumi.Input<string>;
  /**
   * IN SCHEMA: objects created in this schema; the entry adds to the owner's global one. Omitted:
   * the owner's global entry (every schema), which replaces PostgreSQL's built-in default: the
   * grantee's built-in privileges it does not list are revoked. Not with objectType "schema".
   */
  schema?: pulumi.Input<string>;
  /** The grantee: a role name, or "PUBLIC". */
  role: pulumi.Input<string>;
  /** table, sequence, function, routine (the same as function; procedures included), type or schema. */
  objectType: pulumi.Input<DefaultObjectType | Uppercase<DefaultObjectType> | string>;
  /** Privilege names or "ALL", any letter case. Must not be empty with a schema. */
  privileges: pulumi.Input<pulumi.Input<string>[]>;
  /** WITH GRANT OPTION. Default false. */
  withGrantOption?: pulumi.Input<boolean>;
}

/** Arguments of a {@link Privileges}. */
export interface PrivilegesArgs {
  /** The database (one resource, one database); the provider connects to it. Default: the connection's. */
  database?: pulumi.Input<string>;
  /** The entries. Entries may overlap: the union is wanted. */
  grants: pulumi.Input<pulumi.Input<PrivilegesEntryArgs>[]>;
  /**
   * Default privileges (privileges of objects created later). Entries may overlap: the union is
   * wanted. Omitted: the resource leaves default privileges alone, in the authoritative scope too;
   * given (even `[]`), the authoritative scope covers them (see docs/privileges.md).
   */
  defaultPrivileges?: pulumi.Input<pulumi.Input<DefaultPrivilegesEntryArgs>[]>;
  /**
   * Default: additive (only what the entries list is touched). `schemas`: in each, nobody but an
   * object's owner holds a privilege no entry lists (PUBLIC's built-in defaults and grants made by
   * hand included); `roles`: each holds nothing in this database that no entry lists, apart from
   * what it owns. `up` revokes the rest.
   */
  authoritative?: pulumi.Input<{
    schemas?: pulumi.Input<pulumi.Input<string>[]>;
    roles?: pulumi.Input<pulumi.Input<string>[]>;
  }>;
  /** Revoke with CASCADE (privileges the grantee granted onwards go too). Default false. */
  cascade?: pulumi.Input<boolean>;
  /** Where to connect; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link Privileges}; its hooks can be called directly with plain inputs. */
export class PrivilegesProvider extends HookProvider<PrivilegesInputs, PrivilegesOutputs> {
  constructor() {
    super("privileges");
  }
}

/**
 * Many privileges in one resource (one engine step, one transaction), additive or authoritative
 * over schemas and roles.
 */
export class Privileges extends PostgresResource {
  /** The database; undefined: the connection's. */
  declare public readonly database: pulumi.Output<string | undefined>;
  /** The entries by key, as last applied. */
  declare public readonly grants: pulumi.Output<Record<string, PrivilegesEntry>>;
  /** The default-privileges entries by key, as last applied (undefined: the resource leaves default privileges alone). */
  declare public readonly defaultPrivileges: pulumi.Output<
    Record<string, DefaultPrivilegesEntry> | undefined
  >;
  /** After a refresh: for each entry that no longer holds all it lists, what it holds on every one of its objects (the next `up` grants the rest). */
  declare public readonly drifted: pulumi.Output<
    Record<string, { privileges: string[]; withGrantOption: boolean }> | undefined
  >;
  /** The schemas and roles this resource is authoritative for (undefined: additive only). */
  declare public readonly authoritative: pulumi.Output<{ schemas: string[]; roles: string[] } | undefined>;
  /** Whether revokes cascade to privileges granted onwards (REVOKE … CASCADE). */
  declare public readonly cascade: pulumi.Output<boolean>;
  /** After a refresh: privileges in the authoritative scope that no entry lists (the next `up` revokes them). */
  declare public readonly unmanaged: pulumi.Output<UnmanagedPrivilege[]>;

  constructor(name: string, args: PrivilegesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        database: args.database,
        grants: args.grants,
        defaultPrivileges: args.defaultPrivileges,
        authoritative: args.authoritative,
        cascade: args.cascade,
        unmanaged: undefined,
        drifted: undefined,
        connection: secretInput(args.connection),
      },
      withSecretOutputs(opts),
      "postgres-roles",
      "Privileges",
    );
  }
}
