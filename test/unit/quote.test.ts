import { expect } from "chai";
import { ident, isPublic, literal, qualified, roleList, roleSpec } from "../../provider/common/quote";

/**
 * Decodes a PostgreSQL string literal the way the server reads it with standard_conforming_strings
 * on: '...' takes everything literally except '' (one quote); E'...' also turns \\ into one
 * backslash. Any other escape, or a lone quote inside, makes it not the literal we expect.
 */
function decodeLiteral(sql: string): string {
  const escape = sql.startsWith("E'");
  const body = escape ? sql.slice(1) : sql;
  if (!body.startsWith("'") || !body.endsWith("'") || body.length < 2)
    throw new Error(`not a literal: ${sql}`);
  const inner = body.slice(1, -1);
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === "'") {
      if (inner[i + 1] !== "'") throw new Error(`unescaped quote in ${sql}`);
      out += "'";
      i++;
    } else if (c === "\\" && escape) {
      if (inner[i + 1] !== "\\") throw new Error(`escape other than \\\\ in ${sql}`);
      out += "\\";
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * PostgreSQL 17's keywords that cannot stand bare as a role, schema, database or table name:
 * pg_get_keywords() rows with catcode 'R' (reserved) or 'T' (reserved, can be function or type
 * name; not allowed as a ColId, which is what schema and database names are in GRANT).
 */
const PG17_RESERVED_KEYWORDS = [
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "system_user",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
];

describe("quote", () => {
  describe("ident", () => {
    it("leaves lower-case, non-reserved names bare", () => {
      expect(ident("app")).to.equal("app");
      expect(ident("app_reader_1")).to.equal("app_reader_1");
      expect(ident("_private")).to.equal("_private");
      expect(ident("a$b")).to.equal("a$b");
    });

    it("double-quotes names with upper-case letters", () => {
      expect(ident("App")).to.equal('"App"');
      expect(ident("USER")).to.equal('"USER"');
      expect(ident("Reporting_Role")).to.equal('"Reporting_Role"');
    });

    it("double-quotes reserved words", () => {
      expect(ident("user")).to.equal('"user"');
      expect(ident("select")).to.equal('"select"');
      expect(ident("all")).to.equal('"all"');
      expect(ident("table")).to.equal('"table"');
      expect(ident("grant")).to.equal('"grant"');
    });

    it("quotes every keyword PostgreSQL 17 does not accept as a bare name", () => {
      const bare = PG17_RESERVED_KEYWORDS.filter((kw) => ident(kw) !== `"${kw}"`);
      expect(bare, "keywords left unquoted").to.deep.equal([]);
    });

    it("quotes current_role, which bare means the session's own role (GRANT g TO current_role)", () => {
      expect(ident("current_role")).to.equal('"current_role"');
      expect(ident("current_user")).to.equal('"current_user"');
      expect(ident("session_user")).to.equal('"session_user"');
    });

    it("doubles embedded double quotes", () => {
      expect(ident('a"b')).to.equal('"a""b"');
      expect(ident('"')).to.equal('""""');
      expect(ident('""x""')).to.equal('"""""x"""""');
    });

    it("keeps single quotes and backslashes as they are inside the double quotes", () => {
      expect(ident("it's")).to.equal(`"it's"`);
      expect(ident("a\\b")).to.equal('"a\\b"');
      expect(ident("\\")).to.equal('"\\"');
    });

    it("quotes names with spaces, digits first, dashes and dots", () => {
      expect(ident("my role")).to.equal('"my role"');
      expect(ident("1abc")).to.equal('"1abc"');
      expect(ident("app-reader")).to.equal('"app-reader"');
      expect(ident("a.b")).to.equal('"a.b"');
    });

    it("quotes unicode names and keeps their characters", () => {
      expect(ident("rôle")).to.equal('"rôle"');
      expect(ident("読み取り")).to.equal('"読み取り"');
      expect(ident("emoji😀")).to.equal('"emoji😀"');
    });

    it("turns SQL fragments into one harmless identifier", () => {
      expect(ident('x"; DROP ROLE postgres; --')).to.equal('"x""; DROP ROLE postgres; --"');
      expect(ident("x; DROP ROLE postgres")).to.equal('"x; DROP ROLE postgres"');
      expect(ident("x' OR '1'='1")).to.equal(`"x' OR '1'='1"`);
    });

    it("rejects NUL", () => {
      expect(() => ident("a\u0000b")).to.throw(/NUL/);
    });
  });

  describe("literal", () => {
    it("single-quotes plain strings", () => {
      expect(literal("abc")).to.equal("'abc'");
      expect(literal("")).to.equal("''");
      expect(literal("2030-01-01")).to.equal("'2030-01-01'");
    });

    it("doubles single quotes", () => {
      expect(literal("it's")).to.equal("'it''s'");
      expect(literal("'")).to.equal("''''");
    });

    it("uses an E'' string with doubled backslashes when there is a backslash", () => {
      expect(literal("a\\b")).to.equal("E'a\\\\b'");
      expect(literal("\\'")).to.equal("E'\\\\'''");
    });

    it("produces a PostgreSQL literal of exactly the same string", () => {
      const samples = [
        "plain",
        "it's",
        "a\\b",
        "\\",
        "'\\'\\\\''",
        'x"; DROP ROLE postgres; --',
        "x'; DROP ROLE postgres; --",
        "line1\nline2\ttab",
        "ünïcødé 読み 😀",
        "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy",
        "$$dollar$$",
      ];
      for (const s of samples) {
        expect(decodeLiteral(literal(s)), literal(s)).to.equal(s);
      }
    });

    it("rejects NUL", () => {
      expect(() => literal("a\u0000")).to.throw(/NUL/);
    });
  });

  describe("qualified", () => {
    it("quotes each part on its own", () => {
      expect(qualified("public", "users")).to.equal("public.users");
      expect(qualified("My Schema", "Users")).to.equal('"My Schema"."Users"');
      expect(qualified("a.b", 'c"d')).to.equal('"a.b"."c""d"');
    });
  });

  describe("roleSpec / roleList / isPublic", () => {
    it("writes public in any letter case as the keyword PUBLIC", () => {
      expect(roleSpec("public")).to.equal("PUBLIC");
      expect(roleSpec("PUBLIC")).to.equal("PUBLIC");
      expect(roleSpec("Public")).to.equal("PUBLIC");
      expect(isPublic("pUbLiC")).to.equal(true);
      expect(isPublic("publicity")).to.equal(false);
    });

    it("quotes other role names as identifiers", () => {
      expect(roleSpec("app")).to.equal("app");
      expect(roleSpec("App")).to.equal('"App"');
      expect(roleSpec("user")).to.equal('"user"');
      expect(roleSpec('x"; DROP ROLE postgres; --')).to.equal('"x""; DROP ROLE postgres; --"');
    });

    it("joins a list with commas", () => {
      expect(roleList(["a", "PUBLIC", 'B"', "select"])).to.equal('a, PUBLIC, "B""", "select"');
      expect(roleList([])).to.equal("");
    });

    it("rejects NUL", () => {
      expect(() => roleSpec("a\u0000")).to.throw(/NUL/);
      expect(() => roleList(["ok", "\u0000"])).to.throw(/NUL/);
    });
  });
});
