import { expect } from "chai";
import { planRole } from "../../provider/role/planner";
import { roleActual, roleDesired } from "../support/role-values";
import type { RoleFlag } from "../../provider/role/inputs";
import type { Statement } from "../../provider/common/statement";

const HOSTILE = 'x"; DROP ROLE postgres; --';
const HOSTILE_SQL = '"x""; DROP ROLE postgres; --"';
const VERIFIER = "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$c3RvcmVk:c2VydmVy";

const actual = roleActual;
const desired = roleDesired;

const sqls = (s: Statement[]) => s.map((x) => x.sql);

describe("planRole", () => {
  describe("create", () => {
    it("writes every attribute with its default", () => {
      expect(planRole({ actual: undefined, desired: desired() })).to.deep.equal([
        {
          description: "create role app",
          sql: "CREATE ROLE app WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1",
        },
      ]);
    });

    it("writes every option, the valid-until, the password verifier and the groups", () => {
      const plan = planRole({
        actual: undefined,
        desired: desired({
          login: true,
          superuser: true,
          createDatabase: true,
          createRole: true,
          inherit: false,
          replication: true,
          bypassRowLevelSecurity: true,
          connectionLimit: 5,
          validUntil: "2030-01-01T00:00:00Z",
          passwordVerifier: VERIFIER,
          inRoles: ["readers", "Writers"],
        }),
      });
      expect(sqls(plan)).to.deep.equal([
        "CREATE ROLE app WITH LOGIN SUPERUSER CREATEDB CREATEROLE NOINHERIT REPLICATION BYPASSRLS CONNECTION LIMIT 5 " +
          `VALID UNTIL '2030-01-01T00:00:00Z' PASSWORD '${VERIFIER}'`,
        'GRANT readers, "Writers" TO app',
      ]);
      expect(plan[1]!.description).to.equal("add role app to readers, Writers");
      expect(plan.every((s) => s.ignore === undefined)).to.equal(true);
    });

    it("writes VALID UNTIL 'infinity' as given", () => {
      expect(
        sqls(planRole({ actual: undefined, desired: desired({ validUntil: "infinity" }) })),
      ).to.deep.equal([
        "CREATE ROLE app WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 VALID UNTIL 'infinity'",
      ]);
    });

    it("writes no PASSWORD clause without a verifier (undefined or null)", () => {
      for (const passwordVerifier of [undefined, null]) {
        const [create] = planRole({ actual: undefined, desired: desired({ passwordVerifier }) });
        expect(create!.sql).to.not.include("PASSWORD");
      }
    });

    it("quotes hostile names everywhere", () => {
      expect(
        sqls(planRole({ actual: undefined, desired: desired({ name: HOSTILE, inRoles: ["user", "It's"] }) })),
      ).to.deep.equal([
        `CREATE ROLE ${HOSTILE_SQL} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1`,
        `GRANT "user", "It's" TO ${HOSTILE_SQL}`,
      ]);
    });

    it("quotes a password verifier with quotes and backslashes as a literal", () => {
      const [create] = planRole({ actual: undefined, desired: desired({ passwordVerifier: "md5'\\x" }) });
      expect(create!.sql).to.match(/ PASSWORD E'md5''\\\\x'$/);
    });
  });

  describe("update", () => {
    it("plans nothing when everything matches", () => {
      expect(planRole({ actual: actual(), desired: desired() })).to.deep.equal([]);
      expect(
        planRole({
          actual: actual({ login: true, connectionLimit: 3, inRoles: ["a", "b"] }),
          desired: desired({
            login: true,
            connectionLimit: 3,
            inRoles: ["a", "b"],
            previousInRoles: ["a", "b"],
          }),
        }),
      ).to.deep.equal([]);
    });

    const cases: Array<[RoleFlag, boolean, string]> = [
      ["login", true, "LOGIN"],
      ["superuser", true, "SUPERUSER"],
      ["createDatabase", true, "CREATEDB"],
      ["createRole", true, "CREATEROLE"],
      ["inherit", false, "NOINHERIT"],
      ["replication", true, "REPLICATION"],
      ["bypassRowLevelSecurity", true, "BYPASSRLS"],
    ];
    for (const [flag, value, keyword] of cases) {
      it(`changes only ${flag} with one ALTER ROLE ... ${keyword}`, () => {
        expect(planRole({ actual: actual(), desired: desired({ [flag]: value }) })).to.deep.equal([
          { description: "alter role app", sql: `ALTER ROLE app WITH ${keyword}` },
        ]);
      });
      const back = keyword.startsWith("NO") ? keyword.slice(2) : `NO${keyword}`;
      it(`changes only ${flag} back with one ALTER ROLE ... ${back}`, () => {
        expect(sqls(planRole({ actual: actual({ [flag]: value }), desired: desired() }))).to.deep.equal([
          `ALTER ROLE app WITH ${back}`,
        ]);
      });
    }

    it("changes only the connection limit", () => {
      expect(sqls(planRole({ actual: actual(), desired: desired({ connectionLimit: 10 }) }))).to.deep.equal([
        "ALTER ROLE app WITH CONNECTION LIMIT 10",
      ]);
      expect(
        sqls(planRole({ actual: actual({ connectionLimit: 10 }), desired: desired({ connectionLimit: 0 }) })),
      ).to.deep.equal(["ALTER ROLE app WITH CONNECTION LIMIT 0"]);
    });

    it("combines several changed attributes in one ALTER ROLE", () => {
      expect(
        sqls(
          planRole({
            actual: actual(),
            desired: desired({ login: true, createRole: true, connectionLimit: 2 }),
          }),
        ),
      ).to.deep.equal(["ALTER ROLE app WITH LOGIN CREATEROLE CONNECTION LIMIT 2"]);
    });

    it("renames first, then alters the role by its new name", () => {
      const plan = planRole({
        actual: actual({ name: "before" }),
        desired: desired({ name: "after", login: true }),
      });
      expect(plan).to.deep.equal([
        { description: "rename role before to after", sql: "ALTER ROLE before RENAME TO after" },
        { description: "alter role after", sql: "ALTER ROLE after WITH LOGIN" },
      ]);
    });

    it("renames alone when nothing else changes", () => {
      expect(
        sqls(planRole({ actual: actual({ name: "before" }), desired: desired({ name: "After" }) })),
      ).to.deep.equal(['ALTER ROLE before RENAME TO "After"']);
    });

    it("sets a password verifier", () => {
      expect(
        sqls(planRole({ actual: actual(), desired: desired({ passwordVerifier: VERIFIER }) })),
      ).to.deep.equal([`ALTER ROLE app WITH PASSWORD '${VERIFIER}'`]);
    });

    it("clears the password with PASSWORD NULL", () => {
      expect(
        sqls(planRole({ actual: actual(), desired: desired({ passwordVerifier: null }) })),
      ).to.deep.equal(["ALTER ROLE app WITH PASSWORD NULL"]);
    });

    it("leaves the password alone when the verifier is undefined", () => {
      expect(planRole({ actual: actual(), desired: desired({ passwordVerifier: undefined }) })).to.deep.equal(
        [],
      );
    });

    describe("valid until", () => {
      it("sets it when the server says the stored one differs", () => {
        const a = actual({ validUntil: "2030-01-01T00:00:00Z", validUntilMatches: false });
        expect(sqls(planRole({ actual: a, desired: desired({ validUntil: "2031-06-01" }) }))).to.deep.equal([
          "ALTER ROLE app WITH VALID UNTIL '2031-06-01'",
        ]);
      });

      it("leaves it when the server says it matches, however differently it is spelled", () => {
        const a = actual({ validUntil: "2030-01-01T00:00:00Z", validUntilMatches: true });
        expect(planRole({ actual: a, desired: desired({ validUntil: "2030-01-01" }) })).to.deep.equal([]);
      });

      it("sets it on a role that has no expiry", () => {
        expect(
          sqls(planRole({ actual: actual(), desired: desired({ validUntil: "2030-01-01" }) })),
        ).to.deep.equal(["ALTER ROLE app WITH VALID UNTIL '2030-01-01'"]);
      });

      it("removes an expiry with VALID UNTIL 'infinity'", () => {
        const a = actual({ validUntil: "2030-01-01T00:00:00Z" });
        expect(sqls(planRole({ actual: a, desired: desired() }))).to.deep.equal([
          "ALTER ROLE app WITH VALID UNTIL 'infinity'",
        ]);
      });

      it("plans nothing when no expiry is wanted and the stored one is already infinity", () => {
        // Removing an expiry stores 'infinity' (PostgreSQL cannot set it back to NULL), so this
        // is the state every role is in after validUntil was removed once.
        expect(planRole({ actual: actual({ validUntil: "infinity" }), desired: desired() })).to.deep.equal(
          [],
        );
      });

      it("leaves infinity when infinity is wanted and matches", () => {
        const a = actual({ validUntil: "infinity", validUntilMatches: true });
        expect(planRole({ actual: a, desired: desired({ validUntil: "infinity" }) })).to.deep.equal([]);
      });
    });

    describe("group memberships (inRoles)", () => {
      it("adds the missing groups", () => {
        expect(
          planRole({ actual: actual({ inRoles: ["a"] }), desired: desired({ inRoles: ["a", "b", "C"] }) }),
        ).to.deep.equal([{ description: "add role app to b, C", sql: 'GRANT b, "C" TO app' }]);
      });

      it("removes only groups it put the role in before, and only those the role is in", () => {
        const a = actual({ inRoles: ["a", "b", "elsewhere"] });
        const d = desired({ inRoles: ["a", "c"], previousInRoles: ["a", "b", "gone"] });
        expect(planRole({ actual: a, desired: d })).to.deep.equal([
          { description: "add role app to c", sql: "GRANT c TO app" },
          { description: "remove role app from b", sql: "REVOKE b FROM app", ignore: ["42704"] },
        ]);
      });

      it("never removes memberships managed elsewhere", () => {
        expect(
          planRole({ actual: actual({ inRoles: ["by_hand"] }), desired: desired({ previousInRoles: [] }) }),
        ).to.deep.equal([]);
        expect(
          planRole({
            actual: actual({ inRoles: ["by_hand"] }),
            desired: desired({ previousInRoles: undefined }),
          }),
        ).to.deep.equal([]);
      });

      it("removes a group that stays in previousInRoles but is no longer wanted, together with a rename", () => {
        const plan = planRole({
          actual: actual({ name: "before", inRoles: ["g1", "g2"] }),
          desired: desired({ name: "after", inRoles: ["g1"], previousInRoles: ["g1", "g2"] }),
        });
        expect(sqls(plan)).to.deep.equal(["ALTER ROLE before RENAME TO after", "REVOKE g2 FROM after"]);
      });
    });

    it("quotes hostile names in every statement", () => {
      const plan = planRole({
        actual: actual({ name: "before", inRoles: ["select"] }),
        desired: desired({
          name: HOSTILE,
          login: true,
          passwordVerifier: null,
          inRoles: ['g"1'],
          previousInRoles: ["select"],
        }),
      });
      expect(sqls(plan)).to.deep.equal([
        `ALTER ROLE before RENAME TO ${HOSTILE_SQL}`,
        `ALTER ROLE ${HOSTILE_SQL} WITH LOGIN PASSWORD NULL`,
        `GRANT "g""1" TO ${HOSTILE_SQL}`,
        `REVOKE "select" FROM ${HOSTILE_SQL}`,
      ]);
    });
  });

  describe("delete", () => {
    it("drops the role by its current name", () => {
      expect(planRole({ actual: actual({ name: "renamed_by_hand" }), desired: undefined })).to.deep.equal([
        { description: "drop role renamed_by_hand", sql: "DROP ROLE IF EXISTS renamed_by_hand" },
      ]);
    });

    it("quotes a hostile name", () => {
      expect(sqls(planRole({ actual: actual({ name: HOSTILE }), desired: undefined }))).to.deep.equal([
        `DROP ROLE IF EXISTS ${HOSTILE_SQL}`,
      ]);
    });

    it("plans nothing when the role is already gone", () => {
      expect(planRole({ actual: undefined, desired: undefined })).to.deep.equal([]);
    });
  });
});

