/**
 * What `export` relies on: each resource, created over state that already exists exactly as it
 * declares it, takes it over without sending a statement that changes anything (server log), keeps
 * OIDs (nothing recreated), and reads back without a diff. Policy needs `adoptExisting` for that
 * (CREATE POLICY would fail); the others plan from the catalog anyway.
 */
import { expect } from "chai";
import {
  DefaultPrivilegesProvider,
  GrantProvider,
  PolicyProvider,
  RoleMembershipProvider,
  RoleProvider,
  RowLevelSecurityProvider,
} from "../../provider";
import { Lifecycle } from "../support/engine";
import {
  adminConnection,
  hostile,
  one,
  q,
  quoteIdent as qi,
  testServer,
  unique,
  serverVersionNum,
} from "../support/db";
import { fixtures } from "../support/fixtures";

/** The statements (other than reads and transaction control) the server logged while `work` ran. */
async function changesSent(work: () => Promise<unknown>): Promise<string[]> {
  const mark = testServer().log().length;
  await work();
  await new Promise((r) => setTimeout(r, 150));
  // A statement's continuation lines are indented with a tab.
  const entries = testServer().log().slice(mark).replace(/\n\t/g, " ").split("\n");
  return entries
    .map((l) => /LOG:\s+(?:statement|execute [^:]*): (.*)$/.exec(l)?.[1]?.trim())
    .filter((s): s is string => s !== undefined)
    .filter((s) => !/^(SELECT|BEGIN|COMMIT|ROLLBACK|SET LOCAL|SAVEPOINT|RELEASE|WITH)\b/i.test(s));
}

