/**
 * Two servers in one stack. Resources without a `connection` go to the stack's server (the
 * provider configuration `postgres-roles:*`, else the libpq environment `PGHOST`, …); resources
 * given a `connection` go to that server. Here the application's primary server and a separate
 * analytics (warehouse) server:
 *   - on the primary: the application role (read/write on the app schema) and a read-only group
 *   - on the warehouse: a loader that writes the warehouse tables, and the same read-only group
 *     name with its own grants there (roles are per server: same name, two roles)
 * The warehouse connection comes from the stack config: `server2Host`, `server2Port`,
 * `server2User`, `server2Database`, and the secret `server2Password`
 * (`pulumi config set --secret server2Password …`). A connection given to a resource is stored
 * in the state as a secret; changing its host, port or database replaces the resources on it.
 * Passwords of the login roles: `appPassword`, `loaderPassword`.
 * Expects the primary's schema `app` (fixture.sql) and the warehouse's schema `warehouse`
 * (fixture.server2.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role, type ConnectionInput } from "pulumi-postgres-roles";

const config = new pulumi.Config();
/** Prefix for every role name, so that several stacks can share the servers. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const warehouse: ConnectionInput = {
  host: config.require("server2Host"),
  port: config.getNumber("server2Port") ?? 5432,
  user: config.get("server2User") ?? "postgres",
  password: config.requireSecret("server2Password"),
  database: config.get("server2Database") ?? "postgres",
};

// The primary server (the stack's connection).
const app = new Role("app", { name: n("app"), login: true, password: config.requireSecret("appPassword") });
new Grant("app-schema", { role: app.name, objectType: "schema", schema: "app", privileges: ["USAGE"] });
new Grant("app-tables", {
  role: app.name,
  objectType: "table",
  schema: "app",
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});
const readonly = new Role("readonly", { name: n("readonly") });
new Grant("readonly-schema", {
  role: readonly.name,
  objectType: "schema",
  schema: "app",
  privileges: ["USAGE"],
});
new Grant("readonly-tables", {
  role: readonly.name,
  objectType: "table",
  schema: "app",
  privileges: ["SELECT"],
});

// The warehouse server: every resource names the connection.
const loader = new Role("warehouse-loader", {
  name: n("loader"),
  login: true,
  password: config.requireSecret("loaderPassword"),
  connection: warehouse,
});
new Grant("warehouse-loader-schema", {
  role: loader.name,
  objectType: "schema",
  schema: "warehouse",
  privileges: ["USAGE"],
  connection: warehouse,
});
new Grant("warehouse-loader-tables", {
  role: loader.name,
  objectType: "table",
  schema: "warehouse",
  privileges: ["SELECT", "INSERT", "UPDATE"],
  connection: warehouse,
});
const warehouseReadonly = new Role("warehouse-readonly", { name: n("readonly"), connection: warehouse });
new Grant("warehouse-readonly-schema", {
  role: warehouseReadonly.name,
  objectType: "schema",
  schema: "warehouse",
  privileges: ["USAGE"],
  connection: warehouse,
});
new Grant("warehouse-readonly-tables", {
  role: warehouseReadonly.name,
  objectType: "table",
  schema: "warehouse",
  privileges: ["SELECT"],
  connection: warehouse,
});

/** Roles on the primary server. */
export const roles = [app, readonly].map((r) => r.name);
/** Roles on the warehouse server. */
export const server2Roles = [loader, warehouseReadonly].map((r) => r.name);
