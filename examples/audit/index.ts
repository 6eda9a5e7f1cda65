/**
 * Regular audits (the reference document's best practice 4). Two parts:
 *   - this program: a few roles and grants, so that there is something to audit (a read-only
 *     group and its reader, an application user, and an old login without expiry or limit);
 *   - audit.ts: the audit itself, a script that lists every role with its attributes and every
 *     privilege it holds, read from the catalog with the package's query functions (listRoles,
 *     listRoleGrants, listRoleMembers), and flags what deserves a look. Run it on a schedule:
 *       npx ts-node examples/audit/audit.ts --prefix "" --schema app
 *     (or compile it; with `--json` it prints the report as JSON for other tools).
 * Passwords: `pulumi config set --secret readerPassword …`, `appPassword`, `legacyPassword`.
 * Expects the schema `app` (stack config `schema`) with a few tables (see fixture.sql).
 */
import * as pulumi from "@pulumi/pulumi";
import { Grant, Role } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const schema = config.get("schema") ?? "app";
/** Prefix for every role name, so that several stacks can share one server. */
const prefix = config.get("namePrefix") ?? "";
const n = (name: string) => `${prefix}${name}`;

const readonly = new Role("readonly", { name: n("readonly") });
new Grant("readonly-schema", { role: readonly.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("readonly-tables", { role: readonly.name, objectType: "table", schema, privileges: ["SELECT"] });
const reader = new Role("reader", {
  name: n("reader"),
  login: true,
  password: config.requireSecret("readerPassword"),
  inRoles: [readonly.name],
  validUntil: "2099-12-31",
  connectionLimit: 5,
});

const appuser = new Role("appuser", {
  name: n("appuser"),
  login: true,
  password: config.requireSecret("appPassword"),
  connectionLimit: 20,
});
new Grant("appuser-schema", { role: appuser.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("appuser-tables", {
  role: appuser.name,
  objectType: "table",
  schema,
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
});

// What an audit is for: a login with a direct grant, no expiry and no connection limit.
const legacy = new Role("legacy", {
  name: n("legacy"),
  login: true,
  password: config.requireSecret("legacyPassword"),
});
new Grant("legacy-orders", {
  role: legacy.name,
  objectType: "table",
  schema,
  objects: ["orders"],
  privileges: ["ALL"],
});

export const roles = [readonly, reader, appuser, legacy].map((r) => r.name);
