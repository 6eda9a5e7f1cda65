/**
 * Team hierarchy (the reference document's "Team Hierarchy" pattern):
 *   - `engineering` (NOLOGIN) may read every table and write code reviews
 *   - `senior_engineers` is a member of engineering (so it has all of that) and may also delete
 *     code reviews
 *   - alice is an engineer, bob a senior engineer; both log in with a password from the stack
 *     secrets (`pulumi config set --secret alicePassword ...`, `bobPassword`)
 * The group's membership in its parent is declared on the role (`inRoles`); the people's
 * memberships are RoleMembership resources, which is what to use when the member or the group is
 * managed elsewhere (another stack, or by hand): each manages exactly one GRANT role TO member.
 * Expects the schema `app` (stack config `schema`) with the table code_reviews (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role, RoleMembership } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

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
// INSERT into a bigserial table takes the next value of its sequence.
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
});
const bob = new Role("bob", { name: n("bob"), login: true, password: config.requireSecret("bobPassword") });
new RoleMembership("alice-engineering", { role: engineering.name, member: alice.name });
new RoleMembership("bob-senior", { role: senior.name, member: bob.name });

export const roles = [engineering, senior, alice, bob].map((r) => r.name);
