// Diagnostics for part 3 (BENCH_PROFILE_DIR=folder): loaded with NODE_OPTIONS=--require into every
// Node.js process the engine starts; in the dynamic provider process it records a CPU profile in
// slices of two seconds (the engine ends plugin processes with a signal, so a profile written at exit
// could be lost). Sum the slices with `node bench/profile-summary.js FOLDER`.
"use strict";
/* global setInterval */
const { Session } = require("node:inspector");
const { writeFileSync, mkdirSync } = require("node:fs");
const { join } = require("node:path");

const dir = process.env.BENCH_PROFILE_DIR;
if (dir && process.argv.some((a) => a.includes("dynamic-provider"))) {
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let slice = 0;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  const start = () => post("Profiler.enable").then(() => post("Profiler.start"));
  const flush = () =>
    post("Profiler.stop").then(({ profile }) => {
      slice += 1;
      writeFileSync(join(dir, `provider-${process.pid}-${slice}.cpuprofile`), JSON.stringify(profile));
    });
  start();
  setInterval(() => flush().then(start), 2000).unref();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      flush().finally(() => process.exit(0));
    });
  }
}
