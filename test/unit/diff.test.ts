import { expect } from "chai";
import { type RoleInputs, type RoleOutputs, diffRole } from "../../provider/role/inputs";
import { type MembershipInputs, diffMembership } from "../../provider/membership/inputs";
import { type GrantInputs, diffGrant } from "../../provider/grant/inputs";

const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: false };
const UPDATE = { changes: true, replaces: [], deleteBeforeReplace: false };

describe("diffRole", () => {
  const news: RoleInputs = {
    name: "app",
    login: true,
    superuser: false,
    createDatabase: false,
    createRole: false,
    inherit: true,
    replication: false,
    bypassRowLevelSecurity: false,
    connectionLimit: -1,
    validUntil: "2030-01-01",
    password: "pw",
    inRoles: ["a", "b"],
    adoptExisting: false,
    settings: {},
    dropOwned: false,
    connection: { host: "db1", port: 5432, user: "admin", password: "admin-pw", database: "postgres" },
  };
  const olds: RoleOutputs = { ...news, oid: 16384 };

  it("reports identical inputs as no change (explicitly false)", () => {
    const d = diffRole(olds, news);
    expect(d).to.deep.equal(NO_CHANGE);
    expect(d.changes).to.equal(false);
  });

  it("ignores the order of inRoles in the old state", () => {
    expect(diffRole({ ...olds, inRoles: ["b", "a"] }, news)).to.deep.equal(NO_CHANGE);
  });

  it("updates a rename in place", () => {
    expect(diffRole(olds, { ...news, name: "app2" })).to.deep.equal(UPDATE);
  });

  it("updates every attribute in place", () => {
    const changes: Array<Partial<RoleInputs>> = [
      { login: false },
      { superuser: true },
      { createDatabase: true },
      { createRole: true },
      { inherit: false },
      { replication: true },
      { bypassRowLevelSecurity: true },
      { connectionLimit: 3 },
      { validUntil: "2031-01-01" },
      { validUntil: undefined },
      { password: "other" },
      { password: undefined },
      { inRoles: ["a"] },
      { inRoles: ["a", "b", "c"] },
    ];
    for (const c of changes)
      expect(diffRole(olds, { ...news, ...c }), JSON.stringify(c)).to.deep.equal(UPDATE);
  });

  it("replaces on a change of server (connection host)", () => {
    const d = diffRole(olds, { ...news, connection: { ...news.connection, host: "db2" } });
    expect(d).to.deep.equal({ changes: true, replaces: ["connection"], deleteBeforeReplace: false });
  });

  it("replaces on a change of port or database", () => {
    expect(
      diffRole(olds, { ...news, connection: { ...news.connection, port: 5433 } }).replaces,
    ).to.deep.equal(["connection"]);
    expect(
      diffRole(olds, { ...news, connection: { ...news.connection, database: "other" } }).replaces,
    ).to.deep.equal(["connection"]);
  });

  it("updates on a change of the connection's password or user only", () => {
    expect(
      diffRole(olds, { ...news, connection: { ...news.connection, password: "rotated" } }),
    ).to.deep.equal(UPDATE);
    expect(diffRole(olds, { ...news, connection: { ...news.connection, user: "admin2" } })).to.deep.equal(
      UPDATE,
    );
  });

  it("sees the same server written as a connection string", () => {
    const d = diffRole(olds, {
      ...news,
      connection: { connectionString: "postgres://admin:admin-pw@db1:5432/postgres" },
    });
    expect(d).to.deep.equal(UPDATE);
  });
});

describe("diffMembership", () => {
  const news: MembershipInputs = {
    role: "readers",
    member: "alice",
    withAdmin: false,
    connection: { host: "db1" },
  };

  it("reports identical inputs as no change (explicitly false)", () => {
    const d = diffMembership({ ...news }, news);
    expect(d).to.deep.equal(NO_CHANGE);
    expect(d.changes).to.equal(false);
  });

  it("treats a missing old withAdmin as false", () => {
    expect(
      diffMembership({ role: "readers", member: "alice", connection: { host: "db1" } }, news),
    ).to.deep.equal(NO_CHANGE);
  });

  it("updates withAdmin in place", () => {
    expect(diffMembership(news, { ...news, withAdmin: true })).to.deep.equal(UPDATE);
  });

  it("updates in place on a change of role or member (a rename of the old one keeps the membership)", () => {
    expect(diffMembership(news, { ...news, role: "writers" })).to.deep.equal(UPDATE);
    expect(diffMembership(news, { ...news, member: "bob" })).to.deep.equal(UPDATE);
  });

  it("replaces on a change of server, updates on a change of the password only", () => {
    expect(diffMembership(news, { ...news, connection: { host: "db2" } })).to.deep.equal({
      changes: true,
      replaces: ["connection"],
      deleteBeforeReplace: false,
    });
    expect(diffMembership(news, { ...news, connection: { host: "db1", password: "new" } })).to.deep.equal(
      UPDATE,
    );
  });
});

