/**
 * Application user (the reference document's "Application User" pattern): one login role with
 * what an application typically needs in its schema, and nothing more.
 *   - USAGE on the schema
 *   - SELECT, INSERT, UPDATE, DELETE on every table in it (no TRUNCATE, no DDL)
 *   - USAGE, SELECT on every sequence (so that `bigserial` / identity inserts work)
 *   - a connection limit and a statement timeout, so that a runaway application cannot hold the server
 * The password is a stack secret: `pulumi config set --secret appPassword ...`. Changing it later is
 * an in-place `ALTER ROLE … PASSWORD '<SCRAM verifier>'`: the plaintext never reaches the server.
 * Expects the schema `app` (stack config `schema`) with a few tables (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const appuser = new Role("appuser", {
  name: n("appuser"),
  login: true,
  password: config.requireSecret("appPassword"),
  connectionLimit: config.getNumber("connectionLimit") ?? 20,
  settings: { statement_timeout: "30s", search_path: `${schema}, public` },
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

export const roles = [appuser.name];
