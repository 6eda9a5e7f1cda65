import { expect } from "chai";
import { type GrantOutputs, GrantProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import { adminIsSuperuser, asRole, one, q, qSuper, quoteIdent as qi, unique } from "../support/db";
import { fixtures, serverVersionNum } from "../support/fixtures";

/** Grants on columns, types, domains, languages, foreign data wrappers and servers, tablespaces, parameters. */
describe("Grant on every other object type (real server)", () => {
  const fx = fixtures();
  let version = 0;
  before(async () => {
    version = await serverVersionNum();
  });
  const role = (prefix: string): Promise<string> => fx.role(prefix, { login: true });
  const schema = (): Promise<string> => fx.schema();
  const ok = async (sql: string, params: unknown[]) => (await one<{ ok: boolean }>(sql, params)).ok;

  it("columns: SELECT on some columns only, checked by logging in; update adds a privilege; delete revokes", async () => {
    const r = await role("col");
    const s = await schema();
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(r)}`);
    await q(`CREATE TABLE ${qi(s)}.people (id int, name text, "Secret Salary" int)`);
    await q(`INSERT INTO ${qi(s)}.people VALUES (1, 'a', 100)`);
    const g = new Lifecycle(new GrantProvider());
    const args = {
      role: r,
      objectType: "column",
      schema: s,
      objects: ["people"],
      columns: ["id", "name"],
      privileges: ["SELECT"],
    };
    await g.up(args);
    expect(await asRole(r, "pw", `SELECT id, name FROM ${qi(s)}.people`)).to.deep.equal([
      { id: 1, name: "a" },
    ]);
    const denied = await asRole(r, "pw", `SELECT "Secret Salary" FROM ${qi(s)}.people`).catch(
      (e: Error) => e.message,
    );
    expect(denied).to.match(/permission denied/);
    await g.refresh();
    expect(await g.wouldChange(args)).to.equal(false);
    expect(await g.up({ ...args, privileges: ["SELECT", "UPDATE"] })).to.equal("update");
    expect(
      await ok("SELECT has_column_privilege($1, $2, 'name', 'UPDATE') AS ok", [r, `${qi(s)}.people`]),
    ).to.equal(true);
    await q(`REVOKE SELECT (name) ON ${qi(s)}.people FROM ${qi(r)}`);
    await g.refresh();
    expect((g.outs as unknown as GrantOutputs).drifted?.privileges).to.deep.equal(["UPDATE"]);
    await g.up({ ...args, privileges: ["SELECT", "UPDATE"] });
    expect(
      await ok("SELECT has_column_privilege($1, $2, 'name', 'SELECT') AS ok", [r, `${qi(s)}.people`]),
    ).to.equal(true);
    await g.destroy();
    expect(
      await ok("SELECT has_column_privilege($1, $2, 'id', 'SELECT') AS ok", [r, `${qi(s)}.people`]),
    ).to.equal(false);
    // A column that does not exist is a clear error.
    const bad = await new Lifecycle(new GrantProvider())
      .up({ ...args, columns: ["nope"] })
      .catch((e: Error) => e.message);
    expect(bad).to.include("people.nope does not exist");
  });

  it("types and domains: USAGE, with PUBLIC's default read as the built-in ACL", async () => {
    const r = await role("typ");
    const s = await schema();
    await q(`CREATE TYPE ${qi(s)}.mood AS ENUM ('sad', 'happy')`);
    await q(`CREATE DOMAIN ${qi(s)}.posint AS integer CHECK (VALUE > 0)`);
    await q(`REVOKE USAGE ON TYPE ${qi(s)}.mood FROM PUBLIC`);
    await q(`REVOKE USAGE ON DOMAIN ${qi(s)}.posint FROM PUBLIC`);
    const t = new Lifecycle(new GrantProvider());
    await t.up({ role: r, objectType: "type", schema: s, objects: ["mood"], privileges: ["usage"] });
    expect(await ok("SELECT has_type_privilege($1, $2, 'USAGE') AS ok", [r, `${qi(s)}.mood`])).to.equal(true);
    const d = new Lifecycle(new GrantProvider());
    await d.up({ role: r, objectType: "domain", schema: s, objects: ["posint"], privileges: ["USAGE"] });
    expect(await ok("SELECT has_type_privilege($1, $2, 'USAGE') AS ok", [r, `${qi(s)}.posint`])).to.equal(
      true,
    );
    // A domain grant on something that is not a domain is refused.
    const notDomain = await new Lifecycle(new GrantProvider())
      .up({ role: r, objectType: "domain", schema: s, objects: ["mood"], privileges: ["USAGE"] })
      .catch((e: Error) => e.message);
    expect(notDomain).to.include("mood does not exist");
    // PUBLIC's default USAGE on a new type is no drift.
    await q(`CREATE TYPE ${qi(s)}.pair AS (a int, b int)`);
    const pub = new Lifecycle(new GrantProvider());
    await pub.up({ role: "PUBLIC", objectType: "type", schema: s, objects: ["pair"], privileges: ["USAGE"] });
    expect(
      (await one<{ acl: unknown }>("SELECT typacl AS acl FROM pg_type WHERE typname = 'pair'")).acl,
    ).to.equal(null);
    await pub.refresh();
    expect(
      await pub.wouldChange({
        role: "PUBLIC",
        objectType: "type",
        schema: s,
        objects: ["pair"],
        privileges: ["USAGE"],
      }),
    ).to.equal(false);
    for (const l of [t, d]) await l.destroy();
    expect(await ok("SELECT has_type_privilege($1, $2, 'USAGE') AS ok", [r, `${qi(s)}.mood`])).to.equal(
      false,
    );
  });

  it("languages, foreign data wrappers and foreign servers: USAGE", async () => {
    const r = await role("fdw");
    const fdw = unique("fdw");
    const srv = unique("srv");
    // Only a superuser can create a foreign data wrapper (and own it).
    await qSuper(`CREATE FOREIGN DATA WRAPPER ${qi(fdw)}`);
    await qSuper(`CREATE SERVER ${qi(srv)} FOREIGN DATA WRAPPER ${qi(fdw)}`);
    try {
      if (!adminIsSuperuser()) {
        // A managed-service admin owns none of these: PostgreSQL refuses, and the error says so.
        for (const [objectType, name] of [
          ["foreign_data_wrapper", fdw],
          ["foreign_server", srv],
          ["language", "plpgsql"],
        ]) {
          const err = await new Lifecycle(new GrantProvider())
            .up({ role: r, objectType, objects: [name], privileges: ["USAGE"] })
            .catch((e: Error) => e.message);
          expect(err, objectType)
            .to.match(/permission denied|did not apply/)
            .and.include("42501");
        }
        return;
      }
      const lang = new Lifecycle(new GrantProvider());
      await qSuper(`REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC`);
      await lang.up({ role: r, objectType: "language", objects: ["plpgsql"], privileges: ["USAGE"] });
      expect(await ok("SELECT has_language_privilege($1, 'plpgsql', 'USAGE') AS ok", [r])).to.equal(true);
      const w = new Lifecycle(new GrantProvider());
      await w.up({ role: r, objectType: "foreign_data_wrapper", objects: [fdw], privileges: ["USAGE"] });
      expect(await ok("SELECT has_foreign_data_wrapper_privilege($1, $2, 'USAGE') AS ok", [r, fdw])).to.equal(
        true,
      );
      const sv = new Lifecycle(new GrantProvider());
      await sv.up({
        role: r,
        objectType: "FOREIGN_SERVER",
        objects: [srv],
        privileges: ["USAGE"],
        withGrantOption: true,
      });
      expect(
        await ok("SELECT has_server_privilege($1, $2, 'USAGE WITH GRANT OPTION') AS ok", [r, srv]),
      ).to.equal(true);
      for (const l of [lang, w, sv]) {
        await l.refresh();
        await l.destroy();
      }
      expect(await ok("SELECT has_language_privilege($1, 'plpgsql', 'USAGE') AS ok", [r])).to.equal(false);
      expect(await ok("SELECT has_server_privilege($1, $2, 'USAGE') AS ok", [r, srv])).to.equal(false);
    } finally {
      await qSuper(`GRANT USAGE ON LANGUAGE plpgsql TO PUBLIC`);
      await qSuper(`DROP SERVER ${qi(srv)}`);
      await qSuper(`DROP FOREIGN DATA WRAPPER ${qi(fdw)}`);
    }
  });

  it("tablespaces: CREATE", async () => {
    const r = await role("spc");
    const g = new Lifecycle(new GrantProvider());
    if (!adminIsSuperuser()) {
      const err = await g
        .up({ role: r, objectType: "tablespace", objects: ["pg_default"], privileges: ["CREATE"] })
        .catch((e: Error) => e.message);
      expect(err).to.include("permission denied for tablespace pg_default").and.include("42501");
      return;
    }
    await g.up({ role: r, objectType: "tablespace", objects: ["pg_default"], privileges: ["CREATE"] });
    expect(await ok("SELECT has_tablespace_privilege($1, 'pg_default', 'CREATE') AS ok", [r])).to.equal(true);
    await g.destroy();
    expect(await ok("SELECT has_tablespace_privilege($1, 'pg_default', 'CREATE') AS ok", [r])).to.equal(
      false,
    );
  });

  it("parameters (PostgreSQL 15+): SET and ALTER SYSTEM, effective when logged in", async () => {
    const r = await role("param");
    const g = new Lifecycle(new GrantProvider());
    const args = {
      role: r,
      objectType: "parameter",
      objects: ["Log_Min_Duration_Statement"],
      privileges: ["SET"],
    };
    if (version < 150000) {
      expect(await g.up(args).catch((e: Error) => e.message)).to.include("PostgreSQL 15");
      return;
    }
    if (!adminIsSuperuser()) {
      expect(await g.up(args).catch((e: Error) => e.message))
        .to.include("permission denied for parameter")
        .and.include("42501");
      return;
    }
    const before = await asRole(r, "pw", "SET log_min_duration_statement = 5").catch((e: Error) => e.message);
    expect(before).to.match(/permission denied/);
    await g.up(args);
    await asRole(r, "pw", "SET log_min_duration_statement = 5");
    expect(
      await ok("SELECT has_parameter_privilege($1, 'log_min_duration_statement', 'SET') AS ok", [r]),
    ).to.equal(true);
    await g.refresh();
    expect(await g.wouldChange(args)).to.equal(false);
    expect(await g.up({ ...args, privileges: ["SET", "ALTER SYSTEM"] })).to.equal("update");
    expect(
      await ok("SELECT has_parameter_privilege($1, 'log_min_duration_statement', 'ALTER SYSTEM') AS ok", [r]),
    ).to.equal(true);
    await g.destroy();
    expect(
      await ok("SELECT has_parameter_privilege($1, 'log_min_duration_statement', 'SET') AS ok", [r]),
    ).to.equal(false);
  });

  it("check: columns only for column grants, objects required where there is no 'all', no schema outside schemas", async () => {
    const p = new GrantProvider();
    const f = async (news: Record<string, unknown>) =>
      ((await p.check({}, news)).failures ?? []).map((x) => x.property).sort();
    expect(
      await f({ role: "r", objectType: "column", objects: ["t"], privileges: ["SELECT"] }),
    ).to.deep.equal(["columns"]);
    expect(await f({ role: "r", objectType: "table", columns: ["a"], privileges: ["SELECT"] })).to.deep.equal(
      ["columns"],
    );
    expect(await f({ role: "r", objectType: "language", privileges: ["USAGE"], schema: "x" })).to.deep.equal([
      "objects",
      "schema",
    ]);
    expect(
      await f({ role: "r", objectType: "tablespace", objects: ["t"], privileges: ["USAGE"], database: "d" }),
    ).to.deep.equal(["database", "privileges"]);
  });
});
