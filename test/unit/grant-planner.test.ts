import { expect } from "chai";
import { type GrantPlanInput, type ObjectAcl, heldOnAll, planGrant } from "../../provider/grant/planner";
import type { Statement } from "../../provider/common/statement";

/** A table in schema public, with the privileges the grantee holds (-> with grant option). */
const table = (key: string, privileges: Record<string, boolean> = {}): ObjectAcl => ({
  key,
  sql: `public.${key}`,
  privileges,
});

const sqls = (s: Statement[]) => s.map((x) => x.sql);

function plan(over: Partial<GrantPlanInput>): Statement[] {
  return planGrant({ objectType: "table", role: "app", objects: [], cascade: false, ...over });
}

describe("planGrant", () => {
  describe("create", () => {
    it("grants each table only what it lacks, grouped by the missing set, objects sorted by key", () => {
      const statements = plan({
        objects: [
          table("t_e"),
          table("t_d", { SELECT: false, INSERT: false }),
          table("t_c", { SELECT: false }),
          table("t_a"),
          table("t_b", { SELECT: true, INSERT: false, DELETE: false }),
          table("t_f", { SELECT: false }),
        ],
        desired: { privileges: ["SELECT", "INSERT"], withGrantOption: false },
      });
      expect(statements).to.deep.equal([
        {
          description: "grant SELECT, INSERT on table t_a, t_e to app",
          sql: "GRANT SELECT, INSERT ON TABLE public.t_a, public.t_e TO app",
        },
        {
          description: "grant INSERT on table t_c, t_f to app",
          sql: "GRANT INSERT ON TABLE public.t_c, public.t_f TO app",
        },
      ]);
    });

    it("plans nothing when every object already holds everything", () => {
      expect(
        plan({
          objects: [table("a", { SELECT: false }), table("b", { SELECT: true })],
          desired: { privileges: ["SELECT"], withGrantOption: false },
        }),
      ).to.deep.equal([]);
    });

    it("plans nothing on an empty schema", () => {
      expect(plan({ objects: [], desired: { privileges: ["SELECT"], withGrantOption: true } })).to.deep.equal(
        [],
      );
    });

    it("grants with the grant option where a privilege is held without it, not where it is held with it", () => {
      const statements = plan({
        objects: [
          table("a", { SELECT: false, INSERT: true }),
          table("b", { SELECT: true, INSERT: true }),
          table("c"),
        ],
        desired: { privileges: ["SELECT", "INSERT"], withGrantOption: true },
      });
      expect(statements).to.deep.equal([
        {
          description: "grant SELECT on table a to app with grant option",
          sql: "GRANT SELECT ON TABLE public.a TO app WITH GRANT OPTION",
        },
        {
          description: "grant SELECT, INSERT on table c to app with grant option",
          sql: "GRANT SELECT, INSERT ON TABLE public.c TO app WITH GRANT OPTION",
        },
      ]);
    });

    it("does not revoke anything on create", () => {
      const statements = plan({
        objects: [table("a", { SELECT: true, DELETE: true, TRUNCATE: false })],
        desired: { privileges: ["SELECT"], withGrantOption: false },
      });
      expect(statements).to.deep.equal([]);
    });
  });

  describe("update", () => {
    it("revokes only previous-minus-desired, only where held, and grants what is newly wanted", () => {
      const statements = plan({
        objects: [
          table("t3", { SELECT: false, UPDATE: false }),
          table("t1", { SELECT: false, INSERT: false, DELETE: false }),
          table("t2", { SELECT: false, INSERT: false, TRUNCATE: false }),
        ],
        previous: { privileges: ["SELECT", "INSERT", "DELETE"], withGrantOption: false },
        desired: { privileges: ["SELECT", "UPDATE"], withGrantOption: false },
      });
      expect(statements).to.deep.equal([
        {
          description: "grant UPDATE on table t1, t2 to app",
          sql: "GRANT UPDATE ON TABLE public.t1, public.t2 TO app",
        },
        {
          description: "revoke INSERT, DELETE on table t1 from app",
          sql: "REVOKE INSERT, DELETE ON TABLE public.t1 FROM app",
        },
        {
          description: "revoke INSERT on table t2 from app",
          sql: "REVOKE INSERT ON TABLE public.t2 FROM app",
        },
      ]);
    });

    it("never revokes a privilege that stays wanted, nor one it never managed", () => {
      const statements = plan({
        objects: [table("a", { SELECT: false, INSERT: false, TRUNCATE: true })],
        previous: { privileges: ["SELECT", "INSERT"], withGrantOption: false },
        desired: { privileges: ["INSERT", "SELECT", "UPDATE"], withGrantOption: false },
      });
      expect(sqls(statements)).to.deep.equal(["GRANT UPDATE ON TABLE public.a TO app"]);
      expect(statements.some((s) => s.sql.startsWith("REVOKE"))).to.equal(false);
    });

    it("plans nothing when previous and desired are the same and held", () => {
      const set = { privileges: ["SELECT", "INSERT"], withGrantOption: false };
      expect(
        plan({ objects: [table("a", { SELECT: false, INSERT: false })], previous: set, desired: set }),
      ).to.deep.equal([]);
    });

    it("revokes the grant option only (REVOKE GRANT OPTION FOR) when withGrantOption goes true -> false", () => {
      const statements = plan({
        objects: [
          table("a", { SELECT: true, INSERT: true }),
          table("b", { SELECT: false }),
          table("c", { SELECT: true }),
        ],
        previous: { privileges: ["SELECT", "INSERT"], withGrantOption: true },
        desired: { privileges: ["SELECT"], withGrantOption: false },
      });
      expect(statements).to.deep.equal([
        { description: "revoke INSERT on table a from app", sql: "REVOKE INSERT ON TABLE public.a FROM app" },
        {
          description: "revoke the grant option for SELECT on table a, c from app",
          sql: "REVOKE GRANT OPTION FOR SELECT ON TABLE public.a, public.c FROM app",
        },
      ]);
    });

    it("adds the grant option when withGrantOption goes false -> true", () => {
      const statements = plan({
        objects: [table("a", { SELECT: false }), table("b", { SELECT: true })],
        previous: { privileges: ["SELECT"], withGrantOption: false },
        desired: { privileges: ["SELECT"], withGrantOption: true },
      });
      expect(sqls(statements)).to.deep.equal(["GRANT SELECT ON TABLE public.a TO app WITH GRANT OPTION"]);
    });

    it("adds CASCADE to revokes and grant-option revokes when cascade is set, never to grants", () => {
      const statements = plan({
        cascade: true,
        objects: [table("a", { SELECT: true, INSERT: true })],
        previous: { privileges: ["SELECT", "INSERT"], withGrantOption: true },
        desired: { privileges: ["SELECT", "UPDATE"], withGrantOption: false },
      });
      expect(sqls(statements)).to.deep.equal([
        "GRANT UPDATE ON TABLE public.a TO app",
        "REVOKE INSERT ON TABLE public.a FROM app CASCADE",
        "REVOKE GRANT OPTION FOR SELECT ON TABLE public.a FROM app CASCADE",
      ]);
    });
  });

  describe("delete", () => {
    it("revokes what it managed, only where held", () => {
      const statements = plan({
        objects: [
          table("b"),
          table("a", { SELECT: false, INSERT: true, TRUNCATE: false }),
          table("c", { INSERT: false }),
        ],
        previous: { privileges: ["SELECT", "INSERT"], withGrantOption: false },
      });
      expect(statements).to.deep.equal([
        {
          description: "revoke SELECT, INSERT on table a from app",
          sql: "REVOKE SELECT, INSERT ON TABLE public.a FROM app",
        },
        { description: "revoke INSERT on table c from app", sql: "REVOKE INSERT ON TABLE public.c FROM app" },
      ]);
    });

    it("does not issue REVOKE GRANT OPTION FOR on delete (REVOKE takes the option too)", () => {
      const statements = plan({
        cascade: true,
        objects: [table("a", { SELECT: true })],
        previous: { privileges: ["SELECT"], withGrantOption: true },
      });
      expect(sqls(statements)).to.deep.equal(["REVOKE SELECT ON TABLE public.a FROM app CASCADE"]);
    });

    it("plans nothing when nothing is held", () => {
      expect(
        plan({
          objects: [table("a"), table("b", { TRUNCATE: false })],
          previous: { privileges: ["SELECT"], withGrantOption: false },
        }),
      ).to.deep.equal([]);
    });
  });

  describe("grantees and object types", () => {
    it("writes PUBLIC as the keyword", () => {
      const grant = plan({
        role: "public",
        objects: [table("a")],
        desired: { privileges: ["SELECT"], withGrantOption: false },
      });
      expect(sqls(grant)).to.deep.equal(["GRANT SELECT ON TABLE public.a TO PUBLIC"]);
      const revoke = plan({
        role: "PUBLIC",
        objects: [table("a", { SELECT: false })],
        previous: { privileges: ["SELECT"], withGrantOption: false },
      });
      expect(sqls(revoke)).to.deep.equal(["REVOKE SELECT ON TABLE public.a FROM PUBLIC"]);
    });

    it("quotes a hostile grantee", () => {
      const statements = plan({
        role: 'x"; DROP ROLE postgres; --',
        objects: [table("a")],
        desired: { privileges: ["SELECT"], withGrantOption: false },
      });
      expect(sqls(statements)).to.deep.equal([
        'GRANT SELECT ON TABLE public.a TO "x""; DROP ROLE postgres; --"',
      ]);
    });

    it("uses DATABASE", () => {
      const statements = planGrant({
        objectType: "database",
        role: "App",
        objects: [{ key: "app db", sql: '"app db"', privileges: { CONNECT: false } }],
        desired: { privileges: ["CONNECT", "TEMPORARY"], withGrantOption: false },
        cascade: false,
      });
      expect(statements).to.deep.equal([
        {
          description: "grant TEMPORARY on database app db to App",
          sql: 'GRANT TEMPORARY ON DATABASE "app db" TO "App"',
        },
      ]);
    });

    it("uses SCHEMA", () => {
      const statements = planGrant({
        objectType: "schema",
        role: "app",
        objects: [{ key: "My Schema", sql: '"My Schema"', privileges: { USAGE: false, CREATE: false } }],
        previous: { privileges: ["USAGE", "CREATE"], withGrantOption: false },
        desired: { privileges: ["USAGE"], withGrantOption: false },
        cascade: false,
      });
      expect(sqls(statements)).to.deep.equal(['REVOKE CREATE ON SCHEMA "My Schema" FROM app']);
    });

    it("uses SEQUENCE", () => {
      const statements = planGrant({
        objectType: "sequence",
        role: "app",
        objects: [{ key: "s", sql: "public.s", privileges: {} }],
        desired: { privileges: ["USAGE", "SELECT"], withGrantOption: false },
        cascade: false,
      });
      expect(sqls(statements)).to.deep.equal(["GRANT USAGE, SELECT ON SEQUENCE public.s TO app"]);
    });

    it("uses FUNCTION, PROCEDURE and ROUTINE with the routine's signature", () => {
      for (const [objectType, kw] of [
        ["function", "FUNCTION"],
        ["procedure", "PROCEDURE"],
        ["routine", "ROUTINE"],
      ] as const) {
        const statements = planGrant({
          objectType,
          role: "app",
          objects: [
            { key: "f(integer)", sql: "public.f(integer)", privileges: {} },
            { key: "g", sql: '"Other".g(text, integer)', privileges: {} },
          ],
          desired: { privileges: ["EXECUTE"], withGrantOption: false },
          cascade: false,
        });
        expect(sqls(statements)).to.deep.equal([
          `GRANT EXECUTE ON ${kw} public.f(integer), "Other".g(text, integer) TO app`,
        ]);
      }
    });
  });
});

