import { expect } from "chai";
import { checkRole } from "../../provider/role/inputs";
import { checkMembership } from "../../provider/membership/inputs";
import { checkGrant } from "../../provider/grant/inputs";
import { UNKNOWN } from "../../provider/common/validate";

type Failure = { property: string; reason: string };
const props = (failures: Failure[]) => failures.map((f) => f.property).sort();
const reasonOf = (failures: Failure[], property: string) =>
  failures.filter((f) => f.property === property).map((f) => f.reason);

const NAME_63_BYTES = "é".repeat(31) + "a"; // 31 * 2 + 1 bytes
const NAME_64_BYTES = "é".repeat(32); // 32 characters, 64 bytes

describe("checkRole", () => {
  it("fills every default", () => {
    const { inputs, failures } = checkRole({ name: "app" });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      name: "app",
      login: false,
      superuser: false,
      createDatabase: false,
      createRole: false,
      inherit: true,
      replication: false,
      bypassRowLevelSecurity: false,
      connectionLimit: -1,
      inRoles: [],
      adoptExisting: false,
      settings: {},
      dropOwned: false,
    });
  });

  it("keeps given values and sorts inRoles", () => {
    const { inputs, failures } = checkRole({
      name: "app",
      login: true,
      inherit: false,
      connectionLimit: 0,
      validUntil: "2030-01-01",
      password: "s3cret",
      inRoles: ["writers", "Admins", "readers"],
      adoptExisting: true,
      connection: { host: "db", port: 5433 },
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      name: "app",
      login: true,
      superuser: false,
      createDatabase: false,
      createRole: false,
      inherit: false,
      replication: false,
      bypassRowLevelSecurity: false,
      connectionLimit: 0,
      validUntil: "2030-01-01",
      password: "s3cret",
      inRoles: ["Admins", "readers", "writers"],
      adoptExisting: true,
      settings: {},
      dropOwned: false,
      connection: { host: "db", port: 5433 },
    });
  });

  it("reports every problem at once, each naming its property", () => {
    const { failures } = checkRole({
      name: "x".repeat(64),
      login: "yes",
      connectionLimit: -2,
      validUntil: "not a date",
      password: "",
      inRoles: ["a", "a", ""],
      connection: { hots: "db", lockTimeout: "soon" },
    });
    expect(props(failures)).to.deep.equal(
      [
        "name",
        "login",
        "connectionLimit",
        "validUntil",
        "password",
        "inRoles",
        "inRoles[2]",
        "connection.hots",
        "connection.lockTimeout",
      ].sort(),
    );
    for (const f of failures) expect(f.reason).to.be.a("string").and.not.equal("");
  });

  it("requires a name", () => {
    expect(checkRole({}).failures).to.deep.equal([{ property: "name", reason: "name is required" }]);
    expect(checkRole({ name: "" }).failures).to.deep.equal([
      { property: "name", reason: "name must not be empty" },
    ]);
    expect(props(checkRole({ name: 42 }).failures)).to.deep.equal(["name"]);
  });

  it("counts name length in bytes, not characters", () => {
    expect(checkRole({ name: "a".repeat(63) }).failures).to.deep.equal([]);
    expect(checkRole({ name: NAME_63_BYTES }).failures).to.deep.equal([]);
    expect(props(checkRole({ name: "a".repeat(64) }).failures)).to.deep.equal(["name"]);
    const { failures } = checkRole({ name: NAME_64_BYTES });
    expect(props(failures)).to.deep.equal(["name"]);
    expect(failures[0]!.reason).to.include("64 bytes");
  });

  it("accepts connection limits of -1 and more, integers only", () => {
    for (const ok of [-1, 0, 1, 1000])
      expect(checkRole({ name: "a", connectionLimit: ok }).failures).to.deep.equal([]);
    for (const bad of [-2, 1.5, "5", Number.NaN]) {
      expect(props(checkRole({ name: "a", connectionLimit: bad }).failures), String(bad)).to.deep.equal([
        "connectionLimit",
      ]);
    }
  });

  it("accepts dates, timestamps and infinity as validUntil", () => {
    for (const v of [
      "2030-01-01",
      "2030-01-01T10:00:00Z",
      "infinity",
      "2030-01-01T10:00:00+02:00",
      "2030-01-01 10:00",
    ]) {
      expect(checkRole({ name: "a", validUntil: v }).failures, v).to.deep.equal([]);
    }
  });

  it('accepts "YYYY-MM-DD HH:MM:SS UTC", which its own pattern allows and PostgreSQL reads', () => {
    expect(checkRole({ name: "a", validUntil: "2030-01-01 10:00:00 UTC" }).failures).to.deep.equal([]);
  });

  it("rejects what is not a timestamp", () => {
    for (const v of ["not a date", "2030-13-01", "tomorrow", ""]) {
      const { failures } = checkRole({ name: "a", validUntil: v });
      expect(props(failures), v).to.deep.equal(["validUntil"]);
    }
    expect(props(checkRole({ name: "a", validUntil: 20300101 }).failures)).to.deep.equal(["validUntil"]);
  });

  it("rejects a date PostgreSQL rejects (February 30th)", () => {
    expect(props(checkRole({ name: "a", validUntil: "2030-02-30" }).failures)).to.deep.equal(["validUntil"]);
  });

  it("rejects a role in its own inRoles", () => {
    const { failures } = checkRole({ name: "app", inRoles: ["readers", "app"] });
    expect(props(failures)).to.deep.equal(["inRoles"]);
    expect(failures[0]!.reason).to.include('"app"');
  });

  it("rejects an empty password and one with NUL", () => {
    expect(props(checkRole({ name: "a", password: "" }).failures)).to.deep.equal(["password"]);
    expect(props(checkRole({ name: "a", password: "a\u0000b" }).failures)).to.deep.equal(["password"]);
  });

  it("lets unknown preview values pass without failures", () => {
    const { failures } = checkRole({
      name: UNKNOWN,
      login: UNKNOWN,
      connectionLimit: UNKNOWN,
      validUntil: UNKNOWN,
      password: UNKNOWN,
      inRoles: UNKNOWN,
      adoptExisting: UNKNOWN,
    });
    expect(failures).to.deep.equal([]);
    expect(checkRole({ name: "app", inRoles: ["readers", UNKNOWN] }).failures).to.deep.equal([]);
  });

  it("does not mistake an unknown name and an unknown group for the same role", () => {
    expect(checkRole({ name: UNKNOWN, inRoles: [UNKNOWN] }).failures).to.deep.equal([]);
  });

  it("keeps unknown values unknown in the checked inputs", () => {
    const { inputs } = checkRole({
      name: UNKNOWN,
      login: UNKNOWN,
      connectionLimit: UNKNOWN,
      inRoles: UNKNOWN,
    });
    expect(inputs.name).to.equal(UNKNOWN);
    expect(inputs.login).to.equal(UNKNOWN);
    expect(inputs.connectionLimit).to.equal(UNKNOWN);
    expect(inputs.inRoles).to.equal(UNKNOWN);
  });

  it("lets an unknown connection pass without failures", () => {
    expect(checkRole({ name: "app", connection: UNKNOWN }).failures).to.deep.equal([]);
  });

  it("lets unknown connection fields pass without failures", () => {
    const connection = {
      host: UNKNOWN,
      port: UNKNOWN,
      sslmode: UNKNOWN,
      maxConnections: UNKNOWN,
      lockTimeout: UNKNOWN,
    };
    expect(checkRole({ name: "app", connection }).failures).to.deep.equal([]);
  });
});

