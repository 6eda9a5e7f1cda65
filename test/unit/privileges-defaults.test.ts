import { expect } from "chai";
import { checkPrivileges, diffPrivileges } from "../../provider/privileges/inputs";
import { type DefaultPrivilegesEntry, defaultEntryKey } from "../../provider/privileges/default-inputs";
import {
  type BuiltinDefaults,
  type DefaultAclRow,
  type DefaultPlanInput,
  planDefaultPrivilegeEntries,
} from "../../provider/privileges/default-planner";

const TABLE_16 = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
/** acldefault as PostgreSQL 16 has it (what the hooks read). */
const BUILTIN: BuiltinDefaults = {
  table: { owner: TABLE_16, public: [] },
  sequence: { owner: ["USAGE", "SELECT", "UPDATE"], public: [] },
  function: { owner: ["EXECUTE"], public: ["EXECUTE"] },
  type: { owner: ["USAGE"], public: ["USAGE"] },
  schema: { owner: ["USAGE", "CREATE"], public: [] },
};

const entry = (
  e: Partial<DefaultPrivilegesEntry> & { role: string; objectType: DefaultPrivilegesEntry["objectType"] },
): DefaultPrivilegesEntry => ({ owner: "own", privileges: ["SELECT"], withGrantOption: false, ...e });

/** A pg_default_acl row: `grantee privilege[*]` items. */
function row(
  owner: string,
  schema: string | null,
  objectType: DefaultAclRow["objectType"],
  ...items: string[]
): DefaultAclRow {
  return {
    owner,
    schema,
    objectType,
    items: items.map((i) => {
      const [grantee, p] = i.split(" ");
      return { grantee: grantee!, privilege: p!.replace("*", ""), grantable: p!.endsWith("*") };
    }),
  };
}

const plan = (over: Partial<DefaultPlanInput>) =>
  planDefaultPrivilegeEntries({ version: 160000, rows: [], builtin: BUILTIN, desired: [], ...over });
const sqls = (over: Partial<DefaultPlanInput>) => plan(over).statements.map((s) => s.sql);

