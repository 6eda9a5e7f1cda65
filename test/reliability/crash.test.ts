/**
 * Crash consistency through the real CLI: `pulumi up` and `pulumi destroy` killed (SIGKILL to the
 * CLI and every process it started: its language host and the provider, which run in process groups
 * of their own, as a cancelled CI job or a closed laptop would) at points chosen by waiting for a condition in the catalog (never by
 * sleeping), then `pulumi cancel` and one plain `up` / `destroy`. After each: the catalog checked by
 * effect, `pulumi preview --refresh --expect-no-changes`, and a role of the same name that someone
 * else made still refused. Each scenario (a ~200-resource create, an update renaming roles and
 * widening grants, a replacement of grants moved to another schema, a destroy) runs with the
 * engine's checkpoints and with PULUMI_SKIP_CHECKPOINTS=true, killed at three points each: early
 * (the first object appears, the first rename or new grant committed), middle (about half done) and
 * late (every object of the step exists while the engine still has work: memberships and grants of
 * the create, grant updates after the renames, the deletes of replaced grants; for the destroy, half
 * the roles dropped). One stack per mode serves every point: creates and destroys alternate, and
 * the update and replacement points each take the next step of a growing change. A bulk `Roles`
 * create of 200 roles (one transaction) is killed before its COMMIT and after it.
 *
 * Identity across servers: a stack pointed at another server holding a role of the same OID never
 * touches it (refresh, up, destroy); a stack moved to a dump/restore copy of its server takes one
 * `pulumi refresh`, after which `up` changes nothing.
 *
 * The CLI is run as a child process of its own (not through the Automation API) so that it can be
 * killed: a folder program (index.js) reads what to declare from spec.json beside it.
 */
import { expect } from "chai";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { E2eEnv, cliBin, findCli } from "../e2e/harness";
import { dropRoles, q, quoteIdent as qi, unique, clientFor } from "../support/db";
import { type Cluster, NEWEST_MAJOR, requestedMajor, startCluster } from "../support/versions";
import { MARKER_SCHEMA, MARKER_TABLE } from "../../provider/db/ownership";
import { record } from "./report";

const enabled = requestedMajor() === NEWEST_MAJOR || process.env.PGR_RELIABILITY_CRASH === "1";

/** What the program declares (see PROGRAM). Index ranges [from, to) of the users. */
interface Spec {
  prefix: string;
  users: number;
  schemaA: string;
  schemaB: string;
  renamed: [number, number];
  widened: [number, number];
  moved: [number, number];
  /** A role the program also claims (made by hand beforehand: must be refused). */
  foreign?: string;
}

/** Only one Role with these arguments (the identity tests). */
interface AppSpec {
  app: { name: string; connectionLimit: number };
}

/** Only one Roles resource of `count` login roles named `<prefix>_b<i>` (the bulk test). */
interface BulkSpec {
  bulk: { prefix: string; count: number };
}

const PROGRAM = `"use strict";
const fs = require("fs");
const path = require("path");
const pg = require("pulumi-postgres-roles");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "spec.json"), "utf8"));
if (spec.app) {
  new pg.Role("app", spec.app);
  return;
}
if (spec.bulk) {
  const roles = {};
  for (let i = 0; i < spec.bulk.count; i++) roles[spec.bulk.prefix + "_b" + i] = { login: true };
  new pg.Roles("bulk", { roles });
  return;
}
const p = spec.prefix;
const within = (i, r) => i >= r[0] && i < r[1];
const group = new pg.Role("group", { name: p + "_grp" });
for (let i = 0; i < spec.users; i++) {
  const user = new pg.Role("user-" + i, { name: within(i, spec.renamed) ? p + "_r" + i : p + "_u" + i, login: true });
  new pg.RoleMembership("member-" + i, { role: group.name, member: user.name });
  new pg.Grant("grant-" + i, {
    role: user.name,
    objectType: "table",
    schema: within(i, spec.moved) ? spec.schemaB : spec.schemaA,
    objects: ["t"],
    privileges: within(i, spec.widened) ? ["SELECT", "INSERT"] : ["SELECT"],
  });
}
new pg.RowLevelSecurity("rls", { schema: spec.schemaA, table: "t" });
new pg.Policy("policy", { name: p + "_pol", schema: spec.schemaA, table: "t", roles: [group.name], using: "true" });
if (spec.foreign) new pg.Role("taken", { name: spec.foreign });
`;

