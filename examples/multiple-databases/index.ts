/**
 * Several databases on one server. Roles belong to the whole server (cluster); privileges belong to
 * one database, so each Grant names its `database` and the provider connects to that database
 * (with the same admin and server as the rest of the stack).
 *   - orders_app: the orders service, CONNECT on the orders database and read/write in its schema
 *   - billing_app: the billing service, the same in the billing database, and read access to the
 *     orders in the orders database (it bills them)
 *   - auditor: a group that may read everything in both databases; the login `auditor_jane` is in it
 * PUBLIC keeps PostgreSQL's default CONNECT on every database; to keep other roles out, revoke it
 * once (`REVOKE CONNECT ON DATABASE … FROM PUBLIC`): that statement is not managed here.
 * Passwords: `pulumi config set --secret ordersPassword …`, `billingPassword`, `janePassword`.
 * Expects the databases of fixture.sql (stack config `ordersDatabase`, `billingDatabase`).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;
const ordersDb = config.get("ordersDatabase") ?? "pgr_example_orders";
const billingDb = config.get("billingDatabase") ?? "pgr_example_billing";

/** CONNECT on a database, USAGE on a schema in it, and privileges on every table of that schema. */
function access(id: string, role: Role, database: string, schema: string, privileges: string[]): void {
  new Grant(`${id}-connect`, { role: role.name, objectType: "database", database, privileges: ["CONNECT"] });
  new Grant(`${id}-schema`, {
    role: role.name,
    objectType: "schema",
    database,
    schema,
    privileges: ["USAGE"],
  });
  new Grant(`${id}-tables`, { role: role.name, objectType: "table", database, schema, privileges });
}

const ordersApp = new Role("orders_app", {
  name: n("orders_app"),
  login: true,
  password: config.requireSecret("ordersPassword"),
});
access("orders_app-orders", ordersApp, ordersDb, "sales", ["SELECT", "INSERT", "UPDATE", "DELETE"]);
new Grant("orders_app-orders-sequences", {
  role: ordersApp.name,
  objectType: "sequence",
  database: ordersDb,
  schema: "sales",
  privileges: ["USAGE"],
});

const billingApp = new Role("billing_app", {
  name: n("billing_app"),
  login: true,
  password: config.requireSecret("billingPassword"),
});
access("billing_app-billing", billingApp, billingDb, "billing", ["SELECT", "INSERT", "UPDATE"]);
new Grant("billing_app-billing-sequences", {
  role: billingApp.name,
  objectType: "sequence",
  database: billingDb,
  schema: "billing",
  privileges: ["USAGE"],
});
access("billing_app-orders", billingApp, ordersDb, "sales", ["SELECT"]);

const auditor = new Role("auditor", { name: n("auditor") });
access("auditor-orders", auditor, ordersDb, "sales", ["SELECT"]);
access("auditor-billing", auditor, billingDb, "billing", ["SELECT"]);
const jane = new Role("auditor_jane", {
  name: n("auditor_jane"),
  login: true,
  password: config.requireSecret("janePassword"),
  inRoles: [auditor.name],
});

export const databases = [ordersDb, billingDb];
export const roles = [ordersApp, billingApp, auditor, jane].map((r) => r.name);
