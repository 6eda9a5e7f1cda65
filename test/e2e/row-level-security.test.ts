/**
 * End to end through the real Pulumi engine: examples/row-level-security as a folder program in a
 * schema of its own, then what the application role really sees, drift by hand seen by refresh and
 * undone by up, and destroy restoring the table.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { OpMap } from "@pulumi/pulumi/automation";
import { dropRoles, one, q, quoteIdent as qi, testServer, unique, clientFor } from "../support/db";
import { E2eEnv, REPO_ROOT, changes, findCli } from "./harness";

describe("e2e: examples/row-level-security (the orders policy through the engine)", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  const schema = unique("rls_e2e");
  const prefix = `${unique("rlsx")}_`;
  const appuser = `${prefix}appuser`;
  const policy = `${prefix}orders_user_policy`;
  const password = `app-${Math.random().toString(36).slice(2)}-pw`;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    const dir = join(REPO_ROOT, "examples", "row-level-security");
    // The fixture in this test's own schema, as its comment says to do for another schema.
    const fixture = readFileSync(join(dir, "fixture.sql"), "utf8")
      .replace(/SCHEMA IF NOT EXISTS app;/, `SCHEMA IF NOT EXISTS ${qi(schema)};`)
      .replace(/\bapp\.orders\b/g, `${qi(schema)}.orders`);
    await q(fixture);
  });

  after(async function () {
    await env?.cleanup();
    await q(`DROP SCHEMA IF EXISTS ${qi(schema)} CASCADE`);
    await dropRoles(appuser);
  });

  async function seenBy(userId: number): Promise<number> {
    const s = testServer();
    const c = clientFor(s, { user: appuser, password });
    await c.connect();
    try {
      await c.query("SELECT set_config('app.current_user_id', $1, false)", [String(userId)]);
      return (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qi(schema)}.orders`)).rows[0]!.n;
    } finally {
      await c.end();
    }
  }
  const table = async () =>
    one<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = (quote_ident($1) || '.orders')::regclass`,
      [schema],
    );
  const only = (summary: OpMap | undefined) => changes(summary);

  it("up, the app role's view per user, drift by hand refreshed and undone, destroy restores", async function () {
    const stack = await env!.folder("e2e-rls", "rls", join(REPO_ROOT, "examples", "row-level-security"));
    await stack.setAllConfig({
      schema: { value: schema },
      namePrefix: { value: prefix },
      appPassword: { value: password, secret: true },
    });

    const out: string[] = [];
    const up = await stack.up({ onOutput: (s) => out.push(s) });
    expect(only(up.summary.resourceChanges)).to.deep.equal({ create: 7 }); // the stack, the role, three grants, RLS, the policy
    expect(out.join("")).not.to.include(password);
    expect(await table()).to.deep.equal({ relrowsecurity: true, relforcerowsecurity: true });
    expect(await seenBy(1)).to.equal(2);
    expect(await seenBy(2)).to.equal(1);
    expect(await seenBy(3)).to.equal(0);
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });

    // By hand: the policy opened up, row level security no longer forced.
    await q(`ALTER POLICY ${qi(policy)} ON ${qi(schema)}.orders USING (true)`);
    await q(`ALTER TABLE ${qi(schema)}.orders NO FORCE ROW LEVEL SECURITY`);
    expect(await seenBy(1)).to.equal(3);
    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(only(refresh.summary.resourceChanges)).to.deep.equal({ update: 2 });
    const fix = await stack.up({ onOutput: () => undefined });
    expect(only(fix.summary.resourceChanges)).to.deep.equal({ update: 2 });
    expect(await seenBy(1)).to.equal(2);
    expect(await table()).to.deep.equal({ relrowsecurity: true, relforcerowsecurity: true });
    const again = await stack.refresh({ onOutput: () => undefined });
    expect(only(again.summary.resourceChanges)).to.deep.equal({});
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });

    await stack.destroy({ onOutput: () => undefined });
    expect(await table()).to.deep.equal({ relrowsecurity: false, relforcerowsecurity: false });
    expect(
      await q("SELECT 1 FROM pg_policy WHERE polrelid = (quote_ident($1) || '.orders')::regclass", [schema]),
    ).to.deep.equal([]);
    expect(await q("SELECT 1 FROM pg_roles WHERE rolname = $1", [appuser])).to.deep.equal([]);
  });
});