describe("planDefaultPrivilegeEntries", () => {
  it("groups grantees of the same privileges on the same row; overlapping entries are a union", () => {
    expect(
      sqls({
        desired: [
          entry({ role: "r1", objectType: "table", schema: "app" }),
          entry({ role: "r2", objectType: "table", schema: "app" }),
          entry({ role: "r2", objectType: "table", schema: "app", privileges: ["SELECT", "INSERT"] }),
          entry({ role: "r3", objectType: "table", schema: "app", privileges: ["SELECT", "INSERT"] }),
          entry({ role: "w", objectType: "sequence", privileges: ["ALL"], withGrantOption: true }),
        ],
      }),
    ).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app GRANT SELECT ON TABLES TO r1",
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO r2, r3",
      "ALTER DEFAULT PRIVILEGES FOR ROLE own GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO w WITH GRANT OPTION",
    ]);
  });

  it("plans nothing when everything wanted is held; an update is a delta that never revokes a kept privilege", () => {
    const rows = [row("own", "app", "table", "r SELECT", "r INSERT", "x DELETE")];
    const a = entry({ role: "r", objectType: "table", schema: "app" });
    const b = entry({ role: "r", objectType: "table", schema: "app", privileges: ["INSERT"] });
    expect(sqls({ rows, desired: [a, b], previous: [a, b] })).to.deep.equal([]);
    expect(sqls({ rows, desired: [a], previous: [a, b] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE INSERT ON TABLES FROM r",
    ]);
    // Delete: what the entries granted; the hand-made DELETE of x stays.
    expect(sqls({ rows, desired: [], previous: [a, b] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE SELECT, INSERT ON TABLES FROM r",
    ]);
  });

  it("a global entry controls the grantee's built-in defaults: [] revokes PUBLIC's EXECUTE, removing the entry puts it back", () => {
    const none = entry({ role: "PUBLIC", objectType: "function", privileges: [] });
    expect(sqls({ desired: [none] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
    ]);
    const revoked = [row("own", null, "function", "own EXECUTE")];
    expect(sqls({ rows: revoked, desired: [none], previous: [none] })).to.deep.equal([]);
    expect(sqls({ rows: revoked, desired: [], previous: [none] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own GRANT EXECUTE ON FUNCTIONS TO PUBLIC",
    ]);
    // "routine" is the same row as "function".
    expect(
      sqls({ desired: [entry({ role: "PUBLIC", objectType: "routine", privileges: ["EXECUTE"] })] }),
    ).to.deep.equal([]);
  });

  it("the grant option: granted where wanted, revoked alone when no longer wanted", () => {
    const rows = [row("own", "app", "table", "r SELECT*")];
    const plain = entry({ role: "r", objectType: "table", schema: "app" });
    const go = { ...plain, withGrantOption: true };
    expect(sqls({ rows, desired: [plain], previous: [go] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE GRANT OPTION FOR SELECT ON TABLES FROM r",
    ]);
    expect(sqls({ rows: [row("own", "app", "table", "r SELECT")], desired: [go] })).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app GRANT SELECT ON TABLES TO r WITH GRANT OPTION",
    ]);
  });

  it("authoritative schemas: per-schema rows in them; the owner's own items and other schemas untouched", () => {
    const rows = [
      row("own", "app", "table", "own SELECT", "r SELECT", "x DELETE*", "PUBLIC INSERT"),
      row("own", "other", "table", "x DELETE"),
      row("own", null, "table", "x DELETE"),
      row("o2", "app", "type", "PUBLIC USAGE"),
    ];
    const p = plan({
      rows,
      desired: [entry({ role: "r", objectType: "table", schema: "app" })],
      authoritative: { schemas: ["app"], roles: [] },
    });
    expect(p.statements.map((s) => s.sql)).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE DELETE ON TABLES FROM x",
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE INSERT ON TABLES FROM PUBLIC",
      "ALTER DEFAULT PRIVILEGES FOR ROLE o2 IN SCHEMA app REVOKE USAGE ON TYPES FROM PUBLIC",
    ]);
    expect(p.unmanaged).to.deep.equal([
      {
        role: "x",
        objectType: "table",
        schema: "app",
        object: "*",
        privilege: "DELETE",
        withGrantOption: true,
        grantor: "own",
        default: { owner: "own" },
      },
      {
        role: "PUBLIC",
        objectType: "table",
        schema: "app",
        object: "*",
        privilege: "INSERT",
        withGrantOption: false,
        grantor: "own",
        default: { owner: "own" },
      },
      {
        role: "PUBLIC",
        objectType: "type",
        schema: "app",
        object: "*",
        privilege: "USAGE",
        withGrantOption: false,
        grantor: "o2",
        default: { owner: "o2" },
      },
    ]);
  });

  it("authoritative roles: the role's items in any row, global included; built-ins in a global row never; an extra grant option alone", () => {
    const rows = [
      row("own", "app", "table", "r SELECT*", "r INSERT"),
      row("own", null, "function", "own EXECUTE", "PUBLIC EXECUTE", "r EXECUTE"),
      row("o2", null, "type", "o2 USAGE", "PUBLIC USAGE*"),
      row("o2", "app", "sequence", "x USAGE"),
    ];
    const p = plan({
      rows,
      desired: [entry({ role: "r", objectType: "table", schema: "app" })],
      authoritative: { schemas: [], roles: ["r", "PUBLIC"] },
    });
    expect(p.statements.map((s) => s.sql)).to.deep.equal([
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE GRANT OPTION FOR SELECT ON TABLES FROM r",
      "ALTER DEFAULT PRIVILEGES FOR ROLE o2 REVOKE GRANT OPTION FOR USAGE ON TYPES FROM PUBLIC",
      "ALTER DEFAULT PRIVILEGES FOR ROLE own IN SCHEMA app REVOKE INSERT ON TABLES FROM r",
      "ALTER DEFAULT PRIVILEGES FOR ROLE own REVOKE EXECUTE ON FUNCTIONS FROM r",
    ]);
    expect(p.unmanaged.map((u) => `${u.default?.owner} ${u.schema} ${u.role} ${u.privilege}`)).to.deep.equal([
      "own app r GRANT OPTION FOR SELECT",
      "own app r INSERT",
      "own null r EXECUTE",
      "o2 null PUBLIC GRANT OPTION FOR USAGE",
    ]);
  });

  it("reads what each entry holds (DefaultPrivileges' reading); missing names; owners the admin cannot act for", () => {
    const rows = [row("own", "app", "table", "r SELECT"), row("own", null, "function", "own EXECUTE")];
    const p = plan({
      rows,
      desired: [
        entry({ role: "r", objectType: "table", schema: "app", privileges: ["SELECT", "INSERT"] }),
        entry({ role: "PUBLIC", objectType: "function", privileges: ["EXECUTE"] }),
        entry({ role: "PUBLIC", objectType: "type", privileges: [] }),
        entry({ owner: "gone", role: "r", objectType: "table", schema: "nope" }),
      ],
      missingRoles: ["gone"],
      missingSchemas: ["nope"],
      cannotAlter: ["own"],
    });
    expect(p.entries).to.deep.equal([
      { privileges: ["SELECT"], withGrantOption: false, missing: [] },
      { privileges: [], withGrantOption: false, missing: [] },
      { privileges: ["ALL"], withGrantOption: false, missing: [] }, // PUBLIC's built-in USAGE, no row
      {
        privileges: [],
        withGrantOption: false,
        missing: ['role "gone" (the owner) does not exist', 'schema "nope" does not exist'],
      },
    ]);
    expect(p.blocked).to.deep.equal(["own"]);
  });

  it("property: applying the plan converges (a second plan is empty), keeps every wanted privilege and leaves nothing unmanaged", () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const owners = ["o1", "o2"];
    const grantees = ["r0", "r1", "PUBLIC", "o1"];
    const schemas = [null, "a", "b"];
    const types = ["table", "function"] as const;
    const privsOf = { table: ["SELECT", "INSERT"], function: ["EXECUTE"] };
    /** PostgreSQL's rule: a row equal to the built-in default (global) or empty (per schema) is removed. */
    const apply = (rows: DefaultAclRow[], p: ReturnType<typeof plan>): DefaultAclRow[] => {
      const out = new Map(
        rows.map((r) => [JSON.stringify([r.owner, r.schema, r.objectType]), { ...r, items: [...r.items] }]),
      );
      for (const c of p.changes) {
        const k = JSON.stringify([c.owner, c.schema, c.objectType]);
        const b = BUILTIN[c.objectType];
        const r = out.get(k) ?? {
          owner: c.owner,
          schema: c.schema,
          objectType: c.objectType,
          items:
            c.schema === null
              ? [
                  ...b.owner.map((x) => ({ grantee: c.owner, privilege: x, grantable: false })),
                  ...b.public.map((x) => ({ grantee: "PUBLIC", privilege: x, grantable: false })),
                ]
              : [],
        };
        const i = r.items.findIndex((x) => x.grantee === c.grantee && x.privilege === c.privilege);
        if (c.mode === "revoke") r.items = r.items.filter((_, j) => j !== i);
        else if (c.mode === "revoke grant option") r.items[i] = { ...r.items[i]!, grantable: false };
        else if (i >= 0)
          r.items[i] = { ...r.items[i]!, grantable: r.items[i]!.grantable || c.mode !== "grant" };
        else r.items.push({ grantee: c.grantee, privilege: c.privilege, grantable: c.mode !== "grant" });
        out.set(k, r);
      }
      return [...out.values()].filter((r) => {
        if (r.schema !== null) return r.items.length > 0;
        const b = BUILTIN[r.objectType];
        const builtin = [...b.owner.map((x) => `${r.owner} ${x}`), ...b.public.map((x) => `PUBLIC ${x}`)];
        const items = r.items.map((x) => `${x.grantee} ${x.privilege}${x.grantable ? "*" : ""}`);
        return !(items.length === builtin.length && builtin.every((x) => items.includes(x)));
      });
    };
    for (let round = 0; round < 300; round++) {
      let rows: DefaultAclRow[] = [];
      for (let i = 0; i < 5; i++) {
        const t = types[rand(2)]!;
        rows = apply(rows, {
          changes: [
            {
              owner: owners[rand(2)]!,
              schema: schemas[rand(3)]!,
              objectType: t,
              grantee: grantees[rand(3)]!,
              privilege: privsOf[t][rand(privsOf[t].length)]!,
              mode: rand(4) ? "grant" : "grant with grant option",
            },
          ],
        } as ReturnType<typeof plan>);
      }
      const desired = Array.from({ length: rand(4) }, () => {
        const t = types[rand(2)]!;
        const schema = schemas[rand(3)];
        const role = grantees[rand(3)]!;
        return entry({
          owner: owners[rand(2)]!,
          ...(schema === null ? {} : { schema }),
          role,
          objectType: t,
          privileges: schema === null && rand(3) === 0 ? [] : [privsOf[t][rand(privsOf[t].length)]!],
          withGrantOption: role !== "PUBLIC" && rand(4) === 0,
        });
      });
      const authoritative = { schemas: rand(2) ? ["a"] : [], roles: rand(2) ? ["r1", "PUBLIC"] : [] };
      const first = plan({ rows, desired, authoritative });
      const after = apply(rows, first);
      const again = plan({ rows: after, desired, previous: desired, authoritative });
      const at = `round ${round}: ${JSON.stringify({ rows, desired, authoritative })}`;
      expect(
        again.statements.map((x) => x.sql),
        at,
      ).to.deep.equal([]);
      expect(again.unmanaged, at).to.deep.equal([]);
      desired.forEach((e, i) => {
        expect(again.entries[i], at).to.deep.equal({
          privileges: e.privileges,
          withGrantOption: e.withGrantOption,
          missing: [],
        });
      });
      // No statement revokes a privilege an entry of its target wants.
      for (const c of first.changes.filter((x) => x.mode === "revoke")) {
        const wanted = desired.some(
          (e) =>
            e.owner === c.owner &&
            (e.schema ?? null) === c.schema &&
            e.objectType === c.objectType &&
            e.role === c.grantee &&
            e.privileges.includes(c.privilege),
        );
        expect(wanted, at).to.equal(false);
      }
    }
  });

  it("quotes hostile names", () => {
    const weird = 'we"ird; DROP ROLE x;--';
    expect(
      sqls({
        desired: [entry({ owner: weird, role: `${weird}2`, objectType: "schema", privileges: ["USAGE"] })],
      }),
    ).to.deep.equal([
      `ALTER DEFAULT PRIVILEGES FOR ROLE "we""ird; DROP ROLE x;--" GRANT USAGE ON SCHEMAS TO "we""ird; DROP ROLE x;--2"`,
    ]);
  });
});

