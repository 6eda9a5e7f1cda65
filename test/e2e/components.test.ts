/**
 * End to end through the real Pulumi engine: the pattern components (ReadOnlyGroup, ApplicationUser,
 * AdminUser, TeamHierarchy, RoleHierarchy) in one inline program, checked by logging in as the
 * users they make; a table created after the up by the owner role is covered by the default
 * privileges; a second up, a preview and a refresh change nothing; destroy leaves no role.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import { asRole, dropRoles, isMember, q, quoteIdent as qi, roleRow, tablePriv, unique } from "../support/db";
import { E2eEnv, changes, findCli } from "./harness";

interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  custom?: boolean;
  outputs?: Record<string, unknown>;
}

describe("e2e: the pattern components through the engine", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  let stack: Stack;
  const schema = unique("comp");
  const levels = `${unique("lv")}_`;
  const names = {
    owner: unique("comp_owner"),
    readonly: unique("comp_ro"),
    reader: unique("comp_reader"),
    app: unique("comp_app"),
    admin: unique("comp_admin"),
    eng: unique("comp_eng"),
    senior: unique("comp_senior"),
    alice: unique("comp_alice"),
    bob: unique("comp_bob"),
    carol: unique("comp_carol"),
    read: `${levels}read_access`,
    write: `${levels}write_access`,
    adminAccess: `${levels}admin_access`,
  };
  /** Earlier names of the read-only group (renamed by a test). */
  const renamedFrom: string[] = [];
  const pw = (k: string) => `${k}-${Math.random().toString(36).slice(2)}-pw`;
  const passwords = {
    reader: pw("reader"),
    app: pw("app"),
    admin: pw("admin"),
    alice: pw("alice"),
    bob: pw("bob"),
    carol: pw("carol"),
  };
  const t = (table: string) => `${qi(schema)}.${qi(table)}`;
  const denied = (role: keyof typeof passwords, sql: string) =>
    asRole(names[role], passwords[role], sql).then(
      () => "allowed",
      (e: Error) => e.message,
    );
  /** Every resource of the program: 51 (the stack not counted). */
  const TOTAL = 51;

  const program = (p: typeof provider) => async () => {
    const cfg = new pulumi.Config();
    const reader = new p.Role("reader", {
      name: names.reader,
      login: true,
      password: cfg.requireSecret("readerPassword"),
    });
    // 8: the component, the role, 3 grants, 2 default privileges, 1 membership
    const readonly = new p.ReadOnlyGroup(
      "readonly",
      {
        name: names.readonly,
        schemas: [schema],
        futureObjectsOwnedBy: [names.owner],
        members: [names.reader],
      },
      { dependsOn: [reader] },
    );
    // 7: the component, the role, 3 grants, 2 default privileges
    const app = new p.ApplicationUser("app", {
      name: names.app,
      password: cfg.requireSecret("appPassword"),
      schemas: [schema],
      futureObjectsOwnedBy: [names.owner],
      connectionLimit: 5,
    });
    // 5: the component, the role, 2 grants, 1 default privileges
    const admin = new p.AdminUser("admin", {
      name: names.admin,
      password: cfg.requireSecret("adminPassword"),
      schemas: [schema],
      futureObjectsOwnedBy: [names.owner],
    });
    // 5: the component, 2 teams, 2 users (the child team listed first)
    const teams = new p.TeamHierarchy("teams", {
      teams: [{ name: names.senior, parent: names.eng }, { name: names.eng }],
      users: [
        { name: names.alice, password: cfg.requireSecret("alicePassword"), team: names.eng },
        { name: names.bob, password: cfg.requireSecret("bobPassword"), team: names.senior },
      ],
    });
    // 4 grants to the teams
    const eng = teams.teams[names.eng]!.name;
    new p.Grant("eng-usage", { role: eng, objectType: "schema", schema, privileges: ["USAGE"] });
    new p.Grant("eng-reviews", {
      role: eng,
      objectType: "table",
      schema,
      objects: ["reviews"],
      privileges: ["SELECT", "INSERT"],
    });
    new p.Grant("eng-reviews-seq", {
      role: eng,
      objectType: "sequence",
      schema,
      objects: ["reviews_id_seq"],
      privileges: ["USAGE"],
    });
    new p.Grant("senior-reviews", {
      role: teams.teams[names.senior]!.name,
      objectType: "table",
      schema,
      objects: ["reviews"],
      privileges: ["DELETE"],
    });
    // 19: the component, 3 roles with 3 grants and 2 default privileges each
    const access = new p.RoleHierarchy("levels", {
      prefix: levels,
      schemas: [schema],
      futureObjectsOwnedBy: [names.owner],
    });
    // 2: a user given the write level
    const carol = new p.Role("carol", {
      name: names.carol,
      login: true,
      password: cfg.requireSecret("carolPassword"),
    });
    new p.RoleMembership("carol-write", { role: access.write.name, member: carol.name });
    return {
      readonly: readonly.name,
      app: app.name,
      admin: admin.name,
      teams: Object.keys(teams.teams),
      users: Object.keys(teams.users),
      levels: [access.read.name, access.write.name, access.admin.name],
    };
  };

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    // The owner role creates the schema's objects, as migrations would.
    await q(`CREATE ROLE ${qi(names.owner)} NOLOGIN`);
    await q(`CREATE SCHEMA ${qi(schema)}`);
    await q(`GRANT USAGE, CREATE ON SCHEMA ${qi(schema)} TO ${qi(names.owner)}`);
    await q(`BEGIN;
      SET LOCAL ROLE ${qi(names.owner)};
      CREATE TABLE ${t("items")} (id serial PRIMARY KEY, v text);
      CREATE TABLE ${t("reviews")} (id serial PRIMARY KEY, title text);
      INSERT INTO ${t("items")} (v) VALUES ('a'), ('b');
      COMMIT`);
    stack = await env.inline("e2e-components", "patterns", program(provider));
    await stack.setAllConfig(
      Object.fromEntries(
        Object.entries(passwords).map(([k, v]) => [`${k}Password`, { value: v, secret: true }]),
      ),
    );
  });

  after(async function () {
    await env?.cleanup();
    await q(`DROP SCHEMA IF EXISTS ${qi(schema)} CASCADE`);
    await dropRoles(...Object.values(names).filter((n) => n !== names.owner), ...renamedFrom, names.owner);
  });

  it("up creates every child, parented to its component, with the outputs registered", async function () {
    const out: string[] = [];
    const up = await stack.up({ onOutput: (s) => out.push(s) });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: TOTAL + 1 });
    expect(up.outputs.readonly!.value).to.equal(names.readonly);
    expect(up.outputs.teams!.value).to.have.members([names.eng, names.senior]);
    expect(up.outputs.levels!.value).to.deep.equal([names.read, names.write, names.adminAccess]);

    const resources = (await stack.exportStack()).deployment.resources as StateResource[];
    const components = resources.filter((r) => r.type.startsWith("postgres-roles:patterns:"));
    expect(components.map((r) => r.type).sort()).to.deep.equal(
      ["AdminUser", "ApplicationUser", "ReadOnlyGroup", "RoleHierarchy", "TeamHierarchy"].map(
        (x) => `postgres-roles:patterns:${x}`,
      ),
    );
    const children = (type: string) => {
      const c = components.find((r) => r.type === `postgres-roles:patterns:${type}`)!;
      return { component: c, children: resources.filter((r) => r.parent === c.urn) };
    };
    const counts = Object.fromEntries(
      ["ReadOnlyGroup", "ApplicationUser", "AdminUser", "TeamHierarchy", "RoleHierarchy"].map((x) => [
        x,
        children(x).children.length,
      ]),
    );
    expect(counts).to.deep.equal({
      ReadOnlyGroup: 7,
      ApplicationUser: 6,
      AdminUser: 4,
      TeamHierarchy: 4,
      RoleHierarchy: 18,
    });
    expect(children("ReadOnlyGroup").component.outputs).to.deep.include({ name: names.readonly });
    expect(children("TeamHierarchy").component.outputs?.users).to.deep.equal({
      [names.alice]: names.alice,
      [names.bob]: names.bob,
    });

    // No plaintext password in the engine's output or in the state at rest.
    const stateFile = join(env!.backend, ".pulumi", "stacks", "e2e-components", `${stack.name}.json`);
    const state = readFileSync(stateFile, "utf8");
    for (const v of Object.values(passwords)) {
      expect(out.join("").includes(v), "password in the output").to.equal(false);
      expect(state.includes(v), "password in the state").to.equal(false);
    }
  });

  it("the roles are what the document's patterns say", async function () {
    expect(await roleRow(names.readonly)).to.include({ rolcanlogin: false });
    expect(await roleRow(names.app)).to.include({ rolcanlogin: true, rolconnlimit: 5, rolsuper: false });
    expect(await roleRow(names.admin)).to.include({
      rolcanlogin: true,
      rolcreatedb: true,
      rolcreaterole: true,
      rolsuper: false,
    });
    for (const n of [names.eng, names.senior, names.read, names.write, names.adminAccess]) {
      expect(await roleRow(n), n).to.include({ rolcanlogin: false });
    }
    const member = { member: true, admin: false };
    expect(await isMember(names.readonly, names.reader)).to.deep.equal(member);
    expect(await isMember(names.eng, names.senior)).to.deep.equal(member);
    expect(await isMember(names.eng, names.alice)).to.deep.equal(member);
    expect(await isMember(names.senior, names.bob)).to.deep.equal(member);
    expect(await isMember(names.read, names.write)).to.deep.equal(member);
    expect(await isMember(names.write, names.adminAccess)).to.deep.equal(member);
    expect(await isMember(names.write, names.carol)).to.deep.equal(member);
  });

  it("the reader (a member of the read-only group) can SELECT but not INSERT", async function () {
    expect(
      await asRole(names.reader, passwords.reader, `SELECT count(*)::int AS n FROM ${t("items")}`),
    ).to.deep.equal([{ n: 2 }]);
    expect(await denied("reader", `INSERT INTO ${t("items")} (v) VALUES ('x')`)).to.match(
      /permission denied/,
    );
    expect(await denied("reader", `DELETE FROM ${t("items")}`)).to.match(/permission denied/);
  });

  it("the application user writes (tables and sequences) but cannot TRUNCATE; the admin can", async function () {
    expect(
      await asRole(names.app, passwords.app, `INSERT INTO ${t("items")} (v) VALUES ('c') RETURNING v`),
    ).to.deep.equal([{ v: "c" }]);
    await asRole(names.app, passwords.app, `UPDATE ${t("items")} SET v = 'cc' WHERE v = 'c'`);
    await asRole(names.app, passwords.app, `DELETE FROM ${t("items")} WHERE v = 'cc'`);
    expect(await denied("app", `TRUNCATE ${t("reviews")}`)).to.match(/permission denied/);
    expect(await denied("app", `CREATE TABLE ${t("nope")} (id int)`)).to.match(/permission denied/);
    expect(await asRole(names.admin, passwords.admin, `TRUNCATE ${t("reviews")}`)).to.deep.equal([]);
    await asRole(names.admin, passwords.admin, `CREATE TABLE ${t("admin_made")} (id int)`);
    await q(`DROP TABLE ${t("admin_made")}`);
  });

  it("a team member inherits the team's grants; the senior team inherits engineering's", async function () {
    await asRole(names.alice, passwords.alice, `INSERT INTO ${t("reviews")} (title) VALUES ('r1'), ('r2')`);
    expect(
      await asRole(names.alice, passwords.alice, `SELECT count(*)::int AS n FROM ${t("reviews")}`),
    ).to.deep.equal([{ n: 2 }]);
    expect(await denied("alice", `DELETE FROM ${t("reviews")}`)).to.match(/permission denied/);
    expect(await denied("alice", `SELECT * FROM ${t("items")}`)).to.match(/permission denied/);
    // bob (senior_engineers, member of engineering): engineering's INSERT and SELECT, and DELETE
    await asRole(names.bob, passwords.bob, `INSERT INTO ${t("reviews")} (title) VALUES ('r3')`);
    expect(
      await asRole(
        names.bob,
        passwords.bob,
        `DELETE FROM ${t("reviews")} WHERE title = 'r1' RETURNING title`,
      ),
    ).to.deep.equal([{ title: "r1" }]);
  });

  it("the write level writes and reads (inherited from read_access), the read level cannot write", async function () {
    await asRole(names.carol, passwords.carol, `INSERT INTO ${t("items")} (v) VALUES ('w')`);
    expect(
      await asRole(names.carol, passwords.carol, `SELECT v FROM ${t("items")} WHERE v = 'w'`),
    ).to.deep.equal([{ v: "w" }]);
    expect(await denied("carol", `TRUNCATE ${t("items")}`)).to.match(/permission denied/);
    expect(await tablePriv(names.read, schema, "items", "INSERT")).to.equal(false);
    expect(await tablePriv(names.adminAccess, schema, "items", "TRUNCATE")).to.equal(true);
  });

  it("a table the owner role creates after the up is covered by the default privileges", async function () {
    await q(`BEGIN;
      SET LOCAL ROLE ${qi(names.owner)};
      CREATE TABLE ${t("later")} (id serial PRIMARY KEY, v text);
      INSERT INTO ${t("later")} (v) VALUES ('l1');
      COMMIT`);
    expect(await asRole(names.reader, passwords.reader, `SELECT v FROM ${t("later")}`)).to.deep.equal([
      { v: "l1" },
    ]);
    expect(await denied("reader", `INSERT INTO ${t("later")} (v) VALUES ('x')`)).to.match(
      /permission denied/,
    );
    // the application user writes it, its serial sequence included
    expect(
      await asRole(names.app, passwords.app, `INSERT INTO ${t("later")} (v) VALUES ('l2') RETURNING id`),
    ).to.deep.equal([{ id: 2 }]);
    await asRole(names.carol, passwords.carol, `INSERT INTO ${t("later")} (v) VALUES ('l3')`);
    expect(await tablePriv(names.admin, schema, "later", "TRUNCATE")).to.equal(true);
    expect(await tablePriv(names.adminAccess, schema, "later", "TRUNCATE")).to.equal(true);
    // a team was given only the tables it names
    expect(await denied("alice", `SELECT * FROM ${t("later")}`)).to.match(/permission denied/);
  });

  it("a second up, a preview and a refresh change nothing (the later table reads as granted)", async function () {
    const up = await stack.up({ onOutput: () => undefined, expectNoChanges: true });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({});
    const preview = await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    expect(changes(preview.changeSummary)).to.deep.equal({});
    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({});
  });

  it("renaming the read-only group keeps its role (same OID), grants, default privileges and members", async function () {
    const oid = (await roleRow(names.readonly))!.oid;
    renamedFrom.push(names.readonly);
    names.readonly = unique("comp_ro_renamed");
    const up = await stack.up({ onOutput: () => undefined });
    const summary = changes(up.summary.resourceChanges);
    // the role renamed in place; its grants and memberships updated in place to the new name, its
    // default privileges replaced (the old entry deleted first); nothing created or deleted outright
    expect(summary.update, JSON.stringify(summary)).to.be.at.least(1);
    expect(summary.create, JSON.stringify(summary)).to.equal(undefined);
    expect(summary.delete, JSON.stringify(summary)).to.equal(undefined);
    expect(await roleRow(renamedFrom[0]!)).to.equal(undefined);
    expect(String((await roleRow(names.readonly))!.oid)).to.equal(String(oid));
    expect(await isMember(names.readonly, names.reader)).to.deep.equal({ member: true, admin: false });
    expect(
      await asRole(names.reader, passwords.reader, `SELECT count(*)::int AS n FROM ${t("later")}`),
    ).to.deep.equal([{ n: 3 }]);
    await q(`BEGIN;
      SET LOCAL ROLE ${qi(names.owner)};
      CREATE TABLE ${t("after_rename")} (id int);
      COMMIT`);
    expect(await tablePriv(names.readonly, schema, "after_rename", "SELECT")).to.equal(true);
    const preview = await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    expect(changes(preview.changeSummary)).to.deep.equal({});
    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({});
  });

  it("a mistake in the arguments fails the program with a clear message, before any change", async function () {
    const bad = await env!.inline("e2e-components", "bad", async () => {
      new provider.ReadOnlyGroup("dup", { name: unique("comp_dup"), schemas: [schema, schema] });
    });
    const err = await bad.preview({ onOutput: () => undefined }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.include(`schemas lists "${schema}" twice`);
    const cycle = await env!.inline("e2e-components", "cycle", async () => {
      new provider.TeamHierarchy("teams", {
        teams: [
          { name: "x_a", parent: "x_b" },
          { name: "x_b", parent: "x_a" },
        ],
      });
    });
    const err2 = await cycle.preview({ onOutput: () => undefined }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err2?.message).to.include("form a cycle of parents");
  });

  it("destroy removes every child and leaves no role and no default privileges", async function () {
    const d = await stack.destroy({ onOutput: () => undefined });
    expect(changes(d.summary.resourceChanges)).to.deep.equal({ delete: TOTAL + 1 });
    const made = Object.values(names).filter((n) => n !== names.owner);
    expect(await q("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [made])).to.deep.equal([]);
    expect(
      await q(
        "SELECT 1 FROM pg_default_acl WHERE defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $1)",
        [names.owner],
      ),
    ).to.deep.equal([]);
    expect(await tablePriv("public", schema, "later", "SELECT")).to.equal(false);
  });
});
