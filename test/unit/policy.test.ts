import { expect } from "chai";
import {
  type PolicyInputs,
  type PolicyOutputs,
  checkPolicy,
  diffPolicy,
  expressionProblem,
} from "../../provider/policy/inputs";
import {
  type PolicyActual,
  type PolicySpec,
  expressionCurrent,
  planPolicy,
} from "../../provider/policy/planner";
import { UNKNOWN } from "../../provider/common/validate";

type Failure = { property: string; reason: string };
const props = (failures: Failure[]) => failures.map((f) => f.property).sort();
const reasonOf = (failures: Failure[], property: string) =>
  failures.filter((f) => f.property === property).map((f) => f.reason);

const USING = "user_id = current_setting('app.current_user_id')::integer";
const STORED = "(user_id = (current_setting('app.current_user_id'::text))::integer)";

const spec: PolicySpec = {
  name: "orders_user_policy",
  schema: "app",
  table: "orders",
  command: "ALL",
  permissive: true,
  roles: ["appuser"],
  using: USING,
};
const actual: PolicyActual = { ...spec, oid: 16500, using: STORED };
const previous = { using: USING, usingNormalized: STORED };

describe("planPolicy", () => {
  describe("create", () => {
    it("the reference document's policy, every clause explicit", () => {
      expect(planPolicy({ actual: undefined, desired: spec })).to.deep.equal([
        {
          description: "create policy orders_user_policy on app.orders",
          sql: `CREATE POLICY orders_user_policy ON app.orders AS PERMISSIVE FOR ALL TO appuser USING (${USING})`,
        },
      ]);
    });

    it("restrictive, a command, PUBLIC, several roles, WITH CHECK only or both", () => {
      expect(
        planPolicy({
          actual: undefined,
          desired: {
            ...spec,
            command: "INSERT",
            permissive: false,
            roles: ["PUBLIC"],
            using: undefined,
            withCheck: "total > 0",
          },
        }).map((s) => s.sql),
      ).to.deep.equal([
        "CREATE POLICY orders_user_policy ON app.orders AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK (total > 0)",
      ]);
      expect(
        planPolicy({
          actual: undefined,
          desired: { ...spec, command: "UPDATE", roles: ["a", "b"], withCheck: "true" },
        }).map((s) => s.sql),
      ).to.deep.equal([
        `CREATE POLICY orders_user_policy ON app.orders AS PERMISSIVE FOR UPDATE TO a, b USING (${USING}) WITH CHECK (true)`,
      ]);
    });

    it("quotes names and roles, inserts the expressions as written", () => {
      const hostile: PolicySpec = {
        name: 'p"; DROP TABLE t; --',
        schema: "My Schema",
        table: "select",
        command: "SELECT",
        permissive: true,
        roles: ["Admin", "current_role", "o'brien"],
        using: "owner = current_user",
      };
      expect(planPolicy({ actual: undefined, desired: hostile }).map((s) => s.sql)).to.deep.equal([
        `CREATE POLICY "p""; DROP TABLE t; --" ON "My Schema"."select" AS PERMISSIVE FOR SELECT TO "Admin", "current_role", "o'brien" USING (owner = current_user)`,
      ]);
    });
  });

  describe("update", () => {
    it("nothing when the catalog shows what the same text became last time", () => {
      expect(planPolicy({ actual, desired: spec, previous })).to.deep.equal([]);
    });

    it("ALTER POLICY … TO for other roles, nothing else", () => {
      expect(planPolicy({ actual, desired: { ...spec, roles: ["a", "appuser"] }, previous })).to.deep.equal([
        {
          description: "alter policy orders_user_policy on app.orders: roles a, appuser",
          sql: "ALTER POLICY orders_user_policy ON app.orders TO a, appuser",
        },
      ]);
      expect(
        planPolicy({ actual, desired: { ...spec, roles: ["PUBLIC"] }, previous }).map((s) => s.sql),
      ).to.deep.equal(["ALTER POLICY orders_user_policy ON app.orders TO PUBLIC"]);
    });

    it("roles compare as sets", () => {
      const two = { ...actual, roles: ["b", "a"] };
      expect(planPolicy({ actual: two, desired: { ...spec, roles: ["a", "b"] }, previous })).to.deep.equal(
        [],
      );
    });

    it("ALTER POLICY … USING for another text", () => {
      expect(planPolicy({ actual, desired: { ...spec, using: "true" }, previous })).to.deep.equal([
        {
          description: "alter policy orders_user_policy on app.orders: using",
          sql: "ALTER POLICY orders_user_policy ON app.orders USING (true)",
        },
      ]);
    });

    it("ALTER POLICY … USING when the catalog drifted, even for the same text", () => {
      expect(
        planPolicy({ actual: { ...actual, using: "true" }, desired: spec, previous }).map((s) => s.sql),
      ).to.deep.equal([`ALTER POLICY orders_user_policy ON app.orders USING (${USING})`]);
    });

    it("adds a WITH CHECK; roles, USING and WITH CHECK in one statement", () => {
      expect(
        planPolicy({ actual, desired: { ...spec, withCheck: "total >= 0" }, previous }).map((s) => s.sql),
      ).to.deep.equal(["ALTER POLICY orders_user_policy ON app.orders WITH CHECK (total >= 0)"]);
      expect(
        planPolicy({ actual, desired: { ...spec, roles: ["b"], using: "x", withCheck: "y" }, previous }).map(
          (s) => s.sql,
        ),
      ).to.deep.equal(["ALTER POLICY orders_user_policy ON app.orders TO b USING (x) WITH CHECK (y)"]);
    });

    it("without a record of last time, expressions are written again", () => {
      expect(planPolicy({ actual, desired: spec }).map((s) => s.sql)).to.deep.equal([
        `ALTER POLICY orders_user_policy ON app.orders USING (${USING})`,
      ]);
    });

    it("renames in place first, then alters under the new name", () => {
      expect(
        planPolicy({ actual, desired: { ...spec, name: "Mine", roles: ["b"] }, previous }),
      ).to.deep.equal([
        {
          description: "rename policy orders_user_policy on app.orders to Mine",
          sql: 'ALTER POLICY orders_user_policy ON app.orders RENAME TO "Mine"',
        },
        {
          description: "alter policy Mine on app.orders: roles b",
          sql: 'ALTER POLICY "Mine" ON app.orders TO b',
        },
      ]);
    });

    it("what ALTER POLICY cannot do is DROP + CREATE (one transaction)", () => {
      const cases: Array<[Partial<PolicySpec>, Partial<PolicyActual>]> = [
        [{ command: "SELECT" }, {}],
        [{ permissive: false }, {}],
        [{ using: undefined, withCheck: "true" }, {}], // removing USING
        [{}, { withCheck: "true" }], // a WITH CHECK added by hand, none wanted
      ];
      for (const [d, a] of cases) {
        const want = { ...spec, ...d };
        const plan = planPolicy({ actual: { ...actual, ...a }, desired: want, previous });
        expect(
          plan.map((s) => s.sql),
          JSON.stringify(d),
        ).to.deep.equal([
          "DROP POLICY IF EXISTS orders_user_policy ON app.orders",
          planPolicy({ actual: undefined, desired: want })[0]!.sql,
        ]);
        expect(plan[0]!.ignore, "a failed drop aborts the replacement").to.equal(undefined);
      }
    });

    it("a policy whose table was renamed by hand is dropped there and created on the wanted table", () => {
      expect(
        planPolicy({ actual: { ...actual, table: "orders_old" }, desired: spec, previous }).map((s) => s.sql),
      ).to.deep.equal([
        "DROP POLICY IF EXISTS orders_user_policy ON app.orders_old",
        `CREATE POLICY orders_user_policy ON app.orders AS PERMISSIVE FOR ALL TO appuser USING (${USING})`,
      ]);
    });
  });

  describe("delete", () => {
    it("drops the policy where it is, a table or schema gone meanwhile counting as done", () => {
      expect(planPolicy({ actual: { ...actual, name: "renamed" }, desired: undefined })).to.deep.equal([
        {
          description: "drop policy renamed on app.orders",
          sql: "DROP POLICY IF EXISTS renamed ON app.orders",
          ignore: ["42P01", "3F000"],
        },
      ]);
    });

    it("nothing when already gone", () => {
      expect(planPolicy({ actual: undefined, desired: undefined })).to.deep.equal([]);
    });
  });

  describe("expressionCurrent", () => {
    it("needs the same text as last time and the catalog still as it was then", () => {
      expect(expressionCurrent(USING, STORED, USING, STORED)).to.equal(true);
      expect(expressionCurrent(USING, "true", USING, STORED)).to.equal(false);
      expect(
        expressionCurrent("user_id=current_setting('app.current_user_id')::int", STORED, USING, STORED),
      ).to.equal(false);
      expect(expressionCurrent(USING, STORED, undefined, undefined)).to.equal(false);
      expect(expressionCurrent(USING, undefined, USING, STORED)).to.equal(false);
      expect(expressionCurrent(undefined, undefined, undefined, undefined)).to.equal(true);
      expect(expressionCurrent(undefined, "true", undefined, undefined)).to.equal(false);
    });
  });
});

