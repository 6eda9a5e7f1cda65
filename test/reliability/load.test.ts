/**
 * Load: a stack of 1,000 resources (roles, memberships, grants and default privileges over shared
 * schemas and tables) applied through the real Pulumi engine with parallelism 64. No failure, a
 * second up changes nothing, and the provider never holds more server connections than its bound
 * (maxConnections, set here through the stack configuration), sampled from pg_stat_activity.
 * Runs on the newest version (or with PGR_RELIABILITY_LOAD=1): the engine, not the server, is the
 * load's subject, and it takes minutes.
 */
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import * as provider from "../../provider";
import { pools } from "../../provider/db/pools";
import { dropRoles, one, q, quoteIdent, tablePriv, testServer, unique } from "../support/db";
import { NEWEST_MAJOR, requestedMajor } from "../support/versions";
import { E2eEnv, changes, findCli } from "../e2e/harness";
import { ActivitySampler } from "./activity";
import { record } from "./report";

const enabled = requestedMajor() === NEWEST_MAJOR || process.env.PGR_RELIABILITY_LOAD === "1";

(enabled ? describe : describe.skip)("reliability: load through the engine", function () {
  this.timeout(1_800_000);
  const PARALLEL = 64;
  const MAX_CONNECTIONS = 6;
  const GROUPS = 20;
  const USERS = 300;
  const SCHEMAS = 4;
  const TABLES = ["t0", "t1", "t2", "t3", "t4"];
  const tag = unique("rl");
  const schemas = Array.from({ length: SCHEMAS }, (_, i) => `${tag}_s${i}`);
  const groups = Array.from({ length: GROUPS }, (_, i) => `${tag}_g${i}`);
  const users = Array.from({ length: USERS }, (_, i) => `${tag}_u${i}`);
  let env: E2eEnv | undefined;
  let stack: Stack | undefined;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) throw new Error(`the load test needs the Pulumi CLI: ${reason}`);
    env = new E2eEnv(cmd);
    for (const s of schemas) {
      await q(`CREATE SCHEMA ${quoteIdent(s)}`);
      for (const t of TABLES) await q(`CREATE TABLE ${quoteIdent(s)}.${t} (id int)`);
    }
  });

  after(async function () {
    // Cleaned up with SQL (a destroy of 1,000 resources would double the run for nothing new).
    await dropRoles(...groups, ...users).catch(() => undefined);
    for (const s of schemas) await q(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`);
    if (stack) await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    await env?.cleanup();
  });

  it(`1,000 resources with parallelism ${PARALLEL}: no failure, a second up changes nothing, connections within maxConnections`, async function () {
    const admin = testServer().user;
    let count = 0;
    stack = await env!.inline("reliability-load", "load", async () => {
      count = 0;
      const g = groups.map((name, i) => {
        const role = new provider.Role(`g${i}`, { name });
        const schema = schemas[i % SCHEMAS]!;
        new provider.Grant(`g${i}-usage`, {
          role: role.name,
          objectType: "schema",
          schema,
          privileges: ["USAGE"],
        });
        new provider.Grant(`g${i}-tables`, {
          role: role.name,
          objectType: "table",
          schema,
          objects: TABLES,
          privileges: ["SELECT"],
        });
        new provider.DefaultPrivileges(`g${i}-future-tables`, {
          role: role.name,
          owner: admin,
          objectType: "table",
          schema,
          privileges: ["SELECT"],
        });
        new provider.DefaultPrivileges(`g${i}-future-sequences`, {
          role: role.name,
          owner: admin,
          objectType: "sequence",
          schema,
          privileges: ["USAGE"],
        });
        count += 5;
        return role;
      });
      users.forEach((name, j) => {
        const u = new provider.Role(`u${j}`, { name, login: j % 2 === 0 });
        new provider.RoleMembership(`u${j}-in-g`, { role: g[j % GROUPS]!.name, member: u.name });
        new provider.Grant(`u${j}-t`, {
          role: u.name,
          objectType: "table",
          schema: schemas[j % SCHEMAS]!,
          objects: [TABLES[j % TABLES.length]!],
          privileges: j % 3 === 0 ? ["INSERT", "UPDATE"] : ["INSERT"],
        });
        count += 3;
      });
    });
    // Taken out of the harness's cleanup (which destroys through the engine).
    env!.stacks.splice(env!.stacks.indexOf(stack), 1);
    // The file backend rewrites the whole state after every step (quadratic in the stack's size);
    // the engine's checkpoints are not what this test measures, so they are written at the end only.
    if (process.env.PGR_LOAD_CHECKPOINTS !== "1") stack.workspace.envVars.PULUMI_SKIP_CHECKPOINTS = "true";
    await stack.setConfig("postgres-roles:maxConnections", { value: String(MAX_CONNECTIONS) });

    // The in-process pools of earlier tests must not count as the provider's.
    await pools.closeAll();
    const sampler = new ActivitySampler(20);
    await sampler.start();
    let started = Date.now();
    const up = await stack.up({ parallel: PARALLEL, onOutput: () => undefined });
    const createSeconds = (Date.now() - started) / 1000;
    const first = await sampler.stop();
    expect(count).to.equal(1000);
    expect(changes(up.summary.resourceChanges)).to.deep.equal({ create: 1001 }); // + the stack

    const sampler2 = new ActivitySampler(20);
    await sampler2.start();
    started = Date.now();
    const up2 = await stack.up({ parallel: PARALLEL, expectNoChanges: true, onOutput: () => undefined });
    const secondSeconds = (Date.now() - started) / 1000;
    const second = await sampler2.stop();
    expect(changes(up2.summary.resourceChanges)).to.deep.equal({});

    // The catalog holds what the state says.
    const roles = await one<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)",
      [[...groups, ...users]],
    );
    expect(roles.n).to.equal(GROUPS + USERS);
    const members = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
        JOIN pg_roles g ON g.oid = m.roleid WHERE u.rolname = ANY($1) AND g.rolname = ANY($2)`,
      [users, groups],
    );
    expect(members.n).to.equal(USERS);
    const defaults = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_default_acl d, aclexplode(d.defaclacl) a
        WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY($1))`,
      [groups],
    );
    expect(defaults.n).to.be.at.least(2 * GROUPS);
    for (const j of [0, 1, 2, 3, 150, 299]) {
      const [s, t] = [schemas[j % SCHEMAS]!, TABLES[j % TABLES.length]!];
      expect(await tablePriv(users[j]!, s, t, "INSERT"), users[j]).to.equal(true);
      expect(await tablePriv(users[j]!, s, t, "UPDATE"), users[j]).to.equal(j % 3 === 0);
      // through the group
      expect(await tablePriv(users[j]!, schemas[(j % GROUPS) % SCHEMAS]!, "t4", "SELECT")).to.equal(true);
    }

    const peak = Math.max(first.peak, second.peak);
    console.log(
      `      ${count} resources, parallelism ${PARALLEL}: created in ${createSeconds.toFixed(1)} s, second up ${secondSeconds.toFixed(1)} s; ` +
        `provider connections peak ${first.peak} / ${second.peak} (bound ${MAX_CONNECTIONS}; ${first.samples + second.samples} samples)`,
    );
    record("load", {
      resources: count,
      kinds: {
        roles: GROUPS + USERS,
        memberships: USERS,
        grants: 2 * GROUPS + USERS,
        defaultPrivileges: 2 * GROUPS,
      },
      parallelism: PARALLEL,
      maxConnections: MAX_CONNECTIONS,
      peakConnections: peak,
      peakConnectionsFirstUp: first.peak,
      peakConnectionsSecondUp: second.peak,
      samples: first.samples + second.samples,
      createSeconds: Math.round(createSeconds * 10) / 10,
      secondUpSeconds: Math.round(secondSeconds * 10) / 10,
      secondUpChanges: 0,
      failures: 0,
      intermediateCheckpoints: process.env.PGR_LOAD_CHECKPOINTS === "1",
    });
    expect(first.peak, "connections seen at all").to.be.greaterThan(0);
    expect(peak, "peak provider connections").to.be.at.most(MAX_CONNECTIONS);
  });
});
