import { expect } from "chai";
import { planMembership } from "../../provider/membership/planner";

const pair = { role: "readers", member: "alice" };

describe("planMembership", () => {
  describe("create / update", () => {
    it("grants a missing membership", () => {
      expect(
        planMembership({ ...pair, actual: undefined, desired: { ...pair, withAdmin: false } }),
      ).to.deep.equal([{ description: "add alice in readers", sql: "GRANT readers TO alice" }]);
    });

    it("grants a missing membership with the admin option", () => {
      expect(
        planMembership({ ...pair, actual: undefined, desired: { ...pair, withAdmin: true } }),
      ).to.deep.equal([
        {
          description: "add alice in readers with admin option",
          sql: "GRANT readers TO alice WITH ADMIN OPTION",
        },
      ]);
    });

    it("adds the admin option to an existing membership", () => {
      expect(
        planMembership({ ...pair, actual: { admin: false }, desired: { ...pair, withAdmin: true } }),
      ).to.deep.equal([
        {
          description: "give alice in readers the admin option",
          sql: "GRANT readers TO alice WITH ADMIN OPTION",
        },
      ]);
    });

    it("takes the admin option away, keeping the membership", () => {
      expect(
        planMembership({ ...pair, actual: { admin: true }, desired: { ...pair, withAdmin: false } }),
      ).to.deep.equal([
        {
          description: "take the admin option from alice in readers",
          sql: "REVOKE ADMIN OPTION FOR readers FROM alice",
        },
      ]);
    });

    it("plans nothing when the membership is as wanted", () => {
      expect(
        planMembership({ ...pair, actual: { admin: false }, desired: { ...pair, withAdmin: false } }),
      ).to.deep.equal([]);
      expect(
        planMembership({ ...pair, actual: { admin: true }, desired: { ...pair, withAdmin: true } }),
      ).to.deep.equal([]);
    });
  });

  describe("delete", () => {
    it("revokes an existing membership, ignoring a role that has vanished meanwhile", () => {
      expect(planMembership({ ...pair, actual: { admin: true }, desired: undefined })).to.deep.equal([
        { description: "remove alice in readers", sql: "REVOKE readers FROM alice", ignore: ["42704"] },
      ]);
      expect(planMembership({ ...pair, actual: { admin: false }, desired: undefined })).to.deep.equal([
        { description: "remove alice in readers", sql: "REVOKE readers FROM alice", ignore: ["42704"] },
      ]);
    });

    it("plans nothing when the membership is already gone", () => {
      expect(planMembership({ ...pair, actual: undefined, desired: undefined })).to.deep.equal([]);
    });
  });

  describe("quoting", () => {
    it("quotes hostile, upper-case and reserved names", () => {
      const p = { role: 'x"; DROP ROLE postgres; --', member: "User" };
      expect(
        planMembership({ ...p, actual: undefined, desired: { ...p, withAdmin: true } }).map((s) => s.sql),
      ).to.deep.equal(['GRANT "x""; DROP ROLE postgres; --" TO "User" WITH ADMIN OPTION']);
      const q = { role: "select", member: "all" };
      expect(
        planMembership({ ...q, actual: { admin: true }, desired: { ...q, withAdmin: false } }).map(
          (s) => s.sql,
        ),
      ).to.deep.equal(['REVOKE ADMIN OPTION FOR "select" FROM "all"']);
      expect(
        planMembership({ ...q, actual: { admin: false }, desired: undefined }).map((s) => s.sql),
      ).to.deep.equal(['REVOKE "select" FROM "all"']);
    });

    it("grants to a role named current_role, not to the session's own role", () => {
      // Bare, CURRENT_ROLE is a keyword meaning the role running the statement (the admin).
      const p = { role: "readers", member: "current_role" };
      expect(
        planMembership({ ...p, actual: undefined, desired: { ...p, withAdmin: false } }).map((s) => s.sql),
      ).to.deep.equal(['GRANT readers TO "current_role"']);
    });

    it("uses the pair given, not the desired names, for the statement", () => {
      // The hooks pass the same pair; the planner must quote that pair.
      const plan = planMembership({
        role: "G",
        member: "m",
        actual: undefined,
        desired: {
          role: "G",
          member: "m",
          withAdmin: false,
        },
      });
      expect(plan.map((s) => s.sql)).to.deep.equal(['GRANT "G" TO m']);
    });
  });
});

describe("planMembership: PostgreSQL 16 options", () => {
  const pair = { role: "grp", member: "mem" };
  it("creates with the option list when inherit or set is given", () => {
    expect(
      planMembership({
        ...pair,
        actual: undefined,
        desired: { ...pair, withAdmin: true, inherit: false, set: true },
      }).map((s) => s.sql),
    ).to.deep.equal(["GRANT grp TO mem WITH ADMIN TRUE, INHERIT FALSE, SET TRUE"]);
  });
  it("changes only the options that differ, by granting again", () => {
    expect(
      planMembership({
        ...pair,
        actual: { admin: false, inherit: true, set: true },
        desired: { ...pair, withAdmin: false, inherit: false, set: true },
      }).map((s) => s.sql),
    ).to.deep.equal(["GRANT grp TO mem WITH INHERIT FALSE"]);
  });
  it("leaves unmanaged options alone", () => {
    expect(
      planMembership({
        ...pair,
        actual: { admin: false, inherit: false, set: false },
        desired: { ...pair, withAdmin: false },
      }),
    ).to.deep.equal([]);
  });
});
