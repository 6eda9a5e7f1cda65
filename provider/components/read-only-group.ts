import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import type { DefaultPrivileges } from "../default-privileges/resource";
import type { Grant } from "../grant/resource";
import { RoleMembership } from "../membership/resource";
import { Role } from "../role/resource";
import { ChildNames, PATTERNS, grantSchemaAccess, nameList } from "./common";

/** Arguments of a {@link ReadOnlyGroup}. */
export interface ReadOnlyGroupArgs {
  /** The group role's name. Default: the component's Pulumi name. Changing it renames the role in place. */
  name?: pulumi.Input<string>;
  /**
   * The schemas the group reads: USAGE on each, SELECT on every table and sequence in it. Plain
   * names (they name the child resources).
   */
  schemas: string[];
  /**
   * Roles that create the schemas' objects (the ones migrations run as). For each owner and schema,
   * default privileges give the group SELECT on the tables and sequences that owner creates later.
   * Only objects the owner role itself creates are covered (`SET ROLE owner` before `CREATE TABLE`).
   * Roles created in the same program: put them in the component's `dependsOn`.
   */
  futureObjectsOwnedBy?: string[];
  /**
   * Roles made members of the group (a RoleMembership each), so that they read through it. Roles
   * created in the same program: put them in the component's `dependsOn`.
   */
  members?: string[];
  /** The database of the schemas (grants and default privileges are per database). Default: the connection's. */
  database?: pulumi.Input<string>;
  /** Where to connect, for every child; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/**
 * The reference document's read-only pattern as one resource: a NOLOGIN group role with USAGE on
 * each schema, SELECT on all their tables and sequences, default privileges so that tables and
 * sequences created later by the owner roles are readable too, and its members.
 */
export class ReadOnlyGroup extends pulumi.ComponentResource {
  /** The group role. */
  public readonly role: Role;
  /** The group role's name (an Output: use it in other grants, so that they wait for the role). */
  public readonly name: pulumi.Output<string>;
  /** Schema, table and sequence grants. */
  public readonly grants: Grant[];
  /** The default privileges, one per owner, schema and object type. */
  public readonly defaultPrivileges: DefaultPrivileges[];
  /** The memberships, by member name. */
  public readonly memberships: Record<string, RoleMembership>;

  constructor(name: string, args: ReadOnlyGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PATTERNS}:ReadOnlyGroup`, name, {}, opts);
    const schemas = nameList(this, "schemas", args.schemas, true);
    const owners = nameList(this, "futureObjectsOwnedBy", args.futureObjectsOwnedBy);
    const members = nameList(this, "members", args.members);
    const names = new ChildNames(this, name);
    const { database, connection } = args;

    this.role = new Role(
      names.next("role"),
      { name: args.name ?? name, login: false, connection },
      { parent: this },
    );
    this.name = this.role.name;
    const access = grantSchemaAccess(this, names, {
      grantee: this.role.name,
      schemas,
      owners,
      access: { schema: ["USAGE"], tables: ["SELECT"], sequences: ["SELECT"] },
      database,
      connection,
    });
    this.grants = access.grants;
    this.defaultPrivileges = access.defaultPrivileges;
    this.memberships = {};
    for (const member of members) {
      this.memberships[member] = new RoleMembership(
        names.next("member", member),
        { role: this.role.name, member, connection },
        { parent: this },
      );
    }
    this.registerOutputs({ name: this.name, members });
  }
}
