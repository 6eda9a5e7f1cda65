/**
 * Faults: connections terminated in the middle of an up (through the engine, and through the
 * provider hooks under concurrency), a COMMIT whose answer is lost, the server restarted (fast and
 * as a crash) during an up, a table locked by another transaction while a grant on it is applied,
 * and creates that fail half way. The promise each time: the operation retries and succeeds, or
 * fails with a clear message; the state never claims what the catalog lacks; the next up converges.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import {
  DefaultPrivilegesProvider,
  GrantProvider,
  RoleMembershipProvider,
  RoleProvider,
  RowLevelSecurityProvider,
} from "../../provider";
import { isOwnCreate } from "../../provider/role/hooks";
import { roleDesired } from "../support/role-values";
import { Lifecycle } from "../support/engine";
import {
  adminConnection,
  isMember,
  q,
  qSuper,
  quoteIdent as qi,
  roleRow,
  tablePriv,
  testServer,
  tryLogin,
  unique,
  clientFor,
} from "../support/db";
import { fixtures } from "../support/fixtures";
import { type Cluster, startCluster } from "../support/versions";
import { E2eEnv, changes, findCli } from "../e2e/harness";
import { FaultProxy } from "./proxy";
import { unbackedClaims } from "./state";
import { append, reset } from "./report";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Terminates the provider's backends (application_name pulumi-postgres-roles) now; returns how many. */
async function terminateProviderBackends(): Promise<number> {
  const rows = await qSuper<{ ok: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name = 'pulumi-postgres-roles' AND pid <> pg_backend_pid()`,
  );
  return rows.filter((r) => r.ok).length;
}

/** Kills provider backends every few tens of milliseconds until stopped; counts the kills. */
function killer(maxKills: number, minMs = 20, maxMs = 120) {
  let stop = false;
  let kills = 0;
  const done = (async () => {
    while (!stop && kills < maxKills) {
      await sleep(minMs + Math.random() * (maxMs - minMs));
      kills += await terminateProviderBackends().catch(() => 0);
    }
  })();
  return {
    async stop(): Promise<number> {
      stop = true;
      await done;
      return kills;
    },
  };
}

/** A clear failure names the resource and says what PostgreSQL said (SQLSTATE) or what to do. */
function clear(message: string): boolean {
  return (
    /(Role|Grant|RoleMembership|DefaultPrivileges) /.test(message) && /SQLSTATE|hint|failed/.test(message)
  );
}

describe("reliability: faults", function () {
  this.timeout(600_000);
  const fx = fixtures();
  const made = fx.roles;
  const role = (prefix: string) => fx.roleName(prefix);
  let table = "";
  let schema = "";

  before(async () => {
    reset("faults");
    schema = await fx.schema("flt");
    table = "shared";
    await q(`CREATE TABLE ${qi(schema)}.${table} (id int)`);
  });

  describe("hooks under concurrency", () => {
    it("pg_terminate_backend on the provider's connections while 60 creates run at once: each retries and succeeds, outputs match the catalog", async () => {
      const names = Array.from({ length: 20 }, () => role("kill"));
      const group = role("killgrp");
      await new Lifecycle(new RoleProvider()).up({ name: group });
      const k = killer(40, 10, 60);
      const results = await Promise.allSettled(
        names.map(async (name) => {
          const r = new Lifecycle(new RoleProvider());
          await r.up({ name, login: true, password: `pw-${name}`, connectionLimit: 3 });
          const m = new Lifecycle(new RoleMembershipProvider());
          await m.up({ role: group, member: name });
          const g = new Lifecycle(new GrantProvider());
          await g.up({
            role: name,
            objectType: "table",
            schema,
            objects: [table],
            privileges: ["SELECT", "INSERT"],
          });
          return r;
        }),
      );
      const kills = await k.stop();
      const failed = results
        .filter((x) => x.status === "rejected")
        .map((x) => String((x as PromiseRejectedResult).reason));
      for (const f of failed) expect(clear(f), f).to.equal(true);
      let ok = 0;
      for (const [i, res] of results.entries()) {
        if (res.status !== "fulfilled") continue;
        ok += 1;
        const row = await roleRow(names[i]!);
        expect(String(row?.oid)).to.equal(res.value.id);
        expect(row?.rolconnlimit).to.equal(3);
        expect((await isMember(group, names[i]!)).member).to.equal(true);
        expect(await tablePriv(names[i]!, schema, table, "INSERT")).to.equal(true);
      }
      append("faults", {
        fault: "pg_terminate_backend on the provider's connections, 60 creates through the hooks at once",
        injected: kills,
        operations: 60,
        outcome:
          failed.length === 0
            ? "all retried and succeeded"
            : `${ok * 3} succeeded, ${failed.length} failed clearly`,
        stateMatchesCatalog: true,
      });
      expect(kills, "connections terminated").to.be.greaterThan(0);
      expect(failed, "failures").to.deep.equal([]);
    });
  });

  describe("a COMMIT carried out whose answer is lost", () => {
    let proxy: FaultProxy;
    const via = () => ({ ...adminConnection(), host: "127.0.0.1", port: proxy.port, maxConnections: 2 });
    before(async () => {
      proxy = new FaultProxy(testServer().host, testServer().port);
      await proxy.start();
    });
    after(() => proxy.stop());

    it("Role create: the retry finds the role its first attempt made and takes it as its own (not 'already exists')", async () => {
      const name = role("lost");
      const group = await fx.role("lostgrp");
      const password = `pw-${Math.random().toString(36).slice(2)}`;
      const args = {
        name,
        login: true,
        password,
        createDatabase: true,
        connectionLimit: 7,
        inRoles: [group],
        settings: { statement_timeout: "5s" },
        comment: "made once",
        connection: via(),
      };
      const r = new Lifecycle(new RoleProvider());
      const before = proxy.commitsDropped;
      proxy.dropAfterCommit(1);
      expect(await r.up(args)).to.equal("create");
      expect(proxy.commitsDropped - before, "COMMIT answers dropped").to.equal(1);
      const row = await roleRow(name);
      expect(String(row!.oid)).to.equal(r.id);
      expect(row).to.include({ rolcanlogin: true, rolcreatedb: true, rolconnlimit: 7 });
      expect(await isMember(group, name)).to.deep.equal({ member: true, admin: false });
      expect(await tryLogin(name, password)).to.equal(undefined);
      expect(await r.up(args)).to.equal("same");
      // update and delete under the same fault: planned from the catalog, so a replay is harmless
      proxy.dropAfterCommit(1);
      expect(await r.up({ ...args, connectionLimit: 9 })).to.equal("update");
      expect((await roleRow(name))!.rolconnlimit).to.equal(9);
      proxy.dropAfterCommit(1);
      await r.destroy();
      expect(await roleRow(name)).to.equal(undefined);
      append("faults", {
        fault: "COMMIT carried out, answer lost (proxy cuts the connection): Role create, update, delete",
        injected: 3,
        operations: 3,
        outcome: "each retried and succeeded; create recognized its own role",
        stateMatchesCatalog: true,
      });
    });

    it("RoleMembership, Grant and DefaultPrivileges create: the retry sees its work done and succeeds", async () => {
      const [group, member, grantee] = [await fx.role("lg"), await fx.role("lm"), await fx.role("lgr")];
      const m = new Lifecycle(new RoleMembershipProvider());
      proxy.dropAfterCommit(1);
      await m.up({ role: group, member, connection: via() });
      expect((await isMember(group, member)).member).to.equal(true);
      const g = new Lifecycle(new GrantProvider());
      proxy.dropAfterCommit(1);
      await g.up({
        role: grantee,
        objectType: "table",
        schema,
        objects: [table],
        privileges: ["UPDATE"],
        connection: via(),
      });
      expect(await tablePriv(grantee, schema, table, "UPDATE")).to.equal(true);
      const d = new Lifecycle(new DefaultPrivilegesProvider());
      const admin = adminConnection().user;
      proxy.dropAfterCommit(1);
      await d.up({
        role: grantee,
        owner: admin,
        objectType: "table",
        schema,
        privileges: ["SELECT"],
        connection: via(),
      });
      await q(`CREATE TABLE ${qi(schema)}.later (id int)`);
      expect(await tablePriv(grantee, schema, "later", "SELECT")).to.equal(true);
      expect(proxy.armed).to.equal(0);
      for (const l of [d, g, m]) await l.destroy();
      append("faults", {
        fault: "COMMIT carried out, answer lost: RoleMembership, Grant, DefaultPrivileges create",
        injected: 3,
        operations: 3,
        outcome: "each retried and succeeded (idempotent plans)",
        stateMatchesCatalog: true,
      });
    });

    it("Policy and RowLevelSecurity create: the retry finds its own creation marker (not 'already exists'; the original setting kept)", async () => {
      const t = `lost_${Math.random().toString(36).slice(2, 8)}`;
      await q(`CREATE TABLE ${qi(schema)}.${qi(t)} (id int)`);
      const urn = (type: string) =>
        `urn:pulumi:faults::reliability::pulumi-nodejs:dynamic/postgres-roles:${type}::${t}`;
      const p = new Lifecycle(new provider.PolicyProvider());
      proxy.dropAfterCommit(1);
      expect(
        await p.up({
          name: t,
          schema,
          table: t,
          using: "id > 0",
          resourceUrn: urn("Policy"),
          connection: via(),
        }),
      ).to.equal("create");
      const [pol] = await q<{ oid: string }>("SELECT oid FROM pg_policy WHERE polname = $1", [t]);
      expect(String(pol!.oid)).to.equal(p.id);
      const rls = new Lifecycle(new provider.RowLevelSecurityProvider());
      proxy.dropAfterCommit(1);
      await rls.up({
        schema,
        table: t,
        force: true,
        resourceUrn: urn("RowLevelSecurity"),
        connection: via(),
      });
      expect(rls.outs).to.include({ previousEnabled: false, previousForce: false });
      expect(proxy.armed).to.equal(0);
      await rls.destroy();
      const [flags] = await q<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = format('%I.%I', $1::text, $2::text)::regclass`,
        [schema, t],
      );
      expect(flags).to.deep.equal({ relrowsecurity: false, relforcerowsecurity: false });
      await p.destroy();
      append("faults", {
        fault: "COMMIT carried out, answer lost: Policy and RowLevelSecurity create",
        injected: 2,
        operations: 2,
        outcome:
          "each retried and succeeded; the policy recognized by its creation marker, the original row level security setting kept to restore",
        stateMatchesCatalog: true,
      });
    });

    it("a role found on a retry is taken as ours only if every attribute is what was asked", () => {
      const desired = roleDesired({
        name: "r",
        login: true,
        inRoles: ["g"],
        settings: { search_path: "app" },
        comment: "c",
      });
      const found = { ...desired, oid: 1, inRoles: ["g"], comment: "c" };
      expect(isOwnCreate(found, desired)).to.equal(true);
      expect(isOwnCreate({ ...found, login: false }, desired)).to.equal(false);
      expect(isOwnCreate({ ...found, connectionLimit: 2 }, desired)).to.equal(false);
      expect(isOwnCreate({ ...found, inRoles: [] }, desired)).to.equal(false);
      expect(isOwnCreate({ ...found, settings: {} }, desired)).to.equal(false);
      expect(isOwnCreate({ ...found, comment: undefined }, desired)).to.equal(false);
      expect(isOwnCreate({ ...found, validUntil: "2030-01-01T00:00:00Z" }, desired)).to.equal(false);
    });

    it("a network cut of every connection during concurrent creates: retried, all succeed", async () => {
      const names = Array.from({ length: 10 }, () => role("cut"));
      let cuts = 0;
      let stop = false;
      const cutter = (async () => {
        // bounded: ten cuts at most, a few tens of milliseconds apart
        for (let i = 0; i < 10 && !stop; i++) {
          await sleep(40 + Math.random() * 80);
          cuts += proxy.cutAll();
        }
      })();
      const results = await Promise.allSettled(
        names.map((name) => new Lifecycle(new RoleProvider()).up({ name, connection: via() })),
      );
      stop = true;
      await cutter;
      const failed = results
        .filter((x) => x.status === "rejected")
        .map((x) => String((x as PromiseRejectedResult).reason));
      for (const f of failed) expect(clear(f), f).to.equal(true);
      for (const [i, res] of results.entries()) {
        if (res.status === "fulfilled") expect(await roleRow(names[i]!)).to.not.equal(undefined);
      }
      append("faults", {
        fault: "every connection cut at the network (proxy) during 10 concurrent creates",
        injected: cuts,
        operations: 10,
        outcome:
          failed.length === 0
            ? "all retried and succeeded"
            : `${10 - failed.length} succeeded, ${failed.length} failed clearly`,
        stateMatchesCatalog: true,
      });
      expect(failed).to.deep.equal([]);
    });
  });

  describe("a lock held by another transaction", () => {
    it("a grant on a table locked ACCESS EXCLUSIVE (and altered) by an open transaction waits lockTimeout, then fails naming the table, the lock and the setting", async () => {
      const grantee = await fx.role("waiter");
      const locked = "locked_t";
      await q(`CREATE TABLE ${qi(schema)}.${locked} (id int)`);
      const s = testServer();
      const holder = clientFor(s);
      await holder.connect();
      try {
        // A migration in progress: the table locked, and its pg_class row changed, uncommitted. (GRANT
        // waits for the lock itself only on newer servers; on every version it waits for the row.)
        await holder.query(
          `BEGIN; LOCK TABLE ${qi(schema)}.${locked} IN ACCESS EXCLUSIVE MODE; ALTER TABLE ${qi(schema)}.${locked} ADD COLUMN migrating int`,
        );
        const g = new Lifecycle(new GrantProvider());
        const started = Date.now();
        const err = await g
          .up({
            role: grantee,
            objectType: "table",
            schema,
            objects: [locked],
            privileges: ["SELECT"],
            connection: { ...adminConnection(), lockTimeout: "1s" },
          })
          .then(() => undefined)
          .catch((e: Error) => e);
        const waited = Date.now() - started;
        expect(err, "the grant must fail, not hang").to.be.instanceOf(Error);
        const msg = err!.message;
        expect(msg).to.include(locked).and.include("SQLSTATE 55P03").and.include("lock");
        expect(msg).to.include("lockTimeout (1s").and.include("postgres-roles:lockTimeout");
        expect(waited).to.be.at.least(900).and.below(6000);
        expect(g.id, "nothing recorded").to.equal(undefined);
        // RowLevelSecurity (ALTER TABLE) waits the same way.
        const rls = new Lifecycle(new RowLevelSecurityProvider());
        const err2 = await rls
          .up({ table: locked, schema, connection: { ...adminConnection(), lockTimeout: "500ms" } })
          .then(() => undefined)
          .catch((e: Error) => e);
        expect(err2?.message).to.include("SQLSTATE 55P03").and.include("lockTimeout (500ms");
        await holder.query("ROLLBACK");
        // once the lock is gone, the same grant goes through
        await g.up({
          role: grantee,
          objectType: "table",
          schema,
          objects: [locked],
          privileges: ["SELECT"],
          connection: { ...adminConnection(), lockTimeout: "1s" },
        });
        expect(await tablePriv(grantee, schema, locked, "SELECT")).to.equal(true);
        await g.destroy();
        append("faults", {
          fault:
            "LOCK TABLE … ACCESS EXCLUSIVE and ALTER TABLE held open by another transaction (a migration) while a Grant (lockTimeout 1s) and a RowLevelSecurity (500ms) apply",
          injected: 2,
          operations: 2,
          outcome: `failed after ${(waited / 1000).toFixed(1)} s with SQLSTATE 55P03, naming the table and the lockTimeout setting; succeeded once the lock was released`,
          stateMatchesCatalog: true,
        });
      } finally {
        await holder.end().catch(() => undefined);
      }
    });
  });

  describe("a pool whose every connection is busy", () => {
    it("an operation that waits longer than 30 s for a free pooled connection still runs (the wait is no failure)", async () => {
      const grantee = await fx.role("queued");
      for (const t of ["busy_a", "busy_b"]) await q(`CREATE TABLE ${qi(schema)}.${t} (id int)`);
      const conn = { ...adminConnection(), maxConnections: 1, lockTimeout: "60s" };
      const s = testServer();
      const holder = clientFor(s);
      await holder.connect();
      try {
        await holder.query(
          `BEGIN; LOCK TABLE ${qi(schema)}.busy_a IN ACCESS EXCLUSIVE MODE; ALTER TABLE ${qi(schema)}.busy_a ADD COLUMN m int`,
        );
        const started = Date.now();
        const grant = (table: string) =>
          new Lifecycle(new GrantProvider())
            .up({
              role: grantee,
              objectType: "table",
              schema,
              objects: [table],
              privileges: ["SELECT"],
              connection: conn,
            })
            .then(() => Date.now() - started);
        // A holds the only connection, waiting for the lock; B waits for the connection.
        const a = grant("busy_a");
        await sleep(300);
        const b = grant("busy_b");
        await sleep(32_000);
        await holder.query("ROLLBACK");
        const [aMs, bMs] = await Promise.all([a, b]);
        expect(bMs, "B waited for the connection").to.be.greaterThan(30_000);
        expect(await tablePriv(grantee, schema, "busy_a", "SELECT")).to.equal(true);
        expect(await tablePriv(grantee, schema, "busy_b", "SELECT")).to.equal(true);
        append("faults", {
          fault:
            "every pooled connection busy (maxConnections 1, its transaction waiting 32 s on a lock) while another operation queues",
          injected: 1,
          operations: 2,
          outcome: `both succeeded once the lock was released (waits ${(aMs / 1000).toFixed(1)} s and ${(bMs / 1000).toFixed(1)} s)`,
          stateMatchesCatalog: true,
        });
      } finally {
        await holder.end().catch(() => undefined);
      }
    });
  });

  describe("a create that fails half way leaves nothing behind", () => {
    it("Role: CREATE ROLE done, then GRANT of a missing group (or a refused setting) fails: no role is left", async () => {
      const a = role("half");
      const err = await new Lifecycle(new RoleProvider())
        .up({ name: a, inRoles: [unique("nogroup")] })
        .then(() => undefined)
        .catch((e: Error) => e);
      expect(err?.message)
        .to.include(`Role ${JSON.stringify(a)}`)
        .and.include("does not exist");
      expect(await roleRow(a)).to.equal(undefined);
      const b = role("half");
      const err2 = await new Lifecycle(new RoleProvider())
        .up({ name: b, settings: { statement_timeout: "banana" } })
        .then(() => undefined)
        .catch((e: Error) => e);
      expect(err2?.message)
        .to.include(`Role ${JSON.stringify(b)}`)
        .and.include("statement_timeout");
      expect(await roleRow(b)).to.equal(undefined);
      // Grant on two tables, one missing: nothing granted on the other
      const c = await fx.role("half");
      const err3 = await new Lifecycle(new GrantProvider())
        .up({
          role: c,
          objectType: "table",
          schema,
          objects: [table, "no_such_table"],
          privileges: ["SELECT"],
        })
        .then(() => undefined)
        .catch((e: Error) => e);
      expect(err3?.message).to.include("no_such_table");
      expect(await tablePriv(c, schema, table, "SELECT")).to.equal(false);
      append("faults", {
        fault: "create whose second statement is refused (missing group, invalid setting, missing table)",
        injected: 3,
        operations: 3,
        outcome: "failed with the resource and PostgreSQL's reason; nothing left in the catalog",
        stateMatchesCatalog: true,
      });
    });
  });

  describe("through the engine", () => {
    let env: E2eEnv | undefined;
    before(async function () {
      const { cmd, reason } = await findCli();
      if (!cmd) throw new Error(`engine fault tests need the Pulumi CLI: ${reason}`);
      env = new E2eEnv(cmd);
    });
    after(async () => {
      await env?.cleanup();
    });

    /** 20 roles, each in a group and granted on the shared table: 61 resources. */
    function program(prefix: string, grantSchema: string, extra?: (p: typeof provider) => void) {
      return async () => {
        const group = new provider.Role("group", { name: `${prefix}_grp` });
        for (let i = 0; i < 20; i++) {
          const r = new provider.Role(`role-${i}`, {
            name: `${prefix}_${i}`,
            login: true,
            password: pulumi.secret(`pw-${prefix}-${i}`),
          });
          new provider.RoleMembership(`member-${i}`, { role: group.name, member: r.name });
          new provider.Grant(`grant-${i}`, {
            role: r.name,
            objectType: "table",
            schema: grantSchema,
            objects: ["shared"],
            privileges: ["SELECT"],
          });
        }
        extra?.(provider);
      };
    }

    async function upOutcome(
      stack: Stack,
      parallel: number,
    ): Promise<{ ok: boolean; message: string; seconds: number }> {
      const started = Date.now();
      try {
        await stack.up({ parallel, onOutput: () => undefined });
        return { ok: true, message: "", seconds: (Date.now() - started) / 1000 };
      } catch (e) {
        return { ok: false, message: (e as Error).message, seconds: (Date.now() - started) / 1000 };
      }
    }

    it("pg_terminate_backend during an up: it succeeds or fails clearly; the state claims nothing the catalog lacks; the next up converges", async () => {
      const prefix = unique("ekill");
      const names = [`${prefix}_grp`, ...Array.from({ length: 20 }, (_, i) => `${prefix}_${i}`)];
      made.push(...names);
      const stack = await env!.inline("reliability-faults", "kill", program(prefix, schema));
      const k = killer(30, 30, 150);
      const first = await upOutcome(stack, 16);
      const kills = await k.stop();
      if (!first.ok) expect(clear(first.message), first.message).to.equal(true);
      expect(await unbackedClaims(stack)).to.deep.equal([]);
      const second = await upOutcome(stack, 16);
      expect(second.ok, second.message).to.equal(true);
      expect(await unbackedClaims(stack)).to.deep.equal([]);
      const third = await stack.up({ expectNoChanges: true, onOutput: () => undefined });
      expect(changes(third.summary.resourceChanges)).to.deep.equal({});
      append("faults", {
        fault:
          "pg_terminate_backend on the provider's connections during an engine up of 61 resources (parallelism 16)",
        injected: kills,
        operations: 61,
        outcome: first.ok ? "up retried and succeeded" : `up failed clearly; the next up converged`,
        stateMatchesCatalog: true,
      });
      expect(kills).to.be.greaterThan(0);
      await stack.destroy({ onOutput: () => undefined });
    });

    for (const mode of ["fast", "immediate"] as const) {
      it(`the server restarted (${mode === "fast" ? "fast shutdown" : "crash: immediate shutdown, recovery"}) during an up: it succeeds or fails clearly; the state claims nothing the catalog lacks; the next up converges`, async () => {
        // A server of its own (same version): the shared one keeps serving the other tests.
        const cluster: Cluster = await startCluster();
        const c = async (sql: string, params: unknown[] = []) => {
          const cl = clientFor(cluster);
          await cl.connect();
          try {
            return (await cl.query(sql, params)).rows;
          } finally {
            await cl.end();
          }
        };
        try {
          await c(`CREATE SCHEMA app; CREATE TABLE app.shared (id int)`);
          const prefix = unique(`erst_${mode}`);
          const stack = await env!.inline("reliability-faults", `restart-${mode}`, program(prefix, "app"));
          await stack.setAllConfig({
            "postgres-roles:host": { value: cluster.host },
            "postgres-roles:port": { value: String(cluster.port) },
            "postgres-roles:user": { value: cluster.user },
            "postgres-roles:password": { value: cluster.password, secret: true },
            "postgres-roles:database": { value: cluster.database },
          });
          const up = upOutcome(stack, 8);
          // restart once the up is under way (some roles made)
          const deadline = Date.now() + 60_000;
          for (;;) {
            const [{ n }] = (await c("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [
              `${prefix}%`,
            ])) as Array<{ n: number }>;
            if (n >= 3 || Date.now() > deadline) break;
            await sleep(50);
          }
          await cluster.restart(mode, 1500);
          const first = await up;
          if (!first.ok) expect(clear(first.message), first.message).to.equal(true);
          // state vs the catalog of this server
          const state = await stack.exportStack();
          const unbacked: string[] = [];
          for (const r of (state.deployment.resources ?? []) as Array<{
            urn: string;
            type: string;
            outputs?: Record<string, unknown>;
          }>) {
            const o = r.outputs ?? {};
            if (!r.type.includes("dynamic")) continue;
            if (typeof o.oid === "number" && "login" in o) {
              const rows = await c("SELECT rolname FROM pg_roles WHERE oid = $1", [o.oid]);
              if ((rows[0] as { rolname?: string } | undefined)?.rolname !== o.name)
                unbacked.push(String(o.name));
            } else if (typeof o.member === "string") {
              const rows = await c(
                "SELECT 1 FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole",
                [qi(o.role as string), qi(o.member)],
              ).catch(() => []);
              if (rows.length === 0) unbacked.push(`${o.member} in ${o.role}`);
            } else if (o.objectType === "table") {
              const rows = (await c("SELECT has_table_privilege($1, 'app.shared', 'SELECT') AS ok", [
                o.role,
              ]).catch(() => [{ ok: false }])) as Array<{ ok: boolean }>;
              if (!rows[0]!.ok) unbacked.push(`grant to ${o.role}`);
            }
          }
          expect(unbacked, "state claims the catalog lacks").to.deep.equal([]);
          const second = await upOutcome(stack, 8);
          expect(second.ok, second.message).to.equal(true);
          const third = await stack.up({ expectNoChanges: true, onOutput: () => undefined });
          expect(changes(third.summary.resourceChanges)).to.deep.equal({});
          const [{ n }] = (await c("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [
            `${prefix}%`,
          ])) as Array<{ n: number }>;
          expect(n).to.equal(21);
          append("faults", {
            fault: `server restarted during an engine up of 61 resources (${mode === "fast" ? "fast shutdown" : "immediate shutdown: crash recovery"}, down 1.5 s)`,
            injected: 1,
            operations: 61,
            outcome: first.ok
              ? `up retried through the restart and succeeded (${first.seconds.toFixed(1)} s)`
              : `up failed clearly (${
                  first.message
                    .split("\n")
                    .find((l) => /SQLSTATE|error:/.test(l))
                    ?.trim()
                    .slice(0, 160) ?? "see log"
                }); the next up converged`,
            stateMatchesCatalog: true,
          });
          await stack.destroy({ onOutput: () => undefined });
        } finally {
          await cluster.stop();
        }
      });
    }

    it("a create that fails half way through the engine: the state lacks it, the catalog too; the next up (fixed program) converges", async () => {
      const prefix = unique("ehalf");
      const missing = `${prefix}_missing`;
      made.push(`${prefix}_r`, missing);
      let fixed = false;
      const stack = await env!.inline("reliability-faults", "half", async () => {
        // fixed: the group is declared, and the role waits for it (its name is an output)
        const group = fixed ? new provider.Role("missing", { name: missing }).name : missing;
        new provider.Role("r", { name: `${prefix}_r`, inRoles: [group] });
      });
      const first = await upOutcome(stack, 4);
      expect(first.ok).to.equal(false);
      expect(first.message).to.include(`Role "${prefix}_r"`).and.include("does not exist");
      expect(await roleRow(`${prefix}_r`)).to.equal(undefined);
      const urns = (await stack.exportStack()).deployment.resources?.map((r: { urn: string }) => r.urn) ?? [];
      expect(urns.some((u: string) => u.endsWith("::r"))).to.equal(false);
      fixed = true;
      const second = await upOutcome(stack, 4);
      expect(second.ok, second.message).to.equal(true);
      expect(await isMember(missing, `${prefix}_r`)).to.deep.equal({ member: true, admin: false });
      await stack.destroy({ onOutput: () => undefined });
    });
  });
});
