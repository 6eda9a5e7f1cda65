import { expect } from "chai";
import {
  type RowLevelSecurityInputs,
  type RowLevelSecurityOutputs,
  checkRowLevelSecurity,
  diffRowLevelSecurity,
} from "../../provider/row-level-security/inputs";
import { planRowLevelSecurity } from "../../provider/row-level-security/planner";
import { UNKNOWN } from "../../provider/common/validate";

const target = { schema: "app", table: "orders" };
const off = { enabled: false, force: false };
const on = { enabled: true, force: false };
const forced = { enabled: true, force: true };

describe("planRowLevelSecurity", () => {
  it("enables, and forces, only what differs", () => {
    expect(planRowLevelSecurity({ ...target, actual: off, desired: on })).to.deep.equal([
      {
        description: "enable row level security on app.orders",
        sql: "ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY",
      },
    ]);
    expect(planRowLevelSecurity({ ...target, actual: off, desired: forced })).to.deep.equal([
      {
        description: "enable row level security on app.orders",
        sql: "ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY",
      },
      {
        description: "force row level security on app.orders",
        sql: "ALTER TABLE app.orders FORCE ROW LEVEL SECURITY",
      },
    ]);
    expect(planRowLevelSecurity({ ...target, actual: on, desired: forced })).to.deep.equal([
      {
        description: "force row level security on app.orders",
        sql: "ALTER TABLE app.orders FORCE ROW LEVEL SECURITY",
      },
    ]);
  });

  it("disables and stops forcing", () => {
    expect(planRowLevelSecurity({ ...target, actual: forced, desired: off }).map((s) => s.sql)).to.deep.equal(
      [
        "ALTER TABLE app.orders DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE app.orders NO FORCE ROW LEVEL SECURITY",
      ],
    );
    expect(planRowLevelSecurity({ ...target, actual: forced, desired: on })).to.deep.equal([
      {
        description: "stop forcing row level security on app.orders",
        sql: "ALTER TABLE app.orders NO FORCE ROW LEVEL SECURITY",
      },
    ]);
  });

  it("plans nothing when the table is as wanted, or gone", () => {
    for (const s of [off, on, forced])
      expect(planRowLevelSecurity({ ...target, actual: s, desired: s })).to.deep.equal([]);
    expect(planRowLevelSecurity({ ...target, actual: undefined, desired: forced })).to.deep.equal([]);
  });

  it("restoring (delete) ignores a table or schema dropped meanwhile; applying does not", () => {
    expect(planRowLevelSecurity({ ...target, actual: forced, desired: off, restore: true })).to.deep.equal([
      {
        description: "disable row level security on app.orders",
        sql: "ALTER TABLE app.orders DISABLE ROW LEVEL SECURITY",
        ignore: ["42P01", "3F000"],
      },
      {
        description: "stop forcing row level security on app.orders",
        sql: "ALTER TABLE app.orders NO FORCE ROW LEVEL SECURITY",
        ignore: ["42P01", "3F000"],
      },
    ]);
    expect(
      planRowLevelSecurity({ ...target, actual: off, desired: forced }).every((s) => s.ignore === undefined),
    ).to.equal(true);
  });

  it("quotes hostile, upper-case and reserved names", () => {
    expect(
      planRowLevelSecurity({
        schema: 'My "Schema"',
        table: "x'; DROP TABLE t; --",
        actual: off,
        desired: on,
      }).map((s) => s.sql),
    ).to.deep.equal([`ALTER TABLE "My ""Schema"""."x'; DROP TABLE t; --" ENABLE ROW LEVEL SECURITY`]);
    expect(
      planRowLevelSecurity({ schema: "select", table: "table", actual: on, desired: forced }).map(
        (s) => s.sql,
      ),
    ).to.deep.equal(['ALTER TABLE "select"."table" FORCE ROW LEVEL SECURITY']);
  });
});

describe("checkRowLevelSecurity", () => {
  it("fills every default", () => {
    const { inputs, failures } = checkRowLevelSecurity({ table: "orders" });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({ table: "orders", schema: "public", enabled: true, force: false });
  });

  it("keeps given values", () => {
    const { inputs, failures } = checkRowLevelSecurity({
      table: "orders",
      schema: "app",
      enabled: false,
      force: true,
      database: "shop",
      connection: { host: "db" },
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      table: "orders",
      schema: "app",
      enabled: false,
      force: true,
      database: "shop",
      connection: { host: "db" },
    });
  });

  it("reports every problem at once, each naming its property", () => {
    const { failures } = checkRowLevelSecurity({
      schema: "",
      enabled: "yes",
      force: 1,
      database: "d".repeat(64),
      connection: { port: 0 },
    });
    expect(failures.map((f) => f.property).sort()).to.deep.equal(
      ["table", "schema", "enabled", "force", "database", "connection.port"].sort(),
    );
    expect(failures.find((f) => f.property === "table")!.reason).to.equal("table is required");
    expect(failures.find((f) => f.property === "schema")!.reason).to.equal("schema must not be empty");
  });

  it("accepts values not known yet (preview)", () => {
    const { failures, inputs } = checkRowLevelSecurity({ table: UNKNOWN, enabled: UNKNOWN, force: UNKNOWN });
    expect(failures).to.deep.equal([]);
    expect(inputs.table).to.equal(UNKNOWN);
    expect(inputs.enabled).to.equal(UNKNOWN);
  });
});

describe("diffRowLevelSecurity", () => {
  const news: RowLevelSecurityInputs = { table: "orders", schema: "app", enabled: true, force: true };
  const olds: RowLevelSecurityOutputs = { ...news, previousEnabled: false, previousForce: false };

  it("no change for the same inputs (the recorded previous setting is not an input)", () => {
    expect(diffRowLevelSecurity(olds, news)).to.deep.equal({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("enabled and force change in place", () => {
    for (const c of [{ enabled: false }, { force: false }]) {
      expect(diffRowLevelSecurity(olds, { ...news, ...c }), JSON.stringify(c)).to.deep.equal({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("another table, schema or database replaces it (the new one first)", () => {
    for (const [k, v] of [
      ["table", "other"],
      ["schema", "public"],
      ["database", "shop"],
    ] as const) {
      expect(diffRowLevelSecurity(olds, { ...news, [k]: v }), k).to.deep.equal({
        changes: true,
        replaces: [k],
        deleteBeforeReplace: false,
      });
    }
  });

  it("another server replaces it, restoring the old one first; other connection fields update", () => {
    expect(diffRowLevelSecurity(olds, { ...news, connection: { host: "db2" } })).to.deep.equal({
      changes: true,
      replaces: ["connection"],
      deleteBeforeReplace: true,
    });
    expect(diffRowLevelSecurity(olds, { ...news, connection: { lockTimeout: "5s" } })).to.deep.equal({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
