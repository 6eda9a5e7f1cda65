#!/usr/bin/env node
// Type-checks the TypeScript samples of README.md and docs/*.md the way a user's project compiles
// them: every ```ts block becomes one file of a scratch Pulumi project outside this repository, which
// installs the package from its `npm pack` tarball (not a link to this checkout), @pulumi/pulumi at the
// version this repository tests with, and compiles with the tsconfig of `pulumi new typescript`
// (strict, CommonJS). A block whose info string says `fragment` (```ts fragment) is skipped.
//
// Usage: npm run docs:samples   (builds dist/ first; this script packs with --ignore-scripts)
//        node scripts/check-doc-samples.js [--keep]   (--keep leaves the scratch project, for a look)
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const keep = process.argv.includes("--keep");

// The compiler options of Pulumi's `typescript` template (pulumi/templates, typescript/tsconfig.json),
// with noEmit (the samples are checked, not run) and pretty off (errors mapped back to the Markdown).
const TEMPLATE_COMPILER_OPTIONS = {
  strict: true,
  outDir: "bin",
  target: "es2020",
  module: "commonjs",
  moduleResolution: "node",
  sourceMap: true,
  experimentalDecorators: true,
  pretty: false,
  noFallthroughCasesInSwitch: true,
  noImplicitReturns: true,
  forceConsistentCasingInFileNames: true,
  noEmit: true,
};

/** The Markdown files whose samples are checked: the README and docs/ (not the generated docs/api). */
function markdownFiles() {
  const docs = fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => path.join("docs", f));
  return ["README.md", ...docs];
}

/** Every ```ts / ```typescript block: its file, the line of its first code line, its text. */
function extractSamples(file) {
  const lines = fs.readFileSync(path.join(root, file), "utf8").split("\n");
  const samples = [];
  let open = null;
  lines.forEach((line, i) => {
    const fence = /^```(.*)$/.exec(line.trim());
    if (!open && fence && line.startsWith("```")) {
      const info = fence[1].trim().split(/\s+/);
      if (info[0] === "ts" || info[0] === "typescript") {
        open = { file, line: i + 2, fragment: info.includes("fragment"), body: [] };
      } else {
        open = { skip: true };
      }
    } else if (open && line.startsWith("```") && line.trim() === "```") {
      if (!open.skip) samples.push({ ...open, text: open.body.join("\n") + "\n" });
      open = null;
    } else if (open && !open.skip) {
      open.body.push(line);
    }
  });
  if (open) throw new Error(`${file}: a code block is not closed`);
  return samples;
}

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function main() {
  const all = markdownFiles().flatMap(extractSamples);
  const samples = all.filter((s) => !s.fragment);
  if (!fs.existsSync(path.join(root, "dist", "provider", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (or `npm run docs:samples`)");
  }

  const project = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-postgres-roles-doc-samples-"));
  try {
    // --ignore-scripts: prepack would rebuild dist/, which npm run docs:samples has just built.
    const packed = JSON.parse(
      sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", project], root),
    )[0];
    const tarball = path.join(project, packed.filename);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "doc-samples", private: true, main: "index.ts" }, null, 2),
    );
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: doc-samples\nruntime: nodejs\n");
    sh(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        tarball,
        `@pulumi/pulumi@${pkg.devDependencies["@pulumi/pulumi"]}`,
        `typescript@${pkg.devDependencies.typescript}`,
        `@types/node@${pkg.devDependencies["@types/node"]}`,
      ],
      project,
    );
    const linked = fs.lstatSync(path.join(project, "node_modules", "pulumi-postgres-roles"));
    if (linked.isSymbolicLink()) throw new Error("the package was linked, not installed from the tarball");

    const names = new Map();
    samples.forEach((s, i) => {
      const name = `sample${String(i + 1).padStart(2, "0")}_${path.basename(s.file, ".md").replace(/\W/g, "_")}.ts`;
      fs.writeFileSync(path.join(project, name), s.text);
      names.set(name, s);
    });
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: TEMPLATE_COMPILER_OPTIONS, files: [...names.keys()] }, null, 2),
    );

    let output = "";
    let failed = false;
    try {
      output = sh(path.join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], project);
    } catch (e) {
      failed = true;
      output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    }
    // Errors point at the Markdown: file, line of the sample's code in it.
    const mapped = output.replace(/^(sample\d+_\w+\.ts)\((\d+),(\d+)\)/gm, (whole, name, line, col) => {
      const s = names.get(name);
      return s ? `${s.file}:${s.line + Number(line) - 1}:${col}` : whole;
    });
    const skipped = all.length - samples.length;
    if (failed) {
      process.stderr.write(mapped);
      console.error(
        `doc samples: type errors (${samples.length} samples checked, ${skipped} fragments skipped)`,
      );
      process.exitCode = 1;
    } else {
      console.log(
        `doc samples: ${samples.length} TypeScript samples of ${new Set(samples.map((s) => s.file)).size} files ` +
          `type-check against ${packed.filename} with @pulumi/pulumi ${pkg.devDependencies["@pulumi/pulumi"]} ` +
          `(CommonJS, strict); ${skipped} fragment${skipped === 1 ? "" : "s"} skipped`,
      );
    }
  } finally {
    if (keep) console.log(`scratch project kept: ${project}`);
    else fs.rmSync(project, { recursive: true, force: true });
  }
}

main();
