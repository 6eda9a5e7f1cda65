/**
 * Creation markers (provider/db/ownership.ts) and cluster identity (provider/db/cluster.ts) through
 * the hooks: a create run again after an interruption (its COMMIT done, its state never written:
 * a fresh Lifecycle with the same URN) takes over its own object; an object of the same name made by
 * anyone else is still refused; delete removes the marker; an admin that may not keep markers still
 * creates, and the refusal says why. Runs as the superuser admin and as the managed-service style
 * admin (CREATEROLE, owner of the database) of the -nonsuper parts.
 */
import { expect } from "chai";
import { PolicyProvider, RoleProvider, RowLevelSecurityProvider } from "../../provider";
import type { PolicyOutputs } from "../../provider/policy/inputs";
import type { RoleOutputs } from "../../provider/role/inputs";
import type { RowLevelSecurityOutputs } from "../../provider/row-level-security/inputs";
import { MARKER_SCHEMA, MARKER_TABLE } from "../../provider/db/ownership";
import { Lifecycle } from "../support/engine";
import { adminConnection, one, q, quoteIdent as qi, roleRow, testServer, unique } from "../support/db";
import { fixtures } from "../support/fixtures";

const urn = (name: string, type = "Role") =>
  `urn:pulumi:test::markers::pulumi-nodejs:dynamic/postgres-roles:${type}::${name}`;

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

/** The marker rows of an object (by kind and OID). */
async function markersOf(kind: string, oid: number): Promise<Array<{ urn: string; cluster: string }>> {
  return q<{ urn: string; cluster: string }>(
    `SELECT urn, cluster FROM ${qi(MARKER_SCHEMA)}.${qi(MARKER_TABLE)} WHERE kind = $1 AND object_oid = $2`,
    [kind, oid],
  );
}