describe("checkMembership", () => {
  it("fills withAdmin false", () => {
    expect(checkMembership({ role: "readers", member: "alice" })).to.deep.equal({
      inputs: { role: "readers", member: "alice", withAdmin: false },
      failures: [],
    });
  });

  it("keeps withAdmin and the connection", () => {
    const { inputs, failures } = checkMembership({
      role: "readers",
      member: "alice",
      withAdmin: true,
      connection: { database: "app" },
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: "readers",
      member: "alice",
      withAdmin: true,
      connection: { database: "app" },
    });
  });

  it("reports every problem at once", () => {
    const { failures } = checkMembership({
      role: "",
      member: NAME_64_BYTES,
      withAdmin: "no",
      connection: { port: -1 },
    });
    expect(props(failures)).to.deep.equal(["connection.port", "member", "role", "withAdmin"]);
  });

  it("requires role and member", () => {
    expect(props(checkMembership({}).failures)).to.deep.equal(["member", "role"]);
    expect(reasonOf(checkMembership({ member: "m" }).failures, "role")).to.deep.equal(["role is required"]);
  });

  it("rejects PUBLIC on either side, in any case", () => {
    expect(props(checkMembership({ role: "public", member: "alice" }).failures)).to.deep.equal(["role"]);
    expect(props(checkMembership({ role: "readers", member: "PUBLIC" }).failures)).to.deep.equal(["member"]);
  });

  it("rejects a role as a member of itself", () => {
    expect(props(checkMembership({ role: "app", member: "app" }).failures)).to.deep.equal(["member"]);
  });

  it("lets unknown preview values pass without failures", () => {
    expect(checkMembership({ role: UNKNOWN, member: "alice", withAdmin: UNKNOWN }).failures).to.deep.equal(
      [],
    );
    expect(checkMembership({ role: "readers", member: UNKNOWN }).failures).to.deep.equal([]);
  });

  it("does not mistake two unknown names for the same role", () => {
    expect(checkMembership({ role: UNKNOWN, member: UNKNOWN }).failures).to.deep.equal([]);
  });
});

