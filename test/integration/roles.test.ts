import { expect } from "chai";
import { Client } from "pg";
import { RolesProvider } from "../../provider";
import { CheckFailed, Lifecycle } from "../support/engine";
import {
  adminActsFor,
  adminIsSuperuser,
  isMember,
  one,
  q,
  quoteIdent,
  roleRow,
  testServer,
  tryLogin,
  unique,
} from "../support/db";
import { fixtures } from "../support/fixtures";

type Outs = {
  roles: Record<string, Record<string, unknown>>;
  oids: Record<string, number>;
  passwords?: Record<string, string>;
  passwordCheck?: string;
};

/** Counts what node-postgres sends (the provider runs in this process): catalog reads and the rest. */
class QueryCounter {
  private readonly proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  private readonly original = this.proto.query;
  readonly sent: string[] = [];

  start(): void {
    const sent = this.sent;
    const original = this.original;
    sent.length = 0;
    this.proto.query = function (this: unknown, ...args: unknown[]) {
      const a = args[0];
      sent.push(typeof a === "string" ? a : String((a as { text?: string }).text ?? ""));
      return original.apply(this, args);
    };
  }

  /** `reads`: everything but the statements and the creation markers' INSERTs (db/ownership.ts). */
  stop(): { reads: number; statements: string[]; markers: number } {
    this.proto.query = this.original;
    const ddl = /^\s*(CREATE|ALTER|DROP|GRANT|REVOKE|COMMENT|REASSIGN)\b/;
    const marker = /^\s*INSERT INTO "?pulumi_postgres_roles/;
    return {
      reads: this.sent.filter((s) => !ddl.test(s) && !marker.test(s)).length,
      statements: this.sent.filter((s) => ddl.test(s)),
      markers: this.sent.filter((s) => marker.test(s)).length,
    };
  }
}