describe("checkPolicy", () => {
  it("fills every default", () => {
    const { inputs, failures } = checkPolicy({ name: "p", table: "orders" });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      name: "p",
      table: "orders",
      schema: "public",
      command: "ALL",
      permissive: true,
      roles: ["PUBLIC"],
    });
  });

  it("normalizes the command and roles; keeps expressions as written", () => {
    const { inputs, failures } = checkPolicy({
      name: "p",
      table: "orders",
      schema: "app",
      command: " update ",
      permissive: false,
      roles: ["writers", "Admins", "readers"],
      using: "  user_id = 1 ",
      withCheck: "total > 0",
      database: "shop",
      connection: { host: "db" },
    });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.equal({
      name: "p",
      table: "orders",
      schema: "app",
      command: "UPDATE",
      permissive: false,
      roles: ["Admins", "readers", "writers"],
      using: "  user_id = 1 ",
      withCheck: "total > 0",
      database: "shop",
      connection: { host: "db" },
    });
    for (const c of ["all", "Select", "INSERT", "delete"]) {
      const r = checkPolicy({ name: "p", table: "t", command: c });
      expect(r.failures, c).to.deep.equal([]);
      expect(r.inputs.command).to.equal(c.toUpperCase());
    }
    expect(checkPolicy({ name: "p", table: "t", roles: ["public"] }).inputs.roles).to.deep.equal(["PUBLIC"]);
  });

  it("reports every problem at once, each naming its property", () => {
    const { failures } = checkPolicy({
      name: "",
      schema: "s".repeat(64),
      command: "MERGE",
      permissive: "yes",
      roles: ["a", "a", ""],
      using: "x) OR (true",
      withCheck: 42,
      connection: { sslmode: "sometimes" },
    });
    expect(props(failures)).to.deep.equal(
      [
        "name",
        "table",
        "schema",
        "command",
        "permissive",
        "roles",
        "roles[2]",
        "using",
        "withCheck",
        "connection.sslmode",
      ].sort(),
    );
    expect(reasonOf(failures, "name")).to.deep.equal(["name must not be empty"]);
    expect(reasonOf(failures, "table")).to.deep.equal(["table is required"]);
    expect(reasonOf(failures, "command")).to.deep.equal([
      'command "MERGE" is not one of ALL, SELECT, INSERT, UPDATE, DELETE',
    ]);
    expect(reasonOf(failures, "using")).to.deep.equal(["using closes a parenthesis it did not open"]);
    expect(reasonOf(failures, "withCheck")).to.deep.equal(["withCheck must be a string (an SQL expression)"]);
  });

  it("follows PostgreSQL: no USING for INSERT, no WITH CHECK for SELECT and DELETE", () => {
    const insert = checkPolicy({
      name: "p",
      table: "t",
      command: "insert",
      using: "true",
      withCheck: "true",
    });
    expect(insert.failures).to.deep.equal([
      { property: "using", reason: "an INSERT policy has no USING expression (use withCheck)" },
    ]);
    for (const c of ["SELECT", "delete"]) {
      const r = checkPolicy({ name: "p", table: "t", command: c, using: "true", withCheck: "true" });
      expect(r.failures, c).to.deep.equal([
        {
          property: "withCheck",
          reason: `a ${c.toUpperCase()} policy has no WITH CHECK expression (use using)`,
        },
      ]);
    }
    for (const c of ["ALL", "UPDATE"]) {
      expect(
        checkPolicy({ name: "p", table: "t", command: c, using: "a", withCheck: "b" }).failures,
      ).to.deep.equal([]);
    }
  });

  it("empty names, an empty role list, PUBLIC with others", () => {
    const { failures } = checkPolicy({ name: "p", table: "", roles: [] });
    expect(failures).to.deep.equal([
      { property: "table", reason: "table must not be empty" },
      { property: "roles", reason: "roles must not be empty (omit it to mean PUBLIC)" },
    ]);
    expect(checkPolicy({ name: "p", table: "t", roles: ["PUBLIC", "alice"] }).failures).to.deep.equal([
      {
        property: "roles",
        reason: "PUBLIC includes every role: list it alone (PostgreSQL ignores the others)",
      },
    ]);
  });

  it("empty expressions are refused", () => {
    expect(checkPolicy({ name: "p", table: "t", using: "  ", withCheck: "" }).failures).to.deep.equal([
      { property: "using", reason: "using is empty" },
      { property: "withCheck", reason: "withCheck is empty" },
    ]);
  });

  it("accepts values not known yet (preview), and does not default them", () => {
    const { failures, inputs } = checkPolicy({
      name: UNKNOWN,
      table: UNKNOWN,
      command: UNKNOWN,
      roles: ["a", UNKNOWN],
      using: UNKNOWN,
    });
    expect(failures).to.deep.equal([]);
    expect(inputs.command).to.equal(UNKNOWN);
    expect(inputs.roles).to.deep.equal(["a", UNKNOWN]);
    expect(checkPolicy({ name: "p", table: "t", roles: UNKNOWN }).inputs.roles).to.equal(UNKNOWN);
  });
});

