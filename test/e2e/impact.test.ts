/**
 * `pulumi-postgres-roles impact` against reality: for each kind of change, the "after" predicted
 * from a real `pulumi preview --json` must be what the real `pulumi up` then leaves in the catalog
 * (effective privileges of every role of the test by the SQL of effectivePrivileges; ACLs,
 * memberships, attributes, default privileges, row level security and policies by a fresh read).
 * One stack, changed step by step; each step's report is also checked for what it must say.
 */
import { expect } from "chai";
import { ImpactProject } from "./impact-harness";
import type { ImpactSpec } from "./impact-program";
import { findCli } from "./harness";
import { q, quoteIdent as qi, serverVersionNum, unique } from "../support/db";
import { expectPredicted, predict } from "../support/impact-oracle";
import type { ImpactReport } from "../../provider/impact/report";
import { formatImpactMarkdown } from "../../provider/impact/render";
import { main } from "../../provider/cli/main";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./harness";
import { readFileSync } from "node:fs";

describe("e2e: impact of a preview = what `pulumi up` does (real CLI)", function () {
  this.timeout(600_000);
  const p = unique("imp");
  const s = `${p}_s`;
  const s2 = `${p}_s2`;
  const mine = (n: string) => n.startsWith(p);
  let project: ImpactProject;
  let version = 0;
  let spec: ImpactSpec;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(reason);
      this.skip();
    }
    version = await serverVersionNum();
    await q(`CREATE SCHEMA ${qi(s)}`);
    await q(`CREATE TABLE ${qi(s)}.orders (id int, amount numeric, note text)`);
    await q(`CREATE TABLE ${qi(s)}.customers (id int)`);
    await q(`CREATE SEQUENCE ${qi(s)}.seq`);
    await q(`CREATE FUNCTION ${qi(s)}.total(a integer) RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE FUNCTION ${qi(s)}.total(a text) RETURNS int LANGUAGE sql AS 'SELECT 2'`);
    project = new ImpactProject("impact");
    await project.init();
  });

  after(async () => {
    if (!project) return;
    await project.destroy();
    project.remove();
    await q(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
    await q(`DROP SCHEMA IF EXISTS ${qi(s2)} CASCADE`);
    for (const r of ["hand", "bgrp", "buser", "buser2"])
      await q(`DROP ROLE IF EXISTS ${qi(`${p}_${r}`)}`).catch(() => undefined);
  });

  /** preview --json, predict, up, compare; returns the report. */
  async function step(next: ImpactSpec, label: string): Promise<ImpactReport> {
    const json = await project.preview(next);
    const { report, predicted } = await predict(json);
    await project.up(next);
    await expectPredicted(predicted, mine, label);
    spec = next;
    return report;
  }

  const role = (key: string, extra: Record<string, unknown> = {}) => ({ key, name: `${p}_${key}`, ...extra });
  const changes = (r: ImpactReport, name: string) =>
    (r.roles.find((x) => x.role === name)?.privileges ?? []).map(
      (x) => `${x.change} ${x.object} ${x.privilege}`,
    );
  const base = (): ImpactSpec => ({
    roles: [
      role("grp"),
      role("app", { login: true, password: "pw-app-1", validUntil: "2040-01-01T00:00:00Z" }),
      role("rep", { login: true }),
    ],
    grants: [
      { key: "usage", role: "@grp", objectType: "schema", schema: s, privileges: ["USAGE"] },
      { key: "read", role: "@grp", objectType: "table", schema: s, privileges: ["SELECT"] },
    ],
    memberships: [{ key: "app-grp", role: "@grp", member: "@app" }],
  });

  it("creates: roles, grants on every table of a schema, a membership (login roles gain through the group)", async () => {
    const r = await step(base(), "create");
    const app = r.roles.find((x) => x.role === `${p}_app`)!;
    expect(app.status).to.equal("new");
    const gained = app.privileges
      .filter((x) => x.change === "gained")
      .map((x) => `${x.object} ${x.privilege} ${x.via.join(">")}`);
    expect(gained).to.include(`orders SELECT ${p}_app>${p}_grp`);
    expect(r.notes).to.deep.equal([]);
  });

  it("a rename plus a grant to the renamed role", async () => {
    const next = base();
    next.roles![1] = role("app", {
      name: `${p}_app2`,
      login: true,
      password: "pw-app-1",
      validUntil: "2040-01-01T00:00:00Z",
    });
    next.grants!.push({
      key: "app-ins",
      role: "@app",
      objectType: "table",
      schema: s,
      objects: ["orders"],
      privileges: ["INSERT"],
    });
    const r = await step(next, "rename");
    const app = r.roles.find((x) => x.role === `${p}_app2`)!;
    expect(app.renamedFrom).to.equal(`${p}_app`);
    expect(app.privileges.map((x) => `${x.change} ${x.object} ${x.privilege}`)).to.deep.equal([
      `gained orders INSERT`,
    ]);
  });

  it("a membership removed while a grant is added to the group", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.memberships = [];
    next.grants!.push({
      key: "grp-del",
      role: "@grp",
      objectType: "table",
      schema: s,
      objects: ["customers"],
      privileges: ["DELETE"],
    });
    const r = await step(next, "membership removed");
    const app = r.roles.find((x) => x.role === `${p}_app2`)!;
    expect(app.memberships.map((m) => `${m.change} ${m.role}`)).to.deep.equal([`lost ${p}_grp`]);
    expect(app.privileges.filter((x) => x.change === "gained")).to.deep.equal([]);
    expect(
      app.privileges.some((x) => x.change === "lost" && x.object === "orders" && x.privilege === "SELECT"),
    ).to.equal(true);
  });

  it("attributes, inRoles, WITH ADMIN, WITH GRANT OPTION, PUBLIC: marked findings first, --fail-on exit codes", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.roles![2] = role("rep", { login: true, createRole: true, connectionLimit: 5, inRoles: [`@grp`] });
    next.memberships = [{ key: "app-grp-admin", role: "@grp", member: "@app", withAdmin: true }];
    next.grants!.push({
      key: "opt",
      role: "@rep",
      objectType: "sequence",
      schema: s,
      privileges: ["USAGE"],
      withGrantOption: true,
    });
    next.grants!.push({
      key: "pub",
      role: "PUBLIC",
      objectType: "table",
      schema: s,
      objects: ["customers"],
      privileges: ["SELECT"],
    });
    const json = await project.preview(next);
    const { report, predicted } = await predict(json);
    const codes = report.findings.map((f) => `${f.level} ${f.code}`);
    expect(codes).to.include.members([
      "high createrole",
      "high public",
      "medium admin-option",
      "medium grant-option",
    ]);
    expect(report.findings[0]!.level).to.equal("high");
    const rep = report.roles.find((x) => x.role === `${p}_rep`)!;
    expect(rep.attributes.map((a) => a.attribute)).to.include.members(["CREATEROLE", "CONNECTION LIMIT"]);
    expect(rep.memberships.map((m) => `${m.change} ${m.role}`)).to.include(`gained ${p}_grp`);
    // rep is a login role without a password expiry gaining DELETE (write) through grp
    expect(codes).to.include("medium login-write-no-expiry");

    // The command itself, on the same preview: exit codes under --fail-on.
    const run = async (...args: string[]) => {
      let out = "";
      const code = await main(["impact", ...args], {
        stdout: (x) => (out += x),
        stderr: () => undefined,
        stdin: async () => json,
      });
      return { code, out };
    };
    expect((await run()).code).to.equal(0);
    expect((await run("--fail-on", "high")).code).to.equal(3);
    expect((await run("--fail-on", "medium", "--format", "markdown")).out).to.match(/^### Access impact/);
    expect(JSON.parse((await run("--format", "json")).out).summary.findings.high).to.be.greaterThan(0);

    await project.up(next);
    await expectPredicted(predicted, mine, "findings");
    spec = next;
  });

  it("routines by signature, column grants, a replacement (objectType changes)", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.grants!.push({
      key: "fn",
      role: "@app",
      objectType: "function",
      schema: s,
      objects: ["total(int)"],
      privileges: ["EXECUTE"],
    });
    next.grants!.push({
      key: "col",
      role: "@app",
      objectType: "column",
      schema: s,
      objects: ["orders"],
      columns: ["amount"],
      privileges: ["UPDATE"],
    });
    // The sequence grant becomes a schema grant: a replacement.
    next.grants = next.grants!.map((g) =>
      g.key === "opt"
        ? { key: "opt", role: "@rep", objectType: "schema", schema: s, privileges: ["CREATE"] }
        : g,
    );
    const r = await step(next, "routines, columns, replace");
    expect(r.notes).to.deep.equal([]);
  });

  it("default privileges (per schema, and the global entry revoking EXECUTE from PUBLIC), row level security and a policy", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.roles!.push(role("own"));
    next.defaultPrivileges = [
      { key: "dp-read", role: "@grp", owner: "@own", schema: s, objectType: "table", privileges: ["SELECT"] },
      { key: "dp-exec", role: "PUBLIC", owner: "@own", objectType: "function", privileges: [] },
    ];
    next.rowLevelSecurity = [{ key: "rls", table: "orders", schema: s }];
    next.policies = [
      {
        key: "pol",
        name: "mine",
        table: "orders",
        schema: s,
        command: "SELECT",
        roles: ["@grp"],
        using: "true",
      },
    ];
    const r = await step(next, "defaults, rls");
    expect(r.defaultPrivileges.map((d) => `${d.change} ${d.grantee} ${d.privilege}`)).to.include.members([
      `granted ${p}_grp SELECT`,
      "revoked PUBLIC EXECUTE",
    ]);
    expect(r.rowLevelSecurity.map((t) => `${t.table} ${t.enabled.after}`)).to.deep.equal(["orders true"]);
  });

  it("row level security switched off on a table with policies is a high finding", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.rowLevelSecurity = [{ key: "rls", table: "orders", schema: s, enabled: false }];
    const r = await step(next, "rls off");
    expect(r.findings.map((f) => f.code)).to.include("rls-disabled-with-policies");
    expect(formatImpactMarkdown(r)).to.contain("row level security switched off");
  });

  it("what cannot be known before apply is reported, not guessed (a name from an output unknown in preview)", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.roles!.push(role("newbie"));
    next.roles!.push(role("late", { name: `@newbie.oid:${p}_late_` }));
    next.grants!.push({
      key: "late-read",
      role: "@late",
      objectType: "table",
      schema: s,
      objects: ["orders"],
      privileges: ["SELECT"],
    });
    const json = await project.preview(next);
    const { report } = await predict(json);
    expect(report.notes.map((n) => n.reason)).to.include("unknown");
    expect(report.findings.map((f) => f.code)).to.include("not-simulated");
  });

  it("an authoritative Privileges revoking a hand-made grant in its schema", async () => {
    await q(`CREATE SCHEMA ${qi(s2)}`);
    await q(`CREATE TABLE ${qi(s2)}.t (id int)`);
    await q(`CREATE ROLE ${qi(`${p}_hand`)} LOGIN`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s2)} TO ${qi(`${p}_hand`)}`);
    await q(`GRANT SELECT ON ${qi(s2)}.t TO ${qi(`${p}_hand`)}`);
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.privileges = [
      {
        key: "priv",
        grants: [
          { role: "@grp", objectType: "schema", schema: s2, privileges: ["USAGE"] },
          { role: "@grp", objectType: "table", schema: s2, privileges: ["SELECT"] },
        ],
        authoritative: { schemas: [s2] },
      },
    ];
    const r = await step(next, "authoritative Privileges");
    expect(changes(r, `${p}_hand`).sort()).to.deep.equal([`lost ${s2} USAGE`, "lost t SELECT"]);
    expect(changes(r, `${p}_rep`)).to.include("gained t SELECT");
    expect(r.notes).to.deep.equal([]);
  });

  it("an additive Privileges change: an entry added, and a Privileges without authoritative", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    (next.privileges![0]!.grants as unknown[]).push({
      role: "@app",
      objectType: "table",
      schema: s2,
      objects: ["t"],
      privileges: ["INSERT"],
    });
    next.privileges!.push({
      key: "priv-add",
      grants: [{ role: "@grp", objectType: "table", schema: s, objects: ["orders"], privileges: ["UPDATE"] }],
    });
    const r = await step(next, "additive Privileges");
    expect(changes(r, `${p}_app2`)).to.include.members(["gained t INSERT", "gained orders UPDATE"]);
    expect(changes(r, `${p}_rep`)).to.deep.equal(["gained orders UPDATE"]);
    expect(r.notes).to.deep.equal([]);
  });

  it("Roles: created; then a login role renamed through `name`, given CREATEROLE and a group by inRoles; then authoritative memberships", async () => {
    const estate = (roles: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      key: "estate",
      roles,
      ...extra,
    });
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.bulkRoles = [estate({ [`${p}_bgrp`]: {}, buser: { name: `${p}_buser`, login: true } })];
    const created = await step(next, "Roles created");
    expect(created.roles.find((x) => x.role === `${p}_buser`)?.status).to.equal("new");

    const second: ImpactSpec = JSON.parse(JSON.stringify(next));
    second.bulkRoles = [
      estate({
        [`${p}_bgrp`]: {},
        buser: { name: `${p}_buser2`, login: true, createRole: true, inRoles: [`${p}_bgrp`] },
      }),
    ];
    second.grants!.push({
      key: "bgrp-upd",
      role: `${p}_bgrp`,
      objectType: "table",
      schema: s,
      objects: ["customers"],
      privileges: ["UPDATE"],
    });
    const r = await step(second, "Roles updated");
    const user = r.roles.find((x) => x.role === `${p}_buser2`)!;
    expect(user.renamedFrom).to.equal(`${p}_buser`);
    expect(user.attributes.map((a) => a.attribute)).to.deep.equal(["CREATEROLE"]);
    expect(user.memberships.map((m) => `${m.change} ${m.role}`)).to.deep.equal([`gained ${p}_bgrp`]);
    expect(changes(r, `${p}_buser2`)).to.deep.equal(["gained customers UPDATE"]);
    expect(r.findings.map((f) => `${f.level} ${f.code}`)).to.include("high createrole");
    expect(r.notes).to.deep.equal([]);

    // A membership granted by hand, revoked by authoritative memberships.
    await q(`GRANT ${qi(`${p}_grp`)} TO ${qi(`${p}_buser2`)}`);
    const third: ImpactSpec = JSON.parse(JSON.stringify(second));
    third.bulkRoles![0]!.authoritative = { memberships: true };
    const a = await step(third, "Roles authoritative memberships");
    const lost = a.roles.find((x) => x.role === `${p}_buser2`)!;
    expect(lost.memberships.map((m) => `${m.change} ${m.role}`)).to.deep.equal([`lost ${p}_grp`]);
  });

  it("deletes: grants revoked, a role dropped with dropOwned, memberships gone", async () => {
    const next: ImpactSpec = JSON.parse(JSON.stringify(spec));
    next.grants = next.grants!.filter(
      (g) => g.key !== "app-ins" && g.key !== "col" && g.key !== "fn" && g.key !== "bgrp-upd",
    );
    next.bulkRoles = next.bulkRoles!.map((b) => ({ ...b, dropOwned: true }));
    next.roles = next.roles!.map((r) => (r.key === "rep" ? { ...r, dropOwned: true } : r));
    await step(next, "dropOwned set");
    const last: ImpactSpec = JSON.parse(JSON.stringify(next));
    last.roles = last.roles!.filter((r) => r.key !== "rep");
    last.grants = last.grants!.filter((g) => g.key !== "opt");
    last.bulkRoles = [];
    const r = await step(last, "deletes");
    expect(r.roles.find((x) => x.role === `${p}_rep`)?.status).to.equal("dropped");
    expect(r.roles.find((x) => x.role === `${p}_buser2`)?.status).to.equal("dropped");
    expect(version).to.be.greaterThan(0);
  });

  it("examples/pr-previews/sample-impact.md is what a real run of make-sample.js gives (--check)", async function () {
    // Once per matrix (the newest version's part, or a run without one); the sample is made on the
    // embedded default version, whatever this part's.
    const v = process.env.PGR_TEST_PG_VERSION;
    const { newest } = JSON.parse(readFileSync(join(REPO_ROOT, "scripts", "pg-versions.json"), "utf8")) as {
      newest: number;
    };
    if (v !== undefined && Number(v) !== newest) this.skip();
    const env = { ...process.env };
    delete env.PGR_TEST_PG_VERSION;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, "examples", "pr-previews", "make-sample.js"), "--check"],
      { env, encoding: "utf8", timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
    ).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`${e.message}\n${e.stderr ?? ""}`);
    });
    expect(stdout).to.contain("sample-impact.md is current");
  });
});
