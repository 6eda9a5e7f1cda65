import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import type { DefaultPrivileges } from "../default-privileges/resource";
import type { Grant } from "../grant/resource";
import { Role } from "../role/resource";
import { ChildNames, PATTERNS, grantSchemaAccess, nameList } from "./common";

/** Arguments of an {@link ApplicationUser}. */
export interface ApplicationUserArgs {
  /** The login role's name. Default: the component's Pulumi name. Changing it renames the role in place. */
  name?: pulumi.Input<string>;
  /**
   * The role's password, e.g. `config.requireSecret("appPassword")`. Always treated as a secret; the
   * server receives a SCRAM-SHA-256 verifier, never the plaintext.
   */
  password: pulumi.Input<string>;
  /**
   * The schemas the application uses: USAGE on each; SELECT, INSERT, UPDATE, DELETE on every table;
   * USAGE, SELECT on every sequence. Plain names (they name the child resources).
   */
  schemas: string[];
  /**
   * Roles that create the schemas' objects (the ones migrations run as). For each owner and schema,
   * default privileges give the user the same privileges on the tables and sequences that owner
   * creates later. Roles created in the same program: put them in the component's `dependsOn`.
   */
  futureObjectsOwnedBy?: string[];
  /** CONNECTION LIMIT; -1 (the default) means no limit. */
  connectionLimit?: pulumi.Input<number>;
  /** The database of the schemas (grants and default privileges are per database). Default: the connection's. */
  database?: pulumi.Input<string>;
  /** Where to connect, for every child; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/**
 * The reference document's application user as one resource: a login role that reads and writes
 * every table of its schemas (SELECT, INSERT, UPDATE, DELETE; no TRUNCATE, no DDL) and uses their
 * sequences, including the tables and sequences the owner roles create later.
 */
export class ApplicationUser extends pulumi.ComponentResource {
  /** The login role. */
  public readonly role: Role;
  /** The role's name (an Output: use it in other grants, so that they wait for the role). */
  public readonly name: pulumi.Output<string>;
  /** Schema, table and sequence grants. */
  public readonly grants: Grant[];
  /** The default privileges, one per owner, schema and object type. */
  public readonly defaultPrivileges: DefaultPrivileges[];

  constructor(name: string, args: ApplicationUserArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PATTERNS}:ApplicationUser`, name, {}, opts);
    const schemas = nameList(this, "schemas", args.schemas, true);
    const owners = nameList(this, "futureObjectsOwnedBy", args.futureObjectsOwnedBy);
    if (args.password === undefined) throw new pulumi.ResourceError("password is required", this);
    const names = new ChildNames(this, name);
    const { database, connection } = args;

    this.role = new Role(
      names.next("role"),
      {
        name: args.name ?? name,
        login: true,
        password: pulumi.secret(args.password),
        connectionLimit: args.connectionLimit,
        connection,
      },
      { parent: this },
    );
    this.name = this.role.name;
    const access = grantSchemaAccess(this, names, {
      grantee: this.role.name,
      schemas,
      owners,
      access: {
        schema: ["USAGE"],
        tables: ["SELECT", "INSERT", "UPDATE", "DELETE"],
        sequences: ["USAGE", "SELECT"],
      },
      database,
      connection,
    });
    this.grants = access.grants;
    this.defaultPrivileges = access.defaultPrivileges;
    this.registerOutputs({ name: this.name });
  }
}
