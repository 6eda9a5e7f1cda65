/**
 * Lean state, end to end through the real Pulumi CLI, in a project where the package is installed as
 * npm installs it (test/support/project.ts): a stack made by the release before lean state (the
 * package built at PREVIOUS) upgrades in place on the next `up` with this one. Every kind of resource
 * is in the stack; the upgrade replaces nothing and sends no SQL, and each resource's state shrinks
 * to a provider of at most 400 bytes (a Grant's whole entry at most 2 KB).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import {
  dropRoles,
  isMember,
  loggedStatement,
  q,
  quoteIdent,
  roleRow,
  tablePriv,
  testServer,
  unique,
} from "../support/db";
import { REPO, buildCommit, installPackage, makeProject } from "../support/project";
import { findCli, projectCli } from "./harness";

/** The last commit whose provider objects the state held by value (main before lean state). */
const PREVIOUS = "b5b41be";

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

const PROGRAM = `"use strict";
const { Role, RoleMembership, Grant, DefaultPrivileges, RowLevelSecurity, Policy } = require("pulumi-postgres-roles");
const prefix = process.env.PGR_UPGRADE_PREFIX;
const schema = process.env.PGR_UPGRADE_SCHEMA;
const group = new Role("group", { name: prefix + "group" });
const user = new Role("user", { name: prefix + "user", login: true, connectionLimit: Number(process.env.PGR_UPGRADE_LIMIT) });
new RoleMembership("member", { role: group.name, member: user.name });
new Grant("usage", { role: group.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("select", { role: group.name, objectType: "table", schema, privileges: ["SELECT"] });
new DefaultPrivileges("future", { role: group.name, owner: user.name, schema, objectType: "table", privileges: ["SELECT"] });
new RowLevelSecurity("rls", { schema, table: "items" });
new Policy("own", { schema, table: "items", roles: [user.name], using: "owner = current_user" });
`;

/** Bytes of a resource's entry as JSON without spaces (the file backend indents it: more on disk). */
const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));

describe("e2e: lean state, and the upgrade from a stack of the previous release", function () {
  this.timeout(900_000);
  let project = "";
  let previous = "";
  const prefix = `${unique("upg").replace(/[^a-z0-9_]/gi, "_")}_`;
  const schema = `${prefix}s`;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`needs the Pulumi CLI: ${reason}`);
      this.skip();
    }
    previous = await buildCommit(PREVIOUS);
    project = makeProject("pgr-upgrade", previous, {
      "Pulumi.yaml": "name: upgrade\nruntime: nodejs\nmain: index.js\n",
      "index.js": PROGRAM,
    });
    await q(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await q(`CREATE TABLE ${quoteIdent(schema)}.items (id int, owner text)`);
  });

  after(async function () {
    await dropRoles(`${prefix}user`, `${prefix}group`);
    await q(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    for (const d of [project, previous]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("up with the previous release, then with this one: updates in place, no SQL, a smaller state", async function () {
    const s = testServer();
    const { cli, env } = projectCli(project, project, "upgrade-test");
    Object.assign(env, { PGR_UPGRADE_PREFIX: prefix, PGR_UPGRADE_SCHEMA: schema, PGR_UPGRADE_LIMIT: "5" });
    const state = async () =>
      (
        JSON.parse(await cli("stack", "export")) as { deployment: { resources: StateResource[] } }
      ).deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));

    await cli("stack", "init", "upgrade");
    const created = await cli("up", "--yes", "--skip-preview");
    expect(created).to.match(/9 created/);
    const before = await state();
    expect(before.length).to.equal(8);
    for (const r of before) {
      expect(String(r.inputs!.__provider), r.urn).to.include('require("pulumi-postgres-roles/runtime")');
      expect(String(r.inputs!.__provider).length, r.urn).to.be.above(2000);
    }
    const oids = {
      group: (await roleRow(`${prefix}group`))!.oid,
      user: (await roleRow(`${prefix}user`))!.oid,
    };

    // this commit's package in place of the previous one
    installPackage(project, REPO);
    const preview = await cli("preview", "--diff");
    if (process.env.PGR_UPGRADE_REPORT === "1") console.log(preview);
    expect(preview).to.match(/8 to update/);
    expect(preview).to.not.match(/to replace|to create|to delete/);

    const mark = s.embedded ? s.log().length : 0;
    const upgraded = await cli("up", "--yes", "--skip-preview");
    expect(upgraded).to.match(/8 updated/);
    expect(upgraded).to.not.match(/replaced|created|deleted/);
    if (s.embedded) {
      const sent = s
        .log()
        .slice(mark)
        .split("\n")
        .map(loggedStatement)
        .filter((x) => x !== undefined);
      expect(sent, "statements sent by the upgrade").to.deep.equal([]);
    }
    const after = await state();
    const ids = (rs: StateResource[]) => rs.map((r) => `${r.urn} ${r.id}`).sort();
    expect(ids(after)).to.deep.equal(ids(before));
    expect((await roleRow(`${prefix}group`))!.oid).to.equal(oids.group);
    expect((await roleRow(`${prefix}user`))!.oid).to.equal(oids.user);
    expect(await isMember(`${prefix}group`, `${prefix}user`)).to.deep.equal({ member: true, admin: false });
    expect(await tablePriv(`${prefix}group`, schema, "items", "SELECT")).to.equal(true);

    const kinds = new Set<string>();
    for (const r of after) {
      for (const side of [r.inputs!, r.outputs!]) {
        const text = String(side.__provider);
        const m = /require\("(pulumi-postgres-roles\/providers\/[A-Za-z]+)"\)/.exec(text);
        expect(m, `${r.urn}: ${text}`).to.not.equal(null);
        kinds.add(m![1]!);
        expect(bytes(text), `${r.urn} provider`).to.be.at.most(400);
      }
      const was = before.find((b) => b.urn === r.urn)!;
      expect(bytes(r), r.urn).to.be.below(bytes(was) / 2);
      // a Grant's whole entry: inputs, outputs and the engine's metadata (its stack trace narrowed to the program)
      if (r.type.endsWith(":Grant")) expect(bytes(r), r.urn).to.be.at.most(2048);
    }
    expect(kinds.size, [...kinds].join(", ")).to.equal(6);

    await cli("preview", "--expect-no-changes");
    // and the upgraded stack still acts: a real change is one update with its SQL
    env.PGR_UPGRADE_LIMIT = "7";
    expect(await cli("up", "--yes", "--skip-preview")).to.match(/1 updated/);
    expect((await roleRow(`${prefix}user`))!.rolconnlimit).to.equal(7);
    expect(await cli("destroy", "--yes", "--skip-preview")).to.match(/9 deleted/);
    expect(await roleRow(`${prefix}user`)).to.equal(undefined);
    await cli("stack", "rm", "--yes", "upgrade");
    // what the state file held: written for the report (PGR_UPGRADE_REPORT=1)
    if (process.env.PGR_UPGRADE_REPORT === "1") {
      const per = (rs: StateResource[]) =>
        Object.fromEntries(rs.map((r) => [r.urn.split("::").pop(), bytes(r)] as const));
      console.log(JSON.stringify({ before: per(before), after: per(after) }));
    }
  });
});
