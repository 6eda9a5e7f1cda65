import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import type { DefaultPrivileges } from "../default-privileges/resource";
import type { Grant } from "../grant/resource";
import { Role } from "../role/resource";
import { ChildNames, PATTERNS, grantSchemaAccess, nameList } from "./common";

/** Arguments of an {@link AdminUser}. */
export interface AdminUserArgs {
  /** The login role's name. Default: the component's Pulumi name. Changing it renames the role in place. */
  name?: pulumi.Input<string>;
  /**
   * The role's password, e.g. `config.requireSecret("adminPassword")`. Always treated as a secret;
   * the server receives a SCRAM-SHA-256 verifier, never the plaintext.
   */
  password: pulumi.Input<string>;
  /**
   * The schemas administered: ALL on each schema (USAGE, CREATE) and ALL on every table in it.
   * Plain names (they name the child resources).
   */
  schemas: string[];
  /**
   * Optional, beyond the reference document's pattern: roles that create the schemas' objects; for
   * each owner and schema, default privileges give the admin ALL on the tables that owner creates
   * later. Roles created in the same program: put them in the component's `dependsOn`.
   */
  futureObjectsOwnedBy?: string[];
  /** The database of the schemas (grants are per database). Default: the connection's. */
  database?: pulumi.Input<string>;
  /** Where to connect, for every child; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/**
 * The reference document's admin user as one resource: a login role with CREATEDB and CREATEROLE
 * that is not a superuser, with ALL on its schemas and on every table in them.
 */
export class AdminUser extends pulumi.ComponentResource {
  /** The login role. */
  public readonly role: Role;
  /** The role's name (an Output: use it in other grants, so that they wait for the role). */
  public readonly name: pulumi.Output<string>;
  /** Schema and table grants. */
  public readonly grants: Grant[];
  /** The default privileges (only with futureObjectsOwnedBy), one per owner and schema. */
  public readonly defaultPrivileges: DefaultPrivileges[];

  constructor(name: string, args: AdminUserArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PATTERNS}:AdminUser`, name, {}, opts);
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
        superuser: false,
        createDatabase: true,
        createRole: true,
        connection,
      },
      { parent: this },
    );
    this.name = this.role.name;
    const access = grantSchemaAccess(this, names, {
      grantee: this.role.name,
      schemas,
      owners,
      access: { schema: ["ALL"], tables: ["ALL"] },
      database,
      connection,
    });
    this.grants = access.grants;
    this.defaultPrivileges = access.defaultPrivileges;
    this.registerOutputs({ name: this.name });
  }
}
