/**
 * Secrets: with log_statement=all, no plaintext password of any role (Role, and the entries of a
 * Roles resource), nor the admin connection's password, appears in the server log, pg_stat_activity, the engine's output and events, the state
 * file, the stack's config file, or any error message, across create, update (rotation), refresh,
 * a failed create, and delete. The stack's connection comes only from its configuration
 * (`postgres-roles:host` … and `postgres-roles:password` set as a secret): the environment points
 * nowhere, so the provider's configure hook is what makes it work.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import { adminIsSuperuser, dropRoles, qSuper, roleRow, testServer, tryLogin, unique } from "../support/db";
import { freePort } from "../support/versions";
import { E2eEnv, changes, findCli } from "../e2e/harness";
import { ActivitySampler } from "./activity";
import { record } from "./report";

const secret = (tag: string) => `s3cr3t-${tag}-${Math.random().toString(36).slice(2)}-Ünï'"\\$$-🐘`;

describe("reliability: secrets end to end", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  let stack: Stack;
  const prefix = unique("sec");
  const roles = [0, 1, 2].map((i) => `${prefix}_${i}`);
  const failed = `${prefix}_failed`;
  const passwords = roles.map((_, i) => secret(`v1-${i}`));
  const rotated = roles.map((_, i) => secret(`v2-${i}`));
  const failedPassword = secret("failed");
  // The same through one Roles resource (its passwords one secret map).
  const bulk = [0, 1, 2].map((i) => `${prefix}_bulk_${i}`);
  const bulkFailed = `${prefix}_bulk_failed`;
  const bulkPasswords = bulk.map((_, i) => secret(`bulk-v1-${i}`));
  const bulkRotated = bulk.map((_, i) => secret(`bulk-v2-${i}`));
  const bulkFailedPassword = secret("bulk-failed");
  const spec = { passwords, withFailing: false };
  const output: string[] = [];
  const events: string[] = [];
  const errors: string[] = [];
  const states: string[] = [];
  let sampler: ActivitySampler;
  let checks = 0;

  function allSecrets(): Array<[string, string]> {
    const s = testServer();
    return [
      ...passwords.map((p, i): [string, string] => [`password of role ${i}`, p]),
      ...rotated.map((p, i): [string, string] => [`rotated password of role ${i}`, p]),
      ["password of the role whose create failed", failedPassword],
      ...bulkPasswords.map((p, i): [string, string] => [`password of Roles entry ${i}`, p]),
      ...bulkRotated.map((p, i): [string, string] => [`rotated password of Roles entry ${i}`, p]),
      ["password of the Roles entry whose create failed", bulkFailedPassword],
      ["admin connection password (stack config secret)", s.password!],
    ];
  }

  function stateFile(): string {
    return join(env!.backend, ".pulumi", "stacks", "reliability-secrets", `${stack.name}.json`);
  }

  async function op(name: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
      if (name !== "failed create") throw e;
    }
    if (existsSync(stateFile())) states.push(readFileSync(stateFile(), "utf8"));
  }

  const opts = () => ({
    onOutput: (s: string) => output.push(s),
    onEvent: (e: unknown) => events.push(JSON.stringify(e)),
  });

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) throw new Error(`the secrets test needs the Pulumi CLI: ${reason}`);
    env = new E2eEnv(cmd);
    const s = testServer();
    stack = await env.inline("reliability-secrets", "secrets", async () => {
      const cfg = new pulumi.Config();
      roles.forEach(
        (name, i) => new provider.Role(`r${i}`, { name, login: true, password: cfg.requireSecret(`pw${i}`) }),
      );
      new provider.Roles("bulk", {
        roles: Object.fromEntries(
          bulk.map((name, i) => [name, { login: true, password: cfg.requireSecret(`bpw${i}`) }]),
        ),
      });
      if (spec.withFailing) {
        new provider.Roles("bulk-failing", {
          roles: {
            [bulkFailed]: {
              login: true,
              password: cfg.requireSecret("bpwFailed"),
              inRoles: [`${prefix}_no_such_group`],
            },
          },
        });
        new provider.Role("failing", {
          name: failed,
          login: true,
          password: cfg.requireSecret("pwFailed"),
          inRoles: [`${prefix}_no_such_group`],
        });
      }
    });
    // Nothing in the environment reaches the server: only the stack configuration can.
    Object.assign(stack.workspace.envVars, {
      PGHOST: "127.0.0.1",
      PGPORT: String(await freePort()),
      PGUSER: "nobody",
      PGPASSWORD: "not-the-admin-password",
      PGDATABASE: "nowhere",
    });
    await stack.setAllConfig({
      "postgres-roles:host": { value: s.host },
      "postgres-roles:port": { value: String(s.port) },
      "postgres-roles:user": { value: s.user },
      "postgres-roles:password": { value: s.password!, secret: true },
      "postgres-roles:database": { value: s.database },
      pwFailed: { value: failedPassword, secret: true },
      bpwFailed: { value: bulkFailedPassword, secret: true },
      ...Object.fromEntries(bulkPasswords.map((p, i) => [`bpw${i}`, { value: p, secret: true }])),
      ...Object.fromEntries(passwords.map((p, i) => [`pw${i}`, { value: p, secret: true }])),
    });
    sampler = new ActivitySampler(10);
    await sampler.start();
  });

  after(async () => {
    await sampler?.stop();
    await env?.cleanup();
    await dropRoles(...roles, failed, ...bulk, bulkFailed);
  });

  it("create, rotate, refresh, a failed create, delete: the connection from stack config works; the passwords work", async () => {
    await op("create", async () => {
      const up = await stack.up(opts());
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 5 });
    });
    for (const [i, r] of roles.entries()) expect(await tryLogin(r, passwords[i]!), r).to.equal(undefined);
    for (const [i, r] of bulk.entries()) expect(await tryLogin(r, bulkPasswords[i]!), r).to.equal(undefined);
    if (adminIsSuperuser()) {
      const stored = await qSuper<{ p: string }>(
        "SELECT rolpassword AS p FROM pg_authid WHERE rolname = ANY($1)",
        [[...roles, ...bulk]],
      );
      for (const x of stored) expect(x.p).to.match(/^SCRAM-SHA-256\$/);
    }
    await stack.setAllConfig({
      ...Object.fromEntries(rotated.map((p, i) => [`pw${i}`, { value: p, secret: true }])),
      ...Object.fromEntries(bulkRotated.map((p, i) => [`bpw${i}`, { value: p, secret: true }])),
    });
    await op("rotation", async () => {
      const up = await stack.up(opts());
      expect(changes(up.summary.resourceChanges)).to.deep.equal({ update: 4 });
    });
    for (const [i, r] of bulk.entries()) {
      expect(await tryLogin(r, bulkRotated[i]!), r).to.equal(undefined);
      expect(await tryLogin(r, bulkPasswords[i]!), `${r} old password`).to.be.instanceOf(Error);
    }
    for (const [i, r] of roles.entries()) {
      expect(await tryLogin(r, rotated[i]!), r).to.equal(undefined);
      expect(await tryLogin(r, passwords[i]!), `${r} old password`).to.be.instanceOf(Error);
    }
    await op("refresh", async () => {
      const rr = await stack.refresh(opts());
      expect(changes(rr.summary.resourceChanges)).to.deep.equal({});
    });
    spec.withFailing = true;
    await op("failed create", async () => {
      await stack.up(opts());
    });
    expect(errors.join("\n")).to.include(`Role "${failed}"`).and.include("does not exist");
    expect(errors.join("\n")).to.include(`Roles "bulk-failing"`);
    expect(await roleRow(failed)).to.equal(undefined);
    expect(await roleRow(bulkFailed)).to.equal(undefined);
    spec.withFailing = false;
    await op("delete", async () => {
      const d = await stack.destroy(opts());
      expect(changes(d.summary.resourceChanges)).to.deep.equal({ delete: 5 });
    });
    for (const r of [...roles, ...bulk]) expect(await roleRow(r)).to.equal(undefined);
  });

  it("no plaintext password anywhere: server log, pg_stat_activity, engine output and events, state files, stack config, error messages", async function () {
    const activity = await sampler.stop();
    const places: Array<[string, string]> = [
      ["server log (log_statement=all)", testServer().embedded ? testServer().log() : ""],
      ["pg_stat_activity (every backend's query, sampled every 10 ms)", [...activity.queries].join("\n")],
      ["engine output", output.join("")],
      ["engine events", events.join("\n")],
      ["state file after every operation", states.join("\n")],
      ["stack config file", readFileSync(join(stack.workspace.workDir, `Pulumi.${stack.name}.yaml`), "utf8")],
      ["error messages", errors.join("\n")],
    ];
    expect(testServer().embedded, "the server log is read (embedded server)").to.equal(true);
    expect(activity.samples).to.be.greaterThan(10);
    expect(states.length).to.equal(5);
    const found: string[] = [];
    for (const [where, text] of places) {
      expect(text.length, `${where} captured`).to.be.greaterThan(0);
      for (const [what, value] of allSecrets()) {
        checks += 1;
        if (text.includes(value)) found.push(`${what} in ${where}`);
      }
    }
    // The statements did reach the log, with verifiers instead of passwords.
    expect(testServer().log()).to.match(/PASSWORD 'SCRAM-SHA-256\$4096:/);
    record("secrets", {
      operations: ["create", "update (rotation)", "refresh", "failed create", "delete"],
      secrets: allSecrets().length,
      places: places.map(([w]) => w),
      checks,
      passed: checks - found.length,
      found,
      connectionFromStackConfigOnly: true,
      activitySamples: activity.samples,
    });
    expect(found).to.deep.equal([]);
  });
});
