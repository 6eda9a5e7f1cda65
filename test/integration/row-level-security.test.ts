import { expect } from "chai";
import { RowLevelSecurityProvider } from "../../provider";
import type { RowLevelSecurityOutputs } from "../../provider/row-level-security/inputs";
import { Lifecycle } from "../support/engine";
import { one, q, quoteIdent as qi, unique } from "../support/db";
import { fixtures } from "../support/fixtures";

interface Flags {
  enabled: boolean;
  force: boolean;
}

async function flags(schema: string, table: string, database?: string): Promise<Flags> {
  const r = await one<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
      WHERE oid = (quote_ident($1) || '.' || quote_ident($2))::regclass`,
    [schema, table],
    database,
  );
  return { enabled: r.relrowsecurity, force: r.relforcerowsecurity };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

describe("RowLevelSecurity (real server)", () => {
  const fx = fixtures();
  /** A fresh schema with one table (name given or "orders"). */
  async function table(prefix = "rls", name = "orders"): Promise<{ schema: string; table: string }> {
    const s = await fx.schema(prefix);
    await q(`CREATE TABLE ${qi(s)}.${qi(name)} (id serial, user_id int, total numeric)`);
    return { schema: s, table: name };
  }
  const lifecycle = () => new Lifecycle<RowLevelSecurityOutputs>(new RowLevelSecurityProvider());

  it("enables (the default), forces, stops forcing and disables in place; delete restores", async () => {
    const t = await table();
    const r = lifecycle();
    expect(await r.up({ ...t })).to.equal("create");
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: false });
    expect(r.outs).to.include({ enabled: true, force: false, previousEnabled: false, previousForce: false });

    expect(await r.up({ ...t, force: true })).to.equal("update");
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: true });
    expect(await r.up({ ...t, force: true })).to.equal("same");

    expect(await r.up({ ...t, force: false })).to.equal("update");
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: false });

    expect(await r.up({ ...t, enabled: false })).to.equal("update");
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: false, force: false });
    // The setting to restore is still the one found at create.
    expect(r.outs).to.include({ previousEnabled: false, previousForce: false });

    await r.up({ ...t, enabled: true, force: true });
    await r.refresh();
    expect(await r.wouldChange({ ...t, force: true })).to.equal(false);
    await r.destroy();
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: false, force: false });
  });

  it("read shows a setting changed by hand; up puts it back", async () => {
    const t = await table();
    const r = lifecycle();
    await r.up({ ...t, force: true });
    await q(
      `ALTER TABLE ${qi(t.schema)}.${qi(t.table)} DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY`,
    );
    expect(await r.refresh()).to.equal(true);
    expect(r.outs).to.include({ enabled: false, force: false, previousEnabled: false, previousForce: false });
    expect(await r.wouldChange({ ...t, force: true })).to.equal(true);
    expect(await r.up({ ...t, force: true })).to.equal("update");
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: true });
    await r.refresh();
    expect(await r.wouldChange({ ...t, force: true })).to.equal(false);
    await r.destroy();
  });

  it("delete restores the setting found at create, not 'disabled'", async () => {
    const t = await table();
    await q(`ALTER TABLE ${qi(t.schema)}.${qi(t.table)} ENABLE ROW LEVEL SECURITY`);
    const r = lifecycle();
    await r.up({ ...t, force: true });
    expect(r.outs).to.include({ previousEnabled: true, previousForce: false });
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: true });
    await r.up({ ...t, enabled: false });
    await r.destroy();
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: false });

    // Already as wanted at create: nothing to do then, nothing to undo on delete.
    const again = lifecycle();
    await again.up({ ...t });
    expect(again.outs).to.include({ previousEnabled: true, previousForce: false });
    await again.destroy();
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: false });
  });

  it("a table (or schema) dropped by hand reads as gone, and deleting it succeeds", async () => {
    const t = await table();
    const r = lifecycle();
    await r.up({ ...t });
    await q(`DROP TABLE ${qi(t.schema)}.${qi(t.table)}`);
    const id = r.id;
    const outs = r.outs;
    expect(await r.refresh()).to.equal(false);
    // delete without a refresh first
    await new RowLevelSecurityProvider().delete(id!, outs!);

    const t2 = await table();
    const r2 = lifecycle();
    await r2.up({ ...t2 });
    await q(`DROP SCHEMA ${qi(t2.schema)} CASCADE`);
    await r2.destroy();
  });

  it("create on a missing table or a view fails clearly; nothing is recorded", async () => {
    const t = await table();
    const missing = await failure(lifecycle().up({ ...t, table: "nope" }));
    expect(missing.message)
      .to.include(`RowLevelSecurity on ${t.schema}.nope`)
      .and.include('table "nope" does not exist')
      .and.include("42P01");
    await q(`CREATE VIEW ${qi(t.schema)}.v AS SELECT 1 AS x`);
    const view = await failure(lifecycle().up({ ...t, table: "v" }));
    expect(view.message).to.include("is not a table").and.include("relkind v");
  });

  it("check reports every problem before any SQL", async () => {
    const err = await failure(lifecycle().up({ schema: "", enabled: "no" }));
    expect(err.message)
      .to.include("table: table is required")
      .and.include("schema: schema must not be empty");
    expect(err.message).to.include("enabled: enabled must be true or false");
  });

  it("hostile schema and table names; a partitioned table", async () => {
    const t = await table("!rls", `Orders "x" 'y'; DROP TABLE z;--`);
    const r = lifecycle();
    await r.up({ ...t, force: true });
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: true, force: true });
    await r.refresh();
    expect(await r.wouldChange({ ...t, force: true })).to.equal(false);
    await r.destroy();
    expect(await flags(t.schema, t.table)).to.deep.equal({ enabled: false, force: false });

    await q(`CREATE TABLE ${qi(t.schema)}.parted (id int) PARTITION BY RANGE (id)`);
    const p = lifecycle();
    await p.up({ schema: t.schema, table: "parted" });
    expect(await flags(t.schema, "parted")).to.deep.equal({ enabled: true, force: false });
    await p.destroy();
    expect(await flags(t.schema, "parted")).to.deep.equal({ enabled: false, force: false });
  });

  it("a table in another database; that database dropped counts as gone", async () => {
    const db = unique("rlsdb");
    await q(`CREATE DATABASE ${qi(db)}`);
    let dropped = false;
    try {
      await q("CREATE TABLE t (id int)", [], db);
      const r = lifecycle();
      await r.up({ table: "t", database: db, force: true });
      expect(await flags("public", "t", db)).to.deep.equal({ enabled: true, force: true });
      await r.refresh();
      expect(r.outs).to.include({ enabled: true, force: true, database: db });
      await q(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
      dropped = true;
      const outs = r.outs!;
      expect(await r.refresh()).to.equal(false);
      await new RowLevelSecurityProvider().delete("x", outs);
    } finally {
      if (!dropped) await q(`DROP DATABASE IF EXISTS ${qi(db)} WITH (FORCE)`);
    }
  });
});
