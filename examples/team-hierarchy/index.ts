/**
 * Team hierarchy (the reference document's "Team Hierarchy" pattern), with the TeamHierarchy
 * component:
 *   - `engineering` (NOLOGIN) may read every table and write code reviews
 *   - `senior_engineers` is a member of engineering (so it has all of that) and may also delete
 *     code reviews
 *   - alice is an engineer, bob a senior engineer; both log in with a password from the stack
 *     secrets (`pulumi config set --secret alicePassword ...`, `bobPassword`)
 * The component makes the team roles (each a member of its parent) and the users (each a member of
 * its team); the privileges are Grants to the teams. To put a role managed elsewhere (another stack,
 * or by hand) in a team, use a RoleMembership: it manages exactly one GRANT team TO member.
 * Expects the schema `app` (stack config `schema`) with the table code_reviews (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, TeamHierarchy } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

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

export const roles = [...Object.values(teams), ...Object.values(users)].map((r) => r.name);