describe("diffGrant", () => {
  const news: GrantInputs = {
    role: "app",
    objectType: "table",
    schema: "public",
    objects: ["a", "b"],
    privileges: ["SELECT", "INSERT"],
    withGrantOption: false,
    cascade: false,
    connection: { host: "db1", password: "pw" },
  };

  it("reports identical inputs as no change (explicitly false)", () => {
    const d = diffGrant({ ...news }, news);
    expect(d).to.deep.equal(NO_CHANGE);
    expect(d.changes).to.equal(false);
  });

  it("updates privileges, withGrantOption and cascade in place", () => {
    expect(diffGrant(news, { ...news, privileges: ["SELECT"] })).to.deep.equal(UPDATE);
    expect(diffGrant(news, { ...news, privileges: ["ALL"] })).to.deep.equal(UPDATE);
    expect(diffGrant(news, { ...news, withGrantOption: true })).to.deep.equal(UPDATE);
    expect(diffGrant(news, { ...news, cascade: true })).to.deep.equal(UPDATE);
  });

  it("updates after a refresh that found drift (the outputs keep the wanted privileges)", () => {
    const drifted = { privileges: ["INSERT"], withGrantOption: false };
    expect(diffGrant({ ...news, drifted }, news)).to.deep.equal(UPDATE);
  });

  it("updates in place on a change of role (a rename of the old grantee keeps its privileges)", () => {
    expect(diffGrant(news, { ...news, role: "other" })).to.deep.equal(UPDATE);
  });

  it("replaces on a change of object type, database or schema (no overlap)", () => {
    const sequence = diffGrant(news, { ...news, objectType: "sequence", privileges: ["USAGE"] });
    expect(sequence).to.deep.equal({ changes: true, replaces: ["objectType"], deleteBeforeReplace: false });
    expect(diffGrant(news, { ...news, database: "other" })).to.deep.equal({
      changes: true,
      replaces: ["database"],
      deleteBeforeReplace: false,
    });
    expect(diffGrant(news, { ...news, schema: "sales" })).to.deep.equal({
      changes: true,
      replaces: ["schema"],
      deleteBeforeReplace: false,
    });
  });

  it("replaces several keys at once", () => {
    expect(
      diffGrant(news, { ...news, role: "other", schema: "sales", objects: ["c"] }).replaces,
    ).to.deep.equal(["schema", "objects"]);
  });

  it("deletes before replacing when the objects overlap", () => {
    expect(diffGrant(news, { ...news, objects: ["b", "c"] })).to.deep.equal({
      changes: true,
      replaces: ["objects"],
      deleteBeforeReplace: true,
    });
  });

  it("creates first when the objects are disjoint", () => {
    expect(diffGrant(news, { ...news, objects: ["c", "d"] })).to.deep.equal({
      changes: true,
      replaces: ["objects"],
      deleteBeforeReplace: false,
    });
  });

  it("deletes before replacing when either side is every object in the schema", () => {
    expect(diffGrant(news, { ...news, objects: undefined })).to.deep.equal({
      changes: true,
      replaces: ["objects"],
      deleteBeforeReplace: true,
    });
    expect(diffGrant({ ...news, objects: undefined }, { ...news, objects: ["z"] })).to.deep.equal({
      changes: true,
      replaces: ["objects"],
      deleteBeforeReplace: true,
    });
  });

  it("deletes first when the role changes too and the objects overlap (the old grantee may be the new one renamed)", () => {
    expect(diffGrant(news, { ...news, role: "other", objects: ["b", "c"] })).to.deep.equal({
      changes: true,
      replaces: ["objects"],
      deleteBeforeReplace: true,
    });
  });

  it("replaces on a change of server (connection host)", () => {
    const d = diffGrant(news, { ...news, connection: { host: "db2", password: "pw" } });
    expect(d.changes).to.equal(true);
    expect(d.replaces).to.deep.equal(["connection"]);
  });

  it("updates in place on a change of the connection's password only", () => {
    expect(diffGrant(news, { ...news, connection: { host: "db1", password: "rotated" } })).to.deep.equal(
      UPDATE,
    );
  });
});