async function systemIdentifier(): Promise<string> {
  return (await one<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")).id;
}

describe("creation markers and cluster identity (real server)", () => {
  const fx = fixtures();
  const roles = () => new Lifecycle<RoleOutputs>(new RoleProvider());

  it("pg_control_system() is readable by the admin (its system identifier is what Role records)", async () => {
    const name = fx.roleName("sysid");
    const r = roles();
    await r.up({ name, resourceUrn: urn(name) });
    expect(r.outs!.systemIdentifier).to.equal(await systemIdentifier());
    await r.destroy();
  });

  it("Role: a create run again by the same resource takes over its own role; delete removes the marker", async () => {
    const name = fx.roleName("own");
    const first = roles();
    await first.up({ name, login: true, resourceUrn: urn(name) });
    const oid = Number((await roleRow(name))!.oid);
    expect(await markersOf("role", oid)).to.deep.equal([
      { urn: urn(name), cluster: await systemIdentifier() },
    ]);
    // The run was cut after the COMMIT; the state never learned of the role. The next `up` creates
    // again, with the program changed meanwhile: it takes the role over and converges it.
    const again = roles();
    expect(await again.up({ name, login: true, connectionLimit: 4, resourceUrn: urn(name) })).to.equal(
      "create",
    );
    expect(await roleRow(name)).to.include({ oid, rolcanlogin: true, rolconnlimit: 4 });
    expect(again.id).to.equal(String(oid));
    await again.destroy();
    expect(await roleRow(name)).to.equal(undefined);
    expect(await markersOf("role", oid)).to.deep.equal([]);
  });

  it("Role: a role of that name made by hand, or by another resource, is still refused (42710, adoptExisting hint)", async () => {
    const byHand = await fx.role("hand");
    const err = await failure(roles().up({ name: byHand, resourceUrn: urn(byHand) }));
    expect(err.message)
      .to.include("already exists")
      .and.include("this resource did not create it")
      .and.include("42710")
      .and.include("adoptExisting");
    expect(await roleRow(byHand)).to.include({ rolconnlimit: -1 });

    const name = fx.roleName("other");
    const first = roles();
    await first.up({ name, resourceUrn: urn(`${name}-a`) });
    const err2 = await failure(roles().up({ name, connectionLimit: 2, resourceUrn: urn(`${name}-b`) }));
    expect(err2.message)
      .to.include("already exists")
      .and.include(urn(`${name}-a`))
      .and.include("42710");
    expect(await roleRow(name)).to.include({ rolconnlimit: -1 });
    // Without a URN (hooks called directly by older code) nothing is recognized either.
    expect((await failure(roles().up({ name }))).message).to.include("42710");
    await first.destroy();
  });

  it("Role: adoptExisting takes a role over without marking it (it was not created here)", async () => {
    const name = await fx.role("adopted");
    const oid = Number((await roleRow(name))!.oid);
    const r = roles();
    await r.up({ name, adoptExisting: true, resourceUrn: urn(name) });
    expect(await markersOf("role", oid)).to.deep.equal([]);
    await r.destroy();
  });

  it("an admin that may not create the marker schema still creates roles; the refusal says why", async () => {
    // A CREATEROLE admin with no CREATE on the database and no access to the marker table.
    const limited = fx.roleName("limited");
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    await q(`CREATE ROLE ${qi(limited)} LOGIN CREATEROLE PASSWORD '${password}'`);
    const s = testServer();
    const connection = { host: s.host, port: s.port, user: limited, password, database: s.database };
    const name = fx.roleName("nomarker");
    const r = roles();
    await r.up({ name, connection, resourceUrn: urn(name) });
    expect(await roleRow(name)).to.not.equal(undefined);
    const err = await failure(roles().up({ name, connection, resourceUrn: urn(name) }));
    expect(err.message)
      .to.include("already exists")
      .and.include("could not keep creation markers")
      .and.include("42710");
    await r.destroy();
    expect(await roleRow(name)).to.equal(undefined);
  });

  it("the first creates in a database, in parallel, make the marker table once (no race) and every one is marked", async () => {
    const database = unique("mkdb");
    await q(`CREATE DATABASE ${qi(database)}`);
    try {
      const connection = { ...adminConnection(), database };
      const names = Array.from({ length: 8 }, () => fx.roleName("par"));
      const made = names.map(() => roles());
      await Promise.all(names.map((name, i) => made[i]!.up({ name, connection, resourceUrn: urn(name) })));
      const rows = await q<{ n: string }>(
        `SELECT count(*) AS n FROM ${qi(MARKER_SCHEMA)}.${qi(MARKER_TABLE)} WHERE urn = ANY($1)`,
        [names.map((n) => urn(n))],
        database,
      );
      expect(Number(rows[0]!.n)).to.equal(names.length);
      for (const r of made) await r.destroy();
    } finally {
      await q(`DROP DATABASE ${qi(database)} WITH (FORCE)`);
    }
  });

  it("Role: a state recorded on another cluster never acts on the OID: refresh finds by name, update and delete refuse or find it gone", async () => {
    const name = fx.roleName("cluster");
    const r = roles();
    await r.up({ name, connectionLimit: 2, resourceUrn: urn(name) });
    const oid = Number((await roleRow(name))!.oid);
    // The state as another cluster would have written it: same name, an OID that here is someone else's.
    const victim = await fx.role("victim");
    const victimOid = Number((await roleRow(victim))!.oid);
    const foreign = { ...r.outs!, oid: victimOid, systemIdentifier: "1" };
    const update = await failure(
      new RoleProvider().update(String(victimOid), foreign, { ...r.outs!, connectionLimit: 5 }),
    );
    expect(update.message).to.include("system identifier 1").and.include("nothing was changed");
    const read = await new RoleProvider().read(String(victimOid), foreign);
    expect(read.id).to.equal(String(oid));
    expect(read.props).to.include({ name, oid, systemIdentifier: await systemIdentifier() });
    const drop = await failure(new RoleProvider().delete(String(victimOid), foreign));
    expect(drop.message).to.include("nothing was changed");
    expect(await roleRow(victim)).to.include({ oid: victimOid });
    // Missing by name on the other cluster: gone, and the OID's owner untouched.
    await r.destroy();
    await new RoleProvider().delete(String(victimOid), foreign);
    expect((await new RoleProvider().read(String(victimOid), foreign)).id).to.equal(undefined);
    expect(await roleRow(victim)).to.include({ oid: victimOid });
  });

  it("Role: a state without a recorded cluster (older versions) keeps working and records it", async () => {
    const name = fx.roleName("legacy");
    const r = roles();
    await r.up({ name, resourceUrn: urn(name) });
    const legacy = { ...r.outs! };
    delete legacy.systemIdentifier;
    const read = await new RoleProvider().read(r.id!, legacy);
    expect(read.id).to.equal(r.id);
    expect(read.props).to.include({ systemIdentifier: await systemIdentifier() });
    const updated = await new RoleProvider().update(r.id!, legacy, { ...legacy, connectionLimit: 3 });
    expect(updated.outs).to.include({ systemIdentifier: await systemIdentifier() });
    expect(await roleRow(name)).to.include({ rolconnlimit: 3 });
    await r.destroy();
  });

  describe("Policy and RowLevelSecurity", () => {
    async function table(): Promise<{ schema: string; table: string }> {
      const s = await fx.schema("mk");
      await q(`CREATE TABLE ${qi(s)}.orders (id int, user_id int)`);
      return { schema: s, table: "orders" };
    }

    it("Policy: a create run again by the same resource takes over its own policy; another is refused", async () => {
      const t = await table();
      const name = unique("pol");
      const base = { ...t, name, using: "user_id = 1", resourceUrn: urn(name, "Policy") };
      const first = new Lifecycle<PolicyOutputs>(new PolicyProvider());
      await first.up(base);
      const oid = first.outs!.oid;
      const again = new Lifecycle<PolicyOutputs>(new PolicyProvider());
      expect(await again.up({ ...base, using: "user_id = 2" })).to.equal("create");
      expect(again.outs!.oid).to.equal(oid);
      const stored = await one<{ qual: string }>(
        "SELECT pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE oid = $1",
        [oid],
      );
      expect(stored.qual).to.include("2");
      const other = await failure(
        new Lifecycle(new PolicyProvider()).up({ ...base, resourceUrn: urn(`${name}-x`, "Policy") }),
      );
      expect(other.message).to.include("already exists").and.include("42710").and.include("adoptExisting");
      await again.destroy();
      expect(await markersOf("policy", oid)).to.deep.equal([]);
    });

    it("RowLevelSecurity: a create run again keeps the setting found the first time as the one to restore", async () => {
      const t = await table();
      const resourceUrn = urn(`${t.schema}-rls`, "RowLevelSecurity");
      const first = new Lifecycle<RowLevelSecurityOutputs>(new RowLevelSecurityProvider());
      await first.up({ ...t, resourceUrn });
      const again = new Lifecycle<RowLevelSecurityOutputs>(new RowLevelSecurityProvider());
      await again.up({ ...t, force: true, resourceUrn });
      expect(again.outs).to.include({ previousEnabled: false, previousForce: false });
      await again.destroy();
      const r = await one<{ relrowsecurity: boolean; relforcerowsecurity: boolean; oid: number }>(
        `SELECT oid::int8 AS oid, relrowsecurity, relforcerowsecurity FROM pg_class
          WHERE oid = (quote_ident($1) || '.orders')::regclass`,
        [t.schema],
      );
      expect(r).to.include({ relrowsecurity: false, relforcerowsecurity: false });
      expect(await markersOf("row level security", Number(r.oid))).to.deep.equal([]);
    });
  });
});
