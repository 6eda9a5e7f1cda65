#!/usr/bin/env node
// The `pulumi-postgres-roles` command: audit and export (see docs/queries.md, docs/adoption.md).
"use strict";
require("../dist/provider/cli/main.js")
  .main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${e && e.message ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
