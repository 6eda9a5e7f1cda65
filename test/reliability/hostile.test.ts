/**
 * Hostile input, property-based (fast-check): role, schema, table and column names and passwords
 * drawn from all of Unicode (no lone surrogates: those are not text), quotes, backslashes, dollar
 * signs, NUL-free control characters and SQL fragments.
 *   - every name round-trips exactly through create / read (names of at most 63 bytes);
 *   - the role logs in with its password through libpq (psql), which applies PostgreSQL's SASLprep;
 *   - a sentinel table and role survive every run;
 *   - invalid names (NUL, more than 63 bytes, empty) are refused by check, naming the property;
 *   - privileges and object types in any letter case are normalized, unknown ones refused.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import {
  DefaultPrivilegesProvider,
  GrantProvider,
  RoleMembershipProvider,
  RoleProvider,
} from "../../provider";
import { OBJECT_TYPES, allPrivileges, type ObjectType } from "../../provider/common/privileges";
import { Lifecycle } from "../support/engine";
import { dropRoles, one, q, quoteIdent as qi, roleRow, testServer, unique } from "../support/db";
import { record } from "./report";

const PSQL = process.env.PGR_TEST_PSQL || "/usr/bin/psql";
/** Runs per property: PGR_HOSTILE_RUNS overrides (a longer local soak). */
const RUNS = Number(process.env.PGR_HOSTILE_RUNS || 60);
const SEED = process.env.PGR_HOSTILE_SEED ? Number(process.env.PGR_HOSTILE_SEED) : Date.now() % 2 ** 31;

/** Any Unicode scalar value but NUL. */
const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));
/** ASCII, control characters (but NUL) included. */
const ascii = fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c));
const FRAGMENTS = [
  `"`,
  `""`,
  `'`,
  `''`,
  `\\`,
  `\\'`,
  `$`,
  `$$`,
  `$1`,
  `$tag$`,
  `;`,
  `--`,
  `/*`,
  `*/`,
  `%I`,
  `%L`,
  `%s`,
  `'; DROP TABLE reliability_sentinel; --`,
  `"; DROP ROLE reliability_sentinel_role; --`,
  `' OR '1'='1`,
  `U&"\\0041"`,
  `E'\\x41'`,
  `\r\n`,
  `\t`,
  ` `,
  `CURRENT_USER`,
  `current_role`,
  `select`,
  `ALL`,
  `\u00a0`, // no-break space: SASLprep maps it to a space
  `\u00ad`, // soft hyphen: SASLprep maps it to nothing
  `\u200b`,
  `\ufeff`,
  `\u202e`, // right-to-left override
  `\u0627`, // Arabic letter (bidi rules in SASLprep)
  `🐘`,
  `é`,
  `e\u0301`, // the same, decomposed
  `ﬁ`,
  `Å`, // angstrom sign (NFKC: Å)
  `İ`,
  `ß`,
];
const fragment = fc.constantFrom(...FRAGMENTS);
const piece = fc.oneof(
  { arbitrary: codePoint, weight: 3 },
  { arbitrary: ascii, weight: 3 },
  { arbitrary: fragment, weight: 2 },
);
const text = (maxPieces: number) =>
  fc.array(piece, { minLength: 1, maxLength: maxPieces }).map((a) => a.join(""));
/**
 * A name PostgreSQL takes quoted: 1 to 63 bytes, no NUL; not `pg_…` (reserved for system roles and
 * schemas) nor `public` / `none` (reserved role names; the provider reads any letter case of
 * `public` as the PUBLIC pseudo-role).
 */
const name = text(12).filter(
  (s) =>
    Buffer.byteLength(s, "utf8") <= 63 &&
    !s.startsWith("pg_") &&
    !["public", "none"].includes(s.toLowerCase()),
);
const password = text(16);

/** Logs in through libpq (psql): PGUSER and PGPASSWORD carry any text but NUL. */
function psqlLogin(user: string, pw: string): Promise<{ ok: boolean; out: string }> {
  const s = testServer();
  return new Promise((resolve) => {
    execFile(
      PSQL,
      ["-w", "-X", "-A", "-t", "-h", s.host, "-p", String(s.port), "-d", s.database, "-c", "SELECT 1"],
      {
        env: {
          ...process.env,
          PGUSER: user,
          PGPASSWORD: pw,
          PGCONNECT_TIMEOUT: "10",
          PGAPPNAME: "pgr-hostile",
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ ok: !err && stdout.trim() === "1", out: `${stdout}${stderr}` }),
    );
  });
}

