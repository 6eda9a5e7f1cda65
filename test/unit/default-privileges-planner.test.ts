import { expect } from "chai";
import {
  type DefaultPrivilegesPlanInput,
  controlled,
  heldControlled,
  planDefaultPrivileges,
} from "../../provider/default-privileges/planner";
import {
  allDefaultPrivileges,
  describeDefaultPrivileges,
  expandDefaultPrivileges,
} from "../../provider/default-privileges/object-types";
import type { Statement } from "../../provider/common/statement";

const sqls = (s: Statement[]) => s.map((x) => x.sql);
const none = (privileges: string[] = []) => ({ privileges, withGrantOption: false });

function plan(over: Partial<DefaultPrivilegesPlanInput>): Statement[] {
  return planDefaultPrivileges({
    owner: "app_owner",
    objectType: "table",
    role: "readonly",
    held: {},
    builtin: [],
    ...over,
  });
}

describe("planDefaultPrivileges", () => {
  describe("create", () => {
    it("grants what the grantee lacks in the global entry, in one statement", () => {
      expect(plan({ held: { INSERT: false }, desired: none(["SELECT", "INSERT", "UPDATE"]) })).to.deep.equal([
        {
          description: "grant SELECT, UPDATE on future tables of app_owner to readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT SELECT, UPDATE ON TABLES TO readonly",
        },
      ]);
    });

    it("writes IN SCHEMA for a per-schema entry", () => {
      expect(plan({ schema: "app", desired: none(["SELECT"]) })).to.deep.equal([
        {
          description: "grant SELECT on future tables of app_owner in schema app to readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO readonly",
        },
      ]);
    });

    it("plans nothing when everything is held", () => {
      expect(
        plan({ held: { SELECT: false, INSERT: true }, desired: none(["SELECT", "INSERT"]) }),
      ).to.deep.equal([]);
    });

    it("does not revoke privileges it does not control, even when held", () => {
      expect(plan({ held: { SELECT: false, DELETE: false }, desired: none(["SELECT"]) })).to.deep.equal([]);
    });

    it("grants WITH GRANT OPTION where a privilege is missing or held without the option", () => {
      expect(
        sqls(
          plan({
            held: { SELECT: false, INSERT: true },
            desired: { privileges: ["SELECT", "INSERT", "UPDATE"], withGrantOption: true },
          }),
        ),
      ).to.deep.equal([
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT SELECT, UPDATE ON TABLES TO readonly WITH GRANT OPTION",
      ]);
    });

    it("revokes a built-in default the global entry does not list: PUBLIC's EXECUTE on functions", () => {
      expect(
        plan({
          objectType: "function",
          role: "PUBLIC",
          held: { EXECUTE: false },
          builtin: ["EXECUTE"],
          desired: none([]),
        }),
      ).to.deep.equal([
        {
          description: "revoke EXECUTE on future functions of app_owner from PUBLIC",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
        },
      ]);
    });

    it("plans nothing when a built-in default is declared and held (PUBLIC's USAGE on types)", () => {
      expect(
        plan({
          objectType: "type",
          role: "PUBLIC",
          held: { USAGE: false },
          builtin: ["USAGE"],
          desired: none(["USAGE"]),
        }),
      ).to.deep.equal([]);
    });

    it("narrows the owner's own built-in default to what is listed", () => {
      const all = allDefaultPrivileges("table", 170000);
      expect(
        sqls(
          plan({
            role: "app_owner",
            held: Object.fromEntries(all.map((p) => [p, false])),
            builtin: all,
            desired: none(["SELECT", "INSERT"]),
          }),
        ),
      ).to.deep.equal([
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN ON TABLES FROM app_owner",
      ]);
    });

    it("grants back a built-in default someone revoked, when it is declared", () => {
      expect(
        sqls(
          plan({
            objectType: "function",
            role: "PUBLIC",
            held: {},
            builtin: ["EXECUTE"],
            desired: none(["EXECUTE"]),
          }),
        ),
      ).to.deep.equal(["ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT EXECUTE ON FUNCTIONS TO PUBLIC"]);
    });
  });

  describe("update", () => {
    it("grants the new, revokes the dropped where held, never a privilege that stays wanted", () => {
      const statements = plan({
        held: { SELECT: false, INSERT: false },
        previous: none(["SELECT", "INSERT"]),
        desired: none(["SELECT", "UPDATE", "DELETE"]),
      });
      expect(statements).to.deep.equal([
        {
          description: "grant UPDATE, DELETE on future tables of app_owner to readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT UPDATE, DELETE ON TABLES TO readonly",
        },
        {
          description: "revoke INSERT on future tables of app_owner from readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE INSERT ON TABLES FROM readonly",
        },
      ]);
      expect(statements.some((s) => /REVOKE.*SELECT/.test(s.sql))).to.equal(false);
    });

    it("does not revoke a dropped privilege that is no longer held (revoked by hand)", () => {
      expect(
        plan({ held: { SELECT: false }, previous: none(["SELECT", "INSERT"]), desired: none(["SELECT"]) }),
      ).to.deep.equal([]);
    });

    it("re-grants drift: a managed privilege revoked by hand", () => {
      expect(
        sqls(
          plan({ held: { SELECT: false }, previous: none(["SELECT"]), desired: none(["SELECT", "INSERT"]) }),
        ),
      ).to.deep.equal(["ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT INSERT ON TABLES TO readonly"]);
    });

    it("plans nothing when previous and desired are the same and held", () => {
      const set = none(["USAGE", "SELECT"]);
      expect(
        plan({ objectType: "sequence", held: { USAGE: false, SELECT: false }, previous: set, desired: set }),
      ).to.deep.equal([]);
    });

    it("revokes only the grant option when withGrantOption goes true -> false", () => {
      expect(
        plan({
          held: { SELECT: true, INSERT: true },
          previous: { privileges: ["SELECT", "INSERT"], withGrantOption: true },
          desired: { privileges: ["SELECT", "INSERT"], withGrantOption: false },
        }),
      ).to.deep.equal([
        {
          description:
            "revoke the grant option for SELECT, INSERT on future tables of app_owner from readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE GRANT OPTION FOR SELECT, INSERT ON TABLES FROM readonly",
        },
      ]);
    });

    it("adds the grant option when withGrantOption goes false -> true", () => {
      expect(
        sqls(
          plan({
            held: { SELECT: false },
            previous: none(["SELECT"]),
            desired: { privileges: ["SELECT"], withGrantOption: true },
          }),
        ),
      ).to.deep.equal([
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT SELECT ON TABLES TO readonly WITH GRANT OPTION",
      ]);
    });

    it("revokes a built-in default re-granted by hand after it was declared away", () => {
      expect(
        sqls(
          plan({
            objectType: "routine",
            role: "PUBLIC",
            held: { EXECUTE: false },
            builtin: ["EXECUTE"],
            previous: none([]),
            desired: none([]),
          }),
        ),
      ).to.deep.equal(["ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE EXECUTE ON ROUTINES FROM PUBLIC"]);
    });

    it("grants and revokes in a per-schema entry", () => {
      expect(
        sqls(
          plan({
            schema: "App Data",
            objectType: "sequence",
            held: { USAGE: false, UPDATE: false },
            previous: none(["USAGE", "UPDATE"]),
            desired: none(["USAGE", "SELECT"]),
          }),
        ),
      ).to.deep.equal([
        'ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA "App Data" GRANT SELECT ON SEQUENCES TO readonly',
        'ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA "App Data" REVOKE UPDATE ON SEQUENCES FROM readonly',
      ]);
    });
  });

  describe("delete", () => {
    it("revokes what it managed, only where held", () => {
      expect(
        plan({ held: { SELECT: true, TRUNCATE: false }, previous: none(["SELECT", "INSERT"]) }),
      ).to.deep.equal([
        {
          description: "revoke SELECT on future tables of app_owner from readonly",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE SELECT ON TABLES FROM readonly",
        },
      ]);
    });

    it("does not issue REVOKE GRANT OPTION FOR (REVOKE takes the option too)", () => {
      expect(
        sqls(plan({ held: { SELECT: true }, previous: { privileges: ["SELECT"], withGrantOption: true } })),
      ).to.deep.equal(["ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE SELECT ON TABLES FROM readonly"]);
    });

    it("plans nothing when nothing is held", () => {
      expect(plan({ held: {}, previous: none(["SELECT"]) })).to.deep.equal([]);
    });

    it("puts back the built-in default it took away (PUBLIC's EXECUTE)", () => {
      expect(
        plan({ objectType: "function", role: "PUBLIC", held: {}, builtin: ["EXECUTE"], previous: none([]) }),
      ).to.deep.equal([
        {
          description: "grant EXECUTE on future functions of app_owner to PUBLIC",
          sql: "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT EXECUTE ON FUNCTIONS TO PUBLIC",
        },
      ]);
    });

    it("does not revoke a built-in default it declared (deleting a no-op leaves PostgreSQL's default)", () => {
      expect(
        plan({
          objectType: "type",
          role: "PUBLIC",
          held: { USAGE: false },
          builtin: ["USAGE"],
          previous: none(["USAGE"]),
        }),
      ).to.deep.equal([]);
    });

    it("restores the owner's own built-in default and drops the grant option it had added", () => {
      const all = allDefaultPrivileges("sequence", 170000);
      expect(
        sqls(
          plan({
            objectType: "sequence",
            role: "app_owner",
            held: { SELECT: true },
            builtin: all,
            previous: { privileges: ["SELECT"], withGrantOption: true },
          }),
        ),
      ).to.deep.equal([
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT USAGE, UPDATE ON SEQUENCES TO app_owner",
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner REVOKE GRANT OPTION FOR SELECT ON SEQUENCES FROM app_owner",
      ]);
    });
  });

  describe("names and object types", () => {
    it("quotes hostile owner, schema and grantee; keywords are quoted", () => {
      expect(
        sqls(
          plan({
            owner: 'o"; DROP ROLE postgres; --',
            schema: "user",
            role: "Grantee 'x'",
            desired: none(["SELECT"]),
          }),
        ),
      ).to.deep.equal([
        `ALTER DEFAULT PRIVILEGES FOR ROLE "o""; DROP ROLE postgres; --" IN SCHEMA "user" GRANT SELECT ON TABLES TO "Grantee 'x'"`,
      ]);
    });

    it("writes PUBLIC as the keyword", () => {
      expect(sqls(plan({ role: "PUBLIC", desired: none(["SELECT"]) }))).to.deep.equal([
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT SELECT ON TABLES TO PUBLIC",
      ]);
    });

    it("uses the plural keyword of each object type", () => {
      const cases = [
        ["table", "SELECT", "TABLES"],
        ["sequence", "USAGE", "SEQUENCES"],
        ["function", "EXECUTE", "FUNCTIONS"],
        ["routine", "EXECUTE", "ROUTINES"],
        ["type", "USAGE", "TYPES"],
        ["schema", "CREATE", "SCHEMAS"],
      ] as const;
      for (const [objectType, priv, kw] of cases) {
        expect(sqls(plan({ objectType, desired: none([priv]) }))).to.deep.equal([
          `ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT ${priv} ON ${kw} TO readonly`,
        ]);
      }
    });
  });
});

