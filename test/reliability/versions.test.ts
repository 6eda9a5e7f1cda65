/**
 * Behaviour that differs between PostgreSQL versions, tested on the version at hand (the matrix
 * runs this file with the integration suite on every version, 13 to 18):
 *   - MAINTAIN (17+): granted and part of ALL on 17+, refused clearly before;
 *   - the public schema (15+): PUBLIC lost CREATE on it; a Grant gives it back to one role;
 *   - keywords: every keyword the server does not take bare as a name is quoted, so a role can
 *     be named by any of them (the provider's list comes from 17: 18 may add some).
 * (Membership options on 16+ and parameter privileges on 15+ are tested in the integration suite.)
 */
import { expect } from "chai";
import { GrantProvider, RoleProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import {
  adminIsSuperuser,
  asRole,
  one,
  q,
  quoteIdent as qi,
  roleRow,
  tablePriv,
  testServer,
} from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";
import { requestedMajor } from "../support/versions";

describe("versions: behaviour that depends on the server version", () => {
  const fx = fixtures();
  const made = fx.roles;
  let version = 0;
  let schema = "";
  before(async () => {
    version = await serverVersionNum();
    schema = await fx.schema("ver");
    await q(`CREATE TABLE ${qi(schema)}.t (id int)`);
  });
  const role = (prefix: string, login = false): Promise<string> => fx.role(prefix, { login });

  it("the server is the version PGR_TEST_PG_VERSION asks for", function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("CI runs the version matrix on embedded servers");
      this.skip();
    }
    expect(Math.floor(version / 10000)).to.equal(requestedMajor());
  });

  it("MAINTAIN: granted and part of ALL on 17+; refused with a clear error before, nothing granted", async () => {
    const r = await role("maint");
    const g = new Lifecycle(new GrantProvider());
    const args = { role: r, objectType: "table", schema, objects: ["t"], privileges: ["MAINTAIN"] };
    if (version >= 170000) {
      await g.up(args);
      expect(await tablePriv(r, schema, "t", "MAINTAIN")).to.equal(true);
      expect(await tablePriv(r, schema, "t", "SELECT")).to.equal(false);
      await g.destroy();
      expect(await tablePriv(r, schema, "t", "MAINTAIN")).to.equal(false);
    } else {
      const err = await g
        .up(args)
        .then(() => undefined)
        .catch((e: Error) => e);
      expect(err?.message)
        .to.match(/^Grant MAINTAIN on t in schema/)
        .and.match(/maintain/i);
      expect(g.id).to.equal(undefined);
    }
    // ALL: the server's full set (8 privileges on 17+, 7 before) reads back as ALL, no drift.
    const all = new Lifecycle(new GrantProvider());
    const allArgs = { role: r, objectType: "table", schema, objects: ["t"], privileges: ["ALL"] };
    await all.up(allArgs);
    const acl = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = (quote_ident($1) || '.t')::regclass AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
      [schema, r],
    );
    expect(acl.n).to.equal(version >= 170000 ? 8 : 7);
    expect(await all.refresh()).to.equal(true);
    expect((all.outs as { privileges: string[] }).privileges).to.deep.equal(["ALL"]);
    expect(await all.wouldChange(allArgs)).to.equal(false);
    await all.destroy();
  });

  it("the public schema: PUBLIC has no CREATE there on 15+ (it had before); a Grant gives it to one role, its delete takes it back", async function () {
    const publicCreate = await one<{ ok: boolean }>(
      "SELECT has_schema_privilege('public', 'public', 'CREATE') AS ok",
    );
    expect(publicCreate.ok, "PUBLIC's CREATE on schema public").to.equal(version < 150000);
    const user = await role("pubuser", true);
    const tryCreate = () =>
      asRole(user, "pw", `CREATE TABLE public.${qi(`${user}_t`)} (id int)`)
        .then(() => true)
        .catch(() => false);
    if (version < 150000) {
      // Every role can create there already; the provider reads PUBLIC's default as held.
      expect(await tryCreate()).to.equal(true);
      await asRole(user, "pw", `DROP TABLE public.${qi(`${user}_t`)}`);
      const pub = new Lifecycle(new GrantProvider());
      const pubArgs = {
        role: "PUBLIC",
        objectType: "schema",
        schema: "public",
        privileges: ["CREATE", "USAGE"],
      };
      if (adminIsSuperuser()) {
        await pub.up(pubArgs);
        expect(await pub.refresh()).to.equal(true);
        expect(await pub.wouldChange(pubArgs)).to.equal(false);
        // Forget it without revoking: PUBLIC keeps the server's default.
        pub.id = undefined;
      }
      return;
    }
    expect(await tryCreate()).to.equal(false);
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: user, objectType: "schema", schema: "public", privileges: ["create"] });
    expect(await tryCreate()).to.equal(true);
    await asRole(user, "pw", `DROP TABLE public.${qi(`${user}_t`)}`);
    await g.destroy();
    expect(await tryCreate()).to.equal(false);
  });

  it("every keyword this server does not take bare as a name can be a role's name (quoted), granted on and dropped", async () => {
    const keywords = (
      await q<{ word: string }>("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY 1")
    ).map((k) => k.word);
    expect(keywords.length).to.be.greaterThan(50);
    const refused: string[] = [];
    for (const word of keywords) {
      if (["public", "none"].includes(word)) continue; // reserved role names
      // an existing role of that name (current_user, user…): the keyword is a session role there
      if (await roleRow(word)) continue;
      made.push(word);
      const r = new Lifecycle(new RoleProvider());
      const g = new Lifecycle(new GrantProvider());
      try {
        await r.up({ name: word });
        expect((await roleRow(word))?.rolname).to.equal(word);
        await g.up({ role: word, objectType: "table", schema, objects: ["t"], privileges: ["SELECT"] });
        expect(await tablePriv(word, schema, "t", "SELECT"), word).to.equal(true);
        await g.destroy();
        await r.destroy();
        expect(await roleRow(word)).to.equal(undefined);
      } catch (e) {
        refused.push(`${word}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    expect(refused).to.deep.equal([]);
  });
});
