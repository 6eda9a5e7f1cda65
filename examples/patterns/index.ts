/**
 * The reference document's common patterns, one component per intent (compare examples/read-only-user,
 * application-user, admin-user and role-hierarchy, which spell out every Role and Grant):
 *   - `app_owner` owns (creates) the application's tables: migrations run as it
 *   - a read-only group on the schema, tables app_owner creates later included, and a reader in it
 *   - an application user and an admin user, passwords from stack secrets
 *   - access levels read_access < write_access < admin_access
 *   - teams: engineering (given read_access) > senior_engineers (given write_access), alice and bob
 * Expects the schema `app` (see fixture.sql). Config: `schema` (default "app"), `namePrefix` (prefix
 * of every role name, so that several stacks can share one server), and the secrets readerPassword,
 * appPassword, adminPassword, alicePassword, bobPassword.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AdminUser,
  ApplicationUser,
  Grant,
  ReadOnlyGroup,
  Role,
  RoleHierarchy,
  RoleMembership,
  TeamHierarchy,
} from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

// The owner of the application's objects, and a login role to read with.
const owner = new Role("app_owner", { name: n("app_owner") });
new Grant("app_owner-schema", {
  role: owner.name,
  objectType: "schema",
  schema,
  privileges: ["USAGE", "CREATE"],
});
const reader = new Role("reader", {
  name: n("reader"),
  login: true,
  password: config.requireSecret("readerPassword"),
});

// Roles named as plain strings (owners, members) are created above: the components wait for them.
const readonly = new ReadOnlyGroup(
  "readonly",
  { name: n("readonly"), schemas: [schema], futureObjectsOwnedBy: [n("app_owner")], members: [n("reader")] },
  { dependsOn: [owner, reader] },
);

const appuser = new ApplicationUser(
  "appuser",
  {
    name: n("appuser"),
    password: config.requireSecret("appPassword"),
    schemas: [schema],
    futureObjectsOwnedBy: [n("app_owner")],
    connectionLimit: 20,
  },
  { dependsOn: [owner] },
);

const admin = new AdminUser("admin", {
  name: n("admin"),
  password: config.requireSecret("adminPassword"),
  schemas: [schema],
});

const levels = new RoleHierarchy(
  "access",
  { prefix, schemas: [schema], futureObjectsOwnedBy: [n("app_owner")] },
  { dependsOn: [owner] },
);

const teams = new TeamHierarchy("teams", {
  teams: [{ name: n("engineering") }, { name: n("senior_engineers"), parent: n("engineering") }],
  users: [
    { name: n("alice"), password: config.requireSecret("alicePassword"), team: n("engineering") },
    { name: n("bob"), password: config.requireSecret("bobPassword"), team: n("senior_engineers") },
  ],
});
// Teams get an access level: engineering reads, senior engineers (who inherit engineering) also write.
new RoleMembership("engineering-read", {
  role: levels.read.name,
  member: teams.teams[n("engineering")]!.name,
});
new RoleMembership("senior-write", {
  role: levels.write.name,
  member: teams.teams[n("senior_engineers")]!.name,
});

export const roles = [
  owner.name,
  reader.name,
  readonly.name,
  appuser.name,
  admin.name,
  levels.read.name,
  levels.write.name,
  levels.admin.name,
  ...Object.values(teams.teams).map((r) => r.name),
  ...Object.values(teams.users).map((r) => r.name),
];
