/**
 * Read-only user (the reference document's "Read-Only User" pattern):
 *   - a group role `readonly` (NOLOGIN) with USAGE on the schema and SELECT on every table in it
 *   - a login role `reader` in that group; its password is a stack secret
 *     (`pulumi config set --secret readerPassword ...`)
 * "Every table" means the tables that exist at `pulumi up`: a table created later shows as drift on
 * `pulumi refresh` and gets SELECT at the next `up`; to cover future tables without a new `up`, add
 * DefaultPrivileges (see examples/default-privileges).
 * The reference grants on the schema `public`; this program takes the schema from the stack config
 * `schema` (default `app`, see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const readonly = new Role("readonly", { name: n("readonly"), login: false });
new Grant("readonly-schema", { role: readonly.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("readonly-tables", { role: readonly.name, objectType: "table", schema, privileges: ["SELECT"] });

const reader = new Role("reader", {
  name: n("reader"),
  login: true,
  password: config.requireSecret("readerPassword"),
  inRoles: [readonly.name],
});

export const roles = [readonly, reader].map((r) => r.name);
