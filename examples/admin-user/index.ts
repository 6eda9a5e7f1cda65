/**
 * Admin user (the reference document's "Admin User" pattern): a login role that administers the
 * application's schema without being a superuser.
 *   - CREATEDB and CREATEROLE, NOSUPERUSER (a superuser bypasses every check; an admin that is
 *     not one can still be audited and limited)
 *   - ALL on every table in the schema, and ALL (USAGE, CREATE) on the schema itself
 *   - at most 10 connections; the password may expire (stack config `adminValidUntil`, e.g.
 *     "2026-12-31"; omitted: no expiry)
 * The password is a stack secret: `pulumi config set --secret adminPassword ...`.
 * Expects the schema `app` (stack config `schema`) with a few tables (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const admin = new Role("admin", {
  name: n("admin"),
  login: true,
  password: config.requireSecret("adminPassword"),
  superuser: false,
  createDatabase: true,
  createRole: true,
  connectionLimit: 10,
  validUntil: config.get("adminValidUntil"),
  comment: "application administrator (managed by Pulumi)",
});
new Grant("admin-tables", { role: admin.name, objectType: "table", schema, privileges: ["ALL"] });
new Grant("admin-schema", { role: admin.name, objectType: "schema", schema, privileges: ["ALL"] });

export const roles = [admin.name];
