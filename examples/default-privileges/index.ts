/**
 * Default privileges: a read-only group whose SELECT covers tables created later.
 *   - `app_owner` (NOLOGIN) owns the application's objects: migrations run as it
 *     (`SET ROLE app_owner` from a member, or log in as it), so every new table is owned by it
 *   - `readonly` may use the schema, and SELECT every table and sequence app_owner creates in it
 *     from now on, without a Grant per migration (tables that already exist: use Grant)
 *   - functions app_owner creates anywhere are not executable by PUBLIC (the classic hardening)
 * Default privileges only cover objects whose creator is the owner role itself: a member that
 * creates a table without SET ROLE owns it, and the table gets none of them.
 * Expects the schema `app` (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { DefaultPrivileges, Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

// The role that owns (creates) the application's objects.
const owner = new Role("app_owner", { name: n("app_owner") });
new Grant("app_owner-schema", {
  role: owner.name,
  objectType: "schema",
  schema,
  privileges: ["USAGE", "CREATE"],
});

// The read-only group: schema access now, SELECT on whatever app_owner creates in it later.
const readonly = new Role("readonly", { name: n("readonly") });
new Grant("readonly-schema", { role: readonly.name, objectType: "schema", schema, privileges: ["USAGE"] });
new DefaultPrivileges("readonly-future-tables", {
  role: readonly.name,
  owner: owner.name,
  schema,
  objectType: "table",
  privileges: ["SELECT"],
});
new DefaultPrivileges("readonly-future-sequences", {
  role: readonly.name,
  owner: owner.name,
  schema,
  objectType: "sequence",
  privileges: ["SELECT"],
});

// PostgreSQL lets PUBLIC execute every new function by default; this global entry (no schema)
// lists no privilege for PUBLIC, which revokes that default for functions app_owner creates.
// Deleting the resource puts the built-in default back.
new DefaultPrivileges("no-public-execute", {
  role: "PUBLIC",
  owner: owner.name,
  objectType: "function",
  privileges: [],
});

export const roles = [owner, readonly].map((r) => r.name);
