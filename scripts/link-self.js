#!/usr/bin/env node
// Makes `require("pulumi-postgres-roles/...")` resolve inside this repository the way it does in a
// user's project (node_modules/pulumi-postgres-roles), for the example programs run by the Pulumi
// engine from this checkout: the dynamic provider process loads the package by name.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-postgres-roles");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  const st = fs.lstatSync(link);
  if (st.isSymbolicLink() && path.resolve(path.dirname(link), fs.readlinkSync(link)) === root)
    process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // not there yet
}
fs.symlinkSync("..", link, "dir");
