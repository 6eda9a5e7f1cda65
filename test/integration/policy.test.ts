import { expect } from "chai";
import { PolicyProvider, RowLevelSecurityProvider } from "../../provider";
import type { PolicyOutputs } from "../../provider/policy/inputs";
import { Lifecycle } from "../support/engine";
import { q, quoteIdent as qi, testServer, unique, clientFor } from "../support/db";
import { fixtures } from "../support/fixtures";

/** The reference document's policy, as written there. */
const USING = "user_id = current_setting('app.current_user_id')::integer";
/** The same expression written another way: other spacing, other casts. */
const USING_OTHER_WAY = "user_id=CAST( current_setting ( 'app.current_user_id' ) AS int4 )";

type PolicyRow = {
  oid: number;
  polname: string;
  polcmd: string;
  polpermissive: boolean;
  roles: string[];
  qual: string | null;
  with_check: string | null;
};

async function policies(schema: string, table: string): Promise<PolicyRow[]> {
  return q<PolicyRow>(
    `SELECT p.oid::int AS oid, p.polname, p.polcmd::text AS polcmd, p.polpermissive,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END FROM unnest(p.polroles) r ORDER BY 1) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
       FROM pg_policy p WHERE p.polrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass ORDER BY p.polname`,
    [schema, table],
  );
}

