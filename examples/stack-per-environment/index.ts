/**
 * One program, one stack per environment. The program is the same for dev and prod; what differs
 * is in each stack's configuration (Pulumi.dev.yaml, Pulumi.prod.yaml):
 *   - where the provider connects (`postgres-roles:host`, `:user`, `:database`, …) and the admin's
 *     password (`postgres-roles:password`, a secret set per stack, see README.md)
 *   - `developerAccess`: "write" in dev (developers may change data), "read" in prod (SELECT only)
 *   - `developers`: who is in the developers group there
 *   - `appConnectionLimit`: the application's connection limit
 * The application role is the same everywhere; its password is a per-stack secret (`appPassword`).
 * Developers log in without a password managed here (certificate, LDAP or IAM authentication).
 * Expects the schema `app` (stack config `schema`) with a few tables (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role, RoleMembership } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const access = config.require("developerAccess");
if (access !== "read" && access !== "write") {
  throw new Error(`developerAccess must be "read" or "write", not ${JSON.stringify(access)}`);
}
const people = config.requireObject<string[]>("developers");

// The application: the same role in every environment.
const app = new Role("app", {
  name: n("app"),
  login: true,
  password: config.requireSecret("appPassword"),
  connectionLimit: config.getNumber("appConnectionLimit") ?? -1,
});
new Grant("app-schema", { role: app.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("app-tables", {
  role: app.name,
  objectType: "table",
  schema,
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});
new Grant("app-sequences", {
  role: app.name,
  objectType: "sequence",
  schema,
  privileges: ["USAGE", "SELECT"],
});

// Developers: write in dev, read-only in prod. Switching a stack from one to the other is one
// in-place update of each grant (GRANT or REVOKE of the difference), never a gap in SELECT.
const developers = new Role("developers", { name: n("developers") });
new Grant("developers-schema", {
  role: developers.name,
  objectType: "schema",
  schema,
  privileges: ["USAGE"],
});
new Grant("developers-tables", {
  role: developers.name,
  objectType: "table",
  schema,
  privileges: access === "write" ? ["SELECT", "INSERT", "UPDATE", "DELETE"] : ["SELECT"],
});
new Grant("developers-sequences", {
  role: developers.name,
  objectType: "sequence",
  schema,
  privileges: access === "write" ? ["USAGE", "SELECT"] : ["SELECT"],
});

const members = people.map((person) => {
  const role = new Role(`developer-${person}`, { name: n(person), login: true });
  new RoleMembership(`developer-${person}-in-developers`, { role: developers.name, member: role.name });
  return role;
});

export const environment = pulumi.getStack();
export const developerAccess = access;
export const roles = [app, developers, ...members].map((r) => r.name);
