/**
 * End to end: the real Pulumi engine (CLI pinned in package.json) through the Automation API,
 * against the test server, every step checked in the catalog. Inline programs import the
 * resources from the compiled provider (dist/provider); the examples run as folder programs.
 */
import { expect } from "chai";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, OpMap, Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import {
  dropRoles,
  isMember,
  one,
  q,
  quoteIdent,
  roleRow,
  tablePriv,
  testServer,
  tryLogin,
  unique,
  loggedStatement,
} from "../support/db";
import { E2eEnv, REPO_ROOT, changes, findCli } from "./harness";
import {
  SecondServer,
  exampleChecks,
  exampleProject,
  exampleStacks,
  providerConfig,
  runFixture,
} from "./examples";

type Provider = typeof provider;

/** How many example stacks run at once in item 10 (PGR_E2E_EXAMPLES_AT_ONCE overrides). */
const EXAMPLES_AT_ONCE = 4;

/** Collects the engine's events and text output of one operation. */
class Recorder {
  readonly events: EngineEvent[] = [];
  readonly output: string[] = [];
  onEvent = (e: EngineEvent): void => {
    this.events.push(e);
  };
  onOutput = (s: string): void => {
    this.output.push(s);
  };
  /** Resource name -> the step's op, for every resource (the stack itself left out). */
  ops(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.events) {
      const m = e.resourcePreEvent?.metadata;
      if (!m || m.type === "pulumi:pulumi:Stack") continue;
      out[m.urn.split("::").pop()!] = m.op;
    }
    return out;
  }
  /** Ops other than same/read/refresh-with-no-change, by resource. */
  changed(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.ops()).filter(([, op]) => op !== "same"));
  }
  text(): string {
    return this.output.join("");
  }
}

function noChanges(summary: OpMap | undefined): void {
  expect(changes(summary), "changes in the summary").to.deep.equal({});
}

