/**
 * What the end-to-end run of the examples (engine.test.ts, item 10) needs beyond `up`, a no-op
 * `preview` and `destroy` of one stack: the stacks an example declares (Pulumi.<stack>.yaml), its
 * fixture (a psql script: `\connect` and `\gexec` understood), a second server for the examples
 * that use two, and per-example checks of the catalog after `up`.
 */
import { expect } from "chai";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation";
import { isMember, q, roleRow, tablePriv, testServer, tryLogin, clientFor } from "../support/db";
import { type TestServer, startTestServer } from "../support/server";
import { audit, formatAudit } from "../../examples/audit/audit";

/** The stacks of an example: one per Pulumi.<stack>.yaml beside it, else one named "ex". */
export function exampleStacks(dir: string): string[] {
  const files = readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
  return files.length > 0 ? files.sort() : ["ex"];
}

/** The example's project name (its own Pulumi.yaml, whose stack files use it), else one of ours. */
export function exampleProject(dir: string, example: string): string {
  const file = join(dir, "Pulumi.yaml");
  const name = existsSync(file) ? /^name:\s*(\S+)\s*$/m.exec(readFileSync(file, "utf8"))?.[1] : undefined;
  return name ?? `e2e-example-${example}`;
}

type Run = (sql: string, database?: string) => Promise<Array<Record<string, unknown>>>;

/**
 * Runs a fixture written for `psql -f`: plain SQL, `\connect <database>` lines, and queries ending
 * in `\gexec` (each value of their result is run as a statement: `CREATE DATABASE` that way, since
 * it cannot run inside the implicit transaction of a multi-statement string).
 */
export async function runFixture(sql: string, run: Run): Promise<void> {
  let database: string | undefined;
  let buffer: string[] = [];
  const flush = async () => {
    const text = buffer.join("\n").trim();
    buffer = [];
    if (text.replace(/--[^\n]*/g, "").trim().length > 0) await run(text, database);
  };
  for (const line of sql.split("\n")) {
    const connect = /^\\c(?:onnect)?\s+(\S+)\s*$/.exec(line.trim());
    if (connect) {
      await flush();
      database = connect[1];
    } else if (/\\gexec\s*$/.test(line)) {
      buffer.push(line.replace(/\\gexec\s*$/, ""));
      const query = buffer.join("\n");
      buffer = [];
      for (const row of await run(query, database)) {
        for (const value of Object.values(row)) await run(String(value), database);
      }
    } else {
      buffer.push(line);
    }
  }
  await flush();
}

/** A second embedded server, started on first use (examples/two-servers). */
export class SecondServer {
  private server?: Promise<TestServer>;

  get(): Promise<TestServer> {
    this.server ??= startTestServer({ embedded: true });
    return this.server;
  }

  async q<T extends Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database?: string,
  ): Promise<T[]> {
    const s = await this.get();
    const c = clientFor(s, { database: database ?? s.database });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  /** Roles whose name starts with `prefix`, sorted. */
  async roles(prefix: string): Promise<string[]> {
    const rows = await this.q<{ rolname: string }>(
      "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
      [prefix],
    );
    return rows.map((r) => r.rolname).sort();
  }

  /** The stack configuration examples/two-servers reads for it. */
  async config(): Promise<ConfigMap> {
    const s = await this.get();
    return {
      server2Host: { value: s.host },
      server2Port: { value: String(s.port) },
      server2User: { value: s.user },
      server2Database: { value: s.database },
      server2Password: { value: s.password ?? "", secret: true },
    };
  }

  async stop(): Promise<void> {
    if (this.server) await (await this.server).stop();
  }
}

/**
 * For an example with its own stack files: the provider configuration pointed at the test server,
 * the admin's password as a secret (`postgres-roles:password`). `sslmode` only when the file has one.
 */
export function providerConfig(stackFile: string): ConfigMap {
  const s = testServer();
  const file = readFileSync(stackFile, "utf8");
  const out: ConfigMap = {
    "postgres-roles:host": { value: s.host },
    "postgres-roles:port": { value: String(s.port) },
    "postgres-roles:user": { value: s.user },
    "postgres-roles:database": { value: s.database },
    "postgres-roles:password": { value: s.password ?? "", secret: true },
  };
  if (/^\s*postgres-roles:sslmode:/m.test(file)) out["postgres-roles:sslmode"] = { value: "disable" };
  return out;
}

export interface ExampleRun {
  stackName: string;
  prefix: string;
  secrets: Record<string, string>;
  outputs: OutputMap;
  server2: SecondServer;
}