describe("heldOnAll", () => {
  it("is the intersection of what every object holds", () => {
    const objects = [
      table("a", { SELECT: true, INSERT: true, DELETE: true }),
      table("b", { SELECT: true, DELETE: true }),
    ];
    expect(heldOnAll(objects, ["SELECT", "INSERT", "DELETE"])).to.deep.equal({
      held: ["SELECT", "DELETE"],
      grantable: true,
    });
  });

  it("only counts managed privileges", () => {
    const objects = [table("a", { SELECT: false, TRUNCATE: false })];
    expect(heldOnAll(objects, ["SELECT"])).to.deep.equal({ held: ["SELECT"], grantable: false });
  });

  it("holds nothing when one object holds nothing", () => {
    expect(heldOnAll([table("a", { SELECT: false }), table("b")], ["SELECT"]).held).to.deep.equal([]);
    expect(heldOnAll([table("b"), table("a", { SELECT: false })], ["SELECT"]).held).to.deep.equal([]);
  });

  it("counts everything managed as held on an empty object list", () => {
    expect(heldOnAll([], ["SELECT", "INSERT"])).to.deep.equal({
      held: ["SELECT", "INSERT"],
      grantable: true,
    });
  });

  it("is not grantable when any held privilege lacks the option on any object", () => {
    const objects = [table("a", { SELECT: true, INSERT: true }), table("b", { SELECT: true, INSERT: false })];
    expect(heldOnAll(objects, ["SELECT", "INSERT"])).to.deep.equal({
      held: ["SELECT", "INSERT"],
      grantable: false,
    });
  });

  it("does not depend on the order of the objects", () => {
    // INSERT is held without the option on a but not at all on b: the intersection is SELECT,
    // which carries the option everywhere.
    const a = table("a", { SELECT: true, INSERT: false });
    const b = table("b", { SELECT: true });
    expect(heldOnAll([b, a], ["SELECT", "INSERT"])).to.deep.equal({ held: ["SELECT"], grantable: true });
    expect(heldOnAll([a, b], ["SELECT", "INSERT"])).to.deep.equal({ held: ["SELECT"], grantable: true });
  });
});

describe("planGrant: column privileges", () => {
  it("names columns per privilege and one statement per table", () => {
    const col = (table: string, column: string, privileges: Record<string, boolean> = {}) => ({
      key: `${table}.${column}`,
      sql: column === "Salary" ? '"Salary"' : column,
      table: `s.${table}`,
      privileges,
    });
    const statements = planGrant({
      objectType: "column",
      role: "r",
      objects: [col("a", "x"), col("a", "Salary"), col("b", "x", { SELECT: false })],
      desired: { privileges: ["SELECT", "UPDATE"], withGrantOption: false },
      cascade: false,
    }).map((s) => s.sql);
    expect(statements).to.deep.equal([
      'GRANT SELECT ("Salary", x), UPDATE ("Salary", x) ON TABLE s.a TO r',
      "GRANT UPDATE (x) ON TABLE s.b TO r",
    ]);
  });
});