describe("e2e: the Pulumi engine", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  const schema = unique("e2e");
  /** Item 9's edited copy of the compiled provider, made early (others may rebuild dist meanwhile). */
  const marker = "edited provider source, same behaviour";
  let copy = "";
  let edits = 0;
  const passwords = {
    user: `pw-user-${Math.random().toString(36).slice(2)}-x`,
  };

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    // A copy of the compiled provider with a comment added inside every provider method: the
    // serialized provider text (its __provider in the state) differs, its behaviour does not.
    // Outside any node_modules folder (with a link to this repository's, for its own requires), so
    // that Pulumi serializes its provider objects by value, the edit included: a module under
    // node_modules would be stored as a `require` line (lean state), which no edit inside changes.
    copy = join(mkdtempSync(join(tmpdir(), "pgr-edited-")), "edited-provider");
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dirname(copy), "node_modules"));
    cpSync(join(REPO_ROOT, "dist", "provider"), copy, { recursive: true });
    edits = 0;
    // wherever the provider methods are defined (the resource files, or a shared base class)
    for (const rel of readdirSync(copy, { recursive: true, encoding: "utf8" })) {
      if (!rel.endsWith(".js")) continue;
      const file = join(copy, rel);
      const text = readFileSync(file, "utf8");
      const edited = text.replace(
        /(\n {4}async (?:configure|check|diff|create|read|update|delete)\([^)]*\) \{)/g,
        (m) => {
          edits += 1;
          return `${m}\n        // ${marker}`;
        },
      );
      if (edited !== text) writeFileSync(file, edited);
    }
    await q(`CREATE SCHEMA ${quoteIdent(schema)}`);
    for (const t of ["t1", "t2", "t3"]) {
      await q(`CREATE TABLE ${quoteIdent(schema)}.${t} (id int)`);
    }
  });

  after(async function () {
    await env?.cleanup();
    if (copy) rmSync(dirname(copy), { recursive: true, force: true });
    await q(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  });

  describe("one stack through its life (1-7)", function () {
    const names = {
      group: unique("e2e_group"),
      user: unique("e2e_user"),
      renamed: unique("e2e_ren"),
      renamedTo: unique("e2e_ren_to"),
      dropped: unique("e2e_drop"),
    };
    const spec = { t1: ["SELECT"], renamed: names.renamed, renamedT3: true };
    let stack: Stack;
    const allOutput: string[] = [];

    function program(p: Provider) {
      return async () => {
        const cfg = new pulumi.Config();
        const s = testServer();
        const group = new p.Role("group", { name: names.group });
        const user = new p.Role("user", {
          name: names.user,
          login: true,
          password: cfg.requireSecret("userPassword"),
          connection: {
            host: s.host,
            port: s.port,
            user: s.user,
            password: cfg.requireSecret("adminPassword"),
            database: s.database,
          },
        });
        new p.RoleMembership("member", { role: group.name, member: user.name });
        new p.Grant("group-usage", { role: group.name, objectType: "schema", schema, privileges: ["USAGE"] });
        new p.Grant("group-t1", {
          role: group.name,
          objectType: "table",
          schema,
          objects: ["t1"],
          privileges: spec.t1,
        });
        const renamed = new p.Role("renamed", { name: spec.renamed });
        new p.Grant("renamed-t2", {
          role: renamed.name,
          objectType: "table",
          schema,
          objects: ["t2"],
          privileges: ["SELECT"],
        });
        // removed in the up that renames its grantee (step 3): deleted after the rename
        if (spec.renamedT3) {
          new p.Grant("renamed-t3", {
            role: renamed.name,
            objectType: "table",
            schema,
            objects: ["t3"],
            privileges: ["INSERT"],
          });
        }
        // every table of the schema: step 7 revokes it on one table by hand before the destroy
        new p.Grant("renamed-all", {
          role: renamed.name,
          objectType: "table",
          schema,
          privileges: ["SELECT"],
        });
        const dropped = new p.Role("dropped", { name: names.dropped });
        new p.Grant("dropped-t2", {
          role: dropped.name,
          objectType: "table",
          schema,
          objects: ["t2"],
          privileges: ["UPDATE"],
        });
        return { user: user.name };
      };
    }

    function rec(): Recorder {
      const r = new Recorder();
      const push = r.onOutput;
      r.onOutput = (s) => {
        push(s);
        allOutput.push(s);
      };
      return r;
    }

    before(async function () {
      stack = await env!.inline("e2e-engine", "life", program(provider));
      await stack.setAllConfig({
        userPassword: { value: passwords.user, secret: true },
        adminPassword: { value: testServer().password ?? "", secret: true },
      });
    });

    after(async function () {
      await dropRoles(...Object.values(names));
    });

    it("1. up from empty creates everything; a second up and a preview change nothing", async function () {
      const r = rec();
      const up = await stack.up({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 12 });
      for (const n of [names.group, names.user, names.renamed, names.dropped]) {
        expect(await roleRow(n), n).to.not.equal(undefined);
      }
      expect((await roleRow(names.user))!.rolcanlogin).to.equal(true);
      expect(await tryLogin(names.user, passwords.user)).to.equal(undefined);
      expect(await isMember(names.group, names.user)).to.deep.equal({ member: true, admin: false });
      expect(await tablePriv(names.group, schema, "t1", "SELECT")).to.equal(true);
      expect(await tablePriv(names.group, schema, "t1", "INSERT")).to.equal(false);
      expect(await tablePriv(names.renamed, schema, "t2", "SELECT")).to.equal(true);
      expect(await tablePriv(names.dropped, schema, "t2", "UPDATE")).to.equal(true);
      expect(
        (
          await one<{ ok: boolean }>("SELECT has_schema_privilege($1, $2, 'USAGE') AS ok", [
            names.group,
            schema,
          ])
        ).ok,
      ).to.equal(true);
      // the member inherits the group's privileges
      expect(await tablePriv(names.user, schema, "t1", "SELECT")).to.equal(true);

      const again = rec();
      const up2 = await stack.up({ onOutput: again.onOutput, onEvent: again.onEvent, expectNoChanges: true });
      noChanges(up2.summary.resourceChanges);
      expect(again.changed()).to.deep.equal({});

      const pr = rec();
      const preview = await stack.preview({
        onOutput: pr.onOutput,
        onEvent: pr.onEvent,
        expectNoChanges: true,
      });
      noChanges(preview.changeSummary);
    });

    it("2. changing one grant's privileges is one in-place update that applies the delta only", async function () {
      spec.t1 = ["SELECT", "INSERT"];
      const pr = rec();
      const preview = await stack.preview({ onOutput: pr.onOutput, onEvent: pr.onEvent });
      expect(changes(preview.changeSummary)).to.deep.equal({ update: 1 });
      expect(pr.changed()).to.deep.equal({ "group-t1": "update" });

      const logBefore = testServer().log().length;
      const r = rec();
      const up = await stack.up({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ update: 1 });
      expect(await tablePriv(names.group, schema, "t1", "SELECT")).to.equal(true);
      expect(await tablePriv(names.group, schema, "t1", "INSERT")).to.equal(true);
      expect(await tablePriv(names.group, schema, "t1", "UPDATE")).to.equal(false);
      if (testServer().embedded) {
        const log = testServer().log().slice(logBefore);
        const dcl = log
          .split("\n")
          .map(loggedStatement)
          .filter((x): x is string => x !== undefined && /^(GRANT|REVOKE)\b/.test(x));
        expect(
          dcl.filter((s) => /^REVOKE/i.test(s)),
          "no REVOKE",
        ).to.deep.equal([]);
        expect(dcl.length, dcl.join("\n")).to.equal(1);
        expect(dcl[0]).to.match(/^GRANT INSERT ON /i);
      }
    });

    it("3. renaming a role updates it in place: same OID, its grants kept; a grant removed in the same up is revoked", async function () {
      const before = await roleRow(names.renamed);
      expect(await tablePriv(names.renamed, schema, "t3", "INSERT")).to.equal(true);
      spec.renamed = names.renamedTo;
      spec.renamedT3 = false;
      const pr = rec();
      await stack.preview({ onOutput: pr.onOutput, onEvent: pr.onEvent });
      expect(pr.ops().renamed).to.equal("update");

      const r = rec();
      await stack.up({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(r.ops().renamed).to.equal("update");
      expect(await roleRow(names.renamed)).to.equal(undefined);
      const after = await roleRow(names.renamedTo);
      expect(after, "renamed role").to.not.equal(undefined);
      expect(String(after!.oid)).to.equal(String(before!.oid));
      expect(await tablePriv(names.renamedTo, schema, "t2", "SELECT")).to.equal(true);
      expect(await tablePriv(names.renamedTo, schema, "t3", "SELECT")).to.equal(true); // renamed-all
      // deleted after the rename, by the old name: revoked from the renamed role all the same
      expect(r.ops()["renamed-t3"]).to.equal("delete");
      expect(await tablePriv(names.renamedTo, schema, "t3", "INSERT")).to.equal(false);
      // the grants that follow the rename are updated in place, not replaced
      expect(r.ops()["renamed-t2"]).to.equal("update");

      const pr2 = rec();
      const preview = await stack.preview({
        onOutput: pr2.onOutput,
        onEvent: pr2.onEvent,
        expectNoChanges: true,
      });
      noChanges(preview.changeSummary);
    });

    it("4. drift made by hand is reported by refresh and undone by the next up", async function () {
      await q(`REVOKE SELECT ON ${quoteIdent(schema)}.t1 FROM ${quoteIdent(names.group)}`);
      await q(`ALTER ROLE ${quoteIdent(names.user)} CREATEDB CONNECTION LIMIT 3`);
      expect(await tablePriv(names.group, schema, "t1", "SELECT")).to.equal(false);

      const rr = rec();
      const refresh = await stack.refresh({ onOutput: rr.onOutput, onEvent: rr.onEvent });
      expect(changes(refresh.summary.resourceChanges)).to.deep.equal({ update: 2 });

      const r = rec();
      const up = await stack.up({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ update: 2 });
      expect(r.changed()).to.deep.equal({ "group-t1": "update", user: "update" });
      expect(await tablePriv(names.group, schema, "t1", "SELECT")).to.equal(true);
      expect(await tablePriv(names.group, schema, "t1", "INSERT")).to.equal(true);
      const row = (await roleRow(names.user))!;
      expect(row.rolcreatedb).to.equal(false);
      expect(row.rolconnlimit).to.equal(-1);

      const rr2 = rec();
      const refresh2 = await stack.refresh({ onOutput: rr2.onOutput, onEvent: rr2.onEvent });
      noChanges(refresh2.summary.resourceChanges);
    });

    it("5. a role dropped by hand leaves the state on refresh and comes back (with its grant) on up", async function () {
      const oid = (await roleRow(names.dropped))!.oid;
      await q(`DROP OWNED BY ${quoteIdent(names.dropped)}`);
      await q(`DROP ROLE ${quoteIdent(names.dropped)}`);

      const rr = rec();
      const refresh = await stack.refresh({ onOutput: rr.onOutput, onEvent: rr.onEvent });
      const summary = changes(refresh.summary.resourceChanges);
      expect(summary.delete, JSON.stringify(summary)).to.be.at.least(1);
      const state = await stack.exportStack();
      const urns = (state.deployment.resources as Array<{ urn: string }>).map((x) => x.urn.split("::").pop());
      expect(urns).to.not.include("dropped");

      const r = rec();
      await stack.up({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(r.ops().dropped).to.equal("create");
      const row = await roleRow(names.dropped);
      expect(row).to.not.equal(undefined);
      expect(String(row!.oid)).to.not.equal(String(oid));
      expect(await tablePriv(names.dropped, schema, "t2", "UPDATE")).to.equal(true);

      const pr = rec();
      const preview = await stack.preview({
        onOutput: pr.onOutput,
        onEvent: pr.onEvent,
        expectNoChanges: true,
      });
      noChanges(preview.changeSummary);
    });

    it("6. neither the state nor the engine's output holds a plaintext password", async function () {
      const admin = testServer().password;
      const secrets = [passwords.user, ...(admin ? [admin] : [])];
      // The state at rest, as the file backend holds it (exportStack() passes --show-secrets).
      const stateFile = join(env!.backend, ".pulumi", "stacks", "e2e-engine", `${stack.name}.json`);
      const state = readFileSync(stateFile, "utf8");
      const stackFile = readFileSync(join(stack.workspace.workDir, `Pulumi.${stack.name}.yaml`), "utf8");
      for (const s of secrets) {
        expect(state.includes(s), "password in the state").to.equal(false);
        expect(allOutput.join("").includes(s), "password in the engine output").to.equal(false);
        expect(stackFile.includes(s), "password in the stack config file").to.equal(false);
      }
      // both are there, as secrets: the role's password and the explicit connection
      const user = (
        JSON.parse(state) as {
          checkpoint: { latest: { resources: Array<{ urn: string; outputs?: Record<string, unknown> }> } };
        }
      ).checkpoint.latest.resources.find((x) => x.urn.endsWith("::user"))!;
      expect(JSON.stringify(user.outputs?.connection)).to.include("ciphertext");
      expect(JSON.stringify(user.outputs?.password)).to.include("ciphertext");
      const shown = JSON.stringify(await stack.exportStack());
      for (const s of secrets) expect(shown.includes(s), "decrypted with --show-secrets").to.equal(true);
    });

    it("7. destroy removes every role of the stack, after a refresh that saw an all-tables grant revoked on one table", async function () {
      // The refresh records the drift; the destroy must still revoke on every table (before, it
      // revoked nothing after such a refresh, and dropping the role failed: 2BP01).
      await q(`REVOKE SELECT ON ${quoteIdent(schema)}.t1 FROM ${quoteIdent(names.renamedTo)}`);
      const rr = rec();
      const refresh = await stack.refresh({ onOutput: rr.onOutput, onEvent: rr.onEvent });
      expect(changes(refresh.summary.resourceChanges)).to.deep.equal({ update: 1 });
      const r = rec();
      const d = await stack.destroy({ onOutput: r.onOutput, onEvent: r.onEvent });
      expect(changes(d.summary.resourceChanges)).to.deep.equal({ delete: 11 });
      const left = await q("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [Object.values(names)]);
      expect(left).to.deep.equal([]);
      expect(await tablePriv("public", schema, "t1", "SELECT")).to.equal(false);
      const state = await stack.exportStack();
      expect(state.deployment.resources ?? []).to.deep.equal([]);
    });
  });

  it("8. a stack of 200+ resources applies with parallel 32, and a second up changes nothing", async function () {
    const groups = Array.from({ length: 4 }, () => unique("e2e_bg"));
    const users = Array.from({ length: 70 }, () => unique("e2e_bu"));
    const tables = ["t1", "t2", "t3"];
    const stack = await env!.inline("e2e-engine", "big", async () => {
      const g = groups.map((name, i) => new provider.Role(`g${i}`, { name }));
      g.forEach(
        (role, i) =>
          new provider.Grant(`g${i}-tables`, {
            role: role.name,
            objectType: "table",
            schema,
            objects: tables,
            privileges: ["SELECT"],
          }),
      );
      users.forEach((name, i) => {
        const u = new provider.Role(`u${i}`, { name, login: i % 2 === 0 });
        new provider.RoleMembership(`u${i}-in-g`, { role: g[i % g.length]!.name, member: u.name });
        new provider.Grant(`u${i}-t`, {
          role: u.name,
          objectType: "table",
          schema,
          objects: [tables[i % tables.length]!],
          privileges: i % 3 === 0 ? ["INSERT", "UPDATE"] : ["INSERT"],
        });
      });
    });
    try {
      const started = Date.now();
      const up = await stack.up({ parallel: 32, onOutput: () => undefined });
      const total = 4 + 4 + 70 * 3;
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: total + 1 });
      console.log(`      ${total} resources created in ${Date.now() - started} ms`);
      const roles = await one<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)",
        [[...groups, ...users]],
      );
      expect(roles.n).to.equal(74);
      const members = await one<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = ANY($1)`,
        [users],
      );
      expect(members.n).to.equal(70);
      for (const i of [0, 1, 2, 33, 69]) {
        expect(await tablePriv(users[i]!, schema, tables[i % 3]!, "INSERT"), users[i]).to.equal(true);
        expect(await tablePriv(users[i]!, schema, tables[i % 3]!, "UPDATE")).to.equal(i % 3 === 0);
        expect(await isMember(groups[i % 4]!, users[i]!)).to.deep.equal({ member: true, admin: false });
      }
      const up2 = await stack.up({ parallel: 32, expectNoChanges: true, onOutput: () => undefined });
      noChanges(up2.summary.resourceChanges);
      await stack.destroy({ parallel: 32, onOutput: () => undefined });
      const left = await q("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [[...groups, ...users]]);
      expect(left).to.deep.equal([]);
    } finally {
      await dropRoles(...groups, ...users);
    }
  });

  it("9. a provider whose source changed but not its behaviour shows no diff", async function () {
    const role = unique("e2e_src");
    const group = unique("e2e_srcg");
    const spec = { limit: -1 };
    const programWith = (p: Provider) => async () => {
      const g = new p.Role("group", { name: group });
      const r = new p.Role("role", { name: role, connectionLimit: spec.limit });
      new p.RoleMembership("member", { role: g.name, member: r.name });
      new p.Grant("grant", {
        role: r.name,
        objectType: "table",
        schema,
        objects: ["t3"],
        privileges: ["SELECT"],
      });
    };
    expect(edits, "methods edited").to.be.at.least(6);
    const edited = require(join(copy, "index.js")) as Provider;
    expect(edited.Role).to.not.equal(provider.Role);

    const stack = await env!.inline("e2e-engine", "source", programWith(provider));
    try {
      await stack.up({ onOutput: () => undefined });
      const providers = async () =>
        (
          (await stack.exportStack()).deployment.resources as Array<{
            urn: string;
            inputs?: Record<string, unknown>;
          }>
        )
          .filter((x) => x.inputs?.__provider !== undefined)
          .map((x) => [x.urn.split("::").pop(), String(x.inputs!.__provider)] as const);
      const before = await providers();
      expect(before.length).to.equal(4);
      for (const [, text] of before) expect(text).to.not.include(marker);

      const stackEdited = await env!.inline("e2e-engine", "source", programWith(edited));
      const r = new Recorder();
      const preview = await stackEdited.preview({
        onOutput: r.onOutput,
        onEvent: r.onEvent,
        expectNoChanges: true,
      });
      noChanges(preview.changeSummary);
      const up = await stackEdited.up({ onOutput: () => undefined, expectNoChanges: true });
      noChanges(up.summary.resourceChanges);
      // The edited text did reach the engine: a "same" step records the new inputs, __provider included.
      for (const [name, text] of await providers()) expect(text, name).to.include(marker);

      // And the edited provider behaves the same: a real change is one update.
      spec.limit = 5;
      const r2 = new Recorder();
      await stackEdited.up({ onOutput: r2.onOutput, onEvent: r2.onEvent });
      expect(r2.changed()).to.deep.equal({ role: "update" });
      expect((await roleRow(role))!.rolconnlimit).to.equal(5);

      await stackEdited.destroy({ onOutput: () => undefined });
      expect(await roleRow(role)).to.equal(undefined);
    } finally {
      await dropRoles(role, group);
    }
  });

  describe("10. the examples, as folder programs", function () {
    const examplesDir = join(REPO_ROOT, "examples");
    const examples = existsSync(examplesDir)
      ? readdirSync(examplesDir).filter((d) => existsSync(join(examplesDir, d, "index.ts")))
      : [];
    const cases = examples.flatMap((example) =>
      exampleStacks(join(examplesDir, example)).map((stackName) => ({
        example,
        stackName,
        title: stackName === "ex" ? example : `${example} (stack ${stackName})`,
      })),
    );
    const server2 = new SecondServer();
    let appExisted = true;
    /**
     * Each example's run (up, checks, preview, destroy, checks), started in `before`: the stacks are
     * independent (their own work folder, roles named with their own prefix), so they run side by side,
     * EXAMPLES_AT_ONCE at a time; each test awaits its own run and fails with its assertion.
     */
    const runs = new Map<string, Promise<void>>();

    before(async function () {
      appExisted = (await q("SELECT 1 FROM pg_namespace WHERE nspname = 'app'")).length > 0;
      // Every fixture first, one after another (they create the same schema and tables, IF NOT
      // EXISTS): no example's tables appear while another example's stack is up.
      for (const example of examples) {
        const dir = join(examplesDir, example);
        const fixture = join(dir, "fixture.sql");
        if (existsSync(fixture)) await runFixture(readFileSync(fixture, "utf8"), (sql, db) => q(sql, [], db));
        const fixture2 = join(dir, "fixture.server2.sql");
        if (readFileSync(join(dir, "index.ts"), "utf8").includes("server2Host") && existsSync(fixture2)) {
          await runFixture(readFileSync(fixture2, "utf8"), (text, db) => server2.q(text, [], db));
        }
      }
      const queue = [...cases];
      const atOnce = Math.max(1, Number(process.env.PGR_E2E_EXAMPLES_AT_ONCE || EXAMPLES_AT_ONCE));
      const settled: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
      for (const c of cases) {
        const p = new Promise<void>((resolve, reject) => settled.push({ resolve, reject }));
        p.catch(() => undefined); // reported by its test
        runs.set(c.title, p);
      }
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const done = settled[cases.indexOf(c)]!;
          await runExample(c.example, c.stackName).then(done.resolve, done.reject);
        }
      };
      for (let i = 0; i < Math.min(atOnce, cases.length); i++) void worker();
    });

    after(async function () {
      await Promise.allSettled(runs.values());
      await server2.stop();
      if (!appExisted) await q("DROP SCHEMA IF EXISTS app CASCADE");
    });

    it("finds at least one example", function () {
      expect(examples).to.include("quickstart");
    });

    async function runExample(example: string, stackName: string): Promise<void> {
      const dir = join(examplesDir, example);
      const prefix = `${unique("ex").replace(/[^a-z0-9_]/gi, "_")}_`;
      const source = readFileSync(join(dir, "index.ts"), "utf8");
      const twoServers = source.includes("server2Host");
      const secretKeys = [...new Set([...source.matchAll(/requireSecret\("([^"]+)"\)/g)].map((m) => m[1]!))];
      const secrets = Object.fromEntries(
        secretKeys.map((k) => [k, `${k}-${Math.random().toString(36).slice(2)}-pw`] as const),
      );
      // An example with its own stack files: copied in before the stack is created, as a
      // user's checkout has them; the admin's password is set as the secret they expect.
      const project = exampleProject(dir, example);
      const stackFile = join(dir, `Pulumi.${stackName}.yaml`);
      const hasStackFile = existsSync(stackFile);
      if (hasStackFile) {
        copyFileSync(stackFile, join(env!.workDir(`${project}-${stackName}`), `Pulumi.${stackName}.yaml`));
      }
      const stack = await env!.folder(project, stackName, dir);
      try {
        // one `pulumi config set-all` for the whole configuration
        await stack.setAllConfig({
          namePrefix: { value: prefix },
          ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { value: v, secret: true }])),
          ...(hasStackFile ? providerConfig(stackFile) : {}),
          ...(twoServers ? await server2.config() : {}),
        });
        // only the stack's secret can make the connection work
        if (hasStackFile) stack.workspace.envVars.PGPASSWORD = "not-the-admin-password";

        const out: string[] = [];
        const up = await stack.up({ onOutput: (s) => out.push(s) });
        expect(changes(up.summary.resourceChanges).create ?? 0).to.be.greaterThan(1);
        const created = await q<{ rolname: string }>(
          "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
          [prefix],
        );
        expect(created.length).to.be.greaterThan(0);
        const listed = up.outputs.roles?.value as string[] | undefined;
        if (listed) {
          expect(created.map((x) => x.rolname).sort()).to.deep.equal([...listed].sort());
        }
        await exampleChecks[example]?.({ stackName, prefix, secrets, outputs: up.outputs, server2 });
        for (const v of Object.values(secrets)) {
          expect(out.join("").includes(v), "secret in the output").to.equal(false);
        }

        const preview = await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
        noChanges(preview.changeSummary);

        await stack.destroy({ onOutput: () => undefined });
        const left = await q("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", [prefix]);
        expect(left).to.deep.equal([]);
        if (twoServers) expect(await server2.roles(prefix)).to.deep.equal([]);
      } finally {
        const left = await q<{ rolname: string }>(
          "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
          [prefix],
        );
        await dropRoles(...left.map((x) => x.rolname));
        if (twoServers) {
          for (const r of await server2.roles(prefix))
            await server2.q(`DROP ROLE IF EXISTS ${quoteIdent(r)}`);
        }
      }
    }

    for (const c of cases) {
      it(`${c.title}: up, preview (no changes), destroy`, async function () {
        await runs.get(c.title);
      });
    }
  });
});
