/**
 * Row level security: the reference document's orders example.
 *   - an application role that logs in (password: `pulumi config set --secret appPassword ...`)
 *   - USAGE on the schema and SELECT, INSERT, UPDATE, DELETE on its orders table
 *   - row level security enabled and forced on the table (the owner is subject to it too)
 *   - the policy: the application role sees and writes only the orders of the user it names with
 *     `SET app.current_user_id = '…'`
 * Expects the table `orders` in the schema `app` (config `schema`; see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Policy, Role, RowLevelSecurity } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for role and policy names, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const appuser = new Role("appuser", {
  name: n("appuser"),
  login: true,
  password: config.requireSecret("appPassword"),
});
new Grant("appuser-schema", { role: appuser.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("appuser-orders", {
  role: appuser.name,
  objectType: "table",
  schema,
  objects: ["orders"],
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});
new Grant("appuser-orders-seq", {
  role: appuser.name,
  objectType: "sequence",
  schema,
  objects: ["orders_id_seq"],
  privileges: ["USAGE"],
});

// ALTER TABLE orders ENABLE ROW LEVEL SECURITY; ALTER TABLE orders FORCE ROW LEVEL SECURITY;
// Destroying the stack restores the setting the table had before.
const rls = new RowLevelSecurity("orders-rls", { schema, table: "orders", force: true });

// CREATE POLICY orders_user_policy ON orders FOR ALL TO appuser
//   USING (user_id = current_setting('app.current_user_id')::integer);
// The expression is trusted SQL, sent as written; written any other way, it compares by its text.
new Policy(
  "orders-user-policy",
  {
    name: n("orders_user_policy"),
    schema,
    table: "orders",
    command: "ALL",
    roles: [appuser.name],
    using: "user_id = current_setting('app.current_user_id')::integer",
  },
  { dependsOn: [rls] },
);

export const roles = [appuser.name];