/** Rows of `schema.table` that `role` sees with app.current_user_id set to `userId` (if given). */
async function rowsSeenBy(role: string, schema: string, table: string, userId?: number): Promise<number> {
  const s = testServer();
  const c = clientFor(s, { user: role, password: "pw" });
  await c.connect();
  try {
    if (userId !== undefined)
      await c.query("SELECT set_config('app.current_user_id', $1, false)", [String(userId)]);
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qi(schema)}.${qi(table)}`);
    return r.rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

describe("Policy (real server)", () => {
  const fx = fixtures();

  /** A login role (password "pw") or a group role. */
  const role = (prefix: string, login = true): Promise<string> => fx.role(prefix, { login, actFor: true });

  /**
   * The reference document's orders table in a fresh schema: user 1 has 2 orders, user 2 has 3;
   * `readers` get USAGE and SELECT (as the app role would through Grant resources).
   */
  async function orders(readers: string[], prefix = "pol", table = "orders") {
    const schema = await fx.schema(prefix);
    const t = `${qi(schema)}.${qi(table)}`;
    await q(`CREATE TABLE ${t} (id serial PRIMARY KEY, user_id int NOT NULL, total numeric NOT NULL)`);
    await q(`INSERT INTO ${t} (user_id, total) VALUES (1, 10), (1, 20), (2, 5), (2, 6), (2, 7)`);
    for (const r of readers) {
      await q(`GRANT USAGE ON SCHEMA ${qi(schema)} TO ${qi(r)}`);
      await q(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${qi(r)}`);
    }
    return { schema, table };
  }

  const policyLifecycle = () => new Lifecycle<PolicyOutputs>(new PolicyProvider());
  const rlsLifecycle = () => new Lifecycle(new RowLevelSecurityProvider());

  it("the reference document's orders example: each user sees only their orders, FORCE included", async () => {
    const appuser = await role("appuser");
    const owner = await role("owner");
    const t = await orders([appuser]);
    // A new owner needs CREATE on the schema (only a superuser admin is exempt).
    await q(`GRANT USAGE, CREATE ON SCHEMA ${qi(t.schema)} TO ${qi(owner)}`);
    await q(`ALTER TABLE ${qi(t.schema)}.${qi(t.table)} OWNER TO ${qi(owner)}`);

    const args = { name: "orders_user_policy", ...t, command: "ALL", roles: [appuser], using: USING };
    const p = policyLifecycle();
    expect(await p.up(args)).to.equal("create");
    // The policy alone does nothing until row level security is enabled.
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(5);

    const rls = rlsLifecycle();
    await rls.up({ ...t, enabled: true });
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(2);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 2)).to.equal(3);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 3)).to.equal(0);
    // Without FORCE the owner is not subject to the table's policies; with it, no policy is for the owner.
    expect(await rowsSeenBy(owner, t.schema, t.table)).to.equal(5);
    expect(await rls.up({ ...t, enabled: true, force: true })).to.equal("update");
    expect(await rowsSeenBy(owner, t.schema, t.table)).to.equal(0);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(2);

    const [row] = await policies(t.schema, t.table);
    expect(row).to.include({ polname: "orders_user_policy", polcmd: "*", polpermissive: true });
    expect(row!.roles).to.deep.equal([appuser].map(qiIfNeeded));
    expect(p.outs).to.include({
      oid: row!.oid,
      using: USING,
      usingNormalized: "(user_id = (current_setting('app.current_user_id'::text))::integer)",
    });
    expect(p.id).to.equal(String(row!.oid));

    await p.refresh();
    expect(await p.wouldChange(args)).to.equal(false);
    await p.destroy();
    expect(await policies(t.schema, t.table)).to.deep.equal([]);
    // RLS still on (forced) with no policy: default deny for everyone but superusers.
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(0);
    await rls.destroy();
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(5);
  });

  it("roles, USING and WITH CHECK change with ALTER POLICY in place (same oid); a rename too", async () => {
    const appuser = await role("appuser");
    const other = await role("other");
    const t = await orders([appuser, other]);
    await q(`ALTER TABLE ${qi(t.schema)}.${qi(t.table)} ENABLE ROW LEVEL SECURITY`);
    const base = { name: "p", ...t, roles: [appuser], using: USING };
    const p = policyLifecycle();
    await p.up(base);
    const oid = (await policies(t.schema, t.table))[0]!.oid;
    expect(await rowsSeenBy(other, t.schema, t.table, 1)).to.equal(0);

    expect(await p.up({ ...base, roles: [other, appuser] })).to.equal("update");
    expect(await rowsSeenBy(other, t.schema, t.table, 1)).to.equal(2);

    expect(await p.up({ ...base, roles: [other, appuser], using: "user_id = 2" })).to.equal("update");
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(3);

    expect(
      await p.up({ ...base, roles: [other, appuser], using: "user_id = 2", withCheck: "total < 100" }),
    ).to.equal("update");
    const big = await failure(
      asRoleWithUser(
        appuser,
        2,
        `INSERT INTO ${qi(t.schema)}.${qi(t.table)} (id, user_id, total) VALUES (100, 2, 500)`,
      ),
    );
    expect(big.message).to.match(/row-level security policy/);
    await asRoleWithUser(
      appuser,
      2,
      `INSERT INTO ${qi(t.schema)}.${qi(t.table)} (id, user_id, total) VALUES (101, 2, 50)`,
    );
    expect(await rowsSeenBy(appuser, t.schema, t.table)).to.equal(4);

    expect(
      await p.up({
        ...base,
        name: "renamed",
        roles: [other, appuser],
        using: "user_id = 2",
        withCheck: "total < 100",
      }),
    ).to.equal("update");
    const rows = await policies(t.schema, t.table);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({
      oid,
      polname: "renamed",
      qual: "(user_id = 2)",
      with_check: "(total < (100)::numeric)",
    });
    expect(p.outs).to.include({ oid, name: "renamed" });

    // PUBLIC (the default when roles is omitted)
    expect(await p.up({ name: "renamed", ...t, using: "user_id = 2", withCheck: "total < 100" })).to.equal(
      "update",
    );
    expect((await policies(t.schema, t.table))[0]).to.deep.include({ oid, roles: ["PUBLIC"] });
    await p.destroy();
  });

  it("command or permissive changes replace the policy; removing an expression recreates it in place", async () => {
    const appuser = await role("appuser");
    const t = await orders([appuser]);
    const base = { name: "p", ...t, roles: [appuser], using: USING };
    const p = policyLifecycle();
    await p.up(base);
    const first = (await policies(t.schema, t.table))[0]!;
    expect(await p.up({ ...base, command: "select" })).to.equal("replace");
    expect(p.lastDiff).to.deep.include({ replaces: ["command"], deleteBeforeReplace: true });
    const second = (await policies(t.schema, t.table))[0]!;
    expect(second.oid).not.to.equal(first.oid);
    expect(second).to.include({ polname: "p", polcmd: "r" });
    expect(p.outs).to.include({ oid: second.oid, command: "SELECT" });

    expect(await p.up({ ...base, command: "SELECT", permissive: false })).to.equal("replace");
    expect(await policies(t.schema, t.table)).to.have.length(1);
    expect((await policies(t.schema, t.table))[0]).to.include({ polpermissive: false, polcmd: "r" });

    // ALL with USING and WITH CHECK; then the USING goes: ALTER POLICY cannot, so DROP + CREATE.
    const q1 = policyLifecycle();
    await q1.up({ name: "q", ...t, using: "user_id = 1", withCheck: "total > 0" });
    expect(await q1.up({ name: "q", ...t, withCheck: "total > 0" })).to.equal("update");
    const qrow = (await policies(t.schema, t.table)).find((r) => r.polname === "q")!;
    expect(qrow).to.include({ qual: null, with_check: "(total > (0)::numeric)" });
    expect(q1.outs).to.include({ oid: qrow.oid });
    expect(q1.outs!.using).to.equal(undefined);
    expect(q1.outs!.usingNormalized).to.equal(undefined);
    await q1.refresh();
    expect(await q1.wouldChange({ name: "q", ...t, withCheck: "total > 0" })).to.equal(false);
    await q1.destroy();
    await p.destroy();
    expect(await policies(t.schema, t.table)).to.deep.equal([]);
  });

  it("no perpetual diff for an expression written another way than PostgreSQL prints it", async () => {
    const appuser = await role("appuser");
    const t = await orders([appuser]);
    await q(`ALTER TABLE ${qi(t.schema)}.${qi(t.table)} ENABLE ROW LEVEL SECURITY`);
    const args = { name: "p", ...t, roles: [appuser], using: USING_OTHER_WAY, withCheck: "total>=0" };
    const p = policyLifecycle();
    await p.up(args);
    const row = (await policies(t.schema, t.table))[0]!;
    expect(row.qual).to.equal("(user_id = (current_setting('app.current_user_id'::text))::integer)");
    expect(row.with_check).to.equal("(total >= (0)::numeric)");
    for (let i = 0; i < 2; i++) {
      await p.refresh();
      expect(p.outs).to.include({ using: USING_OTHER_WAY, withCheck: "total>=0" });
      expect(await p.wouldChange(args)).to.equal(false);
      expect(await p.up(args)).to.equal("same");
    }
    // Writing it the reference document's way is an update (the text changed), with the same effect.
    expect(await p.up({ ...args, using: USING })).to.equal("update");
    expect((await policies(t.schema, t.table))[0]).to.include({ oid: row.oid, qual: row.qual });
    await p.refresh();
    expect(await p.wouldChange({ ...args, using: USING })).to.equal(false);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 2)).to.equal(3);
    await p.destroy();
  });

  it("a policy changed by hand is drift: read shows it, up restores it", async () => {
    const appuser = await role("appuser");
    const other = await role("other");
    const t = await orders([appuser]);
    await q(`ALTER TABLE ${qi(t.schema)}.${qi(t.table)} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    const args = { name: "orders_user_policy", ...t, roles: [appuser], using: USING };
    const p = policyLifecycle();
    await p.up(args);
    const oid = (await policies(t.schema, t.table))[0]!.oid;
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(2);

    await q(`ALTER POLICY orders_user_policy ON ${qi(t.schema)}.${qi(t.table)} USING (true)`);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(5);
    await p.refresh();
    expect(p.outs!.using).to.equal("true");
    expect(await p.wouldChange(args)).to.equal(true);
    expect(await p.up(args)).to.equal("update");
    expect(await rowsSeenBy(appuser, t.schema, t.table, 1)).to.equal(2);
    await p.refresh();
    expect(p.outs!.using).to.equal(USING);
    expect(await p.wouldChange(args)).to.equal(false);

    // Roles, a WITH CHECK and the name changed by hand: all seen, all put back, same policy.
    await q(
      `ALTER POLICY orders_user_policy ON ${qi(t.schema)}.${qi(t.table)} TO ${qi(other)} WITH CHECK (false)`,
    );
    await q(`ALTER POLICY orders_user_policy ON ${qi(t.schema)}.${qi(t.table)} RENAME TO by_hand`);
    await p.refresh();
    expect(p.outs).to.include({ name: "by_hand", withCheck: "false", using: USING });
    expect(p.outs!.roles).to.deep.equal([other]);
    expect(await p.up(args)).to.equal("update");
    const rows = await policies(t.schema, t.table);
    expect(rows).to.have.length(1);
    expect(rows[0]!.polname).to.equal("orders_user_policy");
    expect(rows[0]!.with_check).to.equal(null);
    expect(rows[0]!.roles).to.deep.equal([qiIfNeeded(appuser)]);
    await p.refresh();
    expect(await p.wouldChange(args)).to.equal(false);
    // A WITH CHECK cannot be removed by ALTER POLICY: the policy was recreated (one transaction).
    expect(rows[0]!.oid).not.to.equal(oid);
    expect(p.outs!.oid).to.equal(rows[0]!.oid);

    // Dropped by hand: read says gone.
    await q(`DROP POLICY orders_user_policy ON ${qi(t.schema)}.${qi(t.table)}`);
    expect(await p.refresh()).to.equal(false);
    expect(await p.up(args)).to.equal("create");
    await p.destroy();
  });

  it("hostile table, policy and role names", async () => {
    const appuser = await role("!app");
    const t = await orders([appuser], "!pol", `Orders "x" 'y'; DROP TABLE z;--`);
    const name = `Policy "a" 'b'; DROP POLICY x;-- Ünï`;
    const rls = rlsLifecycle();
    await rls.up({ ...t, force: true });
    const p = policyLifecycle();
    const args = { name, ...t, roles: [appuser], using: USING };
    await p.up(args);
    const row = (await policies(t.schema, t.table))[0]!;
    expect(row.polname).to.equal(name);
    expect(await rowsSeenBy(appuser, t.schema, t.table, 2)).to.equal(3);
    await p.refresh();
    expect(await p.wouldChange(args)).to.equal(false);
    const renamed = `${name} 2`;
    expect(await p.up({ ...args, name: renamed, command: "SELECT" })).to.equal("replace");
    expect((await policies(t.schema, t.table)).map((r) => r.polname)).to.deep.equal([renamed]);
    await p.destroy();
    await rls.destroy();
    expect(await policies(t.schema, t.table)).to.deep.equal([]);
  });

  it("table or policy gone: read says gone, delete succeeds; errors name the policy and change nothing", async () => {
    const t = await orders([]);
    const p = policyLifecycle();
    await p.up({ name: "p", ...t, using: "true" });
    const outs = p.outs!;
    await q(`DROP TABLE ${qi(t.schema)}.${qi(t.table)}`);
    expect(await p.refresh()).to.equal(false);
    await new PolicyProvider().delete("1", outs);
    await q(`DROP SCHEMA ${qi(t.schema)} CASCADE`);
    await new PolicyProvider().delete("1", outs);

    const t2 = await orders([]);
    const bad = await failure(policyLifecycle().up({ name: "bad", ...t2, using: "no_such_column = 1" }));
    expect(bad.message)
      .to.include(`Policy "bad" on ${t2.schema}.orders`)
      .and.include("create policy bad")
      .and.include('column "no_such_column" does not exist');
    const missingRole = await failure(
      policyLifecycle().up({ name: "bad", ...t2, roles: ["no_such_role_xyz"] }),
    );
    expect(missingRole.message).to.include('role "no_such_role_xyz" does not exist');
    const missingTable = await failure(policyLifecycle().up({ name: "bad", ...t2, table: "nope" }));
    expect(missingTable.message).to.include("does not exist");
    expect(await policies(t2.schema, t2.table)).to.deep.equal([]);

    // A policy of the same name already there is not taken over.
    await q(`CREATE POLICY taken ON ${qi(t2.schema)}.orders USING (true)`);
    const taken = await failure(policyLifecycle().up({ name: "taken", ...t2, using: "false" }));
    expect(taken.message).to.include("already exists").and.include("42710");
  });

  it("a policy in another database; that database dropped counts as gone", async () => {
    const db = unique("poldb");
    await q(`CREATE DATABASE ${qi(db)}`);
    let dropped = false;
    try {
      await q("CREATE TABLE t (id int, user_id int)", [], db);
      const p = policyLifecycle();
      await p.up({ name: "p", table: "t", database: db, using: USING });
      const rows = await q<{ polname: string }>("SELECT polname FROM pg_policy", [], db);
      expect(rows.map((r) => r.polname)).to.deep.equal(["p"]);
      await p.refresh();
      expect(await p.wouldChange({ name: "p", table: "t", database: db, using: USING })).to.equal(false);
      await q(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
      dropped = true;
      const outs = p.outs!;
      expect(await p.refresh()).to.equal(false);
      await new PolicyProvider().delete("1", outs);
    } finally {
      if (!dropped) await q(`DROP DATABASE IF EXISTS ${qi(db)} WITH (FORCE)`);
    }
  });

  it("check reports every problem before any SQL", async () => {
    const err = await failure(
      policyLifecycle().up({ name: "", table: "t", command: "insert", using: "true); DROP TABLE t; --" }),
    );
    expect(err.message)
      .to.include("name: name must not be empty")
      .and.include("using: using closes a parenthesis it did not open")
      .and.include("using: an INSERT policy has no USING expression");
  });

  it("an expression change sends one ALTER POLICY … USING and nothing else (server log)", async function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("needs the embedded server in CI");
      this.skip();
    }
    const appuser = await role("appuser");
    const t = await orders([appuser]);
    const args = { name: "p", ...t, roles: [appuser], using: USING };
    const p = policyLifecycle();
    await p.up(args);
    const mark = testServer().log().length;
    expect(await p.up({ ...args, command: "all", roles: [appuser] })).to.equal("same");
    await p.up({ ...args, using: "user_id = 1" });
    const sent = testServer().log().slice(mark);
    expect(sent).to.include(`ALTER POLICY p ON ${t.schema}.orders USING (user_id = 1)`);
    expect(sent).not.to.match(/DROP POLICY|CREATE POLICY|ALTER POLICY p ON \S+ TO/);
    await p.destroy();
  });
});

/** How ::regrole prints a role name (quoted when it needs to be). */
function qiIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : qi(name);
}

/** Runs one statement as `role` with app.current_user_id set. */
async function asRoleWithUser(role: string, userId: number, sql: string): Promise<void> {
  const s = testServer();
  const c = clientFor(s, { user: role, password: "pw" });
  await c.connect();
  try {
    await c.query("SELECT set_config('app.current_user_id', $1, false)", [String(userId)]);
    await c.query(sql);
  } finally {
    await c.end();
  }
}
