#!/usr/bin/env node
// Which Pulumi CLI the demo, the tests and the scripts of this repository use, and where it is.
// The versions are in scripts/pulumi-cli.json: `accept` (the CLI versions these accept: min
// included, below excluded) and `build` (the one built when no installed CLI fits).
//
//   1. `pulumi` on PATH, when `pulumi version` is within `accept` and its Node.js language host and
//      dynamic-provider plugin (pulumi-language-nodejs, pulumi-resource-pulumi-nodejs) are beside it
//      or on PATH: an official installation, used as it is;
//   2. otherwise the CLI that scripts/install-pulumi-cli.sh builds from the Go module proxy into this
//      project's cache folder, ${PGR_PULUMI_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-postgres-roles}/
//      pulumi-cli/<build>/bin — never into ~/.pulumi, so that nothing home-made shadows an official
//      installation, and outside any clone, so that removing a clone breaks nothing.
//
// PGR_PULUMI_CLI=build skips 1 (CI sets it: its results are then always those of the `build` version).
//
//   node scripts/pulumi-cli.js            prints the bin folder of the CLI to use, building one if none fits
//                                         (`npm run pulumi:install`)
//   node scripts/pulumi-cli.js --where    prints it without building; exit 1 with the reason when there is none
//   node scripts/pulumi-cli.js --build-target   prints `<build version> <bin folder>` (install-pulumi-cli.sh)
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const VERSIONS = require("./pulumi-cli.json");

/** "v3.276.0" -> [3, 276, 0], or undefined. */
function parse(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(v).trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Whether a CLI version is one this repository accepts. */
function accepted(version) {
  const v = parse(version);
  return (
    v !== undefined &&
    compare(v, parse(VERSIONS.accept.min)) >= 0 &&
    compare(v, parse(VERSIONS.accept.below)) < 0
  );
}

function cacheDir() {
  return (
    process.env.PGR_PULUMI_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pulumi-postgres-roles")
  );
}

/** Where the `build` version is (or goes): <cache>/pulumi-cli/<version>, with bin/ and build/ in it. */
function buildRoot() {
  return path.join(cacheDir(), "pulumi-cli", VERSIONS.build);
}

/** The first executable of that name in these folders. */
function which(name, dirs) {
  for (const d of dirs) {
    const f = path.join(d, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      if (fs.statSync(f).isFile()) return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

function versionOf(pulumi) {
  try {
    return execFileSync(pulumi, ["version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
      timeout: 30_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The CLI to use without building anything: `{ bin, pulumi, version, source, root, skipped }` (`root` is
 * the folder above bin/, what the Automation API's `PulumiCommand.get({ root })` takes, or undefined when
 * the folder is not named bin; `skipped`: why a `pulumi` on PATH is not used), or `{ reason }`.
 */
function locate() {
  const reasons = [];
  const pathDirs = (process.env.PATH || "").split(path.delimiter).filter(Boolean);
  if (process.env.PGR_PULUMI_CLI !== "build") {
    const onPath = which("pulumi", pathDirs);
    if (onPath) {
      const real = fs.realpathSync(onPath);
      const version = versionOf(onPath);
      const dirs = [path.dirname(onPath), path.dirname(real), ...pathDirs];
      const missing = ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].filter(
        (n) => !which(n, dirs),
      );
      if (!accepted(version))
        reasons.push(
          `${onPath}: version ${version || "(unknown)"}, not within >=${VERSIONS.accept.min} <${VERSIONS.accept.below}`,
        );
      else if (missing.length > 0)
        reasons.push(`${onPath}: no ${missing.join(" nor ")} beside it or on PATH`);
      else {
        const bin = path.dirname(onPath);
        return { bin, pulumi: onPath, version, source: "PATH", root: rootOf(bin) };
      }
    }
  }
  const bin = path.join(buildRoot(), "bin");
  const pulumi = path.join(bin, "pulumi");
  const version = fs.existsSync(pulumi) ? versionOf(pulumi) : undefined;
  const complete = ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].every((n) => which(n, [bin]));
  if (version === `v${VERSIONS.build}` && complete)
    return {
      bin,
      pulumi,
      version,
      source: "build",
      root: buildRoot(),
      ...(reasons.length ? { skipped: reasons } : {}),
    };
  reasons.push(`no Pulumi CLI ${VERSIONS.build} built in ${bin} yet (npm run pulumi:install)`);
  return { reason: reasons.join("; ") };
}

function rootOf(bin) {
  return path.basename(bin) === "bin" ? path.dirname(bin) : undefined;
}

/** The CLI to use, built first (scripts/install-pulumi-cli.sh) when none fits. Logs what it chose. */
function ensure(log = (m) => process.stderr.write(`pulumi-cli: ${m}\n`)) {
  const found = locate();
  if (found.bin && found.source === "PATH") {
    log(`using ${found.pulumi} (${found.version}), installed on PATH`);
    return found;
  }
  if (!found.bin) log(`${found.reason}: building it (scripts/install-pulumi-cli.sh)`);
  else for (const r of found.skipped || []) log(`not using ${r}`);
  // Every time for the built one: it returns at once when everything is in place, and repairs the
  // plugin copy or rebuilds the language host when they are not.
  execFileSync(path.join(root, "scripts", "install-pulumi-cli.sh"), {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const built = locate();
  if (!built.bin) throw new Error(`the Pulumi CLI is still not usable: ${built.reason}`);
  log(`using ${built.pulumi} (${built.version}), built by this project`);
  return built;
}

module.exports = { VERSIONS, accepted, buildRoot, cacheDir, locate, ensure };

if (require.main === module) {
  const arg = process.argv[2];
  try {
    if (arg === "--build-target") {
      process.stdout.write(`${VERSIONS.build} ${path.join(buildRoot(), "bin")}\n`);
    } else if (arg === "--where") {
      const found = locate();
      if (!found.bin) {
        process.stderr.write(`pulumi-cli: ${found.reason}\n`);
        process.exit(1);
      }
      process.stdout.write(`${found.bin}\n`);
    } else {
      process.stdout.write(`${ensure().bin}\n`);
    }
  } catch (e) {
    process.stderr.write(`pulumi-cli: ${e.message}\n`);
    process.exit(1);
  }
}
