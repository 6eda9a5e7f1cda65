/**
 * The Pulumi project the stacks of parts 3 and 5 run in: a folder under the system temp folder with
 * this package installed the way npm installs it (test/support/project.ts), so that the state holds
 * what users' states hold (each provider one `require` line, lean state). One program, chosen per
 * stack by the environment:
 *
 *   BENCH_MODE=ours     the state of state.ts as part 3 declares it: per unit of five, two Roles, a
 *                       RoleMembership and two Grants (one resource per privilege)
 *   BENCH_MODE=floor    the engine floor: as many trivial dynamic resources, with the same
 *                       dependencies, whose provider (a module's exports, like ours) has only a
 *                       `create` that returns at once: no check, diff, read, update or delete
 *   BENCH_MODE=estate   part 5: the same state the way the docs recommend for an estate: one `Roles`
 *                       for every role and membership, one `Privileges` for every grant
 *   BENCH_MODE=empty    no resource: what any operation costs before the first resource (the CLI,
 *                       the language host, the program, the plugins)
 *
 * BENCH_SIZE (resources, or resource-equivalents for the estate) and BENCH_PREFIX name the roles
 * (state.ts `units`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, makeProject } from "../test/support/project";
import { SCHEMAS } from "./state";

/** The trivial provider of the floor: module.exports is the provider object (one `require` line in the state). */
const TRIVIAL = `"use strict";
module.exports = {
  async create(inputs) {
    return { id: inputs.name, outs: inputs };
  },
};
`;

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const lib = require("pulumi-postgres-roles");
const mode = process.env.BENCH_MODE;
const size = Number(process.env.BENCH_SIZE);
const prefix = process.env.BENCH_PREFIX;
const units = Array.from({ length: Math.floor(size / 5) }, (_, k) => {
  const i = String(k + 1).padStart(5, "0");
  return { app: prefix + "_app_" + i, user: prefix + "_usr_" + i, schema: "bench_s" + (k % ${SCHEMAS}) };
});

class Trivial extends pulumi.dynamic.Resource {
  constructor(name, props, opts) {
    super(require("pgr-bench-trivial"), name, props, opts ?? {}, "bench", "Trivial");
  }
}

if (mode === "ours") {
  for (const u of units) {
    const app = new lib.Role(u.app, { name: u.app });
    const usr = new lib.Role(u.user, { name: u.user, login: true, connectionLimit: 5 });
    new lib.RoleMembership(u.user + "-in-" + u.app, { role: app.name, member: usr.name });
    new lib.Grant(u.app + "-usage", { role: app.name, objectType: "schema", schema: u.schema, privileges: ["USAGE"] });
    new lib.Grant(u.app + "-select", { role: app.name, objectType: "table", schema: u.schema, privileges: ["SELECT"] });
  }
} else if (mode === "floor") {
  for (const u of units) {
    const app = new Trivial(u.app, { name: u.app });
    const usr = new Trivial(u.user, { name: u.user, login: true, connectionLimit: 5 });
    new Trivial(u.user + "-in-" + u.app, { name: u.user + "-in-" + u.app, role: app.name, member: usr.name });
    new Trivial(u.app + "-usage", { name: u.app + "-usage", role: app.name, schema: u.schema, privileges: ["USAGE"] });
    new Trivial(u.app + "-select", { name: u.app + "-select", role: app.name, schema: u.schema, privileges: ["SELECT"] });
  }
} else if (mode === "estate") {
  if (typeof lib.Roles !== "function" || typeof lib.Privileges !== "function") {
    throw new Error("this build of pulumi-postgres-roles has no Roles or no Privileges resource");
  }
  const roles = {};
  for (const u of units) {
    roles[u.app] = {};
    roles[u.user] = { login: true, connectionLimit: 5, inRoles: [u.app] };
  }
  const estate = new lib.Roles("estate", { roles });
  const grants = [];
  for (const u of units) {
    grants.push({ role: u.app, objectType: "schema", schema: u.schema, privileges: ["USAGE"] });
    grants.push({ role: u.app, objectType: "table", schema: u.schema, privileges: ["SELECT"] });
  }
  new lib.Privileges("estate-access", { grants }, { dependsOn: [estate] });
} else if (mode === "estate-floor") {
  // the engine's floor of the estate: as many steps (two resources, one provider process), nothing done
  const a = new Trivial("roles", { name: "roles" });
  new Trivial("privileges", { name: "privileges" }, { dependsOn: [a] });
} else if (mode !== "empty") {
  throw new Error("BENCH_MODE must be ours, floor, estate, estate-floor or empty, not " + mode);
}
`;

/** The project folder (the caller removes it). */
export function benchProject(): string {
  const project = makeProject("pgr-bench", REPO, {
    "Pulumi.yaml": "name: bench\nruntime: nodejs\nmain: index.js\n",
    "index.js": PROGRAM,
  });
  const trivial = join(project, "node_modules", "pgr-bench-trivial");
  mkdirSync(trivial, { recursive: true });
  writeFileSync(
    join(trivial, "package.json"),
    JSON.stringify({ name: "pgr-bench-trivial", version: "0.0.0" }) + "\n",
  );
  writeFileSync(join(trivial, "index.js"), TRIVIAL);
  return project;
}