async function privIn(database: string, role: string, table: string, privilege: string): Promise<boolean> {
  const rows = await q<{ ok: boolean }>(
    "SELECT has_table_privilege($1, $2, $3) AS ok",
    [role, table, privilege],
    database,
  );
  return rows[0]!.ok;
}

async function setting(role: string, name: string): Promise<string | undefined> {
  const rows = await q<{ v: string }>(
    `SELECT split_part(c, '=', 2) AS v FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole,
            unnest(s.setconfig) AS c WHERE r.rolname = $1 AND s.setdatabase = 0 AND split_part(c, '=', 1) = $2`,
    [role, name],
  );
  return rows[0]?.v;
}

/** What each example's `up` must have done, checked by effect (has_*_privilege, logging in). */
export const exampleChecks: Record<string, (run: ExampleRun) => Promise<void>> = {
  async quickstart({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}alice`, secrets.alicePassword!)).to.equal(undefined);
    expect(await isMember(`${p}engineering`, `${p}alice`)).to.deep.equal({ member: true, admin: false });
    expect(await tablePriv(`${p}reader`, "app", "users", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}reader`, "app", "users", "INSERT")).to.equal(false);
    expect(await tablePriv(`${p}bob`, "app", "code_reviews", "DELETE")).to.equal(true);
  },
  async "read-only-user"({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}reader`, secrets.readerPassword!)).to.equal(undefined);
    expect(await isMember(`${p}readonly`, `${p}reader`)).to.deep.equal({ member: true, admin: false });
    expect(await tablePriv(`${p}reader`, "app", "users", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}reader`, "app", "orders", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}reader`, "app", "orders", "INSERT")).to.equal(false);
    expect((await roleRow(`${p}readonly`))!.rolcanlogin).to.equal(false);
  },
  async "application-user"({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}appuser`, secrets.appPassword!)).to.equal(undefined);
    for (const priv of ["SELECT", "INSERT", "UPDATE", "DELETE"]) {
      expect(await tablePriv(`${p}appuser`, "app", "orders", priv), priv).to.equal(true);
    }
    expect(await tablePriv(`${p}appuser`, "app", "orders", "TRUNCATE")).to.equal(false);
    const seq = await q<{ ok: boolean }>(
      "SELECT has_sequence_privilege($1, 'app.orders_id_seq', 'USAGE') AS ok",
      [`${p}appuser`],
    );
    expect(seq[0]!.ok).to.equal(true);
    expect((await roleRow(`${p}appuser`))!.rolconnlimit).to.equal(20);
    expect(await setting(`${p}appuser`, "statement_timeout")).to.equal("30s");
  },
  async "admin-user"({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}admin`, secrets.adminPassword!)).to.equal(undefined);
    const row = (await roleRow(`${p}admin`))!;
    expect([row.rolsuper, row.rolcreatedb, row.rolcreaterole, row.rolconnlimit]).to.deep.equal([
      false,
      true,
      true,
      10,
    ]);
    expect(await tablePriv(`${p}admin`, "app", "users", "TRUNCATE")).to.equal(true);
    const create = await q<{ ok: boolean }>("SELECT has_schema_privilege($1, 'app', 'CREATE') AS ok", [
      `${p}admin`,
    ]);
    expect(create[0]!.ok).to.equal(true);
  },
  async "team-hierarchy"({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}bob`, secrets.bobPassword!)).to.equal(undefined);
    expect(await tablePriv(`${p}alice`, "app", "users", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}alice`, "app", "code_reviews", "INSERT")).to.equal(true);
    expect(await tablePriv(`${p}alice`, "app", "code_reviews", "DELETE")).to.equal(false);
    // bob: senior_engineers, itself a member of engineering
    expect(await tablePriv(`${p}bob`, "app", "code_reviews", "DELETE")).to.equal(true);
    expect(await tablePriv(`${p}bob`, "app", "code_reviews", "INSERT")).to.equal(true);
    expect(await tablePriv(`${p}bob`, "app", "users", "INSERT")).to.equal(false);
  },
  async "role-hierarchy"({ prefix: p, secrets }) {
    expect(await tryLogin(`${p}alice`, secrets.alicePassword!)).to.equal(undefined);
    expect(await tablePriv(`${p}alice`, "app", "orders", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}alice`, "app", "orders", "INSERT")).to.equal(true);
    expect(await tablePriv(`${p}alice`, "app", "orders", "TRUNCATE")).to.equal(false);
    expect(await tablePriv(`${p}admin_access`, "app", "orders", "TRUNCATE")).to.equal(true);
    expect(await tablePriv(`${p}admin_access`, "app", "orders", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}reporting`, "app", "public_data", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}reporting`, "app", "users", "SELECT")).to.equal(false);
  },
  async "per-application-roles"({ prefix: p, secrets }) {
    for (const app of ["webapp", "worker", "analytics"]) {
      expect(await tryLogin(`${p}${app}`, secrets[`${app}Password`]!), app).to.equal(undefined);
    }
    expect(await tablePriv(`${p}webapp`, "app", "orders", "DELETE")).to.equal(true);
    expect(await tablePriv(`${p}webapp`, "app", "orders", "TRUNCATE")).to.equal(false);
    expect(await tablePriv(`${p}worker`, "app", "jobs", "UPDATE")).to.equal(true);
    expect(await tablePriv(`${p}worker`, "app", "users", "SELECT")).to.equal(false);
    expect(await tablePriv(`${p}analytics`, "app", "orders", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}analytics`, "app", "orders", "INSERT")).to.equal(false);
    expect(await setting(`${p}analytics`, "default_transaction_read_only")).to.equal("on");
  },
  async "stack-per-environment"({ prefix: p, stackName, outputs }) {
    expect(outputs.environment?.value).to.equal(stackName);
    const write = stackName === "dev";
    expect(await tablePriv(`${p}developers`, "app", "users", "SELECT")).to.equal(true);
    expect(await tablePriv(`${p}developers`, "app", "users", "INSERT")).to.equal(write);
    expect(await tablePriv(`${p}alice`, "app", "users", "UPDATE")).to.equal(write);
    expect(await isMember(`${p}developers`, `${p}alice`)).to.deep.equal({ member: true, admin: false });
    expect((await roleRow(`${p}bob`)) !== undefined).to.equal(write);
  },
  async "multiple-databases"({ prefix: p }) {
    const [orders, billing] = ["pgr_example_orders", "pgr_example_billing"];
    expect(await privIn(orders, `${p}orders_app`, "sales.orders", "INSERT")).to.equal(true);
    expect(await privIn(orders, `${p}billing_app`, "sales.orders", "SELECT")).to.equal(true);
    expect(await privIn(orders, `${p}billing_app`, "sales.orders", "INSERT")).to.equal(false);
    expect(await privIn(billing, `${p}billing_app`, "billing.invoices", "UPDATE")).to.equal(true);
    expect(await privIn(billing, `${p}orders_app`, "billing.invoices", "SELECT")).to.equal(false);
    expect(await privIn(billing, `${p}auditor_jane`, "billing.invoices", "SELECT")).to.equal(true);
    expect(await privIn(orders, `${p}auditor_jane`, "sales.orders", "SELECT")).to.equal(true);
  },
  async audit({ prefix: p }) {
    // the audit script of the example, run against what the program created
    const report = await audit({ prefix: p, schema: "app" });
    const byName = Object.fromEntries(report.roles.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).to.deep.equal([
      `${p}appuser`,
      `${p}legacy`,
      `${p}reader`,
      `${p}readonly`,
    ]);
    expect(byName[`${p}reader`]!.member_of).to.deep.equal([`${p}readonly`]);
    expect(byName[`${p}readonly`]!.members).to.deep.equal([`${p}reader`]);
    const held = (role: string) =>
      byName[role]!.grants.map((g) => `${g.privilege} ${g.schema ?? ""}.${g.object_name}`).sort();
    expect(held(`${p}readonly`)).to.include.members(["SELECT app.orders", "SELECT app.users"]);
    expect(held(`${p}appuser`)).to.include.members(["INSERT app.orders", "DELETE app.users"]);
    expect(held(`${p}legacy`)).to.include.members(["TRUNCATE app.orders", "SELECT app.orders"]);
    expect(byName[`${p}legacy`]!.findings).to.include.members([
      "login without password expiry (VALID UNTIL)",
      "login without connection limit",
    ]);
    expect(byName[`${p}reader`]!.findings).to.deep.equal([]);
    const text = formatAudit(report);
    expect(text).to.include(`${p}legacy: login=true, super=false`);
    expect(text).to.include(`  - SELECT on app.users`);
  },
  async "two-servers"({ prefix: p, outputs, server2 }) {
    expect(await server2.roles(p)).to.deep.equal([...(outputs.server2Roles!.value as string[])].sort());
    const ok = await server2.q<{ ok: boolean }>(
      "SELECT has_table_privilege($1, 'warehouse.daily_sales', 'INSERT') AS ok",
      [`${p}loader`],
    );
    expect(ok[0]!.ok).to.equal(true);
    // the primary's readonly role is another role than the warehouse's, with the primary's grants
    expect(await tablePriv(`${p}readonly`, "app", "users", "SELECT")).to.equal(true);
  },
};
