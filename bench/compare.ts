/**
 * Part 4: the same desired state (state.ts) applied by the other tools, timed like part 3 (wall,
 * CPU of the tool's processes, peak connections):
 *   raw SQL    the whole state in one transaction on one connection (the physical floor); the no-op
 *              check is one query comparing the state with the catalog; destroy is one transaction.
 *   ldap2pg    a real run (--real) and a no-op check (--check), from a YAML of static roles and grants.
 *   Terraform  cyrilgdn/postgresql under OpenTofu or Terraform: apply, no-op plan, destroy, with
 *              -parallelism equal to ours; run only where both the CLI and the provider binary exist
 *              (see bench/tools.sh and BENCHMARKS.md for why they may not).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { type Row, fmtMs, openClient } from "./lib";
import type { BenchServer } from "./server";
import { type StackResult, PARALLEL, measure } from "./stacks";
import { applySql, census, checkSql, destroySql, units } from "./state";

/** Matches no process: the raw SQL runs in this process. */
const NOTHING = /(?!)/;

export const CACHE = process.env.BENCH_CACHE || join(homedir(), ".cache", "pulumi-postgres-roles", "bench");

/** Where the compared tools are (built by bench/tools.sh), or why not. */
export function locateTools(): {
  ldap2pg?: string;
  tofu?: string;
  terraform?: string;
  tfProvider?: string;
  missing: string[];
} {
  const bin = (name: string) => (existsSync(join(CACHE, "bin", name)) ? join(CACHE, "bin", name) : undefined);
  const ldap2pg = existsSync(join(CACHE, "ldap2pg-venv", "bin", "ldap2pg"))
    ? join(CACHE, "ldap2pg-venv", "bin", "ldap2pg")
    : undefined;
  const out = {
    ldap2pg,
    tofu: bin("tofu"),
    terraform: bin("terraform"),
    tfProvider: bin("terraform-provider-postgresql"),
    missing: [] as string[],
  };
  if (!out.ldap2pg) out.missing.push(`ldap2pg: not in ${CACHE}/ldap2pg-venv (run bench/tools.sh)`);
  if (!out.tofu && !out.terraform)
    out.missing.push(`OpenTofu/Terraform CLI: not in ${CACHE}/bin (run bench/tools.sh)`);
  if (!out.tfProvider)
    out.missing.push(
      "Terraform provider cyrilgdn/postgresql: not built (the Go module proxy refuses github.com/cyrilgdn/terraform-provider-postgresql: 403 'This module version is not available'; see BENCHMARKS.md)",
    );
  return out;
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

function ldap2pgConfig(prefix: string, size: number): string {
  const us = units(size, prefix);
  const lines = [
    "postgres:",
    `  managed_roles_query: "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE '${prefix}\\\\_%'"`,
    "  databases_query: [postgres]",
    "  schemas_query: \"SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE 'bench\\\\_s%'\"",
    "privileges:",
    "  ro: [__usage_on_schemas__, __select_on_all_tables__]",
    "sync_map:",
    "- role:",
    "    options: NOLOGIN",
    "    names:",
    ...us.map((u) => `    - ${u.app}`),
  ];
  for (const u of us)
    lines.push("- role:", `    name: ${u.user}`, "    options: LOGIN", `    parent: ${u.app}`);
  const bySchema = new Map<string, string[]>();
  for (const u of us) bySchema.set(u.schema, [...(bySchema.get(u.schema) ?? []), u.app]);
  for (const [schema, roles] of bySchema) {
    lines.push(
      "- grant:",
      "    privilege: ro",
      "    database: postgres",
      `    schema: ${schema}`,
      "    roles:",
    );
    for (const r of roles) lines.push(`    - ${r}`);
  }
  return lines.join("\n") + "\n";
}

export async function benchCompare(
  server: BenchServer,
  opts: { sizes: number[]; log: (s: string) => void },
): Promise<{ results: StackResult[]; notes: string[] }> {
  const tools = locateTools();
  const results: StackResult[] = [];
  const notes = [...tools.missing];
  const admin = await openClient(server.client());
  const dir = mkdtempSync(join(tmpdir(), "pulumi-postgres-roles-bench-compare-"));
  const record = (size: number, op: string, m: StackResult["m"]) => {
    // The raw SQL is over before the first sample: it uses one connection by construction.
    if (op.startsWith("raw SQL")) m.peakConnections = Math.max(m.peakConnections, 1);
    results.push({ resources: size, op, m });
    opts.log(
      `  ${size} resources, ${op}: ${fmtMs(m.wall)} wall, CPU ${fmtMs(m.providerCpu)}, peak ${m.peakConnections} connections${m.detail ? `; ${m.detail}` : ""}`,
    );
  };
  try {
    for (const size of opts.sizes) {
      // Raw SQL: the physical floor, in this process (its CPU is not counted: it is one query).
      const prefix = `sq${size}`;
      const us = units(size, prefix);
      const floor = await openClient({ ...server.client(), application_name: "raw-sql" });
      record(
        size,
        "raw SQL apply (one transaction)",
        await measure(server, NOTHING, async () => {
          await floor.query(applySql(us));
          const c = await census(admin, prefix);
          return `catalog: ${c.roles} roles, ${c.members} memberships, ${c.acl} table ACL entries`;
        }),
      );
      record(
        size,
        "raw SQL no-op check (one query)",
        await measure(server, NOTHING, async () => {
          const q = checkSql(us);
          const { rows } = await floor.query(q.text, q.values);
          return rows[0].differences !== 0 ? `${rows[0].differences} differences` : undefined;
        }),
      );
      record(
        size,
        "raw SQL destroy (one transaction)",
        await measure(server, NOTHING, async () => {
          await floor.query(destroySql(us));
        }),
      );
      await floor.end();

      if (tools.ldap2pg) {
        const lp = `lp${size}`;
        const cfg = join(dir, `ldap2pg-${size}.yml`);
        writeFileSync(cfg, ldap2pgConfig(lp, size));
        const env = { ...server.env(), LDAP2PG_CONFIG: cfg, PGDSN: "" };
        const match = new RegExp(`ldap2pg-venv/bin/ldap2pg`);
        record(
          size,
          "ldap2pg real run",
          await measure(server, match, async () => {
            const r = await run(tools.ldap2pg!, ["--real", "--config", cfg], env);
            if (r.code !== 0) throw new Error(`ldap2pg --real failed (${r.code}):\n${r.out.slice(-3000)}`);
            const c = await census(admin, lp);
            return `catalog: ${c.roles} roles, ${c.members} memberships, ${c.acl} table ACL entries`;
          }),
        );
        record(
          size,
          "ldap2pg no-op check",
          await measure(server, match, async () => {
            const r = await run(tools.ldap2pg!, ["--check", "--config", cfg], env);
            return r.code !== 0 ? `NOT a no-op (exit ${r.code}): ${r.out.slice(-500)}` : undefined;
          }),
        );
        await admin.query(destroySql(units(size, lp)));
      }

      if (tools.tfProvider && (tools.tofu || tools.terraform)) {
        const cli = (tools.tofu ?? tools.terraform)!;
        const tp = `tf${size}`;
        const work = join(dir, `tf-${size}`);
        mkdirSync(work, { recursive: true });
        writeFileSync(join(work, "main.tf"), terraformConfig(server, tp, size));
        const rc = join(work, "dev.tfrc");
        writeFileSync(
          rc,
          `provider_installation {\n  dev_overrides {\n    "cyrilgdn/postgresql" = "${join(CACHE, "bin")}"\n  }\n  direct {}\n}\n`,
        );
        const env = { TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: "1", PGPASSWORD: server.password ?? "" };
        const match = /terraform-provider-postgresql|bin\/(tofu|terraform) /;
        const par = `-parallelism=${PARALLEL}`;
        record(
          size,
          "Terraform provider apply",
          await measure(server, match, async () => {
            const r = await run(cli, ["apply", "-auto-approve", "-input=false", par], env, work);
            if (r.code !== 0) throw new Error(`apply failed:\n${r.out.slice(-3000)}`);
          }),
        );
        record(
          size,
          "Terraform provider no-op plan",
          await measure(server, match, async () => {
            const r = await run(cli, ["plan", "-input=false", "-detailed-exitcode", par], env, work);
            return r.code !== 0 ? `NOT a no-op (exit ${r.code})` : undefined;
          }),
        );
        record(
          size,
          "Terraform provider destroy",
          await measure(server, match, async () => {
            const r = await run(cli, ["destroy", "-auto-approve", "-input=false", par], env, work);
            if (r.code !== 0) throw new Error(`destroy failed:\n${r.out.slice(-3000)}`);
          }),
        );
      }
    }
  } finally {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    "ldap2pg 5.9 cannot set CONNECTION LIMIT: its login roles are created without it (the rest of the state is the same)",
  );
  return { results, notes };
}

function terraformConfig(server: BenchServer, prefix: string, size: number): string {
  const out = [
    `provider "postgresql" {\n  host = "${server.host}"\n  port = ${server.port}\n  username = "${server.user}"\n  database = "${server.database}"\n  sslmode = "disable"\n  superuser = true\n}`,
  ];
  for (const u of units(size, prefix)) {
    out.push(
      `resource "postgresql_role" "${u.app}" {\n  name = "${u.app}"\n}`,
      `resource "postgresql_role" "${u.user}" {\n  name = "${u.user}"\n  login = true\n  connection_limit = 5\n}`,
      `resource "postgresql_grant_role" "${u.user}" {\n  role = postgresql_role.${u.user}.name\n  grant_role = postgresql_role.${u.app}.name\n}`,
      `resource "postgresql_grant" "${u.app}_usage" {\n  database = "${server.database}"\n  role = postgresql_role.${u.app}.name\n  schema = "${u.schema}"\n  object_type = "schema"\n  privileges = ["USAGE"]\n}`,
      `resource "postgresql_grant" "${u.app}_select" {\n  database = "${server.database}"\n  role = postgresql_role.${u.app}.name\n  schema = "${u.schema}"\n  object_type = "table"\n  privileges = ["SELECT"]\n}`,
    );
  }
  return out.join("\n\n") + "\n";
}

export function compareRows(results: readonly StackResult[], ours: readonly StackResult[]): Row[] {
  const oursFor = (size: number, op: string) => ours.find((r) => r.resources === size && r.op === op);
  const map: Record<string, string> = {
    "raw SQL apply (one transaction)": "pulumi up",
    "raw SQL no-op check (one query)": "pulumi preview (no-op)",
    "raw SQL destroy (one transaction)": "pulumi destroy",
    "ldap2pg real run": "pulumi up",
    "ldap2pg no-op check": "pulumi preview (no-op)",
    "Terraform provider apply": "pulumi up",
    "Terraform provider no-op plan": "pulumi preview (no-op)",
    "Terraform provider destroy": "pulumi destroy",
  };
  return results.map((r) => {
    const o = oursFor(r.resources, map[r.op] ?? "");
    return {
      part: "4 compare",
      what: `${r.op}, ${r.resources.toLocaleString("en")} resources`,
      figure: fmtMs(r.m.wall),
      floor: o ? `ours (${map[r.op]}): ${fmtMs(o.m.wall)}` : "",
      ratio: o ? `ours ${(o.m.wall / r.m.wall).toFixed(2)}x theirs` : "",
      note: `CPU ${r.op.startsWith("raw SQL") ? "-" : fmtMs(r.m.providerCpu)}, peak ${r.m.peakConnections} connections${r.m.detail ? `; ${r.m.detail}` : ""}`,
    };
  });
}
