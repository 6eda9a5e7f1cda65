import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import type { DefaultPrivileges } from "../default-privileges/resource";
import type { Grant } from "../grant/resource";
import { Role } from "../role/resource";
import { ChildNames, PATTERNS, type SchemaAccess, grantSchemaAccess, nameList } from "./common";

/** Arguments of a {@link RoleHierarchy}. */
export interface RoleHierarchyArgs {
  /**
   * Prepended to the three role names: `${prefix}read_access`, `${prefix}write_access`,
   * `${prefix}admin_access`. Default "" (the reference document's names).
   */
  prefix?: string;
  /** The schemas the three levels apply to. Plain names (they name the child resources). */
  schemas: string[];
  /**
   * Roles that create the schemas' objects (the ones migrations run as). For each owner and schema,
   * default privileges give each level its privileges on the tables and sequences that owner creates
   * later. Roles created in the same program: put them in the component's `dependsOn`.
   */
  futureObjectsOwnedBy?: string[];
  /** The database of the schemas (grants and default privileges are per database). Default: the connection's. */
  database?: pulumi.Input<string>;
  /** Where to connect, for every child; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** What each level is granted itself (it inherits the level below through membership). */
export const ACCESS_LEVELS: Record<"read" | "write" | "admin", SchemaAccess> = {
  read: { schema: ["USAGE"], tables: ["SELECT"], sequences: ["SELECT"] },
  write: { schema: ["USAGE"], tables: ["INSERT", "UPDATE", "DELETE"], sequences: ["USAGE"] },
  admin: { schema: ["ALL"], tables: ["ALL"], sequences: ["ALL"] },
};

/**
 * The reference document's best practice of access levels as group roles (NOLOGIN), each a member
 * of the one below so that it inherits its privileges: `read_access` (USAGE, SELECT on tables and
 * sequences), `write_access` in read_access (INSERT, UPDATE, DELETE; USAGE on sequences),
 * `admin_access` in write_access (ALL on the schemas, their tables and sequences). Users are then
 * granted a level: `new RoleMembership("alice-write", { role: levels.write.name, member: "alice" })`.
 */
export class RoleHierarchy extends pulumi.ComponentResource {
  /** `read_access`. */
  public readonly read: Role;
  /** `write_access`, member of read_access. */
  public readonly write: Role;
  /** `admin_access`, member of write_access. */
  public readonly admin: Role;
  /** Every level's schema, table and sequence grants. */
  public readonly grants: Grant[];
  /** Every level's default privileges. */
  public readonly defaultPrivileges: DefaultPrivileges[];

  constructor(name: string, args: RoleHierarchyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PATTERNS}:RoleHierarchy`, name, {}, opts);
    const schemas = nameList(this, "schemas", args.schemas, true);
    const owners = nameList(this, "futureObjectsOwnedBy", args.futureObjectsOwnedBy);
    const prefix = args.prefix ?? "";
    const names = new ChildNames(this, name);
    const { database, connection } = args;
    this.grants = [];
    this.defaultPrivileges = [];

    const level = (key: "read" | "write" | "admin", below: Role | undefined): Role => {
      const role = new Role(
        names.next(key),
        {
          name: `${prefix}${key}_access`,
          login: false,
          inRoles: below ? [below.name] : [],
          connection,
        },
        { parent: this },
      );
      const access = grantSchemaAccess(this, names, {
        grantee: role.name,
        schemas,
        owners,
        access: ACCESS_LEVELS[key],
        database,
        connection,
        scope: key,
      });
      this.grants.push(...access.grants);
      this.defaultPrivileges.push(...access.defaultPrivileges);
      return role;
    };
    this.read = level("read", undefined);
    this.write = level("write", this.read);
    this.admin = level("admin", this.write);
    this.registerOutputs({ read: this.read.name, write: this.write.name, admin: this.admin.name });
  }
}
