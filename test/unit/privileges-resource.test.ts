import { expect } from "chai";
import {
  type PrivilegesEntry,
  checkPrivileges,
  diffPrivileges,
  entryKey,
} from "../../provider/privileges/inputs";
import {
  type PrivilegesPlanInput,
  planPrivileges,
  simulatePrivileges,
  splitSignature,
} from "../../provider/privileges/planner";
import type { AclEntry } from "../../provider/queries/types";

type Kind = AclEntry["object_type"];

/** One ACL entry: grantee holds privilege on the object, granted by grantor (default: the owner). */
function acl(
  object_type: Kind,
  schema: string | null,
  object_name: string,
  grantee: string,
  privilege: string,
  more: Partial<AclEntry> = {},
): AclEntry {
  const owner = more.owner ?? "own";
  return {
    object_type,
    schema,
    object_name,
    column_name: null,
    owner,
    grantee,
    grantor: owner,
    privilege,
    is_grantable: false,
    is_default: false,
    revoked: false,
    ...more,
  };
}
/** An object nobody of interest holds anything on (the owner's own row stands for it). */
const obj = (t: Kind, schema: string | null, name: string) =>
  acl(t, schema, name, "own", "SELECT", { is_default: true });

const entry = (
  e: Partial<PrivilegesEntry> & { role: string; objectType: PrivilegesEntry["objectType"] },
): PrivilegesEntry => ({
  privileges: ["SELECT"],
  withGrantOption: false,
  ...e,
});

function plan(over: Partial<PrivilegesPlanInput>) {
  return planPrivileges({ version: 170000, database: "db", acl: [], desired: [], cascade: false, ...over });
}
const sqls = (over: Partial<PrivilegesPlanInput>) => plan(over).statements.map((s) => s.sql);