describe("planRole: settings and comment", () => {
  it("create sets parameters (list parameters as lists of literals) and the comment", () => {
    expect(
      sqls(
        planRole({
          actual: undefined,
          desired: desired({
            settings: { statement_timeout: "5s", search_path: 'app, "$user"', "app.tenant": "it's" },
            comment: "the app",
          }),
        }),
      ),
    ).to.deep.equal([
      "CREATE ROLE app WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1",
      "ALTER ROLE app SET app.tenant TO 'it''s'",
      "ALTER ROLE app SET search_path TO 'app', '$user'",
      "ALTER ROLE app SET statement_timeout TO '5s'",
      "COMMENT ON ROLE app IS 'the app'",
    ]);
  });

  it("update sets only what differs, resets only what it managed, compares list parameters by element", () => {
    const a = actual({
      settings: { search_path: 'app, "$user"', statement_timeout: "5s", work_mem: "4MB", other: "x" },
      comment: "old",
    });
    const d = desired({
      settings: { search_path: "app,$user", statement_timeout: "10s" },
      previousSettings: ["search_path", "statement_timeout", "work_mem"],
      comment: null,
    });
    expect(sqls(planRole({ actual: a, desired: d }))).to.deep.equal([
      "ALTER ROLE app SET statement_timeout TO '10s'",
      "ALTER ROLE app RESET work_mem",
      "COMMENT ON ROLE app IS NULL",
    ]);
  });

  it("leaves an unmanaged comment alone", () => {
    expect(sqls(planRole({ actual: actual({ comment: "by hand" }), desired: desired() }))).to.deep.equal([]);
  });
});
