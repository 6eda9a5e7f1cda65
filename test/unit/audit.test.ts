/** The audit's pure parts: report from a snapshot, the text formats, the role graph, argument parsing. */
import { expect } from "chai";
import { parseArgs, UsageError } from "../../provider/cli/args";
import {
  buildAudit,
  drawTree,
  formatJson,
  formatMarkdown,
  formatText,
  printable,
} from "../../provider/cli/audit";
import { applyFilters, roleMatcher } from "../../provider/cli/filter";
import { dotString, formatDot, formatMermaid, mermaidLabel, roleGraph } from "../../provider/cli/graph";
import { escapeHtml, formatHtml, layoutGraph, matrixData, scriptJson } from "../../provider/cli/html";
import type { AclEntry, CatalogSnapshot, RoleDetail } from "../../provider/queries/types";

function role(name: string, extra: Partial<RoleDetail> = {}): RoleDetail {
  return {
    oid: 30000,
    name,
    superuser: false,
    createrole: false,
    createdb: false,
    login: false,
    replication: false,
    connection_limit: -1,
    valid_until: null,
    inherit: true,
    bypassrls: false,
    member_of: [],
    comment: null,
    settings: {},
    has_password: null,
    system: false,
    ...extra,
  };
}

const entry = (e: Partial<AclEntry> & Pick<AclEntry, "grantee" | "object_name" | "privilege">): AclEntry => ({
  object_type: "table",
  schema: "app",
  column_name: null,
  owner: "owner",
  grantor: "owner",
  is_grantable: false,
  is_default: false,
  revoked: false,
  ...e,
});

const PIPE = "a|b*`c`";

function snapshot(): CatalogSnapshot {
  return {
    server: {
      version: 160002,
      version_text: "16.2",
      database: "app",
      user: "auditor",
      superuser: false,
      passwords_readable: false,
    },
    roles: [
      role("admins", { createrole: true }),
      role("analysts", { member_of: ["readers"] }),
      role("readers"),
      role("alice", { login: true, member_of: ["analysts"], valid_until: "2030-01-01T00:00:00Z" }),
      role("bob", { login: true, inherit: false, member_of: ["readers"], connection_limit: 2 }),
      role(PIPE, { login: true, superuser: true }),
      role("lonely"),
    ],
    memberships: [
      {
        role: "readers",
        member: "analysts",
        grantor: "x",
        admin_option: false,
        inherit_option: true,
        set_option: true,
      },
      {
        role: "analysts",
        member: "alice",
        grantor: "x",
        admin_option: true,
        inherit_option: true,
        set_option: true,
      },
      {
        role: "readers",
        member: "bob",
        grantor: "x",
        admin_option: false,
        inherit_option: false,
        set_option: false,
      },
      {
        role: "admins",
        member: PIPE,
        grantor: "x",
        admin_option: false,
        inherit_option: true,
        set_option: true,
      },
    ],
    acl: [
      entry({ grantee: "readers", object_type: "schema", object_name: "app", privilege: "USAGE" }),
      entry({ grantee: "readers", object_name: "orders", privilege: "SELECT" }),
      entry({ grantee: "readers", object_name: "items", privilege: "SELECT" }),
      entry({ grantee: "readers", object_name: "items", privilege: "INSERT", is_grantable: true }),
      entry({
        grantee: "bob",
        object_type: "column",
        object_name: "orders",
        column_name: "amount",
        privilege: "SELECT",
      }),
      entry({
        grantee: "PUBLIC",
        object_type: "database",
        schema: null,
        object_name: "app",
        privilege: "CONNECT",
        is_default: true,
      }),
      entry({
        grantee: "PUBLIC",
        object_type: "function",
        object_name: "f(integer)",
        privilege: "EXECUTE",
        is_default: true,
        revoked: true,
      }),
      entry({ grantee: "analysts", schema: "other", object_name: "t", privilege: "UPDATE" }),
    ],
    defaultPrivileges: [
      {
        owner: "owner",
        schema: null,
        object_type: "function",
        grantee: "PUBLIC",
        grantor: "owner",
        privilege: "EXECUTE",
        is_grantable: false,
        builtin: true,
        revoked: true,
      },
      {
        owner: "owner",
        schema: "app",
        object_type: "table",
        grantee: "readers",
        grantor: "owner",
        privilege: "SELECT",
        is_grantable: false,
        builtin: false,
        revoked: false,
      },
    ],
    rowLevelSecurity: [{ schema: "app", table: "orders", enabled: true, force: false }],
    policies: [
      {
        name: "p",
        schema: "app",
        table: "orders",
        command: "SELECT",
        permissive: true,
        roles: ["readers"],
        using: "(a = 1)",
        with_check: null,
      },
      {
        name: "q",
        schema: "app",
        table: "orders",
        command: "ALL",
        permissive: true,
        roles: ["PUBLIC"],
        using: "true",
        with_check: null,
      },
    ],
  };
}

