/**
 * Quickstart: the reference document's common patterns in one program.
 *   - a read-only group with USAGE on a schema and SELECT on its tables and sequences, and a reader in it
 *   - an application user whose password is a stack secret (`pulumi config set --secret appPassword ...`)
 *   - an admin role that can create databases and roles
 *   - a team hierarchy: engineering > senior_engineers, alice and bob
 * Expects the schema `app` with tables users, orders and code_reviews (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

// Read-only group and a reader in it.
const readonly = new Role("readonly", { name: n("readonly"), login: false });
new Grant("readonly-schema", { role: readonly.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("readonly-tables", { role: readonly.name, objectType: "table", schema, privileges: ["SELECT"] });
new Grant("readonly-sequences", {
  role: readonly.name,
  objectType: "sequence",
  schema,
  privileges: ["SELECT"],
});
const reader = new Role("reader", {
  name: n("reader"),
  login: true,
  password: config.requireSecret("readerPassword"),
  inRoles: [readonly.name],
});

// Application user.
const appuser = new Role("appuser", {
  name: n("appuser"),
  login: true,
  password: config.requireSecret("appPassword"),
});
new Grant("appuser-schema", { role: appuser.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("appuser-tables", {
  role: appuser.name,
  objectType: "table",
  schema,
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});
new Grant("appuser-sequences", {
  role: appuser.name,
  objectType: "sequence",
  schema,
  privileges: ["USAGE", "SELECT"],
});

// Admin user (not a superuser).
const admin = new Role("admin", {
  name: n("admin"),
  login: true,
  password: config.requireSecret("adminPassword"),
  createDatabase: true,
  createRole: true,
});
new Grant("admin-tables", { role: admin.name, objectType: "table", schema, privileges: ["ALL"] });
new Grant("admin-schema", { role: admin.name, objectType: "schema", schema, privileges: ["ALL"] });

// Team hierarchy.
const engineering = new Role("engineering", { name: n("engineering") });
const senior = new Role("senior_engineers", { name: n("senior_engineers"), inRoles: [engineering.name] });
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
const alice = new Role("alice", {
  name: n("alice"),
  login: true,
  password: config.requireSecret("alicePassword"),
  inRoles: [engineering.name],
});
const bob = new Role("bob", {
  name: n("bob"),
  login: true,
  password: config.requireSecret("bobPassword"),
  inRoles: [senior.name],
});

export const roles = [readonly, reader, appuser, admin, engineering, senior, alice, bob].map((r) => r.name);
