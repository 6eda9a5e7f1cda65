/**
 * End to end through the real Pulumi engine: a Privileges resource authoritative over a schema. A
 * grant made by hand is shown by `preview --refresh` and `refresh`, revoked by `up`, and the next
 * preview is clean; and what `pulumi preview --diff` prints for a changed entry list (the engine's
 * own comparison: the Node.js dynamic provider sends no detailed diff); and default privileges in an
 * authoritative schema: one made by hand is shown by `refresh`, revoked by `up`, the next preview clean.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "../../provider";
import { adminConnection, dropRoles, one, q, quoteIdent as qi, testServer, unique } from "../support/db";
import { E2eEnv, changes, findCli } from "./harness";

describe("e2e: Privileges (authoritative schema) through the engine", function () {
  this.timeout(600_000);
  let env: E2eEnv | undefined;
  const schema = unique("priv_e2e");
  const reader = unique("priv_reader");
  const writer = unique("priv_writer");
  const intruder = unique("priv_intruder");
  type Entry = {
    role: string;
    objectType: string;
    schema?: string;
    objects?: string[];
    privileges: string[];
  };
  let grants: Entry[] = [];
  let stack: Stack;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`e2e tests need the Pulumi CLI: ${reason}`);
      console.log(`    skipping the e2e tests: ${reason}`);
      this.skip();
    }
    env = new E2eEnv(cmd, { skipCheckpoints: true });
    for (const r of [reader, writer, intruder]) await q(`CREATE ROLE ${qi(r)}`);
    await q(`CREATE SCHEMA ${qi(schema)}`);
    for (const t of ["orders", "users"]) await q(`CREATE TABLE ${qi(schema)}.${t} (id int)`);
    await q(`CREATE FUNCTION ${qi(schema)}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    grants = [
      { role: reader, objectType: "schema", schema, privileges: ["USAGE"] },
      { role: reader, objectType: "table", schema, privileges: ["SELECT"] },
      { role: writer, objectType: "table", schema, objects: ["orders"], privileges: ["INSERT"] },
    ];
    stack = await env.inline("e2e-privileges", "auth", async () => {
      // An explicit connection with a secret password: it must stay a secret in the state, refresh included.
      const c = adminConnection();
      new provider.Privileges("access", {
        grants,
        authoritative: { schemas: [schema] },
        connection: { ...c, password: pulumi.secret(c.password) },
      });
    });
  });

  after(async function () {
    await env?.cleanup();
    await q(`DROP SCHEMA IF EXISTS ${qi(schema)} CASCADE`);
    await dropRoles(reader, writer, intruder);
  });

  const can = async (role: string, table: string, privilege: string) =>
    (
      await one<{ ok: boolean }>(
        "SELECT has_table_privilege($1, (quote_ident($2) || '.' || quote_ident($3))::regclass, $4) AS ok",
        [role, schema, table, privilege],
      )
    ).ok;

  it("up; a grant by hand is shown by preview --refresh and refresh, revoked by up; the next preview is clean", async function () {
    const up = await stack.up({ onOutput: () => undefined });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 2 });
    expect(await can(reader, "users", "SELECT")).to.equal(true);
    // PUBLIC's built-in EXECUTE on the function is revoked in the authoritative schema.
    const pub = await one<{ ok: boolean }>("SELECT has_function_privilege($1, $2, 'EXECUTE') AS ok", [
      intruder,
      `${qi(schema)}.f()`,
    ]);
    expect(pub.ok).to.equal(false);
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });

    await q(`GRANT DELETE ON ${qi(schema)}.users TO ${qi(intruder)}`);
    const out: string[] = [];
    const pr = await stack.preview({ refresh: true, diff: true, onOutput: (s) => out.push(s) });
    expect(changes(pr.changeSummary)).to.deep.equal({ update: 1 });
    const text = out.join("");
    // The unmanaged privilege, one property per line: found by the refresh, removed by the update.
    expect(text).to.match(/~ unmanaged *: \[\n *\+ \[0\]: {/);
    expect(text).to.match(/~ unmanaged *: \[\n *- \[0\]: {/);
    expect(text).to.match(new RegExp(`- role *: "${intruder}"`));
    expect(text).to.match(/- privilege *: "DELETE"/);

    const refresh = await stack.refresh({ onOutput: () => undefined });
    expect(changes(refresh.summary.resourceChanges)).to.deep.equal({ update: 1 });
    const outputs = (await stack.exportStack()).deployment.resources as Array<{
      type: string;
      outputs: { unmanaged: Array<{ role: string; privilege: string; object: string }> };
    }>;
    const res = outputs.find((r) => r.type.endsWith("postgres-roles:Privileges"))!;
    expect(res.outputs.unmanaged.map((u) => [u.role, u.privilege, u.object])).to.deep.equal([
      [intruder, "DELETE", "users"],
    ]);

    // The state at rest (exportStack() passes --show-secrets) holds the connection as a secret only.
    const state = readFileSync(
      join(env!.backend, ".pulumi", "stacks", "e2e-privileges", "auth.json"),
      "utf8",
    );
    expect(state).not.to.include(adminConnection().password);
    // After the refresh, a plain preview --diff shows the revoke to come (read returns the inputs too).
    const diffOut: string[] = [];
    await stack.preview({ diff: true, onOutput: (s) => diffOut.push(s) });
    expect(diffOut.join("")).to.match(/~ unmanaged *: \[\n *- \[0\]: {/);
    const fix = await stack.up({ onOutput: () => undefined });
    expect(changes(fix.summary.resourceChanges)).to.deep.equal({ update: 1 });
    expect(await can(intruder, "users", "DELETE")).to.equal(false);
    expect(await can(reader, "users", "SELECT")).to.equal(true);
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true, refresh: true });
  });

  it("preview --diff: an entry added first shows as one added key, the others unchanged", async function () {
    grants = [{ role: writer, objectType: "schema", schema, privileges: ["USAGE"] }, ...grants];
    grants[3] = { ...grants[3]!, privileges: ["INSERT", "UPDATE"] };
    const out: string[] = [];
    await stack.preview({ diff: true, onOutput: (s) => out.push(s) });
    const text = out.join("");
    const added = `${writer}: schema ${schema}`;
    const changed = `${writer}: table ${schema}.orders`;
    expect(text).to.match(new RegExp(`\\+ ${added} *: {`));
    expect(text).to.match(new RegExp(`~ ${changed}: {`));
    expect(text).to.match(/\+ *\[1\]: *"UPDATE"/);
    // The untouched entries are not shown as changed.
    expect(text).to.match(new RegExp(`^ +${reader}: table ${schema}\\.\\* *: {`, "m"));
    expect(text).not.to.match(new RegExp(`[~+-] ${reader}:`));
    const up = await stack.up({ onOutput: () => undefined });
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ update: 1 });
    expect(await can(writer, "orders", "UPDATE")).to.equal(true);
    await stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    await stack.destroy({ onOutput: () => undefined });
    expect(await can(reader, "users", "SELECT")).to.equal(false);
  });

  it("moving Grants into one Privileges without a gap: adopt alongside, retainOnDelete, drop the Grants", async function () {
    const tables = ["orders", "users"];
    let phase: "grants" | "both" | "privileges" = "grants";
    const move = await env!.inline("e2e-privileges", "move", async () => {
      const retain = phase === "both" ? { retainOnDelete: true } : {};
      if (phase !== "privileges") {
        for (const t of tables) {
          new provider.Grant(
            `g-${t}`,
            { role: reader, objectType: "table", schema, objects: [t], privileges: ["SELECT"] },
            retain,
          );
        }
      }
      if (phase !== "grants") {
        new provider.Privileges("all", {
          grants: tables.map((t) => ({
            role: reader,
            objectType: "table",
            schema,
            objects: [t],
            privileges: ["SELECT"],
          })),
        });
      }
    });
    await move.up({ onOutput: () => undefined });
    const held = async () => Promise.all(tables.map((t) => can(reader, t, "SELECT")));
    expect(await held()).to.deep.equal([true, true]);
    phase = "both";
    const logAt = testServer().embedded ? testServer().log().length : 0;
    const both = await move.up({ onOutput: () => undefined });
    expect(changes(both.summary.resourceChanges)).to.deep.equal({ create: 1 }); // retainOnDelete changes no step
    expect(await held()).to.deep.equal([true, true]);
    phase = "privileges";
    const done = await move.up({ onOutput: () => undefined });
    expect(changes(done.summary.resourceChanges)).to.deep.equal({ delete: 2 });
    expect(await held()).to.deep.equal([true, true]);
    if (testServer().embedded) {
      // Not one REVOKE on the way: no moment without the privileges.
      expect(testServer().log().slice(logAt)).not.to.match(/REVOKE/);
    }
    await move.preview({ onOutput: () => undefined, expectNoChanges: true });
    await move.destroy({ onOutput: () => undefined });
    expect(await held()).to.deep.equal([false, false]);
  });

  it("default privileges in an authoritative schema: a hand-made one is shown by refresh, revoked by up; the next preview is clean", async function () {
    const owner = unique("priv_owner");
    const s2 = unique("priv_e2e_def");
    await q(`CREATE ROLE ${qi(owner)}`);
    await q(`CREATE SCHEMA ${qi(s2)} AUTHORIZATION ${qi(owner)}`);
    try {
      const defs = await env!.inline("e2e-privileges", "defaults", async () => {
        new provider.Privileges("defaults", {
          grants: [{ role: reader, objectType: "table", schema: s2, privileges: ["SELECT"] }],
          defaultPrivileges: [
            { owner, schema: s2, role: reader, objectType: "table", privileges: ["SELECT"] },
          ],
          authoritative: { schemas: [s2] },
        });
      });
      await defs.up({ onOutput: () => undefined });
      await defs.preview({ onOutput: () => undefined, expectNoChanges: true });
      await q(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(owner)} IN SCHEMA ${qi(s2)} GRANT DELETE ON TABLES TO ${qi(intruder)}`,
      );
      const refresh = await defs.refresh({ onOutput: () => undefined });
      expect(changes(refresh.summary.resourceChanges)).to.deep.equal({ update: 1 });
      const res = (
        (await defs.exportStack()).deployment.resources as Array<{
          type: string;
          outputs: { unmanaged: Array<Record<string, unknown>> };
        }>
      ).find((r) => r.type.endsWith("postgres-roles:Privileges"))!;
      expect(res.outputs.unmanaged).to.deep.equal([
        {
          role: intruder,
          objectType: "table",
          schema: s2,
          object: "*",
          privilege: "DELETE",
          withGrantOption: false,
          grantor: owner,
          default: { owner },
        },
      ]);
      const diffOut: string[] = [];
      await defs.preview({ diff: true, onOutput: (x) => diffOut.push(x) });
      expect(diffOut.join("")).to.match(/~ unmanaged *: \[\n *- \[0\]: {/);
      const fix = await defs.up({ onOutput: () => undefined });
      expect(changes(fix.summary.resourceChanges)).to.deep.equal({ update: 1 });
      await defs.preview({ onOutput: () => undefined, expectNoChanges: true, refresh: true });
      // The catalog's truth: a table the owner creates now gets the entry's SELECT, not the DELETE.
      await q(`SET ROLE ${qi(owner)}; CREATE TABLE ${qi(s2)}.t (id int); RESET ROLE`);
      const canIn = async (role: string, privilege: string) =>
        (
          await one<{ ok: boolean }>("SELECT has_table_privilege($1, $2, $3) AS ok", [
            role,
            `${qi(s2)}.t`,
            privilege,
          ])
        ).ok;
      expect(await canIn(reader, "SELECT")).to.equal(true);
      expect(await canIn(intruder, "DELETE")).to.equal(false);
      await defs.preview({ onOutput: () => undefined, expectNoChanges: true, refresh: true });
      await defs.destroy({ onOutput: () => undefined });
      const left = await one<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_default_acl WHERE defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $1)",
        [owner],
      );
      expect(left.n).to.equal(0);
    } finally {
      await q(`DROP SCHEMA IF EXISTS ${qi(s2)} CASCADE`);
      await dropRoles(owner);
    }
  });
});
