/**
 * End to end through the real Pulumi engine: one Roles resource with 200 roles (100 groups, 100
 * login roles each a member of its group) plus one with a password, as one engine step; one role
 * changed reads as that role alone in `pulumi preview --diff`; drift by hand shows in refresh and in
 * the next preview's diff, and up repairs it; no plaintext password in the state or the output; destroy.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import {
  dropRoles,
  isMember,
  loggedStatement,
  one,
  q,
  quoteIdent,
  roleRow,
  testServer,
  tryLogin,
  unique,
} from "../support/db";
import { E2eEnv, changes, findCli } from "./harness";

describe("e2e: Roles, 200 roles in one resource", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  let stack: Stack;
  const prefix = `${unique("rs")}_`;
  const N = 100;
  const group = (i: number) => `${prefix}g${String(i).padStart(3, "0")}`;
  const login = (i: number) => `${prefix}l${String(i).padStart(3, "0")}`;
  const outside = `${prefix}outside`;
  const secretUser = `${prefix}secret`;
  const password = `pw-${Math.random().toString(36).slice(2)}-roles`;
  /** Connection limits by login index (the program reads it at each operation). */
  const limits = new Map<number, number>();
  const output: string[] = [];

  const program = async () => {
    const cfg = new pulumi.Config();
    const roles: Record<string, provider.RoleEntry> = {};
    for (let i = 0; i < N; i++) {
      roles[group(i)] = {};
      roles[login(i)] = { login: true, connectionLimit: limits.get(i) ?? 5, inRoles: [group(i)] };
    }
    roles[secretUser] = {
      login: true,
      password: cfg.requireSecret("secretPassword"),
      inRoles: [outside, group(0)],
    };
    const estate = new provider.Roles("estate", { roles });
    return { oids: estate.oids };
  };

  const run = () => ({ onOutput: (s: string) => output.push(s) });

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    await q(`CREATE ROLE ${quoteIdent(outside)}`);
    stack = await env.inline("e2e-roles", "estate", program);
    await stack.setConfig("secretPassword", { value: password, secret: true });
  });

  after(async function () {
    await env?.cleanup();
    const left = await q<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", [
      prefix,
    ]);
    await dropRoles(...left.map((r) => r.rolname));
  });

  const count = async () =>
    (
      await one<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE starts_with(rolname, $1)", [
        prefix,
      ])
    ).n;

  it("1. up creates the 201 roles and their memberships in one step; preview then shows nothing", async function () {
    const up = await stack.up(run());
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 2 }); // the stack and the Roles
    expect(await count()).to.equal(2 * N + 2);
    expect(await roleRow(login(42))).to.include({ rolcanlogin: true, rolconnlimit: 5 });
    expect(await roleRow(group(42))).to.include({ rolcanlogin: false });
    expect((await isMember(group(42), login(42))).member).to.equal(true);
    expect((await isMember(outside, secretUser)).member).to.equal(true);
    expect(await tryLogin(secretUser, password)).to.equal(undefined);
    const preview = await stack.preview({ ...run(), expectNoChanges: true });
    expect(changes(preview.changeSummary)).to.deep.equal({});
  });

  it("2. one role changed: `preview --diff` marks that role's key alone, up sends one ALTER ROLE", async function () {
    limits.set(42, 6);
    const shown: string[] = [];
    const preview = await stack.preview({ diff: true, onOutput: (s) => shown.push(s) });
    expect(changes(preview.changeSummary)).to.deep.equal({ update: 1 });
    const text = shown.join("");
    // the changed lines, alignment padding squeezed; the summary ("~ 1 to update") left out
    const marked = text
      .split("\n")
      .filter((l) => /^\s*[~+-] /.test(l) && !/ to update$/.test(l))
      .map((l) => l.trim().replace(/\s+:/, ":"));
    // the resource, its `roles` property, the role's key, the attribute: nothing else
    expect(marked).to.deep.equal([
      "~ pulumi-nodejs:dynamic/postgres-roles:Roles: (update)",
      "~ roles: {",
      `~ ${login(42)}: {`,
      "~ connectionLimit: 5 => 6",
    ]);
    expect(text).to.include("passwords    : [secret]");
    const mark = testServer().log().length;
    await stack.up(run());
    expect((await roleRow(login(42)))!.rolconnlimit).to.equal(6);
    if (testServer().embedded) {
      const ddl = testServer()
        .log()
        .slice(mark)
        .split("\n")
        .map(loggedStatement)
        .filter((x): x is string => x !== undefined && /^(CREATE|ALTER|DROP|GRANT|REVOKE)\b/.test(x));
      expect(ddl).to.deep.equal([`ALTER ROLE ${login(42)} WITH CONNECTION LIMIT 6`]);
    }
    expect((await roleRow(login(41)))!.rolconnlimit).to.equal(5);
  });

  it("3. drift by hand shows in refresh and in the next `preview --diff`; up repairs it", async function () {
    await q(`ALTER ROLE ${quoteIdent(login(7))} CONNECTION LIMIT 99`);
    await q(`REVOKE ${quoteIdent(group(8))} FROM ${quoteIdent(login(8))}`);
    const refresh = await stack.refresh(run());
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({ update: 1 });
    const shown: string[] = [];
    const preview = await stack.preview({ diff: true, onOutput: (s) => shown.push(s) });
    expect(changes(preview.changeSummary)).to.deep.equal({ update: 1 });
    const text = shown.join("");
    expect(text).to.include("~ connectionLimit: 99 => 5");
    expect(text).to.match(new RegExp(`\\+\\s*\\[0\\]: "${group(8)}"|\\+ inRoles`));
    await stack.up(run());
    expect((await roleRow(login(7)))!.rolconnlimit).to.equal(5);
    expect((await isMember(group(8), login(8))).member).to.equal(true);
    const clean = await stack.preview({ ...run(), expectNoChanges: true });
    expect(changes(clean.changeSummary)).to.deep.equal({});
  });

  it("4. neither the state nor the engine's output holds the plaintext password", async function () {
    // The state at rest, as the file backend holds it (exportStack() passes --show-secrets).
    const state = readFileSync(
      join(env!.backend, ".pulumi", "stacks", "e2e-roles", `${stack.name}.json`),
      "utf8",
    );
    expect(state).to.include(login(99));
    expect(state.includes(password), "password in the state").to.equal(false);
    expect(output.join("").includes(password), "password in the engine output").to.equal(false);
    const estate = (
      JSON.parse(state) as {
        checkpoint: {
          latest: {
            resources: Array<{
              urn: string;
              inputs?: Record<string, unknown>;
              outputs?: Record<string, unknown>;
            }>;
          };
        };
      }
    ).checkpoint.latest.resources.find((x) => x.urn.endsWith("::estate"))!;
    // the passwords are there, as one secret; the roles are not a secret (a readable diff)
    expect(JSON.stringify(estate.inputs?.passwords)).to.include("ciphertext");
    expect(JSON.stringify(estate.outputs?.passwords)).to.include("ciphertext");
    expect(JSON.stringify(estate.outputs?.roles)).to.include(secretUser).and.not.include("ciphertext");
  });

  it("5. destroy drops every role of the resource, and only those", async function () {
    const destroy = await stack.destroy(run());
    expect(changes(destroy.summary.resourceChanges)).to.deep.equal({ delete: 2 });
    expect(await count()).to.equal(1); // the outside role is not the resource's
    expect(await roleRow(outside)).to.not.equal(undefined);
  });
});
