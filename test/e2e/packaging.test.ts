/**
 * The package as users get it: `npm pack`, installed from the tarball into a fresh Pulumi
 * TypeScript project in a folder outside this repository (with @pulumi/pulumi from the registry as
 * the peer), type-checked as CommonJS and as ES module, loaded with `require` and with `import`,
 * and run end to end through the real Pulumi CLI: up, the catalog checked, a no-op preview, destroy.
 * It runs under whichever Node.js runs mocha (its folder first on PATH: the version matrix runs it on
 * Node.js 20, 22 and 24) and prints the versions it ran with (`versions: ...`, read by scripts/ci-matrix.js).
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as ts from "typescript";
import { isMember, q, roleRow, tablePriv, tryLogin, unique, dropRoles, quoteIdent } from "../support/db";
import { sh } from "../support/project";
import { REPO_ROOT, findCli, locateCli, projectCli } from "./harness";

interface PackageJson {
  name: string;
  version: string;
  main: string;
  types: string;
  exports: Record<string, { types: string; default: string } | string>;
  engines: { node: string };
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
}
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as PackageJson;

/**
 * The @pulumi/pulumi version the project is installed with: the one this repository develops with, or
 * PGR_PACK_SDK (a version or a dist-tag: the version matrix of scripts/ci-matrix.js sets the oldest of
 * the peer range, or `latest`).
 */
const PULUMI_SDK = process.env.PGR_PACK_SDK || pkg.devDependencies["@pulumi/pulumi"]!;
/** TypeScript and ts-node for the project (peers of @pulumi/pulumi). */
const TYPESCRIPT = pkg.devDependencies.typescript!;