describe("planPrivileges", () => {
  const tables = [
    obj("schema", "app", "app"),
    obj("table", "app", "a"),
    obj("table", "app", "b"),
    obj("table", "app", "c"),
  ];

  it("groups objects and grantees: one GRANT for two roles wanting the same on the same tables", () => {
    expect(
      sqls({
        acl: tables,
        desired: [
          entry({ role: "r1", objectType: "table", schema: "app" }),
          entry({ role: "r2", objectType: "table", schema: "app", objects: ["a", "b", "c"] }),
          entry({ role: "r2", objectType: "schema", schema: "app", privileges: ["USAGE"] }),
        ],
      }),
    ).to.deep.equal([
      "GRANT SELECT ON TABLE app.a, app.b, app.c TO r1, r2",
      "GRANT USAGE ON SCHEMA app TO r2",
    ]);
  });

  it("plans nothing when everything wanted is held, whoever granted it", () => {
    const held = [...tables, acl("table", "app", "a", "r", "SELECT", { grantor: "someone" })];
    expect(
      sqls({
        acl: held,
        desired: [entry({ role: "r", objectType: "table", schema: "app", objects: ["a"] })],
      }),
    ).to.deep.equal([]);
  });

  it("additive update: revokes only what no entry lists any more, never a privilege another entry keeps", () => {
    const held = [
      ...tables,
      ...["a", "b", "c"].map((t) => acl("table", "app", t, "r", "SELECT")),
      acl("table", "app", "a", "r", "INSERT"),
      acl("table", "app", "b", "x", "DELETE", { grantor: "own" }), // not ours to manage
    ];
    const all = entry({ role: "r", objectType: "table", schema: "app" });
    const named = entry({
      role: "r",
      objectType: "table",
      schema: "app",
      objects: ["a"],
      privileges: ["SELECT", "INSERT"],
    });
    expect(sqls({ acl: held, previous: [all, named], desired: [all] })).to.deep.equal([
      "REVOKE INSERT ON TABLE app.a FROM r",
    ]);
    expect(sqls({ acl: held, previous: [all, named], desired: [] })).to.deep.equal([
      "REVOKE SELECT, INSERT ON TABLE app.a FROM r",
      "REVOKE SELECT ON TABLE app.b, app.c FROM r",
    ]);
  });

  it("authoritative schema: PUBLIC's defaults and grants by hand are unmanaged and revoked; the owner is untouched", () => {
    const held = [
      obj("schema", "app", "app"),
      acl("function", "app", "f(integer)", "own", "EXECUTE", { is_default: true }),
      acl("function", "app", "f(integer)", "PUBLIC", "EXECUTE", { is_default: true }),
      acl("table", "app", "t", "own", "DELETE", { is_default: true }),
      acl("table", "app", "t", "hand", "DELETE"),
      acl("table", "other", "u", "hand", "DELETE"), // outside the scope
    ];
    const p = plan({ acl: held, desired: [], authoritative: { schemas: ["app"], roles: [] } });
    expect(p.statements.map((s) => s.sql)).to.deep.equal([
      "REVOKE EXECUTE ON FUNCTION app.f(integer) FROM PUBLIC",
      "REVOKE DELETE ON TABLE app.t FROM hand",
    ]);
    expect(
      p.unmanaged.map((u) => `${u.role} ${u.privilege} ${u.objectType} ${u.schema}.${u.object}`),
    ).to.deep.equal(["PUBLIC EXECUTE function app.f(integer)", "hand DELETE table app.t"]);
  });

  it("authoritative roles: the role's extras anywhere in the database, and on the database; other roles untouched", () => {
    const held = [
      obj("schema", "s1", "s1"),
      obj("schema", "s2", "s2"),
      acl("database", null, "db", "r", "CREATE"),
      acl("database", null, "db", "PUBLIC", "CONNECT", { is_default: true }),
      acl("table", "s1", "t", "r", "SELECT"),
      acl("table", "s2", "u", "r", "UPDATE"),
      acl("table", "s2", "u", "other", "UPDATE"),
      acl("tablespace", null, "ts", "r", "CREATE"), // cluster-wide: outside the scope
    ];
    expect(
      sqls({
        acl: held,
        desired: [entry({ role: "r", objectType: "table", schema: "s1", objects: ["t"] })],
        authoritative: { schemas: [], roles: ["r"] },
      }),
    ).to.deep.equal(["REVOKE CREATE ON DATABASE db FROM r", "REVOKE UPDATE ON TABLE s2.u FROM r"]);
  });

  it("another grantor's privilege is revoked as that grantor, or blocked for an admin that cannot SET ROLE to it", () => {
    const held = [
      obj("schema", "app", "app"),
      obj("table", "app", "t"),
      acl("table", "app", "t", "end", "SELECT", { grantor: "mid" }),
    ];
    const input = { acl: held, desired: [], authoritative: { schemas: ["app"], roles: [] } };
    expect(sqls(input)).to.deep.equal([
      "SET LOCAL ROLE mid",
      'REVOKE SELECT ON TABLE app.t FROM "end"',
      "RESET ROLE",
    ]);
    const weak = { user: "adm", superuser: false, inherits: ["own"], canSetRole: [] };
    const p = plan({ ...input, admin: weak });
    expect(p.statements).to.deep.equal([]);
    expect(p.blocked).to.deep.equal(["SELECT on table app.t to end, granted by mid"]);
    expect(sqls({ ...input, admin: { ...weak, canSetRole: ["mid"] } })).to.have.length(3);
  });

  it("a plain REVOKE acts as the owner only for an admin that has the owner's privileges", () => {
    const held = [
      obj("schema", "app", "app"),
      obj("table", "app", "t"),
      acl("table", "app", "t", "x", "SELECT"),
    ];
    const input = { acl: held, desired: [], authoritative: { schemas: ["app"], roles: [] } };
    const admin = { user: "adm", superuser: false, inherits: [], canSetRole: ["own"] };
    expect(sqls({ ...input, admin })).to.deep.equal([
      "SET LOCAL ROLE own",
      "REVOKE SELECT ON TABLE app.t FROM x",
      "RESET ROLE",
    ]);
    expect(sqls({ ...input, admin: { ...admin, inherits: ["own"] } })).to.deep.equal([
      "REVOKE SELECT ON TABLE app.t FROM x",
    ]);
  });

  it("the grant option: granted where wanted, its extra revoked alone (REVOKE GRANT OPTION FOR), with CASCADE when asked", () => {
    const held = [
      obj("schema", "app", "app"),
      obj("table", "app", "t"),
      acl("table", "app", "t", "r", "SELECT", { is_grantable: true }),
    ];
    const keep = [entry({ role: "r", objectType: "table", schema: "app", objects: ["t"] })];
    expect(
      sqls({ acl: held, desired: keep, authoritative: { schemas: ["app"], roles: [] }, cascade: true }),
    ).to.deep.equal(["REVOKE GRANT OPTION FOR SELECT ON TABLE app.t FROM r CASCADE"]);
    expect(
      sqls({
        acl: [obj("schema", "app", "app"), obj("table", "app", "t")],
        desired: [{ ...keep[0]!, withGrantOption: true, privileges: ["ALL"] }],
      }),
    ).to.deep.equal([
      "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN ON TABLE app.t TO r WITH GRANT OPTION",
    ]);
  });

  it("a wanted column privilege of a table whose table-level privilege goes is granted again after the REVOKE", () => {
    const held = [
      obj("schema", "app", "app"),
      obj("table", "app", "t"),
      acl("table", "app", "t", "r", "SELECT"),
      acl("column", "app", "t", "r", "SELECT", { column_name: "a" }),
    ];
    const col = entry({ role: "r", objectType: "column", schema: "app", objects: ["t"], columns: ["a"] });
    const p = simulatePrivileges({
      version: 170000,
      database: "db",
      acl: held,
      desired: [col],
      cascade: false,
      authoritative: { schemas: ["app"], roles: [] },
    });
    expect(p.plan.statements.map((s) => s.sql)).to.deep.equal([
      "REVOKE SELECT ON TABLE app.t FROM r",
      "GRANT SELECT (a) ON TABLE app.t TO r",
    ]);
    expect(
      p.result
        .filter((a) => a.grantee === "r")
        .map((a) => `${a.object_type} ${a.column_name} ${a.privilege}`),
    ).to.deep.equal(["column a SELECT"]);
  });

  it("routines: by signature as the server resolved it or as the catalog writes it; a bare name must not be overloaded; hostile names quoted", () => {
    const held = [
      obj("schema", "app", "app"),
      acl("function", "app", "f(integer)", "own", "EXECUTE", { is_default: true }),
      acl("function", "app", "f(text)", "own", "EXECUTE", { is_default: true }),
      acl("procedure", "app", 'we"ird(x)(integer)', "own", "EXECUTE", { is_default: true }),
    ];
    const p = plan({
      acl: held,
      routines: { "app\u0000f(int)": "f(integer)" },
      desired: [
        entry({
          role: "r",
          objectType: "function",
          schema: "app",
          objects: ["f(int)"],
          privileges: ["EXECUTE"],
        }),
        entry({
          role: "r",
          objectType: "procedure",
          schema: "app",
          objects: ['we"ird(x)(integer)'],
          privileges: ["EXECUTE"],
        }),
        entry({ role: "q", objectType: "function", schema: "app", objects: ["f"], privileges: ["EXECUTE"] }),
      ],
    });
    expect(p.statements.map((s) => s.sql)).to.deep.equal([
      "GRANT EXECUTE ON FUNCTION app.f(integer) TO r",
      'GRANT EXECUTE ON PROCEDURE app."we""ird(x)"(integer) TO r',
    ]);
    expect(p.entries[2]!.missing[0]).to.include("f is overloaded (f(integer), f(text))");
  });

  it("reports named objects that do not exist, and parameters before PostgreSQL 15", () => {
    const p = plan({
      acl: tables,
      version: 140000,
      desired: [
        entry({ role: "r", objectType: "table", schema: "app", objects: ["nope"] }),
        entry({ role: "r", objectType: "table", schema: "gone" }),
        entry({ role: "r", objectType: "parameter", objects: ["work_mem"], privileges: ["SET"] }),
      ],
    });
    expect(p.entries.map((e) => e.missing)).to.deep.equal([
      ['table "app.nope" does not exist'],
      ['schema "gone" does not exist'],
      ["parameter privileges need PostgreSQL 15 or later (this server: 140000)"],
    ]);
  });

  it("reads what each entry holds on every object (Grant's reading), ALL as written", () => {
    const held = [
      ...tables,
      ...["a", "b"].map((t) => acl("table", "app", t, "r", "SELECT")),
      ...["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"].map((p) =>
        acl("table", "app", "a", "w", p, { is_grantable: true }),
      ),
    ];
    const p = plan({
      acl: held,
      desired: [
        entry({ role: "r", objectType: "table", schema: "app" }),
        entry({ role: "r", objectType: "table", schema: "app", objects: ["a", "b"] }),
        entry({
          role: "w",
          objectType: "table",
          schema: "app",
          objects: ["a"],
          privileges: ["ALL"],
          withGrantOption: true,
        }),
      ],
    });
    expect(p.entries.map((e) => [e.privileges, e.withGrantOption])).to.deep.equal([
      [[], false], // c lacks SELECT: drift
      [["SELECT"], false],
      [["ALL"], true],
    ]);
  });

  it("property: after the plan every wanted privilege is held and nothing unlisted is left in the authoritative scope", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const roles = ["r0", "r1", "r2", "PUBLIC"];
    const privs = ["SELECT", "INSERT", "UPDATE"];
    for (let round = 0; round < 200; round++) {
      const objects = ["t0", "t1", "t2"].map((t) => obj("table", rand(2) ? "a" : "b", t));
      const held: AclEntry[] = [obj("schema", "a", "a"), obj("schema", "b", "b"), ...objects];
      for (let i = 0; i < 6; i++) {
        const o = objects[rand(3)]!;
        held.push(
          acl("table", o.schema, o.object_name, roles[rand(4)]!, privs[rand(3)]!, {
            grantor: rand(3) ? "own" : "r1",
          }),
        );
      }
      const desired = Array.from({ length: rand(4) }, () =>
        entry({
          role: roles[rand(3)]!,
          objectType: "table",
          schema: rand(2) ? "a" : "b",
          ...(rand(2) ? { objects: [objects[rand(3)]!.object_name] } : {}),
          privileges: [privs[rand(3)]!],
        }),
      );
      const authoritative = { schemas: rand(2) ? ["a"] : [], roles: rand(2) ? ["r2"] : [] };
      const input: PrivilegesPlanInput = {
        version: 170000,
        database: "db",
        acl: held,
        desired,
        authoritative,
        cascade: false,
      };
      const { plan: p, result } = simulatePrivileges(input);
      const key = (a: { grantee: string; schema: string | null; object_name: string; privilege: string }) =>
        `${a.grantee} ${a.schema}.${a.object_name} ${a.privilege}`;
      const after = new Set(result.map(key));
      const wanted = new Set<string>();
      for (const e of desired) {
        for (const o of held.filter(
          (h) => h.object_type === "table" && h.schema === e.schema && h.grantee === "own",
        )) {
          if (!e.objects || e.objects.includes(o.object_name))
            wanted.add(`${e.role} ${o.schema}.${o.object_name} ${e.privileges[0]}`);
        }
      }
      for (const w of wanted) expect(after.has(w), `${w} held after round ${round}`).to.equal(true);
      for (const a of result) {
        if (a.grantee === a.owner || wanted.has(key(a))) continue;
        const scoped = authoritative.schemas.includes(a.schema!) || authoritative.roles.includes(a.grantee);
        expect(scoped, `${key(a)} left in scope, round ${round}`).to.equal(false);
      }
      // No REVOKE names a wanted privilege of its grantee on its object.
      for (const s of p.statements.filter((x) => x.sql.startsWith("REVOKE"))) {
        const m = /^REVOKE (.+) ON TABLE (.+) FROM (.+)$/.exec(s.sql)!;
        for (const pr of m[1]!.split(", "))
          for (const o of m[2]!.split(", "))
            for (const g of m[3]!.split(", ")) expect(wanted.has(`${g} ${o} ${pr}`), s.sql).to.equal(false);
      }
    }
  });
});

