/**
 * Separate roles per application (the reference document's best practice 3): each program that
 * connects gets its own login role, its own password and only what it does, so that a leaked
 * password or a bug in one of them is contained, and `pg_stat_activity` says who is connected.
 *   - webapp: reads and writes the application's tables (no TRUNCATE, no DDL)
 *   - worker: takes jobs from the jobs table and marks them done (SELECT, UPDATE on jobs only),
 *     with few connections
 *   - analytics: reads every table, in read-only transactions, with a statement timeout
 * Passwords: `pulumi config set --secret webappPassword ...`, `workerPassword`, `analyticsPassword`.
 * Expects the schema `app` (stack config `schema`) with the tables of fixture.sql.
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const webapp = new Role("webapp", {
  name: n("webapp"),
  login: true,
  password: config.requireSecret("webappPassword"),
  connectionLimit: 50,
  comment: "the web application",
});
const worker = new Role("worker", {
  name: n("worker"),
  login: true,
  password: config.requireSecret("workerPassword"),
  connectionLimit: 5,
  comment: "the background job worker",
});
const analytics = new Role("analytics", {
  name: n("analytics"),
  login: true,
  password: config.requireSecret("analyticsPassword"),
  connectionLimit: 3,
  settings: { default_transaction_read_only: "on", statement_timeout: "5min" },
  comment: "the analytics exporter (read-only)",
});

for (const app of [webapp, worker, analytics]) {
  const id = app === webapp ? "webapp" : app === worker ? "worker" : "analytics";
  new Grant(`${id}-schema`, { role: app.name, objectType: "schema", schema, privileges: ["USAGE"] });
}
new Grant("webapp-tables", {
  role: webapp.name,
  objectType: "table",
  schema,
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});
new Grant("webapp-sequences", {
  role: webapp.name,
  objectType: "sequence",
  schema,
  privileges: ["USAGE", "SELECT"],
});
new Grant("worker-jobs", {
  role: worker.name,
  objectType: "table",
  schema,
  objects: ["jobs"],
  privileges: ["SELECT", "UPDATE"],
});
new Grant("analytics-tables", { role: analytics.name, objectType: "table", schema, privileges: ["SELECT"] });

export const roles = [webapp, worker, analytics].map((r) => r.name);
