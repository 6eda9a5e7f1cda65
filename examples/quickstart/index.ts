/**
 * Quickstart: the reference document's common patterns in one program, one pattern component each.
 *   - a read-only group with USAGE on a schema and SELECT on its tables and sequences (ReadOnlyGroup),
 *     and a reader in it
 *   - an application user whose password is a stack secret (`pulumi config set --secret appPassword ...`)
 *   - an admin role that can create databases and roles (AdminUser)
 *   - a team hierarchy: engineering > senior_engineers, alice and bob (TeamHierarchy)
 * Each pattern spelled out as Roles and Grants: examples/read-only-user, application-user,
 * admin-user. Expects the schema `app` with tables users, orders and code_reviews (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { AdminUser, ApplicationUser, Grant, ReadOnlyGroup, Role, TeamHierarchy } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

// Read-only group (USAGE on the schema, SELECT on its tables and sequences) and a reader in it.
const readonly = new ReadOnlyGroup("readonly", { name: n("readonly"), schemas: [schema] });
const reader = new Role("reader", {
  name: n("reader"),
  login: true,
  password: config.requireSecret("readerPassword"),
  inRoles: [readonly.name],
});

// Application user: DML on every table, USAGE and SELECT on every sequence.
const appuser = new ApplicationUser("appuser", {
  name: n("appuser"),
  password: config.requireSecret("appPassword"),
  schemas: [schema],
});

// Admin user (not a superuser): CREATEDB, CREATEROLE, ALL on the schema and its tables.
const admin = new AdminUser("admin", {
  name: n("admin"),
  password: config.requireSecret("adminPassword"),
  schemas: [schema],
});

// Team hierarchy: senior engineers are engineers too (a member of engineering).
const { teams, users } = new TeamHierarchy("teams", {
  teams: [{ name: n("engineering") }, { name: n("senior_engineers"), parent: n("engineering") }],
  users: [
    { name: n("alice"), password: config.requireSecret("alicePassword"), team: n("engineering") },
    { name: n("bob"), password: config.requireSecret("bobPassword"), team: n("senior_engineers") },
  ],
});
const engineering = teams[n("engineering")]!;
const senior = teams[n("senior_engineers")]!;
new Grant("engineering-schema", {
  role: engineering.name,
  objectType: "schema",
  schema,
  privileges: ["USAGE"],
});
new Grant("engineering-tables", {
  role: engineering.name,
  objectType: "table",
  schema,
  privileges: ["SELECT"],
});
new Grant("engineering-code-reviews", {
  role: engineering.name,
  objectType: "table",
  schema,
  objects: ["code_reviews"],
  privileges: ["INSERT", "UPDATE"],
});
new Grant("engineering-code-reviews-seq", {
  role: engineering.name,
  objectType: "sequence",
  schema,
  objects: ["code_reviews_id_seq"],
  privileges: ["USAGE"],
});
new Grant("senior-code-reviews", {
  role: senior.name,
  objectType: "table",
  schema,
  objects: ["code_reviews"],
  privileges: ["DELETE"],
});

export const roles = [
  readonly.name,
  reader.name,
  appuser.name,
  admin.name,
  ...Object.values(teams).map((r) => r.name),
  ...Object.values(users).map((r) => r.name),
];
