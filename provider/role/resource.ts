import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import { resourceUrn } from "../common/urn";
import provider from "../providers/role";
import type { RoleInputs, RoleOutputs } from "./inputs";

/** Arguments of a {@link Role}. */
export interface RoleArgs {
  /** The role's name. Default: the Pulumi resource name (no random suffix). Changing it renames the role in place. */
  name?: pulumi.Input<string>;
  /** LOGIN: the role can connect. Default false (a group role). */
  login?: pulumi.Input<boolean>;
  /** The role's password. Stored as a SCRAM-SHA-256 verifier computed here; the plaintext never reaches the server. Always treated as a secret. */
  password?: pulumi.Input<string>;
  /** SUPERUSER. Default false. Needs a superuser admin. */
  superuser?: pulumi.Input<boolean>;
  /** CREATEDB. Default false. */
  createDatabase?: pulumi.Input<boolean>;
  /** CREATEROLE. Default false. */
  createRole?: pulumi.Input<boolean>;
  /** INHERIT: the role uses the privileges of the roles it is a member of. Default true. */
  inherit?: pulumi.Input<boolean>;
  /** REPLICATION. Default false. Needs a superuser admin. */
  replication?: pulumi.Input<boolean>;
  /** BYPASSRLS. Default false. Needs a superuser admin. */
  bypassRowLevelSecurity?: pulumi.Input<boolean>;
  /** CONNECTION LIMIT; -1 (the default) means no limit. */
  connectionLimit?: pulumi.Input<number>;
  /** VALID UNTIL: when the password stops working, as "YYYY-MM-DD", an ISO 8601 timestamp, or "infinity". Read and compared in UTC. */
  validUntil?: pulumi.Input<string>;
  /** Groups this role is a member of (IN ROLE). Only these memberships are managed by this resource. */
  inRoles?: pulumi.Input<pulumi.Input<string>[]>;
  /** Take over a role that already exists (and converge it) instead of failing. Default false. */
  adoptExisting?: pulumi.Input<boolean>;
  /**
   * Configuration parameters set for the role in every database (`ALTER ROLE … SET name TO value`), e.g.
   * `{ search_path: "app, public", statement_timeout: "30s" }`. Parameters removed from here are RESET;
   * ones set elsewhere are left alone.
   */
  settings?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** COMMENT ON ROLE. */
  comment?: pulumi.Input<string>;
  /**
   * On delete, first `REASSIGN OWNED BY <role> TO <this role>` in every database where the role owns
   * objects ("CURRENT_USER" means the admin the provider connects as). Without it (or dropOwned), deleting
   * a role that owns objects or holds privileges fails, naming the databases.
   */
  reassignOwnedTo?: pulumi.Input<string>;
  /** On delete, `DROP OWNED BY <role>` in every database: drops what it still owns and revokes its privileges. Default false. */
  dropOwned?: pulumi.Input<boolean>;
  /** Where the role lives; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link Role}; its hooks can be called directly with plain inputs. */
export class RoleProvider extends HookProvider<RoleInputs, RoleOutputs> {
  constructor() {
    super("role");
  }
}

/**
 * A PostgreSQL role (user or group): attributes, password, group memberships.
 * Renaming (`name`) is an update in place (ALTER ROLE ... RENAME TO): same OID, grants kept.
 */
export class Role extends PostgresResource {
  /** The role's name as the catalog has it (a rename made by hand shows after a refresh). */
  declare public readonly name: pulumi.Output<string>;
  /** LOGIN: whether the role can connect. */
  declare public readonly login: pulumi.Output<boolean>;
  /** SUPERUSER. */
  declare public readonly superuser: pulumi.Output<boolean>;
  /** CREATEDB. */
  declare public readonly createDatabase: pulumi.Output<boolean>;
  /** CREATEROLE. */
  declare public readonly createRole: pulumi.Output<boolean>;
  /** INHERIT: whether the role uses the privileges of the groups it is a member of. */
  declare public readonly inherit: pulumi.Output<boolean>;
  /** REPLICATION. */
  declare public readonly replication: pulumi.Output<boolean>;
  /** BYPASSRLS. */
  declare public readonly bypassRowLevelSecurity: pulumi.Output<boolean>;
  /** CONNECTION LIMIT; -1 means no limit. */
  declare public readonly connectionLimit: pulumi.Output<number>;
  /** VALID UNTIL as written (as the catalog has it when they differ); undefined: no expiry. */
  declare public readonly validUntil: pulumi.Output<string | undefined>;
  /** The groups this resource manages that the role is a member of. */
  declare public readonly inRoles: pulumi.Output<string[]>;
  /** The password (a secret); after a refresh that found it changed by hand: "(changed outside Pulumi)". */
  declare public readonly password: pulumi.Output<string | undefined>;
  /** The parameters this resource sets for the role (ALTER ROLE … SET), as the catalog has them. */
  declare public readonly settings: pulumi.Output<Record<string, string>>;
  /** COMMENT ON ROLE, when this resource manages it. */
  declare public readonly comment: pulumi.Output<string | undefined>;
  /**
   * After a refresh, for a role with a password: whether a password changed by hand could be detected
   * ("checked against pg_authid"), or why not (the admin cannot read pg_authid, as on managed services).
   */
  declare public readonly passwordCheck: pulumi.Output<string | undefined>;
  /** The role's OID: stays the same across renames. */
  declare public readonly oid: pulumi.Output<number>;
  /** The system identifier of the cluster the role (its OID) belongs to. */
  declare public readonly systemIdentifier: pulumi.Output<string | undefined>;

  constructor(name: string, args: RoleArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        name: args.name ?? name,
        password: secretInput(args.password),
        connection: secretInput(args.connection),
        oid: undefined,
        passwordCheck: undefined,
        systemIdentifier: undefined,
        resourceUrn: resourceUrn(name, "Role", opts),
      },
      withSecretOutputs(opts, "password"),
      "postgres-roles",
      "Role",
    );
  }
}