describe("Roles (real server)", () => {
  const fx = fixtures();
  const name = (prefix: string) => fx.roleName(prefix);
  const urn = (n: string) => `urn:pulumi:test::roles::pulumi-nodejs:dynamic/postgres-roles:Roles::${n}`;

  it("creates groups and login roles with memberships and passwords in one resource, by the catalog's truth", async () => {
    const outside = await fx.role("outside");
    const g = name("grp");
    const u = name("!user");
    const plain = name("plain");
    const password = `pw-${Math.random().toString(36).slice(2)}-'q"\\b`;
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up({
      roles: {
        [g]: {},
        [u]: { login: true, connectionLimit: 5, inRoles: [g, outside], password },
        [plain]: {
          inherit: false,
          validUntil: "2031-01-01",
          settings: { statement_timeout: "30s" },
          comment: "c",
        },
      },
      resourceUrn: urn(unique("create")),
    });
    expect(await roleRow(g)).to.include({ rolcanlogin: false, rolinherit: true, rolconnlimit: -1 });
    expect(await roleRow(u)).to.include({ rolcanlogin: true, rolconnlimit: 5 });
    expect(await roleRow(plain)).to.include({ rolinherit: false });
    expect((await isMember(g, u)).member).to.equal(true);
    expect((await isMember(outside, u)).member).to.equal(true);
    expect(await tryLogin(u, password)).to.equal(undefined);
    expect(await tryLogin(u, "wrong")).to.be.instanceOf(Error);
    const settings = await one<{ setconfig: string[] }>(
      "SELECT setconfig FROM pg_db_role_setting WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = $1) AND setdatabase = 0",
      [plain],
    );
    expect(settings.setconfig).to.deep.equal(["statement_timeout=30s"]);
    // Outputs: sparse entries (defaults left out), the OIDs, the passwords apart.
    expect(r.outs!.roles[g]).to.deep.equal({});
    expect(r.outs!.roles[u]).to.deep.equal({ login: true, connectionLimit: 5, inRoles: [g, outside].sort() });
    expect(JSON.stringify(r.outs!.roles)).not.to.include(password);
    expect(r.outs!.oids[u]).to.equal(Number((await roleRow(u))!.oid));
    if (testServer().embedded) expect(testServer().log()).not.to.include(password);
    // In step: refresh changes nothing, a second up is a no-op.
    const args = {
      roles: {
        [g]: {},
        [u]: { login: true, connectionLimit: 5, inRoles: [outside, g], password },
        [plain]: {
          inherit: false,
          validUntil: "2031-01-01",
          settings: { statement_timeout: "30s" },
          comment: "c",
        },
      },
    };
    await r.refresh();
    if (adminIsSuperuser()) expect(r.outs!.passwordCheck).to.equal("checked against pg_authid");
    expect(await r.wouldChange(args)).to.equal(false);
    await r.destroy();
    for (const n of [g, u, plain]) expect(await roleRow(n), n).to.equal(undefined);
    expect((await isMember(outside, u)).member).to.equal(false);
  });

  it("changes one role with one statement, keeps every OID, renames in place by `name`", async () => {
    const keys = Array.from({ length: 6 }, (_, i) => name(`many${i}`));
    const renamed = name("renamed");
    const table = unique("t");
    await q(`CREATE TABLE public.${quoteIdent(table)} (id int)`);
    const roles: Record<string, Record<string, unknown>> = {};
    for (const k of keys) roles[k] = { login: true, connectionLimit: 5, inRoles: [keys[0]] };
    roles[keys[0]!] = {};
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up({ roles });
    await q(`GRANT SELECT ON public.${quoteIdent(table)} TO ${quoteIdent(keys[5]!)}`);
    const oids = { ...r.outs!.oids };
    const counter = new QueryCounter();
    counter.start();
    roles[keys[3]!] = { ...roles[keys[3]!], connectionLimit: 6 };
    expect(await r.up({ roles })).to.equal("update");
    const one1 = counter.stop();
    expect(one1.statements).to.deep.equal([`ALTER ROLE ${keys[3]} WITH CONNECTION LIMIT 6`]);
    expect((await roleRow(keys[3]!))!.rolconnlimit).to.equal(6);
    // `name` differing from the key renames in place: same OID, its privileges kept.
    roles[keys[5]!] = { ...roles[keys[5]!], name: renamed };
    expect(await r.up({ roles })).to.equal("update");
    expect(await roleRow(keys[5]!)).to.equal(undefined);
    expect(Number((await roleRow(renamed))!.oid)).to.equal(oids[keys[5]!]);
    expect(r.outs!.oids).to.deep.equal(oids);
    expect(
      (
        await one("SELECT has_table_privilege($1, $2, 'SELECT') AS ok", [
          renamed,
          `public.${quoteIdent(table)}`,
        ])
      ).ok,
    ).to.equal(true);
    // A key removed drops that role only; a key added creates one, member of a group of the resource.
    const added = name("added");
    delete roles[keys[4]!];
    roles[added] = { inRoles: [keys[0]] };
    expect(await r.up({ roles })).to.equal("update");
    expect(await roleRow(keys[4]!)).to.equal(undefined);
    expect((await isMember(keys[0]!, added)).member).to.equal(true);
    expect(Object.keys(r.outs!.oids).sort()).to.deep.equal(Object.keys(roles).sort());
    await q(`REVOKE SELECT ON public.${quoteIdent(table)} FROM ${quoteIdent(renamed)}`);
    await q(`DROP TABLE public.${quoteIdent(table)}`);
    await r.destroy();
    for (const k of [...keys, renamed, added]) expect(await roleRow(k), k).to.equal(undefined);
  });

  it("renames a group of the resource and its members' inRoles in one update: memberships kept", async () => {
    const g = name("rg");
    const g2 = name("rg2");
    const m = name("rm");
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up({ roles: { grp: { name: g }, [m]: { inRoles: [g] } } });
    const oid = r.outs!.oids.grp;
    expect(await r.up({ roles: { grp: { name: g2 }, [m]: { inRoles: [g2] } } })).to.equal("update");
    expect(Number((await roleRow(g2))!.oid)).to.equal(oid);
    expect((await isMember(g2, m)).member).to.equal(true);
    await r.refresh();
    expect(await r.wouldChange({ roles: { grp: { name: g2 }, [m]: { inRoles: [g2] } } })).to.equal(false);
    await r.destroy();
  });

  it("sends a number of catalog queries that does not grow with the number of roles", async () => {
    const counts: Array<{ n: number; create: number; read: number; update: number; drop: number }> = [];
    for (const n of [4, 40]) {
      const groups = Array.from({ length: n / 2 }, (_, i) => name(`qg${i}`));
      const logins = Array.from({ length: n / 2 }, (_, i) => name(`ql${i}`));
      const roles: Record<string, Record<string, unknown>> = {};
      groups.forEach((grp, i) => {
        roles[grp] = {};
        roles[logins[i]!] = { login: true, connectionLimit: 5, inRoles: [grp] };
      });
      const r = new Lifecycle<Outs>(new RolesProvider());
      const counter = new QueryCounter();
      counter.start();
      await r.up({ roles, resourceUrn: urn(unique("count")) });
      const created = counter.stop();
      counter.start();
      await r.refresh();
      const read = counter.stop();
      for (const l of logins) roles[l] = { ...roles[l], connectionLimit: 6 };
      counter.start();
      await r.up({ roles });
      const updated = counter.stop();
      counter.start();
      await r.destroy();
      const dropped = counter.stop();
      // One CREATE ROLE per role and one GRANT per member, n ALTER ROLE, one DROP ROLE for all.
      expect(created.statements.filter((s) => s.startsWith("CREATE ROLE")).length).to.equal(n);
      expect(created.statements.filter((s) => s.startsWith("GRANT")).length).to.equal(n / 2);
      expect(updated.statements.length).to.equal(n / 2);
      expect(dropped.statements.filter((s) => s.startsWith("DROP ROLE")).length).to.equal(1);
      counts.push({ n, create: created.reads, read: read.reads, update: updated.reads, drop: dropped.reads });
    }
    const [small, big] = counts;
    expect(big!.read, "read").to.equal(small!.read);
    expect(big!.update, "update").to.equal(small!.update);
    expect(big!.drop, "delete").to.equal(small!.drop);
    expect(big!.create, "create").to.equal(small!.create);
  });

  it("refresh reports drift by role (attributes, memberships, renames, drops, passwords) and up repairs it", async () => {
    const g = name("dg");
    const a = name("da");
    const b = name("db");
    const c = name("dc");
    const password = "drift-pw-1";
    const args = {
      roles: {
        [g]: {},
        [a]: { login: true, connectionLimit: 5, inRoles: [g], password },
        [b]: { login: true },
        [c]: {},
      },
    };
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up(args);
    await q(`ALTER ROLE ${quoteIdent(a)} CONNECTION LIMIT 99 PASSWORD 'changed-by-hand'`);
    await q(`REVOKE ${quoteIdent(g)} FROM ${quoteIdent(a)}`);
    const handName = unique("hand");
    fx.roles.push(handName);
    await q(`ALTER ROLE ${quoteIdent(b)} RENAME TO ${quoteIdent(handName)}`);
    await q(`DROP ROLE ${quoteIdent(c)}`);
    await r.refresh();
    expect(r.outs!.roles[a]).to.deep.equal({ login: true, connectionLimit: 99 });
    expect(r.outs!.roles[b]).to.deep.equal({ name: handName, login: true });
    expect(r.outs!.roles).not.to.have.property(c);
    if (adminIsSuperuser()) expect(r.outs!.passwords![a]).to.equal("(changed outside Pulumi)");
    else expect(r.outs!.passwordCheck).to.match(/^not checked/);
    expect(await r.wouldChange(args)).to.equal(true);
    await r.up(args);
    expect((await roleRow(a))!.rolconnlimit).to.equal(5);
    expect((await isMember(g, a)).member).to.equal(true);
    expect(await roleRow(b)).to.include({ rolcanlogin: true });
    expect(await roleRow(handName)).to.equal(undefined);
    expect(await roleRow(c)).to.not.equal(undefined);
    if (adminIsSuperuser()) expect(await tryLogin(a, password)).to.equal(undefined);
    await r.refresh();
    expect(await r.wouldChange(args)).to.equal(false);
    await r.destroy();
  });

  it("refuses existing roles it did not create, unless adoptExisting; its own markers let an interrupted create converge", async () => {
    const existing = await fx.role("exists", { connectionLimit: 3 });
    const fresh = name("fresh");
    const args = { roles: { [existing]: { login: true }, [fresh]: {} }, resourceUrn: urn(unique("adopt")) };
    const err = await new Lifecycle(new RolesProvider()).up(args).catch((e: Error) => e.message);
    expect(err)
      .to.include(`role "${existing}" already exists`)
      .and.include("SQLSTATE 42710")
      .and.include("adoptExisting");
    expect(await roleRow(fresh), "nothing created").to.equal(undefined);
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up({ ...args, adoptExisting: true });
    expect(await roleRow(existing)).to.include({ rolcanlogin: true, rolconnlimit: -1 });
    // An interrupted `up`: the roles were created, the state never written. The same resource (URN)
    // creating them again takes them over; another resource does not.
    const lost = name("lost");
    const urnLost = urn(unique("lost"));
    await new Lifecycle(new RolesProvider()).up({ roles: { [lost]: { login: true } }, resourceUrn: urnLost });
    const again = new Lifecycle<Outs>(new RolesProvider());
    const markersKept = (
      await q(
        "SELECT 1 FROM pg_class WHERE relname = 'created' AND relnamespace = 'pulumi_postgres_roles'::regnamespace",
      )
    ).length;
    if (markersKept > 0) {
      await again.up({ roles: { [lost]: { login: true } }, resourceUrn: urnLost });
      expect(again.outs!.oids[lost]).to.equal(Number((await roleRow(lost))!.oid));
    }
    const other = await new Lifecycle(new RolesProvider())
      .up({ roles: { [lost]: { login: true } }, resourceUrn: urn(unique("other")) })
      .catch((e: Error) => e.message);
    expect(other).to.include("already exists").and.include("SQLSTATE 42710");
    await r.destroy();
    if (markersKept > 0) await again.destroy();
  });

  it("drops a role that owns objects only with reassignOwnedTo or dropOwned, naming the roles and databases", async () => {
    const owner = name("owner");
    const keep = name("keep");
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up({ roles: { [owner]: {}, [keep]: {} } });
    await adminActsFor(owner);
    const schema = unique("s");
    fx.schemas.push(schema);
    await q(`CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION ${quoteIdent(owner)}`);
    const err = await r.up({ roles: { [keep]: {} } }).catch((e: Error) => e.message);
    expect(err)
      .to.include(`role "${owner}" owns objects`)
      .and.include(testServer().database)
      .and.include("2BP01");
    expect(await roleRow(owner)).to.not.equal(undefined);
    await r.up({ roles: { [keep]: {} }, reassignOwnedTo: "CURRENT_USER" });
    expect(await roleRow(owner)).to.equal(undefined);
    expect(
      (
        await one<{ owner: string }>(
          "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1",
          [schema],
        )
      ).owner,
    ).to.not.equal(quoteIdent(owner));
    await r.destroy();
  });

  it("authoritative memberships: groups granted by hand to its roles are revoked", async () => {
    const g = name("ag");
    const extra = await fx.role("extra");
    const m = name("am");
    const args = { roles: { [g]: {}, [m]: { inRoles: [g] } }, authoritative: { memberships: true } };
    const r = new Lifecycle<Outs>(new RolesProvider());
    await r.up(args);
    await q(`GRANT ${quoteIdent(extra)} TO ${quoteIdent(m)}`);
    await r.refresh();
    expect(r.outs!.roles[m]).to.deep.equal({ inRoles: [g, extra].sort() });
    await r.up(args);
    expect((await isMember(extra, m)).member).to.equal(false);
    expect((await isMember(g, m)).member).to.equal(true);
    // Additive (the default): a hand-made membership is none of its business.
    const additive = { roles: args.roles };
    await r.up(additive);
    await q(`GRANT ${quoteIdent(extra)} TO ${quoteIdent(m)}`);
    await r.refresh();
    expect(await r.wouldChange(additive)).to.equal(false);
    await r.destroy();
  });

  it("check reports every problem at once, naming the property", async () => {
    const failures = await new Lifecycle(new RolesProvider())
      .check({
        roles: {
          a: { conectionLimit: 5, connectionLimit: -2, inRoles: ["b"] },
          b: { inRoles: ["a"], validUntil: "2030-02-30" },
          c: { name: "a" },
          d: "x",
        },
        passwords: { zz: "pw", a: "" },
        reassignOwnedTo: "b",
        authoritative: { everything: true },
      })
      .then(
        () => [],
        (e: CheckFailed) => e.failures,
      );
    const props = failures.map((f) => f.property);
    expect(props).to.include.members([
      "roles.a.conectionLimit",
      "roles.a.connectionLimit",
      "roles.b.validUntil",
      "roles.c.name",
      "roles.d",
      "passwords.zz",
      "passwords.a",
      "reassignOwnedTo",
      "authoritative.everything",
    ]);
    expect(failures.map((f) => f.reason).join("\n")).to.include("memberships in a circle");
  });
});