describe("adoption: resources created over what already exists (what export relies on)", function () {
  this.timeout(120_000);
  const f = fixtures();
  let s = "";
  const owner = unique("adopt_owner");
  const reader = hostile("adopt_reader");
  const app = unique("adopt_app");
  let version = 0;

  before(async function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("needs the embedded server (its log) in CI");
      this.skip();
    }
    version = await serverVersionNum();
    await f.createRole(owner);
    await f.createRole(reader); // NOLOGIN
    await f.createRole(app, { login: true, connectionLimit: 4, inRoles: [reader] });
    s = await f.schema("adopt");
    await q(`CREATE TABLE ${qi(s)}.orders (id int, user_id int, amount numeric)`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(reader)}`);
    await q(`GRANT SELECT, INSERT ON ${qi(s)}.orders TO ${qi(reader)}`);
    await q(`GRANT UPDATE ON ${qi(s)}.orders TO ${qi(reader)} WITH GRANT OPTION`);
    await q(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${qi(s)} GRANT SELECT ON TABLES TO ${qi(reader)}`);
    await q(`ALTER TABLE ${qi(s)}.orders ENABLE ROW LEVEL SECURITY`);
    await q(
      `CREATE POLICY own ON ${qi(s)}.orders AS RESTRICTIVE FOR SELECT TO ${qi(reader)} USING (user_id = current_setting('app.uid')::integer)`,
    );
  });

  const policyOid = async () =>
    Number(
      (
        await one<{ oid: string }>(
          "SELECT p.oid::int8 AS oid FROM pg_policy p WHERE p.polname = 'own' AND p.polrelid = (quote_ident($1) || '.orders')::regclass",
          [s],
        )
      ).oid,
    );

  it("Policy with adoptExisting: the existing policy is taken over (same OID, nothing sent, no diff)", async () => {
    const oid = await policyOid();
    const stored = (
      await one<{ e: string }>("SELECT pg_get_expr(polqual, polrelid) AS e FROM pg_policy WHERE oid = $1", [
        oid,
      ])
    ).e;
    const args = {
      name: "own",
      schema: s,
      table: "orders",
      command: "SELECT",
      permissive: false,
      roles: [reader],
      using: stored, // as export writes it: PostgreSQL's own text
      adoptExisting: true,
    };
    // Without adoptExisting create fails as before.
    const plain = new Lifecycle(new PolicyProvider());
    const err = await plain.up({ ...args, adoptExisting: undefined }).catch((e: Error) => e.message);
    expect(err).to.match(/already exists/);

    const p = new Lifecycle(new PolicyProvider());
    expect(await changesSent(() => p.up(args))).to.deep.equal([]);
    expect(p.id).to.equal(String(oid));
    expect(await policyOid()).to.equal(oid);
    await p.refresh();
    expect(await p.wouldChange(args)).to.equal(false);
    // adoptExisting itself is no change either way.
    expect(await p.wouldChange({ ...args, adoptExisting: false })).to.equal(false);
    await p.destroy();
    expect(await q("SELECT 1 FROM pg_policy WHERE oid = $1", [oid])).to.have.length(0);
  });

  it("Policy with adoptExisting converges what differs in place (roles, expression), keeping the OID", async () => {
    await q(`CREATE POLICY conv ON ${qi(s)}.orders FOR SELECT TO PUBLIC USING (true)`);
    const oid = Number(
      (
        await one<{ oid: string }>(
          "SELECT oid::int8 AS oid FROM pg_policy WHERE polname = 'conv' AND polrelid = (quote_ident($1) || '.orders')::regclass",
          [s],
        )
      ).oid,
    );
    const p = new Lifecycle(new PolicyProvider());
    const sent = await changesSent(() =>
      p.up({
        name: "conv",
        schema: s,
        table: "orders",
        command: "SELECT",
        roles: [reader],
        using: "amount > 0",
        adoptExisting: true,
      }),
    );
    expect(sent).to.have.length(1);
    expect(sent[0]).to.match(/^ALTER POLICY conv ON .* TO .* USING \(amount > 0\)$/);
    const row = await one<{ oid: string; roles: string[]; qual: string }>(
      `SELECT oid::int8 AS oid, ARRAY(SELECT r::regrole::text FROM unnest(polroles) r) AS roles,
              pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE oid = $1`,
      [oid],
    );
    expect(Number(row.oid)).to.equal(oid);
    expect(row.roles).to.deep.equal([qi(reader)]);
    expect(row.qual).to.equal("(amount > (0)::numeric)");
    await p.destroy();
  });

  it("Role (adoptExisting), RoleMembership, Grant, DefaultPrivileges, RowLevelSecurity: nothing sent, same OIDs, no diff", async () => {
    const roleOid = Number(
      (await one<{ oid: string }>("SELECT oid::int8 AS oid FROM pg_roles WHERE rolname = $1", [app])).oid,
    );
    const steps: Array<[string, Lifecycle, Record<string, unknown>]> = [
      [
        "role",
        new Lifecycle(new RoleProvider()),
        { name: app, login: true, connectionLimit: 4, adoptExisting: true },
      ],
      [
        "membership",
        new Lifecycle(new RoleMembershipProvider()),
        { role: reader, member: app, ...(version >= 160000 ? { inherit: true, set: true } : {}) },
      ],
      [
        "schema grant",
        new Lifecycle(new GrantProvider()),
        { role: reader, objectType: "schema", schema: s, privileges: ["USAGE"] },
      ],
      [
        "table grant",
        new Lifecycle(new GrantProvider()),
        {
          role: reader,
          objectType: "table",
          schema: s,
          objects: ["orders"],
          privileges: ["SELECT", "INSERT"],
        },
      ],
      [
        "table grant with grant option",
        new Lifecycle(new GrantProvider()),
        {
          role: reader,
          objectType: "table",
          schema: s,
          objects: ["orders"],
          privileges: ["UPDATE"],
          withGrantOption: true,
        },
      ],
      [
        "default privileges",
        new Lifecycle(new DefaultPrivilegesProvider()),
        {
          role: reader,
          owner: adminConnection().user,
          objectType: "table",
          schema: s,
          privileges: ["SELECT"],
        },
      ],
      [
        "row level security",
        new Lifecycle(new RowLevelSecurityProvider()),
        { schema: s, table: "orders", enabled: true },
      ],
    ];
    for (const [what, l, args] of steps) {
      expect(await changesSent(() => l.up(args)), what).to.deep.equal([]);
      await l.refresh();
      expect(await l.wouldChange(args), what).to.equal(false);
    }
    expect(steps[0]![1].id).to.equal(String(roleOid));
    // The RowLevelSecurity resource found row level security on: deleting it leaves it on.
    await steps[6]![1].destroy();
    const rls = await one<{ on: boolean }>(
      "SELECT relrowsecurity AS on FROM pg_class WHERE oid = (quote_ident($1) || '.orders')::regclass",
      [s],
    );
    expect(rls.on).to.equal(true);
  });
});
