import { expect } from "chai";
import { PrivilegesProvider } from "../../provider";
import type { PrivilegesOutputs } from "../../provider";
import { Lifecycle } from "../support/engine";
import {
  adminIsSuperuser,
  asOwner,
  countQueries,
  one,
  q,
  quoteIdent as qi,
  tablePriv,
  testServer,
} from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";

type Outs = PrivilegesOutputs;

/**
 * Every item of the owner's pg_default_acl rows but its own, as `<type> <schema|-> <grantee>
 * <privilege>[*]` (sorted): the catalog's truth.
 */
async function defaultAcl(owner: string): Promise<string[]> {
  const rows = await q<{ e: string }>(
    `SELECT d.defaclobjtype::text || ' ' || coalesce(n.nspname, '-') || ' '
            || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END || ' '
            || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END AS e
       FROM pg_default_acl d
       LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
      CROSS JOIN LATERAL aclexplode(d.defaclacl) x
      WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $1) AND x.grantee <> d.defaclrole
      ORDER BY 1`,
    [owner],
  );
  return rows.map((r) => r.e);
}

describe("Privileges defaultPrivileges (real server)", () => {
  const fx = fixtures();
  let version = 0;
  before(async () => {
    version = await serverVersionNum();
  });
  const owner = (prefix: string) => fx.role(prefix, { actFor: true });
  const funcPriv = async (r: string, f: string) =>
    (await one<{ ok: boolean }>("SELECT has_function_privilege($1, $2, 'EXECUTE') AS ok", [r, f])).ok;

  it("additive: future objects get the privileges; read, no-op, a default made by hand untouched; update is a delta; delete", async () => {
    const own = await owner("!own");
    const reader = await fx.role("!reader");
    const other = await fx.role("other");
    const s = await fx.schema("!app", { owner: own });
    // Made by hand, outside the entries: additive mode leaves it alone.
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} GRANT INSERT ON TABLES TO ${qi(other)}`,
    );
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const entries = [
      { owner: own, schema: s, role: reader, objectType: "TABLE", privileges: ["select"] },
      { owner: own, schema: s, role: reader, objectType: "table", privileges: ["UPDATE"] },
      { owner: own, role: reader, objectType: "sequence", privileges: ["USAGE"], withGrantOption: true },
      { owner: own, role: "PUBLIC", objectType: "function", privileges: [] },
    ];
    expect(await p.up({ grants: [], defaultPrivileges: entries })).to.equal("create");
    const k = (n: string) => `"${n.replace(/"/g, '""')}"`; // hostile names are quoted in keys
    expect(Object.keys(p.outs!.defaultPrivileges!)).to.deep.equal([
      `${k(reader)}: future tables of ${k(own)} in ${k(s)}`,
      `${k(reader)}: future sequences of ${k(own)} +grant option`,
      `PUBLIC: future functions of ${k(own)}`,
    ]);
    await asOwner(
      own,
      `CREATE TABLE ${qi(s)}.t (id int); CREATE SEQUENCE ${qi(s)}.q; CREATE FUNCTION ${qi(s)}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
    );
    expect(await tablePriv(reader, s, "t", "SELECT")).to.equal(true);
    expect(await tablePriv(reader, s, "t", "UPDATE")).to.equal(true);
    expect(await tablePriv(reader, s, "t", "INSERT")).to.equal(false);
    expect(await tablePriv(other, s, "t", "INSERT")).to.equal(true);
    expect(
      (
        await one<{ ok: boolean }>("SELECT has_sequence_privilege($1, $2, 'USAGE WITH GRANT OPTION') AS ok", [
          reader,
          `${qi(s)}.q`,
        ])
      ).ok,
    ).to.equal(true);
    expect(await funcPriv(other, `${qi(s)}.f()`)).to.equal(false); // PUBLIC's built-in EXECUTE revoked
    expect(await defaultAcl(own)).to.deep.equal(
      [
        `S - ${reader} USAGE*`,
        `r ${s} ${other} INSERT`,
        `r ${s} ${reader} SELECT`,
        `r ${s} ${reader} UPDATE`,
      ].sort(),
    );
    await p.refresh();
    expect(p.outs!.drifted).to.equal(undefined);
    expect(p.outs!.unmanaged).to.deep.equal([]);
    expect(await p.wouldChange({ grants: [], defaultPrivileges: entries })).to.equal(false);
    // Read reports drift under the entry's key: UPDATE revoked by hand, EXECUTE given back to PUBLIC.
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} REVOKE UPDATE ON TABLES FROM ${qi(reader)}`,
    );
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} GRANT EXECUTE ON FUNCTIONS TO PUBLIC`);
    await p.refresh();
    const keys = Object.keys(p.outs!.defaultPrivileges!);
    expect(p.outs!.drifted).to.deep.equal({
      [keys[0]!]: { privileges: ["SELECT"], withGrantOption: false },
      [keys[2]!]: { privileges: ["ALL"], withGrantOption: false }, // EXECUTE is all of a function's, as on DefaultPrivileges
    });
    expect(await p.wouldChange({ grants: [], defaultPrivileges: entries })).to.equal(true);
    expect(await p.up({ grants: [], defaultPrivileges: entries })).to.equal("update");
    expect(await defaultAcl(own)).to.include(`r ${s} ${reader} UPDATE`);
    await p.refresh();
    expect(p.outs!.drifted).to.equal(undefined);
    // Update, a delta: SELECT stays (never revoked), UPDATE goes, the grant option goes, INSERT comes.
    const next = [
      { owner: own, schema: s, role: reader, objectType: "table", privileges: ["SELECT", "INSERT"] },
      { owner: own, role: reader, objectType: "sequence", privileges: ["USAGE"] },
      { owner: own, role: "PUBLIC", objectType: "function", privileges: [] },
    ];
    const mark = testServer().embedded ? testServer().log().length : 0;
    expect(await p.up({ grants: [], defaultPrivileges: next })).to.equal("update");
    if (testServer().embedded) {
      const log = testServer().log().slice(mark);
      expect(log).to.match(/REVOKE UPDATE ON TABLES/);
      expect(log).to.match(/REVOKE GRANT OPTION FOR USAGE ON SEQUENCES/);
      expect(log).not.to.match(/REVOKE[^;]*SELECT/);
    }
    expect(await defaultAcl(own)).to.deep.equal(
      [
        `S - ${reader} USAGE`,
        `r ${s} ${other} INSERT`,
        `r ${s} ${reader} INSERT`,
        `r ${s} ${reader} SELECT`,
      ].sort(),
    );
    // Delete: what the entries granted goes, PUBLIC's built-in EXECUTE comes back, the hand-made one stays.
    await p.destroy();
    expect(await defaultAcl(own)).to.deep.equal([`r ${s} ${other} INSERT`]);
    await asOwner(own, `CREATE FUNCTION ${qi(s)}.g() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    expect(await funcPriv(other, `${qi(s)}.g()`)).to.equal(true);
  });

  it("authoritative schema: a default privilege made by hand in it is unmanaged and revoked; other schemas, the owner's own and global built-ins untouched", async () => {
    const own = await owner("aown");
    const reader = await fx.role("areader");
    const intruder = await fx.role("aintruder");
    const s = await fx.schema("aapp", { owner: own });
    const elsewhere = await fx.schema("aother", { owner: own });
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    // The tables made later get SELECT from the default; in an authoritative schema they must be listed too.
    const args = {
      grants: [{ role: reader, objectType: "table", schema: s, privileges: ["SELECT"] }],
      defaultPrivileges: [
        { owner: own, schema: s, role: reader, objectType: "table", privileges: ["SELECT"] },
      ],
      authoritative: { schemas: [s] },
    };
    await p.up(args);
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} GRANT DELETE ON TABLES TO ${qi(intruder)}`,
    );
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} GRANT INSERT ON TABLES TO ${qi(reader)}`,
    );
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} GRANT USAGE ON TYPES TO PUBLIC`);
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(elsewhere)} GRANT DELETE ON TABLES TO ${qi(intruder)}`,
    );
    // A global entry of the same owner, with PUBLIC's built-in EXECUTE in its row: not in the schema's scope.
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} GRANT EXECUTE ON FUNCTIONS TO ${qi(intruder)}`);
    await p.refresh();
    const u = (role: string, objectType: string, privilege: string) => ({
      role,
      objectType,
      schema: s,
      object: "*",
      privilege,
      withGrantOption: false,
      grantor: own,
      default: { owner: own },
    });
    expect(p.outs!.unmanaged).to.have.deep.members([
      u(intruder, "table", "DELETE"),
      u(reader, "table", "INSERT"),
      u("PUBLIC", "type", "USAGE"),
    ]);
    expect(await p.wouldChange(args)).to.equal(true);
    await p.up(args);
    expect(await defaultAcl(own)).to.deep.equal(
      [
        `f - PUBLIC EXECUTE`,
        `f - ${intruder} EXECUTE`,
        `r ${elsewhere} ${intruder} DELETE`,
        `r ${s} ${reader} SELECT`,
      ].sort(),
    );
    await asOwner(own, `CREATE TABLE ${qi(s)}.t (id int)`);
    expect(await tablePriv(intruder, s, "t", "DELETE")).to.equal(false);
    expect(await tablePriv(reader, s, "t", "INSERT")).to.equal(false);
    expect(await tablePriv(reader, s, "t", "SELECT")).to.equal(true);
    await p.refresh();
    expect(p.outs!.unmanaged).to.deep.equal([]);
    expect(await p.wouldChange(args)).to.equal(false);
    await p.destroy();
    expect(await defaultAcl(own)).to.deep.equal(
      [`f - PUBLIC EXECUTE`, `f - ${intruder} EXECUTE`, `r ${elsewhere} ${intruder} DELETE`].sort(),
    );
  });

  it("authoritative roles: the role's default privileges in any row of the database (global or per schema); PUBLIC's built-ins never", async () => {
    const own = await owner("rown");
    const own2 = await owner("rown2");
    const app = await fx.role("rapp");
    const s = await fx.schema("rs", { owner: own });
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} IN SCHEMA ${qi(s)} GRANT SELECT, INSERT ON TABLES TO ${qi(app)}`,
    );
    await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own2)} GRANT USAGE ON SEQUENCES TO ${qi(app)} WITH GRANT OPTION`,
    );
    await q(`ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own2)} GRANT EXECUTE ON FUNCTIONS TO ${qi(app)}`);
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const args = {
      grants: [],
      defaultPrivileges: [
        { owner: own, schema: s, role: app, objectType: "table", privileges: ["SELECT"] },
        { owner: own2, role: app, objectType: "sequence", privileges: ["USAGE"] },
      ],
      // Not PUBLIC: authoritative for PUBLIC, the grants' part of the scope would revoke PUBLIC's
      // CONNECT on this database (and EXECUTE on every function in it) from the server the other
      // tests share.
      authoritative: { roles: [app] },
    };
    await p.up(args);
    expect(await defaultAcl(own)).to.deep.equal([`r ${s} ${app} SELECT`]);
    // The global function row of own2 held PUBLIC's built-in EXECUTE beside app's: app's went, and
    // with it the row (it was the built-in default again); PUBLIC keeps EXECUTE on own2's functions
    // (checked below, after the delete: in the grants' authoritative scope PUBLIC's EXECUTE on a function is unmanaged).
    expect(await defaultAcl(own2)).to.deep.equal([`S - ${app} USAGE`]);
    await p.refresh();
    expect(p.outs!.unmanaged).to.deep.equal([]);
    expect(await p.wouldChange(args)).to.equal(false);
    await p.destroy();
    expect(await defaultAcl(own)).to.deep.equal([]);
    expect(await defaultAcl(own2)).to.deep.equal([]);
    const s2 = await fx.schema("rs2", { owner: own2 });
    await asOwner(own2, `CREATE FUNCTION ${qi(s2)}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    expect(await funcPriv(own, `${qi(s2)}.f()`)).to.equal(true);
    expect(await funcPriv(app, `${qi(s2)}.f()`)).to.equal(true); // through PUBLIC
    expect(
      (
        await one<{ n: number }>(
          "SELECT count(*)::int AS n FROM aclexplode((SELECT proacl FROM pg_proc WHERE oid = $1::regprocedure)) x WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)",
          [`${qi(s2)}.f()`, app],
        )
      ).n,
    ).to.equal(0);
  });

  it("a fixed number of queries per apply and read, whatever the number of entries", async () => {
    const own = await owner("qown");
    const s = await fx.schema("qs", { owner: own });
    const roles = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => fx.role(`q${i}`)));
    const entries = (n: number) =>
      roles.slice(0, n).flatMap((r) => [
        { owner: own, schema: s, role: r, objectType: "table", privileges: ["SELECT"] },
        { owner: own, role: r, objectType: "type", privileges: ["USAGE"] },
      ]);
    const count = async (n: number) => {
      const p = new Lifecycle<Outs>(new PrivilegesProvider());
      const args = { grants: [], defaultPrivileges: entries(n), authoritative: { schemas: [s] } };
      const up = await countQueries(() => p.up(args));
      const read = await countQueries(() => p.refresh());
      await p.destroy();
      return { up, read };
    };
    expect(await count(6)).to.deep.equal(await count(1));
  });

  it("an admin that may not act for the owner: a clear error before any statement, nothing changed", async function () {
    if (adminIsSuperuser()) this.skip(); // a superuser acts for every role
    const own = await fx.role("nown"); // not made a member (before 16: the admin is not one)
    // 16+: the admin that created the role holds its ADMIN option (no privileges) and, through
    // createrole_self_grant, a membership of its own: made one that may SET ROLE but not inherit.
    if (version >= 160000) await q(`GRANT ${qi(own)} TO CURRENT_USER WITH INHERIT FALSE, SET TRUE`);
    // PostgreSQL itself refuses (the pre-check says what PostgreSQL would).
    const refused = await q(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(own)} GRANT SELECT ON TABLES TO PUBLIC`,
    ).catch((e: Error) => e.message);
    expect(refused).to.match(/permission denied|must be member/);
    const r = await fx.role("nr");
    const p = new Lifecycle<Outs>(new PrivilegesProvider());
    const err = await p
      .up({
        grants: [],
        defaultPrivileges: [{ owner: own, role: r, objectType: "table", privileges: ["SELECT"] }],
      })
      .catch((e: Error) => e.message);
    expect(err).to.include("permission denied to change default privileges").and.include("42501");
    expect(err)
      .to.include(JSON.stringify(own))
      .and.include("hint: ALTER DEFAULT PRIVILEGES FOR ROLE x needs");
    expect(await defaultAcl(own)).to.deep.equal([]);
  });

  it("check names the entry's property; an existing state without defaultPrivileges diffs clean", async () => {
    const p = new PrivilegesProvider();
    const r = await p.check!(
      {},
      {
        grants: [],
        defaultPrivileges: [
          { owner: "o", role: "r", objectType: "table", privileges: ["SELECT"] },
          { owner: "o", role: "r", objectType: "table", privileges: ["SELECT"], database: "x" },
          { owner: "o", role: "r", objectType: "tables", privileges: ["SELECT"] },
        ],
      },
    );
    expect(r.failures!.map((f) => f.property)).to.deep.equal([
      "defaultPrivileges[1].database",
      "defaultPrivileges[2].objectType",
    ]);
    // The outputs of a resource created before defaultPrivileges existed, and the same program now.
    const old = (await p.check!({}, { grants: [] })).inputs as Outs;
    expect(old).not.to.have.property("defaultPrivileges");
    expect((await p.diff!("id", old, old)).changes).to.equal(false);
  });
});