interface RunResult {
  code: number | null;
  out: string;
  killed: boolean;
  seconds: number;
}

/**
 * SIGKILL to the CLI and everything it started. Killing its process group is not enough: the CLI
 * starts its plugins (the language host, the dynamic provider) in process groups of their own, and
 * they would live on, orphaned, possibly finishing a transaction after the "kill". So the process
 * tree is read first (`ps`), then each process of it is killed.
 */
function killTree(root: number): void {
  const children = new Map<number, number[]>();
  for (const line of execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" }).split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  for (const todo = [root]; todo.length > 0;) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  for (const pid of tree.concat(-root)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** One stack of the folder program, driven through the CLI binary. */
class CliStack {
  readonly dir: string;
  constructor(
    private readonly e2e: E2eEnv,
    readonly project: string,
    readonly stack: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {
    this.dir = e2e.workDir(`${project}-${stack}`);
    writeFileSync(join(this.dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\nmain: index.js\n`);
    writeFileSync(join(this.dir, "index.js"), PROGRAM);
  }

  spec(s: Spec | AppSpec | BulkSpec): void {
    writeFileSync(join(this.dir, "spec.json"), JSON.stringify(s));
  }

  env(): NodeJS.ProcessEnv {
    const bin = cliBin();
    return { ...process.env, ...this.e2e.envVars(), ...this.extraEnv, PATH: `${bin}:${process.env.PATH}` };
  }

  /**
   * Runs the CLI; with `killWhen`, polls it every 50 ms while the CLI runs and, once it holds,
   * kills the CLI and its plugins (SIGKILL, {@link killTree}).
   */
  run(args: string[], killWhen?: () => Promise<boolean>): Promise<RunResult> {
    const started = Date.now();
    const child: ChildProcess = spawn(
      join(cliBin(), "pulumi"),
      [...args, "--stack", this.stack, "--non-interactive", "--color", "never"],
      { cwd: this.dir, env: this.env(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    let done = false;
    let killed = false;
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => {
        done = true;
        resolve(code);
      }),
    );
    const watch = async () => {
      while (killWhen && !done) {
        const hit = await killWhen().catch(() => false);
        if (hit && !done) {
          killed = true;
          killTree(child.pid!);
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return Promise.all([exited, watch()]).then(([code]) => ({
      code,
      out,
      killed,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    }));
  }

  async ok(args: string[]): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.out.slice(-4000)}`);
    return r;
  }

  /**
   * The file backend's checkpoint (`<backend>/.pulumi/stacks/<project>/<stack>.json`): a kill while the
   * CLI writes it can leave it cut ("failed to load checkpoint: EOF"); the CLI keeps the one before as
   * `.json.bak`. Puts that back (docs/operations.md) when `out` says so; answers whether it did.
   */
  restoreCutCheckpoint(out: string): boolean {
    if (!/failed to load checkpoint/.test(out)) return false;
    const stacks = join(this.e2e.backend, ".pulumi", "stacks");
    const file = [join(stacks, this.project, `${this.stack}.json`), join(stacks, `${this.stack}.json`)].find(
      (f) => existsSync(`${f}.bak`),
    );
    if (!file) return false;
    copyFileSync(`${file}.bak`, file);
    if (existsSync(`${file}.bak.attrs`)) copyFileSync(`${file}.bak.attrs`, `${file}.attrs`);
    return true;
  }

  /**
   * `pulumi cancel`. When the kill cut the checkpoint file, cancel itself fails on it ("failed to
   * load checkpoint") and leaves the lock: the .bak is put back and cancel run again.
   */
  async cancel(): Promise<{ said: string; restored: boolean }> {
    let r = await this.run(["cancel", "--yes"]);
    const restored = r.code !== 0 && this.restoreCutCheckpoint(r.out);
    if (restored) r = await this.run(["cancel", "--yes"]);
    return {
      said: `${r.code === 0 ? "ok" : `exit ${r.code}`}: ${r.out.trim().split("\n").pop()}`,
      restored,
    };
  }

  init(): Promise<RunResult> {
    return this.ok(["stack", "init"]);
  }

  /** Points the stack's connection (its configuration, not the resources' inputs) at a server. */
  async pointAt(c: Cluster): Promise<void> {
    for (const [k, v] of Object.entries({
      host: c.host,
      port: String(c.port),
      user: c.user,
      database: c.database,
    })) {
      await this.ok(["config", "set", `postgres-roles:${k}`, v]);
    }
    await this.ok(["config", "set", "--secret", "postgres-roles:password", c.password]);
  }
}

const UP = ["up", "--yes", "--skip-preview"];
const DESTROY = ["destroy", "--yes", "--skip-preview"];
const PREVIEW_NO_CHANGES = ["preview", "--refresh", "--expect-no-changes"];

const count = async (sql: string, params: unknown[]): Promise<number> =>
  Number((await q<{ n: string }>(sql, params))[0]!.n);

/** Roles whose name matches a LIKE pattern. */
const rolesLike = (pattern: string) =>
  count("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE $1", [pattern]);
/** Roles matching `pattern` holding `priv` on schema.t. */
const holding = (pattern: string, schema: string, priv: string) =>
  count(
    `SELECT count(*) AS n FROM pg_roles
      WHERE rolname LIKE $1 AND has_table_privilege(oid, format('%I.t', $2::text), $3)`,
    [pattern, schema, priv],
  );
/** Members of the group. */
const members = (group: string) =>
  count(
    "SELECT count(*) AS n FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = $1",
    [group],
  );

const like = (prefix: string, tail = "%") => `${prefix.replace(/_/g, "\\_")}${tail}`;

interface Point {
  mode: "checkpoints" | "PULUMI_SKIP_CHECKPOINTS=true";
  scenario: string;
  point: string;
  interrupted: boolean;
  converged: boolean;
  cancel: string;
  /** Seconds of the killed run and of the run that converged. */
  cutSeconds?: number;
  recoverySeconds?: number;
  /** The kill cut the CLI's own checkpoint file mid-write: restored from its .bak first. */
  checkpointRestored?: boolean;
  error?: string;
}

/** A query on a server of the test's own (the identity tests). */
async function on<T extends Record<string, unknown>>(
  c: Cluster,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = clientFor(c);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** pg_dump, pg_dumpall and psql of a major version: PGR_PG_CLIENT_BIN, else Debian's folder. */
function clientBin(major: number): string | undefined {
  const dir = process.env.PGR_PG_CLIENT_BIN || `/usr/lib/postgresql/${major}/bin`;
  return ["pg_dump", "pg_dumpall", "psql"].every((b) => existsSync(join(dir, b))) ? dir : undefined;
}

(enabled ? describe : describe.skip)("reliability: interrupted operations through the CLI", function () {
  this.timeout(1_200_000);
  let e2e: E2eEnv | undefined;
  const points: Point[] = [];
  const identity: string[] = [];
  const cleanupRoles: string[] = [];
  const cleanupSchemas: string[] = [];

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) throw new Error(`the crash tests need the Pulumi CLI: ${reason}`);
    e2e = new E2eEnv(cmd);
  });

  after(async () => {
    record("crash", {
      points,
      checkpointsRestored: points.filter((p) => p.checkpointRestored).length,
      tried: points.length,
      interrupted: points.filter((p) => p.interrupted).length,
      converged: points.filter((p) => p.converged).length,
      failed: points.filter((p) => !p.converged).length,
      identity,
    });
    for (const s of cleanupSchemas) await q(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`).catch(() => undefined);
    await dropRoles(...cleanupRoles).catch(() => undefined);
    if (e2e) rmSync(e2e.dir, { recursive: true, force: true });
  });

  const USERS = 66; // 1 group + 66 × (role, membership, grant) + RowLevelSecurity + Policy = 201 resources

  for (const mode of ["checkpoints", "PULUMI_SKIP_CHECKPOINTS=true"] as const) {
    it(`${mode}: create, update (renames, wider grants), replacement (grants moved) and destroy, each killed, converge with cancel + one up/destroy`, async () => {
      const skip = mode !== "checkpoints";
      const prefix = unique(skip ? "cs" : "cc");
      const schemaA = `${prefix}_a`;
      const schemaB = `${prefix}_b`;
      cleanupSchemas.push(schemaA, schemaB);
      for (const s of [schemaA, schemaB]) {
        await q(`CREATE SCHEMA ${qi(s)}`);
        await q(`CREATE TABLE ${qi(s)}.t (id int)`);
      }
      const group = `${prefix}_grp`;
      const foreign = unique("taken");
      cleanupRoles.push(foreign);
      await q(`CREATE ROLE ${qi(foreign)} CONNECTION LIMIT 7`);
      const name = (i: number, renamed: boolean) => `${prefix}_${renamed ? "r" : "u"}${i}`;
      const allNames = (s: Spec) => [
        group,
        ...Array.from({ length: USERS }, (_, i) => name(i, i >= s.renamed[0] && i < s.renamed[1])),
      ];
      cleanupRoles.push(
        group,
        ...Array.from({ length: USERS }, (_, i) => [name(i, false), name(i, true)]).flat(),
      );

      const stack = new CliStack(
        e2e!,
        "crash",
        skip ? "skip" : "checkpoints",
        skip ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {},
      );
      await stack.init();
      const project = "crash";
      const urnPrefix = `urn:pulumi:${stack.stack}::${project}::`;
      /** The stack's creation markers (with `renames`: the records of the renames it made too). */
      const markerRows = (renames = false) =>
        count(
          `SELECT count(*) AS n FROM ${qi(MARKER_SCHEMA)}.${qi(MARKER_TABLE)} WHERE starts_with(urn, $1)${renames ? "" : " AND kind <> 'renamed role'"}`,
          [urnPrefix],
        );

      /** Everything the program says, checked in the catalog by effect. */
      async function expectCatalog(s: Spec, oids?: Map<number, number>): Promise<void> {
        const names = allNames(s);
        const found = (
          await q<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [
            like(prefix, "\\_%"),
          ])
        )
          .map((r) => r.rolname)
          .sort();
        expect(found, "roles of the stack").to.deep.equal([...names].sort());
        expect(await members(group), "members of the group").to.equal(USERS);
        for (let i = 0; i < USERS; i++) {
          const n = names[i + 1]!;
          const within = (r: [number, number]) => i >= r[0] && i < r[1];
          const [onA, onB, insert] = (
            await q<{ a: boolean; b: boolean; ins: boolean }>(
              `SELECT has_table_privilege($1, format('%I.t', $2::text), 'SELECT') AS a,
                      has_table_privilege($1, format('%I.t', $3::text), 'SELECT') AS b,
                      has_table_privilege($1, format('%I.t', $4::text), 'INSERT') AS ins`,
              [n, schemaA, schemaB, within(s.moved) ? schemaB : schemaA],
            )
          ).map((r) => [r.a, r.b, r.ins])[0]!;
          expect({ role: n, onA, onB, insert }).to.deep.equal({
            role: n,
            onA: !within(s.moved),
            onB: within(s.moved),
            insert: within(s.widened),
          });
          if (oids) {
            const oid = Number(
              (await q<{ oid: string }>("SELECT oid FROM pg_roles WHERE rolname = $1", [n]))[0]!.oid,
            );
            expect(oid, `${n} kept its OID`).to.equal(oids.get(i));
          }
        }
        const [rls] = await q<{ relrowsecurity: boolean }>(
          `SELECT relrowsecurity FROM pg_class WHERE oid = format('%I.t', $1::text)::regclass`,
          [schemaA],
        );
        expect(rls!.relrowsecurity, "row level security").to.equal(true);
        expect(
          await count("SELECT count(*) AS n FROM pg_policy WHERE polname = $1", [`${prefix}_pol`]),
        ).to.equal(1);
        expect(await markerRows(), "creation markers").to.equal(USERS + 3);
      }

      /** One interruption point: the run killed once `when` holds, then cancel + one plain run. */
      async function interrupt(
        scenario: string,
        point: string,
        args: string[],
        when: () => Promise<boolean>,
        check: () => Promise<void>,
      ): Promise<void> {
        const entry: Point = { mode, scenario, point, interrupted: false, converged: false, cancel: "" };
        points.push(entry);
        try {
          const cut = await stack.run(args, when);
          entry.interrupted = cut.killed;
          entry.cutSeconds = cut.seconds;
          const cancel = await stack.cancel();
          entry.cancel = cancel.said;
          if (cancel.restored) entry.checkpointRestored = true;
          let next = await stack.run(args);
          if (next.code !== 0 && stack.restoreCutCheckpoint(next.out)) {
            entry.checkpointRestored = true;
            next = await stack.run(args);
          }
          if (next.code !== 0)
            throw new Error(`pulumi ${args.join(" ")} failed (${next.code}):\n${next.out.slice(-4000)}`);
          entry.recoverySeconds = next.seconds;
          await check();
          if (args[0] !== "destroy") await stack.ok(PREVIEW_NO_CHANGES);
          entry.converged = true;
        } catch (e) {
          entry.error = (e as Error).message.slice(0, 2000);
          throw e;
        }
      }

      const base: Spec = {
        prefix,
        users: USERS,
        schemaA,
        schemaB,
        renamed: [0, 0],
        widened: [0, 0],
        moved: [0, 0],
      };

      // Three points per scenario, each followed by cancel + one plain run and the checks. The stack
      // is reused: the create/destroy points alternate (each converged destroy makes room for the
      // next create), and the update and replacement points each add a step to the last one.
      type When = { point: string; when: () => Promise<boolean> };
      const allRoles = () => rolesLike(like(prefix, "\\_%"));
      const creates: When[] = [
        { point: "first role exists", when: async () => (await rolesLike(like(prefix, "\\_u%"))) >= 1 },
        {
          point: `half the user roles exist (${USERS / 2} of ${USERS})`,
          when: async () => (await rolesLike(like(prefix, "\\_u%"))) >= USERS / 2,
        },
        {
          point: `all ${USERS + 1} roles exist, memberships and grants still pending`,
          when: async () => (await allRoles()) >= USERS + 1,
        },
      ];
      const destroys: When[] = [
        { point: "first membership removed", when: async () => (await members(group)) < USERS },
        { point: "first role dropped", when: async () => (await allRoles()) < USERS + 1 },
        { point: "half the roles dropped", when: async () => (await allRoles()) <= (USERS + 1) / 2 },
      ];
      /** early / middle / late of a step that changes 20 objects, counted by `done`. */
      const thirds = (what: string, from: number, done: () => Promise<number>): When[] => [
        { point: `first of 20 ${what}`, when: async () => (await done()) >= from + 1 },
        { point: `10 of 20 ${what}`, when: async () => (await done()) >= from + 10 },
        { point: `all 20 ${what}, the rest still pending`, when: async () => (await done()) >= from + 20 },
      ];
      const destroyed = async () => {
        expect(await allRoles(), "roles left").to.equal(0);
        expect(
          await count("SELECT count(*) AS n FROM pg_policy WHERE polname = $1", [`${prefix}_pol`]),
        ).to.equal(0);
        const [rls] = await q<{ relrowsecurity: boolean }>(
          `SELECT relrowsecurity FROM pg_class WHERE oid = format('%I.t', $1::text)::regclass`,
          [schemaA],
        );
        expect(rls!.relrowsecurity, "row level security restored").to.equal(false);
        expect(await markerRows(true), "creation markers and rename records left").to.equal(0);
      };

      // 1. Create (and, between the creates, 2 of the 3 destroy points).
      stack.spec(base);
      for (let k = 0; k < creates.length; k++) {
        await interrupt("create of 201 resources", creates[k]!.point, UP, creates[k]!.when, () =>
          expectCatalog(base),
        );
        if (k === 0) {
          // A role of the same name that someone else made is still refused, and left as it was.
          stack.spec({ ...base, foreign });
          const refused = await stack.run(UP);
          expect(refused.code, refused.out.slice(-3000)).to.not.equal(0);
          expect(refused.out).to.include("already exists").and.include("did not create it");
          expect(
            (
              await q<{ rolconnlimit: number }>("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [
                foreign,
              ])
            )[0],
          ).to.deep.equal({ rolconnlimit: 7 });
          stack.spec(base);
        }
        if (k < creates.length - 1)
          await interrupt("destroy", destroys[k]!.point, DESTROY, destroys[k]!.when, destroyed);
      }
      const oids = new Map<number, number>();
      for (let i = 0; i < USERS; i++) {
        oids.set(
          i,
          Number(
            (await q<{ oid: string }>("SELECT oid FROM pg_roles WHERE rolname = $1", [name(i, false)]))[0]!
              .oid,
          ),
        );
      }

      // 2. Update, 3 steps, each renaming 20 roles and widening 20 grants (ranges grow by 20).
      const widenedBy = [
        [20, 40],
        [20, 60],
        [0, 66],
      ] as const;
      let spec: Spec = base;
      for (let k = 0; k < 3; k++) {
        const next: Spec = {
          ...spec,
          renamed: [0, 20 * (k + 1)],
          widened: [widenedBy[k]![0], widenedBy[k]![1]],
        };
        const renamedBefore = spec.renamed[1];
        stack.spec(next);
        const at = thirds("roles renamed", renamedBefore, () => rolesLike(like(prefix, "\\_r%")))[k]!;
        await interrupt(
          `update: 20 roles renamed, ${next.widened[1] - next.widened[0] - (spec.widened[1] - spec.widened[0])} grants widened`,
          at.point,
          UP,
          at.when,
          () => expectCatalog(next, oids),
        );
        spec = next;
      }

      // 3. Replacement, 3 steps, each moving 20 grants to another schema (create the new, then delete the old).
      for (let k = 0; k < 3; k++) {
        const next: Spec = { ...spec, moved: [0, 20 * (k + 1)] };
        const movedBefore = spec.moved[1];
        stack.spec(next);
        const at = thirds("new grants in place", movedBefore, () =>
          holding(like(prefix, "\\_%"), schemaB, "SELECT"),
        )[k]!;
        await interrupt("replacement: 20 grants moved to another schema", at.point, UP, at.when, () =>
          expectCatalog(next, oids),
        );
        spec = next;
      }

      // 4. The last destroy point.
      const last = destroys[destroys.length - 1]!;
      await interrupt("destroy", last.point, DESTROY, last.when, destroyed);
      expect(
        points.filter((p) => p.mode === mode && !p.interrupted),
        "points reached before the run ended",
      ).to.deep.equal([]);
    });
  }
  it("a 200-role Roles create (one transaction) killed before its COMMIT and after it, with and without checkpoints, converges with cancel + one up", async () => {
    const COUNT = 200;
    for (const mode of ["checkpoints", "PULUMI_SKIP_CHECKPOINTS=true"] as const) {
      const skip = mode !== "checkpoints";
      const prefix = unique(skip ? "bs" : "bc");
      cleanupRoles.push(...Array.from({ length: COUNT }, (_, i) => `${prefix}_b${i}`));
      const stack = new CliStack(
        e2e!,
        "crash",
        skip ? "bulk-skip" : "bulk-checkpoints",
        skip ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {},
      );
      await stack.init();
      stack.spec({ bulk: { prefix, count: COUNT } });
      const bulkRoles = () => rolesLike(like(prefix, "\\_b%"));
      const markers = () =>
        count(
          `SELECT count(*) AS n FROM ${qi(MARKER_SCHEMA)}.${qi(MARKER_TABLE)} WHERE starts_with(urn, $1)`,
          [`urn:pulumi:${stack.stack}::crash::`],
        );
      // The provider's transaction has written (it holds a transaction id) and is still open.
      const uncommitted = async () =>
        (await count(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND application_name = 'pulumi-postgres-roles'`,
          [],
        )) > 0;
      const cuts: Array<{ point: string; when: () => Promise<boolean> }> = [
        { point: "transaction open, roles created in it, before COMMIT", when: uncommitted },
        {
          point: `after COMMIT (all ${COUNT} roles visible)`,
          when: async () => (await bulkRoles()) >= COUNT,
        },
      ];
      for (const cut of cuts) {
        const entry: Point = {
          mode,
          scenario: `Roles: create of ${COUNT} roles in one resource`,
          point: cut.point,
          interrupted: false,
          converged: false,
          cancel: "",
        };
        points.push(entry);
        try {
          const r = await stack.run(UP, cut.when);
          entry.interrupted = r.killed;
          entry.cutSeconds = r.seconds;
          entry.point += ` (${await bulkRoles()} roles committed at the kill)`;
          if ((await stack.cancel()).restored) entry.checkpointRestored = true;
          let next = await stack.run(UP);
          if (next.code !== 0 && stack.restoreCutCheckpoint(next.out)) {
            entry.checkpointRestored = true;
            next = await stack.run(UP);
          }
          if (next.code !== 0) throw new Error(`pulumi up failed (${next.code}):\n${next.out.slice(-4000)}`);
          entry.recoverySeconds = next.seconds;
          expect(await bulkRoles(), "roles").to.equal(COUNT);
          expect(
            await count("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE $1 AND rolcanlogin", [
              like(prefix, "\\_b%"),
            ]),
            "login roles",
          ).to.equal(COUNT);
          expect(await markers(), "creation markers").to.equal(COUNT);
          await stack.ok(PREVIEW_NO_CHANGES);
          entry.converged = true;
        } catch (e) {
          entry.error = (e as Error).message.slice(0, 2000);
          throw e;
        }
        await stack.ok(DESTROY);
        expect(await bulkRoles(), "roles left").to.equal(0);
        expect(await markers(), "markers left").to.equal(0);
      }
    }
    expect(
      points.filter((p) => p.scenario.startsWith("Roles:") && !p.interrupted),
      "points reached before the run ended",
    ).to.deep.equal([]);
  });

  describe("identity across servers", () => {
    const clusters: Cluster[] = [];
    after(async () => {
      for (const c of clusters) await c.stop().catch(() => undefined);
    });

    it("a stack pointed at another server whose role has the same OID: that role is untouched by up, refresh and destroy", async () => {
      const a = await startCluster();
      clusters.push(a);
      const b = await startCluster();
      clusters.push(b);
      const stack = new CliStack(e2e!, "identity", "collide");
      await stack.init();
      await stack.pointAt(a);
      stack.spec({ app: { name: "app_ro", connectionLimit: 1 } });
      await stack.ok(UP);
      const oid = Number(
        (await on<{ oid: string }>(a, "SELECT oid FROM pg_roles WHERE rolname = 'app_ro'"))[0]!.oid,
      );
      // On B, an unrelated superuser with that very OID (OIDs are handed out in order on a fresh cluster).
      let other = 0;
      while (other < oid) {
        await on(b, "DROP ROLE IF EXISTS billing_admin");
        await on(b, "CREATE ROLE billing_admin SUPERUSER CONNECTION LIMIT 9");
        other = Number(
          (await on<{ oid: string }>(b, "SELECT oid FROM pg_roles WHERE rolname = 'billing_admin'"))[0]!.oid,
        );
      }
      expect(other, "colliding OID").to.equal(oid);
      const billing = async () =>
        (
          await on<{ oid: number; rolsuper: boolean; rolconnlimit: number }>(
            b,
            "SELECT oid, rolsuper, rolconnlimit FROM pg_roles WHERE rolname = 'billing_admin'",
          )
        )[0];
      const untouched = { oid, rolsuper: true, rolconnlimit: 9 };

      // The misconfiguration: the same stack now pointed at B, the program asking for a change.
      await stack.pointAt(b);
      stack.spec({ app: { name: "app_ro", connectionLimit: 2 } });
      const up = await stack.run(UP);
      expect(up.code, up.out.slice(-3000)).to.not.equal(0);
      expect(up.out).to.include("nothing was changed").and.include("system identifier");
      expect(await billing()).to.deep.equal(untouched);
      identity.push(
        "stack pointed at another server holding a role of the same OID: `up` (an update) refused, naming both clusters; that role untouched",
      );

      await stack.ok(["refresh", "--yes", "--skip-preview", "--run-program"]);
      expect(await billing()).to.deep.equal(untouched);
      await stack.ok(UP);
      expect(await billing()).to.deep.equal(untouched);
      expect(
        (await on(b, "SELECT 1 FROM pg_roles WHERE rolname = 'app_ro' AND rolconnlimit = 2")).length,
      ).to.equal(1);
      await stack.ok(DESTROY);
      expect(await billing()).to.deep.equal(untouched);
      expect((await on(b, "SELECT 1 FROM pg_roles WHERE rolname = 'app_ro'")).length).to.equal(0);
      // A was never touched after the switch.
      expect(
        (await on(a, "SELECT 1 FROM pg_roles WHERE rolname = 'app_ro' AND rolconnlimit = 1")).length,
      ).to.equal(1);
      identity.push(
        "then `refresh` (the role is not on that server: gone), `up` (created there anew) and `destroy`: the other role untouched throughout",
      );
    });

    it("a state written before resourceUrn and systemIdentifier existed: preview shows no change, refresh records the cluster", async () => {
      const stack = new CliStack(e2e!, "identity", "legacy");
      await stack.init();
      const name = unique("legacy");
      cleanupRoles.push(name);
      stack.spec({ app: { name, connectionLimit: 1 } });
      await stack.ok(UP);
      // The state as an earlier version wrote it.
      const file = join(stack.dir, "state.json");
      await stack.ok(["stack", "export", "--file", file]);
      const state = JSON.parse(readFileSync(file, "utf8")) as {
        deployment: {
          resources: Array<{
            type: string;
            inputs?: Record<string, unknown>;
            outputs?: Record<string, unknown>;
          }>;
        };
      };
      const role = () => state.deployment.resources.find((r) => r.type.endsWith(":Role"))!;
      expect(role().outputs).to.have.property("systemIdentifier");
      delete role().inputs!.resourceUrn;
      delete role().outputs!.resourceUrn;
      delete role().outputs!.systemIdentifier;
      writeFileSync(file, JSON.stringify(state));
      await stack.ok(["stack", "import", "--file", file]);
      await stack.ok(["preview", "--expect-no-changes"]);
      await stack.ok(["refresh", "--yes", "--skip-preview"]);
      await stack.ok(["stack", "export", "--file", file]);
      const refreshed = JSON.parse(readFileSync(file, "utf8")) as typeof state;
      const sysid = (
        await q<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")
      )[0]!.id;
      expect(refreshed.deployment.resources.find((r) => r.type.endsWith(":Role"))!.outputs).to.include({
        systemIdentifier: sysid,
      });
      await stack.ok(UP.concat("--expect-no-changes"));
      await stack.ok(DESTROY);
      identity.push(
        "a state written before clusters were recorded (resourceUrn and systemIdentifier removed from it): `preview --expect-no-changes` passed; `refresh` recorded the cluster",
      );
    });

    it("a stack moved to a dump/restore copy of its server: one `pulumi refresh --run-program`, then `up` changes nothing", async function () {
      const major = 15;
      const bin = clientBin(major);
      if (!bin) {
        if (process.env.CI === "true")
          throw new Error(
            `pg_dump/psql ${major} not found (/usr/lib/postgresql/${major}/bin, or set PGR_PG_CLIENT_BIN)`,
          );
        this.skip();
      }
      const source = await startCluster({ major });
      clusters.push(source);
      const copy = await startCluster({ major });
      clusters.push(copy);
      const prefix = "moved";
      for (const s of ["moved_a", "moved_b"]) {
        await on(source, `CREATE SCHEMA ${qi(s)}`);
        await on(source, `CREATE TABLE ${qi(s)}.t (id int)`);
      }
      const stack = new CliStack(e2e!, "identity", "moved");
      await stack.init();
      await stack.pointAt(source);
      const spec: Spec = {
        prefix,
        users: 3,
        schemaA: "moved_a",
        schemaB: "moved_b",
        renamed: [0, 1],
        widened: [1, 2],
        moved: [2, 3],
      };
      stack.spec(spec);
      await stack.ok(UP);

      // Dump and restore: the roles, then the database (the creation markers come along).
      const env = { ...process.env, PGPASSWORD: source.password };
      const roles = execFileSync(
        join(bin!, "pg_dumpall"),
        [
          "--roles-only",
          "--no-role-passwords",
          "-h",
          source.host,
          "-p",
          String(source.port),
          "-U",
          source.user,
        ],
        { env },
      );
      const db = execFileSync(
        join(bin!, "pg_dump"),
        ["-h", source.host, "-p", String(source.port), "-U", source.user, source.database],
        { env, maxBuffer: 64 << 20 },
      );
      const restore = (sql: Buffer) =>
        execFileSync(
          join(bin!, "psql"),
          ["-q", "-h", copy.host, "-p", String(copy.port), "-U", copy.user, "-d", copy.database],
          {
            env: { ...process.env, PGPASSWORD: copy.password },
            input: sql,
            stdio: ["pipe", "pipe", "pipe"],
          },
        );
      restore(roles);
      restore(db);
      const oidsOf = async (c: Cluster) =>
        (
          await on<{ rolname: string; oid: string }>(
            c,
            "SELECT rolname, oid FROM pg_roles WHERE rolname LIKE 'moved%' ORDER BY 1",
          )
        ).map((r) => `${r.rolname}:${r.oid}`);
      expect(await oidsOf(copy), "the copy's roles have OIDs of their own").to.not.deep.equal(
        await oidsOf(source),
      );

      await stack.pointAt(copy);
      // The one step: refresh finds every object again by name on the new cluster.
      await stack.ok(["refresh", "--yes", "--skip-preview", "--run-program"]);
      await stack.ok([...UP, "--expect-no-changes"]);
      await stack.ok(PREVIEW_NO_CHANGES);
      const sourceBefore = await oidsOf(source);
      await stack.ok(DESTROY);
      expect(
        (await on(copy, "SELECT 1 FROM pg_roles WHERE rolname LIKE 'moved%'")).length,
        "roles left on the copy",
      ).to.equal(0);
      expect(await oidsOf(source), "the original server untouched").to.deep.equal(sourceBefore);
      identity.push(
        `stack moved to a dump/restore copy (pg_dumpall --roles-only + pg_dump, PostgreSQL ${major}; 12 resources): \`pulumi refresh --run-program\` once, then \`up --expect-no-changes\` and \`preview --refresh --expect-no-changes\` passed; destroy on the copy left the original untouched`,
      );
    });
  });
});
