#!/usr/bin/env node
// Sums the CPU profiles in a folder (bench/profile-hook.js slices, or --cpu-prof output): self time
// by function and by package, idle left out. Usage: node bench/profile-summary.js FOLDER [top=30]
"use strict";
const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");

const [dir, top = "30"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node bench/profile-summary.js FOLDER [top]");
  process.exit(2);
}
const byFn = new Map();
const byPkg = new Map();
let total = 0;
const where = (url) => {
  if (!url) return "(native/vm)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith("node:")) return "node";
  if (url.includes("/dist/provider/")) return "ours (dist/provider)";
  return url;
};
for (const f of readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"))) {
  const p = JSON.parse(readFileSync(join(dir, f), "utf8"));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    const n = nodes.get(id);
    const us = p.timeDeltas[i] || 0;
    const cf = n.callFrame;
    if (cf.functionName === "(idle)") return;
    total += us;
    const url = cf.url.replace(/^file:\/\//, "");
    const fn = `${cf.functionName || "(anonymous)"} ${url.replace(/.*node_modules\//, "")}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) || 0) + us);
    const pkg = where(url);
    byPkg.set(pkg, (byPkg.get(pkg) || 0) + us);
  });
}
const show = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, us]) =>
        `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    )
    .join("\n");
console.log(
  `busy CPU in profiles: ${(total / 1000).toFixed(0)} ms\n\nby package:\n${show(byPkg, 15)}\n\nby function (self):\n${show(byFn, Number(top))}`,
);