describe("expressionProblem", () => {
  it("accepts expressions with quotes, comments and nested parentheses", () => {
    for (const ok of [
      USING,
      "user_id IN (SELECT id FROM users WHERE team = ')(;')",
      `"weird ) col" = 1`,
      "note = E'it\\'s ) here'",
      "body = $$ ; ) $$ AND x = $tag$ ( $tag$",
      "a = 1 /* ; ) /* nested */ */ AND b = 2",
      "a = 1 -- trailing ; )\n",
      "price::numeric(10, 2) > 0",
      "a$b = $1",
    ]) {
      expect(expressionProblem(ok), ok).to.equal(undefined);
    }
  });

  it("refuses what would not stay one expression between the parentheses", () => {
    const cases: Array<[string, string]> = [
      ["true); DROP TABLE orders; --", "closes a parenthesis it did not open"],
      ["true; DROP TABLE orders", "contains a ; outside quotes (one expression, not statements)"],
      ["(a = 1", "leaves a parenthesis open"],
      ["a = 'open", "has an unterminated string literal"],
      ['"open = 1', "has an unterminated quoted identifier"],
      ["a = 1 -- no newline", "ends inside a -- comment (the closing parenthesis would be commented out)"],
      ["a = 1 /* open", "has an unterminated /* comment"],
      ["a = $q$ open", "has an unterminated $q$ string"],
      ["", "is empty"],
      ["a = '\u0000'", "contains a NUL character"],
    ];
    for (const [sql, problem] of cases) expect(expressionProblem(sql), sql).to.equal(problem);
  });
});

