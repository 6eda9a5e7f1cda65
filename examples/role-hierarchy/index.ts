/**
 * Role hierarchy, the reference document's best practices 1 and 2:
 *   1. Privileges go to group roles, never to people: read_access → write_access → admin_access,
 *      each a member of the one before, so each level has everything below it. People are members
 *      of a level (alice: write_access, password from `pulumi config set --secret alicePassword ...`).
 *   2. Least privilege: name the privileges and, where you can, the tables. `reporting` may read
 *      the one table it needs (public_data), not every table and not ALL.
 * Expects the schema `app` (stack config `schema`) with a few tables (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

// The levels. A level's privileges are only what it adds to the level below.
const read = new Role("read_access", { name: n("read_access") });
const write = new Role("write_access", { name: n("write_access"), inRoles: [read.name] });
const admin = new Role("admin_access", { name: n("admin_access"), inRoles: [write.name] });

new Grant("read-schema", { role: read.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("read-tables", { role: read.name, objectType: "table", schema, privileges: ["SELECT"] });
new Grant("read-sequences", { role: read.name, objectType: "sequence", schema, privileges: ["SELECT"] });

new Grant("write-tables", {
  role: write.name,
  objectType: "table",
  schema,
  privileges: ["INSERT", "UPDATE", "DELETE"],
});
new Grant("write-sequences", { role: write.name, objectType: "sequence", schema, privileges: ["USAGE"] });

new Grant("admin-tables", { role: admin.name, objectType: "table", schema, privileges: ["ALL"] });
new Grant("admin-schema", { role: admin.name, objectType: "schema", schema, privileges: ["CREATE"] });

// People: members of a level, nothing granted to them directly.
const alice = new Role("alice", {
  name: n("alice"),
  login: true,
  password: config.requireSecret("alicePassword"),
  inRoles: [write.name],
});

// Least privilege: one table, one privilege.
const reporting = new Role("reporting", { name: n("reporting") });
new Grant("reporting-schema", { role: reporting.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("reporting-public-data", {
  role: reporting.name,
  objectType: "table",
  schema,
  objects: ["public_data"],
  privileges: ["SELECT"],
});

export const roles = [read, write, admin, alice, reporting].map((r) => r.name);