describe("audit (pure)", () => {
  it("memberships as a tree: groups on top, members beneath with their options", () => {
    const r = buildAudit(snapshot());
    expect(drawTree(r.memberships)).to.equal(
      [
        "admins",
        `└── ${PIPE}  [login]`,
        "readers",
        "├── analysts",
        "│   └── alice  [login, admin option]",
        "└── bob  [login, no inherit, no set]",
      ].join("\n"),
    );
  });

  it("grants per role grouped by type, schema and privilege set; built-in defaults hidden unless asked", () => {
    const r = buildAudit(snapshot());
    expect(r.grants.map((g) => g.grantee)).to.deep.equal(["analysts", "bob", "readers"]);
    expect(r.grants.find((g) => g.grantee === "readers")!.groups).to.deep.equal([
      { object_type: "schema", schema: "app", objects: ["app"], privileges: ["USAGE"], grantable: [] },
      {
        object_type: "table",
        schema: "app",
        objects: ["items"],
        privileges: ["SELECT", "INSERT"],
        grantable: ["INSERT"],
      },
      { object_type: "table", schema: "app", objects: ["orders"], privileges: ["SELECT"], grantable: [] },
    ]);
    expect(r.grants.find((g) => g.grantee === "bob")!.groups[0]!.objects).to.deep.equal(["orders.amount"]);
    expect(r.revokedDefaults).to.deep.equal([
      {
        grantee: "PUBLIC",
        object_type: "function",
        schema: "app",
        object: "f(integer)",
        privileges: ["EXECUTE"],
      },
    ]);
    const withDefaults = buildAudit(snapshot(), { includeDefaults: true });
    expect(withDefaults.grants.find((g) => g.grantee === "PUBLIC")!.groups).to.deep.equal([
      {
        object_type: "database",
        schema: null,
        objects: ["app"],
        privileges: ["CONNECT"],
        grantable: [],
        builtin: true,
      },
    ]);
    expect(r.defaultPrivileges).to.deep.equal([
      {
        owner: "owner",
        schema: null,
        object_type: "function",
        grantee: "PUBLIC",
        privileges: [],
        grantable: [],
        revoked: ["EXECUTE"],
      },
      {
        owner: "owner",
        schema: "app",
        object_type: "table",
        grantee: "readers",
        privileges: ["SELECT"],
        grantable: [],
        revoked: [],
      },
    ]);
  });

  it("--role and --schema filters", () => {
    const r = buildAudit(snapshot(), { roles: ["bob"] });
    expect(r.roles.map((x) => x.name)).to.deep.equal(["bob"]);
    expect(drawTree(r.memberships)).to.equal("readers\n└── bob  [login, no inherit, no set]");
    expect(r.grants.map((g) => g.grantee)).to.deep.equal(["bob"]);
    expect(r.policies).to.deep.equal([]);
    expect(r.filters).to.deep.equal({ roles: ["bob"] });
    const s = buildAudit(snapshot(), { schemas: ["other"] });
    expect(s.grants).to.deep.equal([
      {
        grantee: "analysts",
        groups: [
          { object_type: "table", schema: "other", objects: ["t"], privileges: ["UPDATE"], grantable: [] },
        ],
      },
    ]);
    expect(s.rowLevelSecurity).to.deep.equal([]);
    const m = roleMatcher(["app_*", "public"]);
    expect(["app_x", "app_", "xapp_y", "PUBLIC", "public"].map(m)).to.deep.equal([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(roleMatcher(["*"])("PUBLIC")).to.equal(false);
    expect(roleMatcher(["a.b"])("aXb")).to.equal(false);
    expect(applyFilters(snapshot(), { roles: ["PUBLIC"] }).policies.map((p) => p.name)).to.deep.equal(["q"]);
  });

  it("text: aligned tables and sections", () => {
    const t = formatText(buildAudit(snapshot()));
    expect(t).to.match(/^PostgreSQL 16\.2, database app, read as auditor\n/);
    const lines = t.split("\n");
    const header = lines.find((l) => l.startsWith("role "))!;
    const bob = lines.find((l) => l.startsWith("bob "))!;
    expect(bob.indexOf("yes")).to.equal(header.indexOf("login"));
    expect(bob.slice(header.indexOf("inherit")).startsWith("no")).to.equal(true);
    expect(bob.slice(header.indexOf("conn limit")).startsWith("2")).to.equal(true);
    for (const s of [
      "Roles (7)",
      "Memberships",
      "Grants",
      "Built-in privileges revoked",
      "Default privileges",
      "Row level security",
      "Policies",
    ])
      expect(lines).to.include(s);
    expect(t).to.include("(all schemas)");
  });

  it("control characters in names are shown escaped, not sent to the terminal", () => {
    expect(printable("a\nb\u001b[31m")).to.equal("a\\nb\\u001b[31m");
    const s = snapshot();
    s.roles.push(role("evil\n\u001b[2J"));
    expect(formatText(buildAudit(s))).not.to.include("\u001b");
  });

  it("markdown: tables with | and markup escaped, the tree fenced", () => {
    const md = formatMarkdown(buildAudit(snapshot()));
    expect(md).to.include("## Roles (7)");
    expect(md).to.include("| a\\|b\\*\\`c\\` | yes | yes |");
    expect(md).to.include("```text\nadmins\n");
    for (const line of md.split("\n").filter((l) => l.startsWith("| "))) {
      const cells = line.split(/(?<!\\)\|/).length;
      expect(cells).to.be.greaterThan(2);
    }
  });

  it("json: the report as data", () => {
    const j = JSON.parse(formatJson(buildAudit(snapshot()))) as Record<string, unknown>;
    expect(Object.keys(j)).to.deep.equal([
      "server",
      "filters",
      "roles",
      "memberships",
      "grants",
      "revokedDefaults",
      "defaultPrivileges",
      "rowLevelSecurity",
      "policies",
    ]);
    expect((j.roles as Array<{ name: string }>).map((r) => r.name)).to.include("lonely");
  });

  it("role graph: every role is a node, memberships are edges; mermaid and dot escape names", () => {
    const r = buildAudit(snapshot());
    const g = roleGraph(r);
    expect(g.nodes.map((n) => n.name).sort()).to.deep.equal(
      ["admins", "alice", "analysts", "bob", "lonely", "readers", PIPE].sort(),
    );
    expect(g.edges).to.have.length(4);
    const mm = formatMermaid(r);
    expect(mm).to.match(/^graph LR\n/);
    const id = (name: string) => g.nodes.find((n) => n.name === name)!.id;
    expect(mm).to.include(`${id("bob")} -.->|"no inherit, no set"| ${id("readers")}`);
    expect(mm).to.include(`${id("alice")} -->|"admin"| ${id("analysts")}`);
    expect(mm).to.include(`${id("alice")}(["alice"])`);
    expect(mm).to.include(`${id("readers")}["readers"]`);
    expect(mermaidLabel('a"b#c<d>')).to.equal("a#quot;b#35;c#lt;d#gt;");
    const dot = formatDot(r);
    expect(dot).to.match(/^digraph roles \{/);
    expect(dot).to.include(`${id("bob")} -> ${id("readers")} [label="no inherit, no set", style=dashed];`);
    expect(dotString('x"y\\z\nw')).to.equal('"x\\"y\\\\z\\nw"');
  });

  it("html: escaped names, data that cannot close its script, layered graph, matrix data", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
    const json = scriptJson({ n: "</script><!-- \u2028" });
    expect(json).not.to.match(/<|>|\u2028/);
    expect(JSON.parse(json)).to.deep.equal({ n: "</script><!-- \u2028" });
    const r = buildAudit(snapshot());
    const g = roleGraph(r);
    const { nodes } = layoutGraph(g);
    const x = (name: string) => nodes.find((n) => n.name === name)!.x;
    // Members left of their groups, at every depth.
    expect(x("alice")).to.be.lessThan(x("analysts"));
    expect(x("analysts")).to.be.lessThan(x("readers"));
    expect(x("bob")).to.be.lessThan(x("readers"));
    const m = matrixData(r);
    const alice = m.roles.find((x) => x.name === "alice")!;
    expect(alice.inherits).to.deep.equal(["analysts", "readers"]);
    // bob does not inherit (NOINHERIT): nothing flows from readers.
    expect(m.roles.find((x) => x.name === "bob")!.inherits).to.deep.equal([]);
    const items = m.objects.findIndex((o) => o.name === "items");
    const readers = m.roles.findIndex((x) => x.name === "readers");
    expect(m.cells).to.deep.include([readers, items, "ra", "a"]);
    const html = formatHtml(r);
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.include(`data-role="a|b*\`c\`"`);
    expect(html.match(/<g class="node/g)).to.have.length(g.nodes.length);
  });

  describe("arguments", () => {
    it("connection flags, filters, formats", () => {
      const a = parseArgs([
        "audit",
        "-h",
        "db",
        "--port=6543",
        "-U",
        "me",
        "-d",
        "app",
        "--role",
        "a,b",
        "--role=c*",
        "--schema",
        "s1",
        "--format",
        "json",
        "-o",
        "out.json",
      ]);
      expect(a).to.deep.include({
        command: "audit",
        connection: { host: "db", port: 6543, user: "me", database: "app" },
        roles: ["a", "b", "c*"],
        schemas: ["s1"],
        format: "json",
        output: "out.json",
      });
      expect(parseArgs(["export", "--url", "postgres://u@h/d", "--retain-on-delete"])).to.deep.include({
        command: "export",
        connection: { connectionString: "postgres://u@h/d" },
        retainOnDelete: true,
      });
      expect(parseArgs([]).command).to.equal("help");
      expect(parseArgs(["audit", "--help"]).command).to.equal("help");
      expect(parseArgs(["--version"]).command).to.equal("version");
    });

    it("usage errors say what is wrong", () => {
      const bad = (argv: string[], re: RegExp) => expect(() => parseArgs(argv)).to.throw(UsageError, re);
      bad(["audit", "--format", "pdf"], /--format must be one of/);
      bad(["audit", "--port", "x"], /not a port number/);
      bad(["audit", "--url", "mysql://x"], /postgres:\/\//);
      bad(["frobnicate"], /unknown command "frobnicate"/);
      bad(["audit", "--bogus"], /unknown option --bogus/);
      bad(["audit", "--host"], /--host needs a value/);
      bad(["audit", "extra"], /unexpected argument/);
      bad(["export", "--format", "json"], /--format is for audit/);
      bad(["audit", "--sslmode", "sometimes"], /--sslmode must be one of/);
    });
  });
});