describe("checkGrant", () => {
  it("fills defaults: schema public for tables, withGrantOption and cascade false; normalizes type and privileges", () => {
    const { inputs, failures } = checkGrant({
      role: "app",
      objectType: "TABLE",
      privileges: ["insert", "Select"],
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: "app",
      objectType: "table",
      schema: "public",
      privileges: ["SELECT", "INSERT"],
      withGrantOption: false,
      cascade: false,
    });
  });

  it("defaults schema public for sequences and routines too", () => {
    for (const objectType of ["sequence", "function", "procedure", "routine"]) {
      const privileges = objectType === "sequence" ? ["usage"] : ["execute"];
      const { inputs, failures } = checkGrant({ role: "app", objectType, privileges });
      expect(failures, objectType).to.deep.equal([]);
      expect(inputs.schema, objectType).to.equal("public");
    }
  });

  it("normalizes PUBLIC and aliases", () => {
    const { inputs, failures } = checkGrant({
      role: "public",
      objectType: "Database",
      privileges: ["temp", "CONNECT"],
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: "PUBLIC",
      objectType: "database",
      privileges: ["CONNECT", "TEMPORARY"],
      withGrantOption: false,
      cascade: false,
    });
    expect(
      checkGrant({ role: "app", objectType: "table", privileges: ["all privileges"] }).inputs.privileges,
    ).to.deep.equal(["ALL"]);
  });

  it("sorts objects", () => {
    const { inputs, failures } = checkGrant({
      role: "app",
      objectType: "table",
      schema: "sales",
      objects: ["orders", "Customers", "items"],
      privileges: ["SELECT"],
    });
    expect(failures).to.deep.equal([]);
    expect(inputs.objects).to.deep.equal(["Customers", "items", "orders"]);
    expect(inputs.schema).to.equal("sales");
  });

  it("dedupes objects in the inputs and reports the duplicate", () => {
    const { inputs, failures } = checkGrant({
      role: "app",
      objectType: "table",
      objects: ["b", "a", "b"],
      privileges: ["SELECT"],
    });
    expect(inputs.objects).to.deep.equal(["a", "b"]);
    expect(props(failures)).to.deep.equal(["objects"]);
  });

  it("reports privileges, objects, connection.port and connection.sslmode together", () => {
    const { failures } = checkGrant({
      role: "app",
      objectType: "table",
      privileges: ["EXECUTE", "bogus"],
      objects: [],
      connection: { port: 0, sslmode: "x" },
    });
    expect(props(failures)).to.deep.equal(["connection.port", "connection.sslmode", "objects", "privileges"]);
    const [privs] = reasonOf(failures, "privileges");
    expect(privs).to.include('"EXECUTE"').and.include('"bogus"');
  });

  it("rejects objects on database and schema grants", () => {
    const db = checkGrant({ role: "app", objectType: "database", objects: ["x"], privileges: ["CONNECT"] });
    expect(props(db.failures)).to.deep.equal(["objects"]);
    const schema = checkGrant({
      role: "app",
      objectType: "schema",
      schema: "s",
      objects: ["x"],
      privileges: ["USAGE"],
    });
    expect(props(schema.failures)).to.deep.equal(["objects"]);
  });

  it("requires schema on schema grants and rejects it on database grants", () => {
    const noSchema = checkGrant({ role: "app", objectType: "schema", privileges: ["USAGE"] });
    expect(noSchema.failures).to.deep.equal([{ property: "schema", reason: "schema is required" }]);
    const db = checkGrant({ role: "app", objectType: "database", schema: "public", privileges: ["CONNECT"] });
    expect(props(db.failures)).to.deep.equal(["schema"]);
  });

  it("keeps the schema of a schema grant and adds none to a database grant", () => {
    expect(
      checkGrant({ role: "app", objectType: "schema", schema: "s", privileges: ["usage"] }).inputs,
    ).to.deep.equal({
      role: "app",
      objectType: "schema",
      schema: "s",
      privileges: ["USAGE"],
      withGrantOption: false,
      cascade: false,
    });
    expect(
      checkGrant({ role: "app", objectType: "database", privileges: ["connect"] }).inputs.schema,
    ).to.equal(undefined);
  });

  it("requires role, objectType and privileges", () => {
    expect(props(checkGrant({}).failures)).to.deep.equal(["objectType", "privileges", "role"]);
  });

  it("rejects unknown object types and empty or non-list privileges", () => {
    expect(
      props(checkGrant({ role: "a", objectType: "view", privileges: ["SELECT"] }).failures),
    ).to.deep.equal(["objectType"]);
    expect(props(checkGrant({ role: "a", objectType: "table", privileges: [] }).failures)).to.deep.equal([
      "privileges",
    ]);
    expect(
      props(checkGrant({ role: "a", objectType: "table", privileges: "SELECT" }).failures),
    ).to.deep.equal(["privileges"]);
  });

  it("checks names: empty, too many bytes, in role, database, schema and objects", () => {
    const { failures } = checkGrant({
      role: "",
      objectType: "table",
      database: NAME_64_BYTES,
      schema: "",
      objects: ["ok", NAME_64_BYTES],
      privileges: ["SELECT"],
    });
    expect(props(failures)).to.deep.equal(["database", "objects[1]", "role", "schema"]);
  });

  it("rejects the grant option for PUBLIC", () => {
    const { failures } = checkGrant({
      role: "Public",
      objectType: "table",
      privileges: ["SELECT"],
      withGrantOption: true,
    });
    expect(props(failures)).to.deep.equal(["withGrantOption"]);
  });

  it("checks routine signatures", () => {
    const { failures } = checkGrant({
      role: "app",
      objectType: "function",
      objects: ["f(integer, text)", "g", "h(int"],
      privileges: ["EXECUTE"],
    });
    expect(props(failures)).to.deep.equal(["objects[2]"]);
  });

  it("lets unknown preview values pass without failures", () => {
    expect(
      checkGrant({
        role: UNKNOWN,
        objectType: "table",
        schema: UNKNOWN,
        objects: UNKNOWN,
        privileges: UNKNOWN,
      }).failures,
    ).to.deep.equal([]);
    expect(checkGrant({ role: "app", objectType: UNKNOWN, privileges: ["SELECT"] }).failures).to.deep.equal(
      [],
    );
    expect(
      checkGrant({
        role: "app",
        objectType: "table",
        objects: [UNKNOWN, "t"],
        privileges: ["SELECT", UNKNOWN],
      }).failures,
    ).to.deep.equal([]);
  });

  it("keeps an unknown objectType unknown in the checked inputs", () => {
    const { inputs } = checkGrant({ role: "app", objectType: UNKNOWN, privileges: ["SELECT"] });
    expect(inputs.objectType).to.equal(UNKNOWN);
  });

  it("keeps an unknown objects list unknown in the checked inputs", () => {
    const { inputs } = checkGrant({
      role: "app",
      objectType: "table",
      objects: UNKNOWN,
      privileges: ["SELECT"],
    });
    expect(inputs.objects).to.equal(UNKNOWN);
  });

  it("keeps an unknown privilege unknown (not upper-cased) in the checked inputs", () => {
    const { inputs } = checkGrant({ role: "app", objectType: "table", privileges: ["select", UNKNOWN] });
    expect(inputs.privileges).to.have.members(["SELECT", UNKNOWN]);
  });

  it("keeps unknown role, schema and privileges unknown in the checked inputs", () => {
    const { inputs } = checkGrant({
      role: UNKNOWN,
      objectType: "table",
      schema: UNKNOWN,
      privileges: UNKNOWN,
    });
    expect(inputs.role).to.equal(UNKNOWN);
    expect(inputs.schema).to.equal(UNKNOWN);
    expect(inputs.privileges).to.equal(UNKNOWN);
  });
});

describe("checkRole: settings, comment and delete options", () => {
  it("lower-cases parameter names and keeps the delete options", () => {
    const { inputs, failures } = checkRole({
      name: "app",
      settings: { Search_Path: "app", statement_timeout: "5s" },
      comment: "c",
      reassignOwnedTo: "CURRENT_USER",
      dropOwned: true,
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.include({ comment: "c", reassignOwnedTo: "CURRENT_USER", dropOwned: true });
    expect(inputs.settings).to.deep.equal({ search_path: "app", statement_timeout: "5s" });
  });

  it("rejects bad parameter names, non-string values, reassigning to itself, all at once", () => {
    const { failures } = checkRole({
      name: "app",
      settings: { "bad name": "x", ok: 5 },
      reassignOwnedTo: "app",
      dropOwned: "yes",
      comment: 7,
    });
    expect(failures.map((f) => f.property)).to.have.members([
      "settings.bad name",
      "settings.ok",
      "reassignOwnedTo",
      "dropOwned",
      "comment",
    ]);
  });
});