describe("splitSignature", () => {
  it("splits at the last parenthesis outside double quotes", () => {
    expect(splitSignature("f(integer, text)")).to.deep.equal({ name: "f", args: "integer, text" });
    expect(splitSignature("a(b)(integer)")).to.deep.equal({ name: "a(b)", args: "integer" });
    expect(splitSignature('f("odd(type")')).to.deep.equal({ name: "f", args: '"odd(type"' });
    expect(splitSignature("f()")).to.deep.equal({ name: "f", args: "" });
  });
});

describe("checkPrivileges and diffPrivileges", () => {
  it("keys entries readably; same key merges (union of privileges); order does not matter", () => {
    const a = checkPrivileges({
      grants: [
        { role: "r", objectType: "TABLE", schema: "app", privileges: ["select"] },
        { role: "r", objectType: "table", schema: "app", privileges: ["INSERT"] },
        {
          role: "w",
          objectType: "table",
          schema: "app",
          objects: ["b", "a"],
          privileges: ["ALL"],
          withGrantOption: true,
        },
        { role: "x", objectType: "database", privileges: ["temp"] },
        {
          role: "my role",
          objectType: "column",
          schema: "s.x",
          objects: ["t"],
          columns: ["b", "a"],
          privileges: ["SELECT"],
        },
      ],
    });
    expect(a.failures).to.deep.equal([]);
    expect(Object.keys(a.inputs.grants)).to.deep.equal([
      "r: table app.*",
      "w: table app.{a,b} +grant option",
      "x: database",
      '"my role": column "s.x".t(a,b)',
    ]);
    expect(a.inputs.grants["r: table app.*"]!.privileges).to.deep.equal(["SELECT", "INSERT"]);
    expect(a.inputs.grants["x: database"]!.privileges).to.deep.equal(["TEMPORARY"]);
    const b = checkPrivileges({
      grants: [...(a.inputs ? [] : []), ...Object.values(a.inputs.grants)].reverse(),
    });
    expect(diffPrivileges(a.inputs, b.inputs)).to.deep.include({ changes: false });
  });

  it("entryKey quotes names with the key's own characters", () => {
    expect(entryKey({ role: "a: b", objectType: "schema", schema: "x.y", withGrantOption: false })).to.equal(
      '"a: b": schema "x.y"',
    );
  });

  it("diff: privileges, authoritative, cascade and unmanaged update in place; database and server replace", () => {
    const base = checkPrivileges({
      grants: [{ role: "r", objectType: "schema", schema: "s", privileges: ["USAGE"] }],
    }).inputs;
    expect(diffPrivileges(base, base).changes).to.equal(false);
    expect(
      diffPrivileges(
        {
          ...base,
          unmanaged: [
            {
              role: "x",
              objectType: "table",
              schema: "s",
              object: "t",
              privilege: "SELECT",
              withGrantOption: false,
              grantor: "o",
            },
          ],
        },
        base,
      ).changes,
    ).to.equal(true);
    expect(diffPrivileges(base, { ...base, authoritative: { schemas: ["s"], roles: [] } })).to.deep.include({
      changes: true,
      replaces: [],
    });
    expect(diffPrivileges(base, { ...base, database: "other" })).to.deep.include({
      replaces: ["database"],
      deleteBeforeReplace: true,
    });
  });

  it("check: every problem at once; unknown entries (preview) stay unknown", () => {
    const r = checkPrivileges({ grants: "x", authoritative: [], cascade: 1 });
    expect(r.failures.map((f) => f.property).sort()).to.deep.equal(["authoritative", "cascade", "grants"]);
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(checkPrivileges({ grants: [unknown] }).inputs.grants).to.equal(unknown);
  });
});