describe("default privilege sets", () => {
  it("ALL on tables includes MAINTAIN from PostgreSQL 17 only", () => {
    expect(expandDefaultPrivileges("table", ["ALL"], 160004)).to.not.include("MAINTAIN");
    expect(expandDefaultPrivileges("table", ["ALL"], 170000)).to.include("MAINTAIN");
    expect(expandDefaultPrivileges("type", ["ALL"], 170000)).to.deep.equal(["USAGE"]);
    expect(expandDefaultPrivileges("schema", ["ALL"], 170000)).to.deep.equal(["USAGE", "CREATE"]);
  });

  it("describes what is held the way it was declared when equivalent", () => {
    const all17 = allDefaultPrivileges("table", 170000);
    expect(describeDefaultPrivileges("table", [...all17].reverse(), ["ALL"], 170000)).to.deep.equal(["ALL"]);
    expect(describeDefaultPrivileges("table", all17, ["SELECT"], 170000)).to.deep.equal(["ALL"]);
    expect(
      describeDefaultPrivileges("table", ["INSERT", "SELECT"], ["SELECT", "INSERT"], 170000),
    ).to.deep.equal(["SELECT", "INSERT"]);
    expect(describeDefaultPrivileges("table", ["SELECT"], ["ALL"], 170000)).to.deep.equal(["SELECT"]);
    expect(describeDefaultPrivileges("function", [], [], 170000)).to.deep.equal([]);
    expect(describeDefaultPrivileges("function", ["EXECUTE"], [], 170000)).to.deep.equal(["ALL"]);
  });

  it("controls the declared privileges plus the built-in ones; reports the held ones", () => {
    expect(controlled(["SELECT"], [])).to.deep.equal(["SELECT"]);
    expect(controlled([], ["EXECUTE"])).to.deep.equal(["EXECUTE"]);
    expect(heldControlled({ SELECT: true, DELETE: false }, ["SELECT", "INSERT"])).to.deep.equal({
      held: ["SELECT"],
      grantable: true,
    });
    expect(heldControlled({ SELECT: true, INSERT: false }, ["SELECT", "INSERT"]).grantable).to.equal(false);
  });
});
