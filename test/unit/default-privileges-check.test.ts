import { expect } from "chai";
import {
  checkDefaultPrivileges,
  diffDefaultPrivileges,
  type DefaultPrivilegesInputs,
} from "../../provider/default-privileges/inputs";
import { UNKNOWN } from "../../provider/common/validate";

type Failure = { property: string; reason: string };
const props = (failures: Failure[]) => failures.map((f) => f.property).sort();
const reasonOf = (failures: Failure[], property: string) =>
  failures.filter((f) => f.property === property).map((f) => f.reason);

const base = { role: "readonly", owner: "app_owner", objectType: "table", privileges: ["SELECT"] };

describe("checkDefaultPrivileges", () => {
  it("fills defaults and normalizes type and privileges (any case, aliases, duplicates, order)", () => {
    const { inputs, failures } = checkDefaultPrivileges({
      ...base,
      objectType: " TABLE ",
      privileges: ["insert", "Select", "SELECT"],
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: "readonly",
      owner: "app_owner",
      objectType: "table",
      privileges: ["SELECT", "INSERT"],
      withGrantOption: false,
    });
  });

  it("keeps schema, database, withGrantOption and connection; ALL absorbs the rest", () => {
    const { inputs, failures } = checkDefaultPrivileges({
      ...base,
      schema: "app",
      database: "appdb",
      privileges: ["select", "all privileges"],
      withGrantOption: true,
      connection: { host: "db", port: 5433 },
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: "readonly",
      owner: "app_owner",
      schema: "app",
      objectType: "table",
      privileges: ["ALL"],
      withGrantOption: true,
      database: "appdb",
      connection: { host: "db", port: 5433 },
    });
  });

  it("normalizes PUBLIC in any case", () => {
    const { inputs, failures } = checkDefaultPrivileges({
      ...base,
      role: "public",
      objectType: "Function",
      privileges: ["execute"],
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.include({ role: "PUBLIC", objectType: "function" });
    expect(inputs.privileges).to.deep.equal(["EXECUTE"]);
  });

  it("accepts every object type with its privileges", () => {
    const cases: Array<[string, string[]]> = [
      ["table", ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"]],
      ["sequence", ["USAGE", "SELECT", "UPDATE"]],
      ["function", ["EXECUTE"]],
      ["routine", ["EXECUTE"]],
      ["type", ["USAGE"]],
      ["schema", ["USAGE", "CREATE"]],
    ];
    for (const [objectType, privileges] of cases) {
      const { inputs, failures } = checkDefaultPrivileges({ ...base, objectType, privileges });
      expect(failures, objectType).to.deep.equal([]);
      expect(inputs.privileges, objectType).to.deep.equal(privileges);
    }
  });

  it("rejects privileges that do not apply to the type, naming them", () => {
    const cases: Array<[string, string[], string[]]> = [
      ["table", ["SELECT", "EXECUTE", "usage"], ['"EXECUTE", "usage" are not privileges of a table']],
      ["sequence", ["INSERT"], ['"INSERT" is not a privilege of a sequence']],
      ["function", ["USAGE"], ['"USAGE" is not a privilege of a function']],
      ["type", ["SELECT"], ['"SELECT" is not a privilege of a type']],
      ["schema", ["CONNECT"], ['"CONNECT" is not a privilege of a schema']],
    ];
    for (const [objectType, privileges, reasons] of cases) {
      const { failures } = checkDefaultPrivileges({ ...base, objectType, privileges });
      expect(reasonOf(failures, "privileges"), objectType).to.deep.equal(reasons);
    }
  });

  it("rejects a schema with objectType schema (PostgreSQL has no IN SCHEMA ... ON SCHEMAS)", () => {
    const { failures } = checkDefaultPrivileges({
      ...base,
      objectType: "schema",
      schema: "app",
      privileges: ["USAGE"],
    });
    expect(props(failures)).to.deep.equal(["schema"]);
    expect(failures[0]!.reason).to.include("IN SCHEMA");
  });

  it("allows empty privileges on a global entry (revoking built-in defaults) but not with a schema", () => {
    expect(
      checkDefaultPrivileges({ ...base, role: "PUBLIC", objectType: "function", privileges: [] }).failures,
    ).to.deep.equal([]);
    const { failures } = checkDefaultPrivileges({
      ...base,
      role: "PUBLIC",
      objectType: "function",
      schema: "app",
      privileges: [],
    });
    expect(props(failures)).to.deep.equal(["privileges"]);
    expect(failures[0]!.reason).to.match(/can only add/);
    expect(failures[0]!.reason).to.match(/omit schema/);
  });

  it("rejects unknown object types with a hint for the near misses", () => {
    const hint = (objectType: string) =>
      reasonOf(checkDefaultPrivileges({ ...base, objectType }).failures, "objectType")[0];
    expect(hint("view")).to.match(/is not one of table, sequence, function, routine, type, schema$/);
    expect(hint("tables")).to.include('write it singular: "table"');
    expect(hint("procedure")).to.include('use "function" or "routine"');
    expect(hint("LARGE OBJECTS")).to.include("PostgreSQL 18");
    expect(hint("database")).to.include("databases");
  });

  it("rejects PUBLIC as owner and the grant option for PUBLIC", () => {
    const { failures } = checkDefaultPrivileges({
      ...base,
      owner: "Public",
      role: "PUBLIC",
      withGrantOption: true,
    });
    expect(props(failures)).to.deep.equal(["owner", "withGrantOption"]);
  });

  it("reports every problem at once, each naming its property", () => {
    const { failures } = checkDefaultPrivileges({
      role: "",
      owner: "x".repeat(64),
      schema: "",
      database: "a\u0000b",
      objectType: "schema",
      privileges: ["SELECT"],
      withGrantOption: "yes",
      connection: { port: 0 },
    });
    expect(props(failures)).to.deep.equal(
      [
        "role",
        "owner",
        "schema",
        "schema",
        "database",
        "privileges",
        "withGrantOption",
        "connection.port",
      ].sort(),
    );
  });

  it("requires role, owner, objectType and privileges", () => {
    expect(props(checkDefaultPrivileges({}).failures)).to.deep.equal([
      "objectType",
      "owner",
      "privileges",
      "role",
    ]);
  });

  it("rejects privileges that are not a list of strings", () => {
    for (const privileges of ["SELECT", [1], {}]) {
      expect(
        reasonOf(checkDefaultPrivileges({ ...base, privileges }).failures, "privileges"),
        JSON.stringify(privileges),
      ).to.deep.equal(["privileges must be a list of privilege names"]);
    }
  });

  it("lets unknown preview values pass and keeps them unknown", () => {
    const { inputs, failures } = checkDefaultPrivileges({
      role: UNKNOWN,
      owner: UNKNOWN,
      schema: UNKNOWN,
      objectType: UNKNOWN,
      privileges: [UNKNOWN, "select"],
      withGrantOption: UNKNOWN,
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      role: UNKNOWN,
      owner: UNKNOWN,
      schema: UNKNOWN,
      objectType: UNKNOWN,
      privileges: [UNKNOWN, "SELECT"],
      withGrantOption: UNKNOWN,
    });
    expect(checkDefaultPrivileges({ ...base, privileges: UNKNOWN }).failures).to.deep.equal([]);
  });
});

describe("diffDefaultPrivileges", () => {
  const olds = (over: Partial<DefaultPrivilegesInputs> = {}): DefaultPrivilegesInputs => ({
    role: "readonly",
    owner: "app_owner",
    objectType: "table",
    privileges: ["SELECT"],
    withGrantOption: false,
    ...over,
  });

  it("no change", () => {
    expect(diffDefaultPrivileges(olds(), olds())).to.deep.equal({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("privileges and withGrantOption change in place", () => {
    expect(diffDefaultPrivileges(olds(), olds({ privileges: ["SELECT", "INSERT"] }))).to.deep.equal({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(diffDefaultPrivileges(olds(), olds({ withGrantOption: true })).replaces).to.deep.equal([]);
    expect(diffDefaultPrivileges(olds(), olds({ withGrantOption: true })).changes).to.equal(true);
  });

  it("a password-only connection change is an update, a server change a replacement", () => {
    const d = diffDefaultPrivileges(
      olds({ connection: { host: "db", password: "a" } }),
      olds({ connection: { host: "db", password: "b" } }),
    );
    expect(d).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: false });
    const r = diffDefaultPrivileges(olds({ connection: { host: "a" } }), olds({ connection: { host: "b" } }));
    expect(r.replaces).to.deep.equal(["connection"]);
  });

  it("role and owner replace, the old one first (the old name may be the new role renamed in the same up)", () => {
    for (const [k, v] of [
      ["role", "other"],
      ["owner", "other"],
    ] as const) {
      expect(diffDefaultPrivileges(olds(), olds({ [k]: v })), k).to.deep.equal({
        changes: true,
        replaces: [k],
        deleteBeforeReplace: true,
      });
    }
  });

  it("schema, objectType and database replace; a different entry is created first", () => {
    for (const [k, v] of [
      ["schema", "app"],
      ["objectType", "sequence"],
      ["database", "other"],
    ] as const) {
      expect(diffDefaultPrivileges(olds(), olds({ [k]: v })), k).to.deep.equal({
        changes: true,
        replaces: [k],
        deleteBeforeReplace: false,
      });
    }
  });

  it("function <-> routine is one catalog entry: the old one is deleted first", () => {
    expect(
      diffDefaultPrivileges(
        olds({ objectType: "function", privileges: ["EXECUTE"] }),
        olds({ objectType: "routine", privileges: ["EXECUTE"] }),
      ),
    ).to.deep.equal({ changes: true, replaces: ["objectType"], deleteBeforeReplace: true });
  });
});