describe("reliability: hostile input (fast-check)", function () {
  this.timeout(900_000);
  const counts = {
    roleNames: 0,
    passwords: 0,
    logins: 0,
    objectNames: 0,
    invalid: 0,
    caseVariants: 0,
    unknown: 0,
  };
  const sentinelRole = "reliability_sentinel_role";
  const made: string[] = [];

  async function sentinelIntact(): Promise<void> {
    expect(await roleRow(sentinelRole), "sentinel role").to.not.equal(undefined);
    const r = await one<{ n: number; v: string }>(
      "SELECT count(*)::int AS n, max(v) AS v FROM public.reliability_sentinel",
    );
    expect(r).to.deep.equal({ n: 1, v: "intact" });
  }

  before(async () => {
    if (!existsSync(PSQL))
      throw new Error(`hostile-input tests need psql (libpq) at ${PSQL} (PGR_TEST_PSQL)`);
    await dropRoles(sentinelRole);
    await q("DROP TABLE IF EXISTS public.reliability_sentinel");
    await q(`CREATE ROLE ${sentinelRole}`);
    await q("CREATE TABLE public.reliability_sentinel (v text)");
    await q("INSERT INTO public.reliability_sentinel VALUES ('intact')");
    console.log(
      `      fast-check seed ${SEED}, ${RUNS} runs per property (PGR_HOSTILE_SEED, PGR_HOSTILE_RUNS)`,
    );
  });

  after(async () => {
    await sentinelIntact();
    await dropRoles(...made, sentinelRole);
    await q("DROP TABLE IF EXISTS public.reliability_sentinel");
    record("hostile", {
      seed: SEED,
      runsPerProperty: RUNS,
      ...counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
    });
  });

  it("role names and passwords round-trip: create, read, log in through libpq, delete", async () => {
    await fc.assert(
      fc.asyncProperty(name, password, fc.boolean(), async (n, pw, inherit) => {
        counts.roleNames += 1;
        counts.passwords += 1;
        made.push(n);
        const r = new Lifecycle(new RoleProvider());
        try {
          await r.up({ name: n, login: true, password: pw, inherit, comment: n });
          expect((r.outs as { name: string }).name).to.equal(n);
          const row = await roleRow(n);
          expect(row?.rolname, "pg_roles.rolname").to.equal(n);
          expect(String(row?.oid)).to.equal(r.id);
          expect(await r.refresh()).to.equal(true);
          expect((r.outs as { name: string; comment: string }).name).to.equal(n);
          expect((r.outs as { comment: string }).comment).to.equal(n);
          expect(await r.wouldChange({ name: n, login: true, password: pw, inherit, comment: n })).to.equal(
            false,
          );
          const login = await psqlLogin(n, pw);
          counts.logins += 1;
          expect(login.ok, `psql login: ${login.out}`).to.equal(true);
          const wrong = await psqlLogin(n, `${pw}x`);
          expect(wrong.ok, "a wrong password is refused").to.equal(false);
        } finally {
          await r.destroy();
        }
        expect(await roleRow(n)).to.equal(undefined);
        await sentinelIntact();
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it("schema, table, column and role names round-trip through Grant (column and table), RoleMembership and DefaultPrivileges", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(name, name, name, name, name).filter(([g, m]) => g !== m),
        async ([grantee, member, schema, table, column]) => {
          counts.objectNames += 5;
          made.push(grantee, member);
          await q(`CREATE ROLE ${qi(grantee)}`);
          await q(`CREATE ROLE ${qi(member)}`);
          await q(`CREATE SCHEMA ${qi(schema)}`);
          const lifecycles: Lifecycle[] = [];
          try {
            await q(`CREATE TABLE ${qi(schema)}.${qi(table)} (${qi(column)} int, other int)`);
            const col = new Lifecycle(new GrantProvider());
            lifecycles.push(col);
            const colArgs = {
              role: grantee,
              objectType: "column",
              schema,
              objects: [table],
              columns: [column],
              privileges: ["select"],
            };
            await col.up(colArgs);
            const held = await one<{ ok: boolean }>(
              "SELECT has_column_privilege($1, (quote_ident($2) || '.' || quote_ident($3))::regclass, $4, 'SELECT') AS ok",
              [grantee, schema, table, column],
            );
            expect(held.ok, "column privilege").to.equal(true);
            expect(await col.refresh()).to.equal(true);
            expect(await col.wouldChange(colArgs)).to.equal(false);
            const tab = new Lifecycle(new GrantProvider());
            lifecycles.push(tab);
            const tabArgs = {
              role: member,
              objectType: "TABLE",
              schema,
              objects: [table],
              privileges: ["Insert", "uPdAtE"],
            };
            await tab.up(tabArgs);
            expect(await tab.refresh()).to.equal(true);
            expect(await tab.wouldChange(tabArgs)).to.equal(false);
            const usage = new Lifecycle(new GrantProvider());
            lifecycles.push(usage);
            await usage.up({ role: member, objectType: "schema", schema, privileges: ["usage"] });
            const mem = new Lifecycle(new RoleMembershipProvider());
            lifecycles.push(mem);
            await mem.up({ role: grantee, member });
            expect(await mem.refresh()).to.equal(true);
            expect(await mem.wouldChange({ role: grantee, member })).to.equal(false);
            const dp = new Lifecycle(new DefaultPrivilegesProvider());
            lifecycles.push(dp);
            const dpArgs = {
              role: grantee,
              owner: testServer().user,
              objectType: "Table",
              schema,
              privileges: ["SELECT"],
            };
            if (testServer().user === (await one<{ u: string }>("SELECT current_user AS u")).u) {
              await dp.up(dpArgs);
              expect(await dp.refresh()).to.equal(true);
              expect(await dp.wouldChange(dpArgs)).to.equal(false);
            }
          } finally {
            for (const l of lifecycles.reverse()) await l.destroy();
            await q(`DROP SCHEMA IF EXISTS ${qi(schema)} CASCADE`);
            await dropRoles(grantee, member);
          }
          await sentinelIntact();
        },
      ),
      { numRuns: Math.max(10, Math.round(RUNS / 2)), seed: SEED, endOnFailure: true },
    );
  });

  it("invalid names (NUL, more than 63 bytes, empty) are refused by check, naming the property", async () => {
    const nul = fc.tuple(text(6), text(6)).map(([a, b]) => `${a}\u0000${b}`);
    const long = text(40).filter((s) => Buffer.byteLength(s, "utf8") > 63);
    const invalid = fc.oneof(nul, long, fc.constant(""));
    const cases: Array<{
      provider: () => {
        check: (
          o: unknown,
          n: Record<string, unknown>,
        ) => Promise<{ failures?: Array<{ property: string }> }>;
      };
      args: (bad: string) => Record<string, unknown>;
      property: string;
    }> = [
      { provider: () => new RoleProvider(), args: (bad) => ({ name: bad }), property: "name" },
      {
        provider: () => new RoleProvider(),
        args: (bad) => ({ name: "ok", inRoles: ["g", bad] }),
        property: "inRoles[1]",
      },
      {
        provider: () => new RoleMembershipProvider(),
        args: (bad) => ({ role: bad, member: "m" }),
        property: "role",
      },
      {
        provider: () => new RoleMembershipProvider(),
        args: (bad) => ({ role: "g", member: bad }),
        property: "member",
      },
      {
        provider: () => new GrantProvider(),
        args: (bad) => ({ role: bad, objectType: "schema", schema: "s", privileges: ["USAGE"] }),
        property: "role",
      },
      {
        provider: () => new GrantProvider(),
        args: (bad) => ({ role: "r", objectType: "schema", schema: bad, privileges: ["USAGE"] }),
        property: "schema",
      },
      {
        provider: () => new GrantProvider(),
        args: (bad) => ({
          role: "r",
          objectType: "table",
          schema: "s",
          objects: ["t", bad],
          privileges: ["SELECT"],
        }),
        property: "objects[1]",
      },
      {
        provider: () => new GrantProvider(),
        args: (bad) => ({
          role: "r",
          objectType: "column",
          schema: "s",
          objects: ["t"],
          columns: [bad],
          privileges: ["SELECT"],
        }),
        property: "columns[0]",
      },
      {
        provider: () => new DefaultPrivilegesProvider(),
        args: (bad) => ({ role: "r", owner: bad, objectType: "table", privileges: ["SELECT"] }),
        property: "owner",
      },
    ];
    await fc.assert(
      fc.asyncProperty(invalid, fc.integer({ min: 0, max: cases.length - 1 }), async (bad, i) => {
        counts.invalid += 1;
        const c = cases[i]!;
        const r = await c.provider().check({}, c.args(bad));
        const failures = r.failures ?? [];
        expect(
          failures.map((f) => f.property),
          JSON.stringify({ bad, failures }),
        ).to.include(c.property);
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });

  it("privileges and object types in any letter case are normalized; unknown ones are refused, naming the property", async () => {
    const grantTypes = OBJECT_TYPES.filter((t) => t !== "parameter" && t !== "column") as ObjectType[];
    const randomCase = (s: string) =>
      fc
        .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
        .map((flips) => [...s].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""));
    const known = fc.constantFrom(...grantTypes).chain((type) =>
      fc.tuple(
        fc.constant(type),
        randomCase(type),
        fc.subarray(allPrivileges(type), { minLength: 1 }).chain((ps) => fc.tuple(...ps.map(randomCase))),
      ),
    );
    await fc.assert(
      fc.asyncProperty(known, async ([type, typeWritten, privs]) => {
        counts.caseVariants += 1;
        const named = [
          "type",
          "domain",
          "language",
          "foreign_data_wrapper",
          "foreign_server",
          "tablespace",
        ].includes(type);
        const args: Record<string, unknown> = { role: "r", objectType: typeWritten, privileges: privs };
        if (type === "schema") args.schema = "s";
        if (named) args.objects = ["o"];
        if (["function", "procedure", "routine"].includes(type)) args.objects = ["f(int)"];
        const r = await new GrantProvider().check({}, args);
        expect(r.failures ?? [], JSON.stringify(args)).to.deep.equal([]);
        const inputs = r.inputs as { objectType: string; privileges: string[] };
        expect(inputs.objectType).to.equal(type);
        for (const p of inputs.privileges) expect(allPrivileges(type)).to.include(p);
        expect(inputs.privileges.length).to.equal(new Set(privs.map((p) => p.toUpperCase())).size);
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
    const allNames = new Set(
      grantTypes.flatMap((t) => allPrivileges(t)).concat(["ALL", "ALL PRIVILEGES", "TEMP"]),
    );
    const unknownPriv = text(4).filter((s) => !allNames.has(s.trim().replace(/\s+/g, " ").toUpperCase()));
    const unknownType = text(4).filter(
      (s) => !(OBJECT_TYPES as readonly string[]).includes(s.trim().toLowerCase()),
    );
    await fc.assert(
      fc.asyncProperty(unknownPriv, unknownType, async (priv, type) => {
        counts.unknown += 2;
        const r1 = await new GrantProvider().check(
          {},
          { role: "r", objectType: "table", schema: "s", privileges: ["SELECT", priv] },
        );
        expect((r1.failures ?? []).map((f) => f.property)).to.include("privileges");
        const r2 = await new GrantProvider().check(
          {},
          { role: "r", objectType: type, schema: "s", privileges: ["SELECT"] },
        );
        expect((r2.failures ?? []).map((f) => f.property)).to.include("objectType");
        const r3 = await new DefaultPrivilegesProvider().check(
          {},
          { role: "r", owner: "o", objectType: type, privileges: ["SELECT"] },
        );
        expect((r3.failures ?? []).map((f) => f.property)).to.include("objectType");
      }),
      { numRuns: RUNS * 3, seed: SEED },
    );
  });

  it("reserved role names are refused by PostgreSQL with a clear error, nothing created", async () => {
    for (const n of [`pg_${unique("x")}`, "public", "none"]) {
      const err = await new Lifecycle(new RoleProvider())
        .up({ name: n })
        .then(() => undefined)
        .catch((e: Error) => e);
      expect(err?.message, n)
        .to.include(`Role ${JSON.stringify(n)}`)
        .and.include("reserved");
    }
  });
});