describe("packaging: the npm package in a fresh project", function () {
  this.timeout(900_000);
  let project = "";
  let tarball = "";
  let files: string[] = [];
  let sdkVersion = "";

  before(async function () {
    // not named after the package: Pulumi's serializer looks for the package.json at the first
    // occurrence of the package's name in a module's path (see test/support/project.ts)
    project = mkdtempSync(join(tmpdir(), "pgr-pack-"));
    expect(relative(REPO_ROOT, project).startsWith(".."), "the project is outside the repository").to.equal(
      true,
    );
    const packDir = join(project, "pack");
    mkdirSync(packDir);
    // --ignore-scripts: the package's prepack (a build) must not rewrite dist/ under test runs that may
    // be going on beside this one (the test matrix runs parts in parallel); dist/ is built already.
    expect(existsSync(join(REPO_ROOT, "dist", "provider", "index.js")), "npm run build first").to.equal(true);
    const out = await sh(
      "npm",
      ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir],
      REPO_ROOT,
    );
    const packed = (
      JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>
    )[0]!;
    tarball = join(packDir, packed.filename);
    files = packed.files.map((f) => f.path);
  });

  after(function () {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("the tarball holds the compiled library, its declarations and the docs, and nothing else", function () {
    for (const f of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "LICENSE",
      // the README links to these two
      "RELIABILITY.md",
      "BENCHMARKS.md",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "dist/provider/runtime.js",
      "dist/provider/runtime.d.ts",
      "docs/role.md",
      "docs/migrating-from-pulumi-postgresql.md",
    ]) {
      expect(files, f).to.include(f);
    }
    const stray = files.filter(
      (f) =>
        f.startsWith("dist/test/") ||
        f.startsWith("dist/examples/") ||
        f.startsWith("docs/api/") ||
        f.startsWith("test/") ||
        f.startsWith("examples/") ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(stray).to.deep.equal([]);
  });

  it("package.json declares what is tested: Node.js, the @pulumi/pulumi peer, types and exports", function () {
    expect(pkg.engines.node).to.equal(">=20");
    expect(pkg.peerDependencies["@pulumi/pulumi"]).to.be.a("string");
    expect(pkg.types).to.equal("dist/provider/index.d.ts");
    expect(pkg.exports["."]).to.deep.equal({
      types: "./dist/provider/index.d.ts",
      default: "./dist/provider/index.js",
    });
    expect(pkg.exports["./runtime"]).to.deep.equal({
      types: "./dist/provider/runtime.d.ts",
      default: "./dist/provider/runtime.js",
    });
    // the provider objects the state names (one module per kind, see provider/common/provider-base.ts),
    // also under their file path (what the serializer writes when it cannot read `exports`)
    expect(pkg.exports["./providers/*"]).to.deep.equal({
      types: "./dist/provider/providers/*.d.ts",
      default: "./dist/provider/providers/*.js",
    });
    expect(pkg.exports["./dist/provider/providers/*.js"]).to.equal("./dist/provider/providers/*.js");
    // the public surface: the root, the runtime and provider entries the provider process requires, package.json
    expect(Object.keys(pkg.exports).sort()).to.deep.equal([
      ".",
      "./dist/provider/providers/*.js",
      "./package.json",
      "./providers/*",
      "./runtime",
    ]);
  });

  it("installs into a fresh Pulumi TypeScript project from the tarball, with @pulumi/pulumi from the registry", async function () {
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "pack-consumer", private: true, main: "index.ts" }, null, 2),
    );
    await sh(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        tarball,
        `@pulumi/pulumi@${PULUMI_SDK}`,
        `typescript@${TYPESCRIPT}`,
        "ts-node@^10",
        `@types/node@^${process.versions.node.split(".")[0]}`,
      ],
      project,
    );
    const installed = JSON.parse(
      readFileSync(join(project, "node_modules", "pulumi-postgres-roles", "package.json"), "utf8"),
    ) as PackageJson;
    expect(installed.version).to.equal(pkg.version);
    const sdk = JSON.parse(
      readFileSync(join(project, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
    ) as PackageJson;
    sdkVersion = sdk.version;
    if (/^\d+\.\d+\.\d+$/.test(PULUMI_SDK)) expect(sdk.version).to.equal(PULUMI_SDK);
    // the peer range admits it (npm would only warn)
    const [min] = pkg.peerDependencies["@pulumi/pulumi"]!.replace(/^\^/, "").split(" ");
    const num = (v: string) => v.split(".").map(Number);
    const [a, b] = [num(sdk.version), num(min!)];
    expect(
      a[0] === b[0] && (a[1]! > b[1]! || (a[1] === b[1] && a[2]! >= b[2]!)),
      "within the peer range",
    ).to.equal(true);
    console.log(`      versions: node ${process.version}, @pulumi/pulumi ${sdk.version}`);
    // a real copy, not a link back into this repository
    expect(readFileSync(join(project, "package.json"), "utf8")).to.include("pulumi-postgres-roles");
  });

  it("type-checks as CommonJS (require) and as an ES module (import), resolving through `exports`", async function () {
    writeFileSync(
      join(project, "cjs-check.ts"),
      `import { Grant, Role, RoleMembership, type RoleArgs } from "pulumi-postgres-roles";
import { runtime } from "pulumi-postgres-roles/runtime";
const args: RoleArgs = { login: true };
export const kinds = [Grant, Role, RoleMembership, args, runtime];
`,
    );
    writeFileSync(
      join(project, "esm-check.mts"),
      `import { Grant, Policy, type GrantArgs } from "pulumi-postgres-roles";
import * as lib from "pulumi-postgres-roles";
const args: GrantArgs = { role: "r", objectType: "table", privileges: ["SELECT"] };
export const kinds = [Grant, Policy, args, lib.DefaultPrivileges];
`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            module: "node16",
            moduleResolution: "node16",
            target: "ES2022",
            strict: true,
            noEmit: true,
            skipLibCheck: true,
          },
          files: ["index.ts", "cjs-check.ts", "esm-check.mts"],
        },
        null,
        2,
      ),
    );
    writeFileSync(join(project, "index.ts"), programSource());
    await sh(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], project);
  });

  it("loads with require and with import in node", async function () {
    const cjs = await sh(
      "node",
      [
        "-e",
        `const m = require("pulumi-postgres-roles"); const r = require("pulumi-postgres-roles/runtime");
         const p = require("pulumi-postgres-roles/package.json");
         console.log(JSON.stringify([typeof m.Role, typeof m.Grant, typeof m.GrantProvider, typeof r.role, p.name, require.resolve("pulumi-postgres-roles")]));`,
      ],
      project,
    );
    const [role, grant, provider, runtime, name, resolved] = JSON.parse(cjs) as string[];
    expect([role, grant, provider, runtime, name]).to.deep.equal([
      "function",
      "function",
      "function",
      "object",
      pkg.name,
    ]);
    expect(resolved!.startsWith(join(project, "node_modules"))).to.equal(true);

    const esm = await sh(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { Role, Grant, RoleMembership, DefaultPrivileges, RowLevelSecurity, Policy } from "pulumi-postgres-roles";
         import * as runtime from "pulumi-postgres-roles/runtime";
         import lib from "pulumi-postgres-roles";
         console.log(JSON.stringify([Role, Grant, RoleMembership, DefaultPrivileges, RowLevelSecurity, Policy].map((x) => typeof x).concat([typeof runtime.role, typeof lib.Role])));`,
      ],
      project,
    );
    expect(JSON.parse(esm)).to.deep.equal([...Array(6).fill("function"), "object", "function"]);

    // internal modules are not public API: a deep import is refused by `exports`
    const deep = await sh(
      "node",
      [
        "-e",
        `try { require("pulumi-postgres-roles/dist/provider/role/planner.js"); console.log("resolved"); }
         catch (e) { console.log(e.code); }`,
      ],
      project,
    );
    expect(deep.trim()).to.equal("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  it("each resource kind's provider object serializes as one `require` line of at most 400 bytes", async function () {
    // as @pulumi/pulumi's dynamic.Resource serializes it, in the project (where the package is under node_modules)
    const out = await sh(
      "node",
      [
        "-e",
        `const { runtime } = require("@pulumi/pulumi");
         const rt = require("pulumi-postgres-roles/runtime");
         const kinds = Object.keys(rt).filter((k) => typeof (rt[k] || {}).create === "function");
         (async () => {
           const texts = {};
           for (const kind of kinds) {
             const provider = require("pulumi-postgres-roles/providers/" + kind);
             texts[kind] = (await runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
           }
           console.log(JSON.stringify(texts));
         })();`,
      ],
      project,
    );
    const texts = JSON.parse(out) as Record<string, string>;
    expect(Object.keys(texts).length, Object.keys(texts).join(", ")).to.be.at.least(6);
    for (const [kind, text] of Object.entries(texts)) {
      expect(text, kind).to.include(`require("pulumi-postgres-roles/providers/${kind}")`);
      expect(Buffer.byteLength(JSON.stringify(text)), kind).to.be.at.most(400);
    }
  });

  it("runs a program through the real Pulumi CLI: up, catalog, no-op preview, destroy", async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(`needs the Pulumi CLI: ${reason}`);
      this.skip();
    }
    const prefix = `${unique("pack").replace(/[^a-z0-9_]/gi, "_")}_`;
    const schema = `${prefix}s`;
    await q(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await q(`CREATE TABLE ${quoteIdent(schema)}.items (id int)`);
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    writeFileSync(
      join(project, "Pulumi.yaml"),
      "name: pack-consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    const state = join(project, "state");
    mkdirSync(state);
    const { cli } = projectCli(project, state, "packaging-test");
    try {
      await cli("stack", "init", "test");
      await cli("config", "set", "namePrefix", prefix);
      await cli("config", "set", "schema", schema);
      await cli("config", "set", "--secret", "userPassword", password);

      const up = await cli("up", "--yes", "--skip-preview");
      expect(up).to.match(/6 created/);
      expect(up.includes(password), "password in the output").to.equal(false);
      expect(await tryLogin(`${prefix}user`, password)).to.equal(undefined);
      expect(await isMember(`${prefix}group`, `${prefix}user`)).to.deep.equal({ member: true, admin: false });
      expect(await tablePriv(`${prefix}user`, schema, "items", "SELECT")).to.equal(true);
      expect(await tablePriv(`${prefix}user`, schema, "items", "INSERT")).to.equal(false);

      await cli("preview", "--expect-no-changes");

      // what the provider process loads: every serialized provider in the state is one `require` of
      // its kind's provider module by package name (lean state: at most 400 bytes), nothing else
      const exported = await cli("stack", "export", "--show-secrets");
      const required = [...exported.matchAll(/require\(\\?"(pulumi-postgres-roles[^"\\]*)\\?"\)/g)];
      expect([...new Set(required.map((m) => m[1]))].sort()).to.deep.equal([
        "pulumi-postgres-roles/providers/grant",
        "pulumi-postgres-roles/providers/membership",
        "pulumi-postgres-roles/providers/role",
      ]);
      const resources = (
        JSON.parse(exported) as {
          deployment: {
            resources: Array<{
              type: string;
              inputs?: object;
              outputs?: object;
              sourcePosition?: string;
              stackTrace?: Array<{ sourcePosition?: string }>;
            }>;
          };
        }
      ).deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
      expect(resources.length).to.equal(5);
      // SDKs from 3.196 record a stack trace: ours is narrowed to the program's own frames
      const traced = Number(sdkVersion.split(".")[1]) >= 196;
      for (const r of resources) {
        for (const side of [r.inputs, r.outputs] as Array<{ __provider: string }>) {
          expect(Buffer.byteLength(JSON.stringify(side.__provider)), r.type).to.be.at.most(400);
        }
        if (r.type.endsWith(":Grant")) {
          // the whole entry: inputs, outputs and the engine's metadata
          expect(Buffer.byteLength(JSON.stringify(r)), r.type).to.be.at.most(2048);
        }
        if (traced) {
          // where the program declared it, not this package's constructor
          expect(r.sourcePosition, r.type).to.match(/^project:\/\/\/index\.ts#\d+,\d+$/);
          const frames = (r.stackTrace ?? []).map((f) => f.sourcePosition);
          expect(frames[0], r.type).to.equal(r.sourcePosition);
          expect(
            frames.filter((f) => !f || /node_modules|pulumi-postgres-roles/.test(f)),
            r.type,
          ).to.deep.equal([]);
        }
      }

      const destroy = await cli("destroy", "--yes", "--skip-preview");
      expect(destroy).to.match(/6 deleted/);
      expect(await roleRow(`${prefix}user`)).to.equal(undefined);
      expect(await roleRow(`${prefix}group`)).to.equal(undefined);
      await cli("stack", "rm", "--yes", "test");
      const c = locateCli();
      console.log(
        `      versions: node ${process.version}, @pulumi/pulumi ${sdkVersion}, pulumi ${c.version} (${c.source}: ${c.pulumi})`,
      );
    } finally {
      await dropRoles(`${prefix}user`, `${prefix}group`);
      await q(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    }
  });

  it("every exported argument and output has a doc comment (what the API reference shows)", function () {
    const entry = join(REPO_ROOT, "dist", "provider", "index.d.ts");
    const program = ts.createProgram([entry], { skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const missing: string[] = [];
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const isArgs = symbol.flags & ts.SymbolFlags.Interface && /Args$/.test(symbol.name);
      const isResource = symbol.flags & ts.SymbolFlags.Class && !/Provider$|Error$/.test(symbol.name);
      if (!isArgs && !isResource) continue;
      if (ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === "")
        missing.push(symbol.name);
      const members = isArgs
        ? checker.getDeclaredTypeOfSymbol(symbol).getProperties()
        : [...(symbol.members?.values() ?? [])].filter((m) => m.flags & ts.SymbolFlags.Property);
      for (const m of members) {
        if (ts.displayPartsToString(m.getDocumentationComment(checker)).trim() === "")
          missing.push(`${symbol.name}.${m.name}`);
      }
    }
    expect(missing, "undocumented").to.deep.equal([]);
  });
});

function programSource(): string {
  return `import * as pulumi from "@pulumi/pulumi";
import { Grant, Role, RoleMembership } from "pulumi-postgres-roles";

const config = new pulumi.Config();
const prefix = config.get("namePrefix") ?? "";
const schema = config.get("schema") ?? "public";

const group = new Role("group", { name: \`\${prefix}group\` });
const user = new Role("user", { name: \`\${prefix}user\`, login: true, password: config.requireSecret("userPassword") });
new RoleMembership("user-in-group", { role: group.name, member: user.name });
new Grant("group-schema", { role: group.name, objectType: "schema", schema, privileges: ["USAGE"] });
new Grant("group-tables", { role: group.name, objectType: "table", schema, privileges: ["SELECT"] });

export const roles = [group.name, user.name];
`;
}
