/**
 * A Pulumi project folder with this package installed the way npm installs it: a real copy under
 * its node_modules (package.json and dist/provider), and a real copy of @pulumi/pulumi beside it.
 * That is what makes the provider objects serialize as one `require("pulumi-postgres-roles/providers/…")`
 * line: Pulumi's closure serializer captures a module by reference only when the module's file lies
 * under node_modules, and finds the package's `exports` by resolving the package from @pulumi/pulumi's
 * own folder. Through this repository's self link (node_modules/pulumi-postgres-roles -> ..) Node sees
 * the real path, outside any node_modules, and the provider is serialized by value. The other
 * dependencies are links to this repository's node_modules (nothing is downloaded).
 *
 * Also builds the package as an older commit had it (`buildCommit`), for the upgrade tests.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO = resolve(__dirname, "..", "..", "..");

/** Runs a command; a failure carries its output. */
export async function sh(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${x.message}\n${x.stdout ?? ""}\n${x.stderr ?? ""}`);
  }
}

/** Puts the package found in `packageRoot` (its package.json and dist/provider) into `project`'s node_modules. */
export function installPackage(project: string, packageRoot: string): void {
  const target = join(project, "node_modules", "pulumi-postgres-roles");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(join(packageRoot, "package.json"), join(target, "package.json"));
  cpSync(join(packageRoot, "dist", "provider"), join(target, "dist", "provider"), { recursive: true });
}

/**
 * A project folder under the system temp folder (outside this repository, so that no node_modules
 * of the repository lies on the path between it and its modules), with `files` written into it and
 * the package of `packageRoot` installed.
 */
export function makeProject(prefix: string, packageRoot: string, files: Record<string, string>): string {
  const project = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const modules = join(project, "node_modules");
  mkdirSync(join(modules, "@pulumi"), { recursive: true });
  const skip = new Set(["pulumi-postgres-roles", ".bin", ".cache", ".package-lock.json", "@pulumi"]);
  for (const entry of readdirSync(join(REPO, "node_modules"))) {
    if (!skip.has(entry)) symlinkSync(join(REPO, "node_modules", entry), join(modules, entry));
  }
  // a real copy: the serializer resolves the package from here (see above)
  cpSync(join(REPO, "node_modules", "@pulumi", "pulumi"), join(modules, "@pulumi", "pulumi"), {
    recursive: true,
  });
  installPackage(project, packageRoot);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: prefix, private: true }) + "\n");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
  return project;
}

/**
 * The package as commit `commit` of this repository built it: its provider/ compiled with its own
 * tsconfig options into `<dir>/dist/provider`, with its package.json. From the git history when the
 * clone has the commit; otherwise (a shallow clone, or a copy of the checkout without .git) from
 * test/fixtures/previous-release-<commit>.tgz, the same build committed beside the tests (package.json
 * and dist/provider's JavaScript, made by this function from the history).
 */
export async function buildCommit(commit: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `pulumi-postgres-roles-${commit}-`));
  const fixture = join(REPO, "test", "fixtures", `previous-release-${commit}.tgz`);
  const inHistory = await sh("git", ["cat-file", "-e", `${commit}^{commit}`], REPO).then(
    () => true,
    () => false,
  );
  if (!inHistory) {
    if (!existsSync(fixture))
      throw new Error(
        `commit ${commit} is not in this clone's history (git fetch --unshallow), nor is ${fixture}`,
      );
    await sh("tar", ["-xzf", fixture], dir);
    if (!existsSync(join(dir, "dist", "provider", "index.js")))
      throw new Error(`${fixture}: no dist/provider`);
    return dir;
  }
  const archive = join(dir, "src.tar");
  await sh(
    "git",
    ["archive", "--format=tar", "-o", archive, commit, "provider", "package.json", "tsconfig.json"],
    REPO,
  );
  await sh("tar", ["-xf", archive], dir);
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "tsconfig.build.json"),
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { types: ["node"], declaration: false, sourceMap: false },
      include: ["provider/**/*.ts"],
    }),
  );
  await sh(
    process.execPath,
    [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    dir,
  );
  if (!existsSync(join(dir, "dist", "provider", "index.js")))
    throw new Error(`building ${commit}: no dist/provider`);
  return dir;
}
