#!/usr/bin/env node
// Regenerates sample-preview.txt: what reviewers see on a pull request. Runs the program of
// examples/stack-per-environment through the Pulumi CLI against an embedded PostgreSQL: `up` of
// both stacks as they are committed, then the change a pull request would make (a developer added
// to dev, a higher connection limit for the application in prod), then `pulumi preview --diff` of
// each stack, exactly as the workflow runs it. Then destroys everything.
//   npm run build && node examples/pr-previews/make-sample.js
"use strict";
const { execFile } = require("child_process");
const { promisify } = require("util");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..");
const example = path.join(root, "examples", "stack-per-environment");
// the CLI the demo and the tests use (scripts/pulumi-cli.js): an installed one, else this project's build
const bin = require(path.join(root, "scripts", "pulumi-cli.js")).ensure().bin;
// Inside the repository (git-ignored), so that the program and the provider process find its
// node_modules; not under node_modules, where ts-node would not compile the program.
const work = path.join(root, ".e2e-work", "pr-previews-sample");
const run = promisify(execFile);

async function main() {
  const { startTestServer } = require(path.join(root, "dist", "test", "support", "server.js"));
  const { Client } = require("pg");
  const server = await startTestServer({ embedded: true });
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, "state"), { recursive: true });
  for (const f of ["index.ts", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "package.json"]) {
    fs.copyFileSync(path.join(example, f), path.join(work, f));
  }
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "sample",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  // Asynchronous: the embedded server's log is read by this process, which must keep running
  // (a synchronous child would leave the log pipe full and the server stalled).
  const pulumi = async (...args) => {
    const shown = args.map((a, i) => (args[i - 2] === "--secret" ? "[secret]" : a));
    process.stderr.write(`pulumi ${shown.join(" ")}\n`);
    try {
      const { stdout } = await run(path.join(bin, "pulumi"), [...args, "--non-interactive"], {
        cwd: work,
        env,
        encoding: "utf8",
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (e) {
      throw new Error(`pulumi ${shown.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  };
  const c = new Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
  });
  const stacks = ["dev", "prod"];
  const previews = {};
  try {
    await c.connect();
    await c.query(fs.readFileSync(path.join(example, "fixture.sql"), "utf8"));
    for (const stack of stacks) {
      await pulumi("stack", "init", stack);
      // Both stacks on one demo server: their roles get the stack's name as prefix.
      await pulumi("config", "set", "namePrefix", `${stack}_`, "--stack", stack);
      await pulumi("config", "set", "postgres-roles:host", server.host, "--stack", stack);
      await pulumi("config", "set", "postgres-roles:port", String(server.port), "--stack", stack);
      await pulumi("config", "set", "postgres-roles:user", server.user, "--stack", stack);
      await pulumi("config", "set", "postgres-roles:database", server.database, "--stack", stack);
      if (stack === "prod")
        await pulumi("config", "set", "postgres-roles:sslmode", "disable", "--stack", stack);
      await pulumi("config", "set", "--secret", "postgres-roles:password", server.password, "--stack", stack);
      await pulumi(
        "config",
        "set",
        "--secret",
        "appPassword",
        `app-${stack}-${Date.now()}`,
        "--stack",
        stack,
      );
      await pulumi("up", "--yes", "--skip-preview", "--stack", stack);
    }
    // The pull request.
    await pulumi("config", "set", "--path", "developers[2]", "carol", "--stack", "dev");
    await pulumi("config", "set", "appConnectionLimit", "80", "--stack", "prod");
    for (const stack of stacks) {
      previews[stack] = await pulumi("preview", "--diff", "--refresh", "--stack", stack, "--color", "never");
    }
  } finally {
    for (const stack of stacks) {
      try {
        await pulumi("destroy", "--yes", "--skip-preview", "--stack", stack);
      } catch (e) {
        process.stderr.write(`destroy ${stack}: ${e.message}\n`);
      }
    }
    await c.end().catch(() => undefined);
    await server.stop();
  }
  const text = [
    "What reviewers see: the comments the workflow in pulumi-preview.yml posts, one per stack, for a",
    "pull request that adds the developer carol to dev (Pulumi.dev.yaml) and raises the application's",
    "connection limit in prod (Pulumi.prod.yaml). Generated by make-sample.js from a real",
    "`pulumi preview --diff --refresh` of examples/stack-per-environment (both stacks on one demo",
    "server, so their role names carry the stack's name as prefix).",
    "",
    ...stacks.flatMap((stack) => [
      "=".repeat(100),
      `### \`pulumi preview --diff\` — stack \`${stack}\``,
      "=".repeat(100),
      previews[stack].replace(/\s+$/, ""),
      "",
    ]),
  ].join("\n");
  fs.writeFileSync(path.join(__dirname, "sample-preview.txt"), `${text}\n`);
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(text);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