describe("checkPrivileges: defaultPrivileges", () => {
  it("keys entries readably and merges the same key; absent stays absent, so an old state diffs clean", () => {
    const r = checkPrivileges({
      grants: [],
      defaultPrivileges: [
        { owner: "o", schema: "app", role: "r", objectType: "TABLE", privileges: ["select"] },
        { owner: "o", schema: "app", role: "r", objectType: "table", privileges: ["insert"] },
        { owner: "o", role: "public", objectType: "function", privileges: [] },
        { owner: "my owner", role: "w", objectType: "sequence", privileges: ["ALL"], withGrantOption: true },
      ],
    });
    expect(r.failures).to.deep.equal([]);
    expect(r.inputs.defaultPrivileges).to.deep.equal({
      "r: future tables of o in app": {
        owner: "o",
        schema: "app",
        role: "r",
        objectType: "table",
        privileges: ["SELECT", "INSERT"],
        withGrantOption: false,
      },
      "PUBLIC: future functions of o": {
        owner: "o",
        role: "PUBLIC",
        objectType: "function",
        privileges: [],
        withGrantOption: false,
      },
      'w: future sequences of "my owner" +grant option': {
        owner: "my owner",
        role: "w",
        objectType: "sequence",
        privileges: ["ALL"],
        withGrantOption: true,
      },
    });
    expect(
      defaultEntryKey({ owner: "o", role: "r", objectType: "routine", withGrantOption: false }),
    ).to.equal("r: future routines of o");
    const old = checkPrivileges({ grants: [] }).inputs;
    expect(old).not.to.have.property("defaultPrivileges");
    expect(diffPrivileges(old, old).changes).to.equal(false);
    expect(diffPrivileges(old, { ...old, defaultPrivileges: {} }).changes).to.equal(true);
    expect(diffPrivileges(r.inputs, r.inputs).changes).to.equal(false);
  });

  it("names each problem by entry and property, all at once", () => {
    const r = checkPrivileges({
      grants: [],
      defaultPrivileges: [
        { owner: "o", role: "r", objectType: "table", privileges: ["SELECT"] },
        { owner: "PUBLIC", role: "r", objectType: "table", privileges: ["SELECT"] },
        { owner: "o", role: "r", objectType: "tables", privileges: ["SELECT"], database: "d" },
        { owner: "o", schema: "s", role: "r", objectType: "table", privileges: [], objects: ["t"] },
        "x",
      ],
    });
    expect(r.failures.map((f) => f.property)).to.deep.equal([
      "defaultPrivileges[1].owner",
      "defaultPrivileges[2].database",
      "defaultPrivileges[2].objectType",
      "defaultPrivileges[3].objects",
      "defaultPrivileges[3].privileges",
      "defaultPrivileges[4]",
    ]);
    expect(r.failures[2]!.reason).to.include('write it singular: "table"');
    expect(checkPrivileges({ grants: [], defaultPrivileges: "x" }).failures).to.deep.equal([
      { property: "defaultPrivileges", reason: "defaultPrivileges must be a list of entries" },
    ]);
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(checkPrivileges({ grants: [], defaultPrivileges: [unknown] }).inputs.defaultPrivileges).to.equal(
      unknown,
    );
  });
});