describe("diffPolicy", () => {
  const news: PolicyInputs = {
    name: "orders_user_policy",
    table: "orders",
    schema: "app",
    command: "ALL",
    permissive: true,
    roles: ["appuser"],
    using: USING,
  };
  const olds: PolicyOutputs = { ...news, oid: 16500, usingNormalized: STORED };
  const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: false };
  const UPDATE = { changes: true, replaces: [], deleteBeforeReplace: false };

  it("the same text as last time is no change, whatever PostgreSQL stored", () => {
    expect(diffPolicy(olds, news)).to.deep.equal(NO_CHANGE);
    expect(diffPolicy({ ...olds, roles: ["appuser"] }, news)).to.deep.equal(NO_CHANGE);
  });

  it("name, roles, using and withCheck change in place", () => {
    for (const c of [
      { name: "renamed" },
      { roles: ["appuser", "other"] },
      { roles: ["PUBLIC"] },
      { using: "user_id=current_setting('app.current_user_id')::int" },
      { using: undefined },
      { withCheck: "true" },
      { connection: { lockTimeout: "5s" } },
    ]) {
      expect(diffPolicy(olds, { ...news, ...c }), JSON.stringify(c)).to.deep.equal(UPDATE);
    }
  });

  it("command and permissive replace it, the old one first (same name on the same table)", () => {
    expect(diffPolicy(olds, { ...news, command: "SELECT" })).to.deep.equal({
      changes: true,
      replaces: ["command"],
      deleteBeforeReplace: true,
    });
    expect(diffPolicy(olds, { ...news, permissive: false })).to.deep.equal({
      changes: true,
      replaces: ["permissive"],
      deleteBeforeReplace: true,
    });
  });

  it("a new name with the replacement, or another table, creates the new one first", () => {
    expect(diffPolicy(olds, { ...news, command: "SELECT", name: "p2" })).to.deep.equal({
      changes: true,
      replaces: ["command"],
      deleteBeforeReplace: false,
    });
    for (const [k, v] of [
      ["table", "other"],
      ["schema", "public"],
      ["database", "shop"],
    ] as const) {
      expect(diffPolicy(olds, { ...news, [k]: v }), k).to.deep.equal({
        changes: true,
        replaces: [k],
        deleteBeforeReplace: false,
      });
    }
    expect(diffPolicy(olds, { ...news, connection: { host: "elsewhere" } })).to.deep.equal({
      changes: true,
      replaces: ["connection"],
      deleteBeforeReplace: false,
    });
  });
});
