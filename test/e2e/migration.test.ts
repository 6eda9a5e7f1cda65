/**
 * The migration procedure of docs/migrating-from-pulumi-postgresql.md, through the real engine:
 * resources that already manage roles and grants (here this package's own, standing in for
 * @pulumi/postgresql's, whose plugin cannot be installed here) are joined by new ones that adopt
 * the same roles and privileges, the old ones leave the state with `pulumi state delete`, and at no
 * point does a REVOKE or DROP reach the server: nobody loses a privilege.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
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
import { E2eEnv, changes, cliBin, findCli } from "./harness";

const run = promisify(execFile);

describe("e2e: migrating a live stack without a privilege gap (docs/migrating-from-pulumi-postgresql.md)", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  let stack: Stack;
  const schema = unique("mig");
  const names = { group: unique("mig_group"), user: unique("mig_user") };
  /** Which resources the program declares: the old set, both, or the new set only. */
  let phase: "old" | "both" | "new" = "old";

  function declare(prefix: "old" | "new", adopt: boolean) {
    const opts = { adoptExisting: adopt || undefined };
    const group = new provider.Role(`${prefix}-group`, { name: names.group, ...opts });
    const user = new provider.Role(`${prefix}-user`, {
      name: names.user,
      login: true,
      connectionLimit: 3,
      ...opts,
    });
    new provider.RoleMembership(`${prefix}-membership`, { role: group.name, member: user.name });
    new provider.Grant(`${prefix}-usage`, {
      role: group.name,
      objectType: "schema",
      schema,
      privileges: ["USAGE"],
    });
    new provider.Grant(`${prefix}-tables`, {
      role: group.name,
      objectType: "table",
      schema,
      privileges: ["SELECT", "INSERT"],
    });
  }

  /** REVOKE and DROP statements the server logged since `from`. */
  function revokesSince(from: number): string[] {
    return testServer()
      .log()
      .slice(from)
      .split("\n")
      .map(loggedStatement)
      .filter((s): s is string => s !== undefined && /^(REVOKE|DROP)\b/i.test(s));
  }

  async function access(): Promise<void> {
    expect(await isMember(names.group, names.user)).to.deep.equal({ member: true, admin: false });
    expect(await tablePriv(names.user, schema, "t", "SELECT")).to.equal(true);
    expect(await tablePriv(names.user, schema, "t", "INSERT")).to.equal(true);
  }

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`needs the Pulumi CLI: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    await q(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await q(`CREATE TABLE ${quoteIdent(schema)}.t (id int)`);
    stack = await env.inline("e2e-migration", "live", async () => {
      if (phase !== "new") declare("old", false);
      if (phase !== "old") declare("new", true);
    });
  });

  after(async function () {
    await env?.cleanup();
    await dropRoles(names.user, names.group);
    await q(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  });

  it("1. the old resources manage the roles and grants", async function () {
    const up = await stack.up({ onOutput: () => undefined });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 6 });
    await access();
  });

  it("2. the new resources, declared alongside, adopt them: only creates, nothing revoked or dropped", async function () {
    phase = "both";
    const from = testServer().log().length;
    const oid = (await roleRow(names.user))!.oid;
    const preview = await stack.preview({ onOutput: () => undefined });
    expect(changes(preview.changeSummary)).to.deep.equal({ create: 5 });
    const up = await stack.up({ onOutput: () => undefined });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 5 });
    expect(String((await roleRow(names.user))!.oid)).to.equal(String(oid));
    await access();
    if (testServer().embedded) expect(revokesSince(from)).to.deep.equal([]);
  });

  it("3. `pulumi state delete` removes the old resources from the state only; the program then drops them with no change", async function () {
    const from = testServer().log().length;
    const state = await stack.exportStack();
    const urns = (state.deployment.resources as Array<{ urn: string }>)
      .map((r) => r.urn)
      .filter((u) => /::old-[a-z]+$/.test(u));
    expect(urns.length).to.equal(5);
    // dependents first: grants and the membership, then the roles
    const order = (u: string) => (/::old-(group|user)$/.test(u) ? 1 : 0);
    const vars = env!.envVars();
    for (const urn of urns.sort((a, b) => order(a) - order(b))) {
      await run(
        join(cliBin(), "pulumi"),
        ["state", "delete", urn, "--stack", stack.name, "--yes", "--non-interactive"],
        { cwd: stack.workspace.workDir, env: { ...process.env, ...vars } },
      );
    }
    phase = "new";
    const preview = await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    expect(changes(preview.changeSummary)).to.deep.equal({});
    const up = await stack.up({ onOutput: () => undefined, expectNoChanges: true });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({});
    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({});
    await access();
    if (testServer().embedded) expect(revokesSince(from)).to.deep.equal([]);
  });

  it("4. from now on the new resources own them: destroy revokes and drops", async function () {
    const d = await stack.destroy({ onOutput: () => undefined });
    expect(changes(d.summary.resourceChanges)).to.deep.equal({ delete: 6 });
    expect(await roleRow(names.user)).to.equal(undefined);
    expect(await roleRow(names.group)).to.equal(undefined);
  });
});
