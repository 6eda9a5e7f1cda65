/**
 * The impact tests' project: a folder program (impact-program.ts, driven by spec.json) run with
 * the real Pulumi CLI as a user runs it (`pulumi preview --json`, `pulumi up`), on a local file
 * backend, against the test server. The prediction (the impact command's simulation of the preview)
 * is compared with what `pulumi up` really did to the catalog.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { cliBin, REPO_ROOT, WORK_ROOT } from "./harness";
import type { ImpactSpec } from "./impact-program";
import { testServer } from "../support/db";

const run = promisify(execFile);

export class ImpactProject {
  readonly dir: string;
  private readonly backend: string;
  private readonly stack: string;

  constructor(name = "impact") {
    mkdirSync(WORK_ROOT, { recursive: true });
    this.dir = mkdtempSync(join(WORK_ROOT, `${name}-`));
    this.backend = join(this.dir, "state");
    this.stack = "test";
    mkdirSync(this.backend, { recursive: true });
    writeFileSync(join(this.dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
    writeFileSync(
      join(this.dir, "index.js"),
      `require(${JSON.stringify(join(REPO_ROOT, "dist", "test", "e2e", "impact-program.js"))}).program(__dirname);\n`,
    );
  }

  env(): NodeJS.ProcessEnv {
    const s = testServer();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${cliBin()}:${process.env.PATH}`,
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: "impact",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CHECKPOINTS: "true",
      PGHOST: s.host,
      PGPORT: String(s.port),
      PGUSER: process.env.PGUSER ?? s.user,
      PGDATABASE: s.database,
    };
    if (process.env.PGPASSWORD !== undefined) env.PGPASSWORD = process.env.PGPASSWORD;
    else if (s.password !== undefined) env.PGPASSWORD = s.password;
    return env;
  }

  async pulumi(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(join(cliBin(), "pulumi"), [...args, "--non-interactive"], {
        cwd: this.dir,
        env: this.env(),
        encoding: "utf8",
        timeout: 300_000,
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`pulumi ${args.join(" ")} failed: ${x.message}\n${x.stdout ?? ""}${x.stderr ?? ""}`);
    }
  }

  async init(): Promise<void> {
    await this.pulumi("stack", "init", this.stack);
  }

  write(spec: ImpactSpec): void {
    writeFileSync(join(this.dir, "spec.json"), JSON.stringify(spec, null, 2));
  }

  /** `pulumi preview --json` of the spec: the text the impact command reads. */
  async preview(spec: ImpactSpec): Promise<string> {
    this.write(spec);
    return this.pulumi("preview", "--json", "--stack", this.stack);
  }

  async up(spec: ImpactSpec): Promise<void> {
    this.write(spec);
    await this.pulumi("up", "--yes", "--skip-preview", "--stack", this.stack);
  }

  /** Forgets the stack (whatever its state) and starts an empty one. */
  async restart(): Promise<void> {
    await this.pulumi("stack", "rm", "--force", "--yes", "--stack", this.stack).catch(() => undefined);
    await this.init();
  }

  async destroy(): Promise<void> {
    await this.pulumi("destroy", "--yes", "--skip-preview", "--stack", this.stack).catch(() => undefined);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
