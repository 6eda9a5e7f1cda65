/**
 * The command line against the real server: `audit` in every format (what it says is the catalog's
 * truth), filters, connection flags over the environment, clear errors (bad connection, no CONNECT
 * privilege), a fixed number of queries on thousands of tables, the bin shim; the HTML page in
 * headless Chromium (it renders, the graph shows every role, the filters work).
 */
import { expect } from "chai";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../provider/cli/main";
import {
  adminConnection,
  adminIsSuperuser,
  q,
  qSuper,
  quoteIdent as qi,
  testServer,
  unique,
  serverVersionNum,
} from "../support/db";
import { fixtures } from "../support/fixtures";

const exec = promisify(execFile);
const REPO = join(__dirname, "..", "..", "..");

/** Runs the command line in this process; returns its exit status and what it wrote. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

function findChromium(): string | undefined {
  for (const c of [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"]) {
    if (!c) continue;
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return undefined;
}

describe("command line: audit (real server)", function () {
  this.timeout(300_000);
  const f = fixtures();
  let s = "";
  const p = unique("au");
  const team = `${p}_team`;
  const lead = `${p}_lead`;
  const ann = `${p}_ann`;
  const ben = `${p}_ben`; // NOINHERIT
  const odd = `${p}_odd "q" 'a' \\b Ünï; DROP ROLE x;--`; // hostile, and matched by ${p}_*
  const nocon = `${p}_nocon`;
  const roles = [ann, ben, odd, lead, team, nocon];

  before(async () => {
    await f.createRole(team);
    await f.createRole(lead, { inRoles: [team] });
    await f.createRole(ann, { login: true, inRoles: [lead] });
    await f.createRole(ben, { login: true, inherit: false, inRoles: [team] });
    await f.createRole(odd, { login: true, inRoles: [team] });
    await f.createRole(nocon, { login: true });
    s = await f.schema("aud");
    await q(`CREATE TABLE ${qi(s)}.orders (id int, amount numeric)`);
    await q(`CREATE TABLE ${qi(s)}.items (id int)`);
    await q(`CREATE TABLE ${qi(s)}."we|ird" (id int)`);
    await q(`GRANT USAGE ON SCHEMA ${qi(s)} TO ${qi(team)}`);
    await q(`GRANT SELECT ON ${qi(s)}.orders, ${qi(s)}.items TO ${qi(team)}`);
    await q(`GRANT INSERT ON ${qi(s)}.orders TO ${qi(lead)} WITH GRANT OPTION`);
    await q(`GRANT SELECT (amount) ON ${qi(s)}.orders TO ${qi(odd)}`);
    await q(`GRANT SELECT ON ${qi(s)}."we|ird" TO ${qi(odd)}`);
    await q(`ALTER TABLE ${qi(s)}.orders ENABLE ROW LEVEL SECURITY`);
    await q(`CREATE POLICY mine ON ${qi(s)}.orders FOR SELECT TO ${qi(team)} USING (amount > 0)`);
  });

  it("table: roles, the membership tree, grants per role, row level security and policies", async () => {
    const { code, out, err } = await cli("audit", "--role", `${p}_*`, "--schema", s);
    expect(err).to.equal("");
    expect(code).to.equal(0);
    expect(out).to.match(/^PostgreSQL \S+, database \S+, read as \S+/);
    const tree = out.slice(out.indexOf("Memberships\n"), out.indexOf("\nGrants\n"));
    if (adminIsSuperuser()) {
      expect(tree).to.include(
        `\n${team}\n├── ${ben}  [login, no inherit]\n├── ${lead}\n│   └── ${ann}  [login]\n└── ${odd}  [login]`,
      );
    } else {
      // A managed-service admin is a member of the roles it creates (createrole_self_grant): in the tree too.
      const branch = (name: string) => `[├└]── ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      expect(tree).to.include(`\n${team}\n`);
      expect(tree).to.match(new RegExp(`${branch(ben)}  \\[login, no inherit\\]`));
      expect(tree).to.match(new RegExp(`${branch(lead)}\\n│   ${branch(ann)}  \\[login\\]`));
    }
    const line = (grantee: string, type: string, objects: string) =>
      out
        .split("\n")
        .find((l) => l.startsWith(`${grantee} `) && l.includes(` ${type} `) && l.includes(objects));
    expect(line(team, "table", "items, orders")).to.match(/SELECT\s*$/);
    expect(line(lead, "table", "orders")).to.match(/INSERT\s+INSERT$/);
    expect(line(team, "schema", s)).to.match(/USAGE/);
    expect(out).to.include("Row level security");
    expect(out).to.match(
      new RegExp(
        `${s}\\.orders\\s+mine\\s+SELECT\\s+permissive\\s+${team}\\s+\\(amount > \\(0\\)::numeric\\)`,
      ),
    );
    // The hostile role is in it, its control-free name as is.
    expect(out).to.include(odd);
  });

  it("json is the catalog's truth: every grant listed is one has_table_privilege confirms, and none missing", async () => {
    const { code, out } = await cli("audit", "--format", "json", "--schema", s, "--role", `${p}_*`);
    expect(code).to.equal(0);
    const report = JSON.parse(out) as {
      roles: Array<{ name: string; inherit: boolean; member_of: string[] }>;
      grants: Array<{
        grantee: string;
        groups: Array<{ object_type: string; objects: string[]; privileges: string[]; grantable: string[] }>;
      }>;
    };
    expect(report.roles.map((r) => r.name).sort()).to.deep.equal([...roles].sort());
    const listed = new Set<string>();
    for (const g of report.grants)
      for (const grp of g.groups)
        if (grp.object_type === "table")
          for (const o of grp.objects)
            for (const priv of grp.privileges) listed.add(`${g.grantee}/${o}/${priv}`);
    const truth = await q<{ k: string }>(
      `SELECT r.rolname || '/' || c.relname || '/' || x.privilege_type AS k
         FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) x JOIN pg_roles r ON r.oid = x.grantee
        WHERE c.relnamespace = $1::regnamespace AND r.rolname LIKE $2 AND x.grantee <> c.relowner`,
      [s, `${p}\\_%`],
    );
    expect([...listed].sort()).to.deep.equal(truth.map((t) => t.k).sort());
    // The hostile role's grants are there too.
    expect(report.grants.find((g) => g.grantee === odd)!.groups.map((g) => g.objects)).to.deep.equal([
      ["orders.amount"],
      ["we|ird"],
    ]);
  });

  it("markdown, mermaid and dot", async () => {
    const md = await cli("audit", "--format", "markdown", "--role", `${p}_*`, "--schema", s);
    expect(md.out).to.match(/^# Access audit/);
    expect(md.out).to.include("we\\|ird");
    const mm = await cli("audit", "--format", "mermaid", "--role", `${p}_*`);
    expect(mm.out).to.match(/^graph LR\n/);
    for (const r of [team, lead, ann, ben]) expect(mm.out).to.include(`"${r}"`);
    expect(mm.out).to.match(/-\.->\|"no inherit"\|/);
    const dot = await cli("audit", "--format", "dot", "--role", `${p}_*`);
    expect(dot.out).to.match(/^digraph roles \{/);
    expect(dot.out).to.include(`label="${ann}"`);
  });

  it("connection flags win over the environment; --url; -o writes a file", async () => {
    const c = adminConnection();
    const dir = mkdtempSync(join(tmpdir(), "pgr-audit-"));
    try {
      const saved = process.env.PGPORT;
      process.env.PGPORT = "1"; // wrong: the flag must win
      try {
        const r = await cli("audit", "--port", String(c.port), "--role", ann, "-o", join(dir, "a.txt"));
        expect(r.code, r.err).to.equal(0);
        expect(r.out).to.equal("");
        const url = `postgres://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
        const u = await cli("audit", "--url", url, "--role", ann, "--format", "json");
        expect(u.code, u.err).to.equal(0);
        expect(JSON.parse(u.out).roles.map((x: { name: string }) => x.name)).to.deep.equal([ann]);
      } finally {
        process.env.PGPORT = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("clear errors, no stack traces: connection refused, bad password, no CONNECT, usage", async () => {
    const refused = await cli("audit", "--port", "1");
    expect(refused.code).to.equal(1);
    expect(refused.err).to.equal(
      `error: could not connect to PostgreSQL at ${testServer().host}:1: connection refused\nhint: is the server running there and accepting TCP connections? (--host/--port, PGHOST/PGPORT)\n`,
    );
    const c = adminConnection();
    const bad = await cli(
      "audit",
      "--url",
      `postgres://${encodeURIComponent(ann)}:wrong@${c.host}:${c.port}/${c.database}`,
    );
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/^error: could not log in to .* password authentication failed/);
    // A role without CONNECT on the database.
    const db = unique("audit_db");
    await q(`CREATE DATABASE ${qi(db)}`);
    try {
      await q(`REVOKE CONNECT ON DATABASE ${qi(db)} FROM PUBLIC`);
      const denied = await cli(
        "audit",
        "--url",
        `postgres://${encodeURIComponent(nocon)}:pw@${c.host}:${c.port}/${db}`,
      );
      expect(denied.code).to.equal(1);
      expect(denied.err).to.match(
        /^error: could not connect to database ".*" at .* as ".*": permission denied for database/,
      );
      expect(denied.err).to.include("hint: the role needs CONNECT on the database");
      expect(denied.err).not.to.match(/\n\s+at /);
    } finally {
      // as the superuser: before 16 a CREATEROLE admin may not end the sessions of roles it is not a member of
      await qSuper(`DROP DATABASE ${qi(db)} WITH (FORCE)`);
    }
    const usage = await cli("audit", "--format", "pdf");
    expect(usage.code).to.equal(2);
    expect(usage.err).to.match(/^error: --format must be one of/);
  });

  it("an ordinary login role can audit (passwords unknown, everything else the same)", async () => {
    const c = adminConnection();
    const r = await cli(
      "audit",
      "--format",
      "json",
      "--url",
      `postgres://${encodeURIComponent(ann)}:pw@${c.host}:${c.port}/${c.database}`,
      "--role",
      `${p}_*`,
      "--schema",
      s,
    );
    expect(r.code, r.err).to.equal(0);
    const report = JSON.parse(r.out) as {
      server: { superuser: boolean };
      roles: Array<{ has_password: boolean | null }>;
      grants: unknown[];
    };
    expect(report.server.superuser).to.equal(false);
    expect(report.roles.every((x) => x.has_password === null)).to.equal(true);
    expect(report.grants.length).to.be.greaterThan(2);
  });

  it("a fixed number of queries on thousands of tables, in seconds", async function () {
    if (!testServer().embedded) {
      if (process.env.CI === "true") throw new Error("needs the embedded server (its log) in CI");
      this.skip();
    }
    const count = async (argv: string[]) => {
      const mark = testServer().log().length;
      const started = Date.now();
      const r = await cli(...argv);
      expect(r.code, r.err).to.equal(0);
      const ms = Date.now() - started;
      await new Promise((res) => setTimeout(res, 200));
      const n = testServer()
        .log()
        .slice(mark)
        .split("\n")
        .filter((l) => /LOG:\s+(statement|execute [^:]*):/.test(l)).length;
      return { n, ms };
    };
    const small = await count(["audit", "--format", "json"]);
    const big = unique("aud_big");
    await q(`CREATE SCHEMA ${qi(big)}`);
    try {
      await q(
        `DO $$ BEGIN FOR i IN 1..2000 LOOP
           EXECUTE format('CREATE TABLE %I.%I (id int)', '${big}', 't' || i);
           EXECUTE format('GRANT SELECT ON %I.%I TO %I', '${big}', 't' || i, '${team}');
         END LOOP; END $$`,
      );
      const large = await count(["audit", "--format", "json"]);
      expect(large.n).to.equal(small.n);
      expect(large.ms).to.be.lessThan(20_000);
      const text = await cli("audit", "--role", team, "--schema", big);
      expect(text.out).to.include("t1, t10, t100, t1000");
    } finally {
      await q(`DROP SCHEMA ${qi(big)} CASCADE`);
    }
  });

  it("a progress indication (on a terminal): each part of the catalog as it is read, with what was read", async () => {
    const lines: string[] = [];
    let out = "";
    const code = await main(["audit", "--role", `${p}_*`, "--schema", s], {
      stdout: (x) => (out += x),
      stderr: () => undefined,
      progress: (line) => lines.push(line),
    });
    expect(code).to.equal(0);
    expect(out).to.include("Memberships");
    expect(lines.map((l) => l.replace(/^\d+\.\ds /, "").replace(/\d+/g, "N"))).to.deep.equal([
      "reading roles",
      "read N roles; reading memberships",
      "read N memberships; reading the privileges of every object",
      "read N privileges; reading default privileges, row level security and policies",
      "read N default privileges and N policies",
    ]);
  });

  it("the bin shim runs the command (shebang, exit status)", async () => {
    const bin = join(REPO, "bin", "pulumi-postgres-roles.js");
    const { stdout } = await exec(process.execPath, [bin, "--help"]);
    expect(stdout).to.match(/^Usage: pulumi-postgres-roles <command>/);
    const failed = await exec(process.execPath, [bin, "audit", "--port", "1"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((failed as { code: number }).code).to.equal(1);
    expect((failed as { stderr: string }).stderr).to.match(/^error: could not connect/);
  });

  describe("--format html in headless Chromium", function () {
    let chromium: string | undefined;
    let dir: string;
    let page: string;
    const tableCount = 30;
    /**
     * A managed-service admin is a member of the roles it creates (PostgreSQL 16+, createrole_self_grant):
     * a node of the graph, inheriting. Before 16 it is not.
     */
    let extra: string[] = [];
    before(async () => {
      extra = adminIsSuperuser() || (await serverVersionNum()) < 160000 ? [] : [adminConnection().user];
    });

    before(async function () {
      chromium = findChromium();
      if (!chromium) {
        if (process.env.CI === "true")
          throw new Error("the HTML tests need chromium in CI (.ci/run installs it)");
        console.log("    skipping the HTML tests: no chromium (apt-get install -y chromium)");
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), "pgr-html-"));
      for (let i = 1; i <= tableCount; i++) await q(`CREATE TABLE ${qi(s)}.${qi(`bulk_${i}`)} (id int)`);
      await q(`GRANT SELECT ON ALL TABLES IN SCHEMA ${qi(s)} TO ${qi(lead)}`);
      const r = await cli("audit", "--format", "html", "--role", `${p}_*,PUBLIC`, "--schema", s);
      expect(r.code, r.err).to.equal(0);
      page = join(dir, "audit.html");
      writeFileSync(page, r.out);
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The DOM after the page's script ran, with the filters in the fragment. */
    async function dom(fragment = ""): Promise<string> {
      const { stdout } = await exec(
        chromium!,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          `--user-data-dir=${join(dir, "profile")}`,
          "--virtual-time-budget=5000",
          "--dump-dom",
          `file://${page}${fragment ? `#${fragment}` : ""}`,
        ],
        { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      );
      return stdout;
    }
    const attr = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => decode(m[1]!));
    const decode = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");

    it("renders: the script ran, the graph shows every role of the fixture, the matrix every grant", async () => {
      const html = await dom();
      expect(html).to.include('data-ready="1"');
      const nodes = attr(html, /<g class="node[^"]*" data-role="([^"]*)"/g);
      expect([...nodes].sort()).to.deep.equal([...roles, ...extra].sort());
      const edges = attr(html, /<path class="edge[^"]*" data-member="([^"]*)"/g).filter(
        (e) => !extra.includes(e),
      );
      expect(edges.sort()).to.deep.equal([ann, ben, lead, odd].sort());
      expect(html).to.match(/<path class="edge noinherit" data-member="[^"]*_ben"/);
      const rows = attr(html, /<tr data-role="([^"]*)"/g);
      expect(rows).to.include.members([team, lead, odd, ann]);
      expect(html).to.match(/<span id="count">\d+ roles × \d+ objects<\/span>/);
      // A screenshot renders too (layout, fonts, SVG).
      const shot = join(dir, "page.png");
      await exec(chromium!, [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        `--user-data-dir=${join(dir, "profile")}`,
        "--window-size=1400,1000",
        `--screenshot=${shot}`,
        `file://${page}`,
      ]);
      const { statSync } = await import("node:fs");
      expect(statSync(shot).size).to.be.greaterThan(10_000);
    });

    it("filters: role, object, schema, privilege, login only, inherited", async () => {
      const byRole = await dom(`role=${encodeURIComponent(ann)}`);
      expect(attr(byRole, /<tr data-role="([^"]*)"/g)).to.deep.equal([ann]);
      // ann holds nothing itself: with inherited shown, lead's and team's privileges (grey).
      expect(byRole).to.match(/<td class="inh" title="inherited: [ra]+">/);
      expect(byRole).to.include(`class="node login hit" data-role="${ann}"`);
      expect(byRole).to.match(/class="node group dim" data-role="[^"]*_team"/);
      const noInherited = await dom(`role=${encodeURIComponent(ann)}&inherited=0`);
      expect(attr(noInherited, /<tr data-role="([^"]*)"/g)).to.deep.equal([]);
      // we|ird: odd's own grant and lead's (all tables); ann inherits lead's unless inherited=0.
      const byObject = await dom("object=we%7Cird&inherited=0");
      expect(attr(byObject, /<th data-object="([^"]*)"/g)).to.deep.equal([`table:${s}:we|ird`]);
      expect(attr(byObject, /<tr data-role="([^"]*)"/g)).to.deep.equal([lead, odd]);
      const withInherited = await dom("object=we%7Cird");
      expect(attr(withInherited, /<tr data-role="([^"]*)"/g)).to.deep.equal([ann, lead, odd, ...extra]);
      const insert = await dom("privilege=a");
      const insertRows = attr(insert, /<tr data-role="([^"]*)"/g);
      expect(insertRows).to.include(lead);
      expect(insertRows).not.to.include(odd);
      expect(attr(insert, /<th data-object="([^"]*)"/g)).to.deep.equal([`table:${s}:orders`]);
      const login = await dom("login=1&inherited=0");
      const loginRows = attr(login, /<tr data-role="([^"]*)"/g);
      expect(loginRows).to.deep.equal([odd]);
      const bulk = await dom(`object=bulk_&schema=${encodeURIComponent(s)}`);
      expect(attr(bulk, /<th data-object="([^"]*)"/g)).to.have.length(tableCount);
      expect(bulk).to.include(`${2 + extra.length} roles × ${tableCount} objects`);
    });

    it("the page is self-contained: no external resource, a restrictive content security policy", async () => {
      const { readFileSync } = await import("node:fs");
      const html = readFileSync(page, "utf8");
      expect(html).not.to.match(/(src|href)="https?:/);
      expect(html).to.include(`content="default-src 'none'`);
      // Names cannot break out of the data block.
      expect(html.slice(html.indexOf('id="data"'))).not.to.match(
        /<\/script>[\s\S]*<\/script>[\s\S]*<\/script>/,
      );
    });
  });
});
