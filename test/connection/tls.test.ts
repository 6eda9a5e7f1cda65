/**
 * Connections as libpq makes them, against real servers with TLS: certificates made here with the
 * `openssl` command (a CA, a server certificate for the name `localhost` only, a client certificate,
 * and an unrelated CA); three servers: `ssl=on` with `hostssl`-only pg_hba.conf (and `cert`
 * authentication for one role), `ssl=on` with `hostnossl` only, and `ssl=off`. Each sslmode connects
 * or is refused as libpq would; where psql is installed, psql (libpq) is run with the same settings
 * on the same servers and must agree. Also: the password file, application_name, connect_timeout,
 * and the libpq default files under the home folder.
 */
import { expect } from "chai";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type ConnectionArgs,
  connectionFromConfig,
  connectionFromEnv,
  resolveConnection,
} from "../../provider/db/connection";
import { RoleProvider } from "../../provider";
import { PoolRegistry, pools } from "../../provider/db/pools";
import { CheckFailed, Lifecycle } from "../support/engine";
import { type Cluster, requestedMajor, startCluster } from "../support/versions";

const CERT_USER = "pgr_cert_user";
const PASSFILE_USER = "pgr_passfile_user";

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** A CA, a server certificate for DNS:localhost (no IP address), a client certificate for CERT_USER, and another CA. */
function makeCertificates(dir: string): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "other-ca"]) {
    openssl(
      [
        "req",
        "-x509",
        ...ec,
        "-keyout",
        `${ca}.key`,
        "-out",
        `${ca}.crt`,
        "-days",
        "2",
        "-subj",
        `/CN=pgr test ${ca}`,
      ],
      dir,
    );
  }
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, cn] of [
    ["server", "localhost"],
    ["client", CERT_USER],
  ] as const) {
    openssl(["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.crt`,
      ],
      dir,
    );
  }
  for (const f of ["ca.key", "other-ca.key", "server.key", "client.key"]) chmodSync(join(dir, f), 0o600);
}

/** What a connection attempt came to: TLS, no TLS, or refused (with the message). */
type Outcome = "tls" | "plain" | { refused: string };

const which = spawnSync("sh", ["-c", "command -v psql"], { encoding: "utf8" });
const PSQL = which.status === 0 ? which.stdout.trim() : undefined;

describe("connections as libpq makes them (TLS, password file, application_name, connect_timeout)", function () {
  this.timeout(120_000);
  let dir: string;
  let home: string;
  let socketDir: string;
  let sslOnly: Cluster; // ssl=on, hostssl only
  let noSslHba: Cluster; // ssl=on, hostnossl only
  let sslOff: Cluster; // ssl=off
  const savedHome = process.env.HOME;
  const file = (name: string) => join(dir, name);

  before(async function () {
    if (spawnSync("openssl", ["version"]).status !== 0) {
      if (process.env.CI === "true") throw new Error("the TLS tests need the openssl command");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "pgr-tls-"));
    home = join(dir, "home");
    mkdirSync(home);
    // No ~/.postgresql/root.crt or ~/.pgpass of the machine's user may change what these tests see.
    process.env.HOME = home;
    makeCertificates(dir);
    // The server's OS user (postgres, when the tests run as root) makes its socket there.
    chmodSync(dir, 0o711); // the keys in it are 0600
    socketDir = join(dir, "socket");
    mkdirSync(socketDir);
    chmodSync(socketDir, 0o777);
    const major = requestedMajor();
    const cert = (name: string) => readFileSync(file(name), "utf8");
    const hba = (lines: string[]) => lines.map((l) => `${l}\n`).join("");
    const started = await Promise.allSettled([
      startCluster({
        major,
        settings: { ssl: "on", ssl_ca_file: "root.crt" },
        files: {
          "server.crt": cert("server.crt"),
          "server.key": cert("server.key"),
          "root.crt": cert("ca.crt"),
          "pg_hba.conf": hba([
            `hostssl all ${CERT_USER} 127.0.0.1/32 cert`,
            `hostssl all ${CERT_USER} ::1/128 cert`,
            "hostssl all all 127.0.0.1/32 scram-sha-256",
            "hostssl all all ::1/128 scram-sha-256",
          ]),
        },
      }),
      startCluster({
        major,
        settings: { ssl: "on" },
        files: {
          "server.crt": cert("server.crt"),
          "server.key": cert("server.key"),
          "pg_hba.conf": hba([
            "hostnossl all all 127.0.0.1/32 scram-sha-256",
            "hostnossl all all ::1/128 scram-sha-256",
          ]),
        },
      }),
      startCluster({ major, settings: { ssl: "off", unix_socket_directories: socketDir } }),
    ]);
    // Each server that started is stopped in `after`, also when another one failed to.
    [sslOnly, noSslHba, sslOff] = started.map((r) => (r.status === "fulfilled" ? r.value : undefined!));
    for (const r of started) if (r.status === "rejected") throw r.reason;
    const registry = new PoolRegistry();
    try {
      for (const s of [sslOnly, noSslHba, sslOff]) {
        const pool = registry.get(
          resolveConnection({
            resource: { ...superuserOf(s), sslmode: s === sslOnly ? "require" : "disable" },
          }),
        );
        await pool.query(
          `CREATE ROLE ${CERT_USER} LOGIN; CREATE ROLE ${PASSFILE_USER} LOGIN PASSWORD 'from-the-passfile'`,
        );
      }
    } finally {
      await registry.closeAll();
    }
  });

  after(async () => {
    process.env.HOME = savedHome;
    await Promise.all([sslOnly?.stop(), noSslHba?.stop(), sslOff?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const superuserOf = (s: Cluster) => ({
    host: "localhost",
    port: s.port,
    user: s.user,
    password: s.password,
    database: "postgres",
  });

  /** Connects as the provider does (resolved connection, pool registry) and says how. */
  async function provider(args: ConnectionArgs, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    const registry = new PoolRegistry();
    try {
      const pool = registry.get(resolveConnection({ resource: args, env: connectionFromEnv(env) }));
      const client = await pool.connect();
      try {
        const r = await client.query<{ ssl: boolean }>(
          "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        );
        return r.rows[0]!.ssl ? "tls" : "plain";
      } finally {
        client.release();
      }
    } catch (e) {
      return { refused: (e as Error).message };
    } finally {
      await registry.closeAll();
    }
  }

  /** The same with psql (libpq): the connection's fields as libpq keywords, the rest in its environment. */
  async function psql(args: ConnectionArgs, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    const keywords: Record<string, unknown> = {
      host: args.host,
      port: args.port,
      user: args.user,
      password: args.password,
      dbname: args.database,
      sslmode: args.sslmode,
      sslrootcert: args.sslrootcert,
      sslcert: args.sslcert,
      sslkey: args.sslkey,
      passfile: args.passfile,
      application_name: args.applicationName,
      connect_timeout: args.connectTimeout,
    };
    const conninfo = Object.entries(keywords)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}='${String(v).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`)
      .join(" ");
    try {
      const r = await promisify(execFile)(
        PSQL!,
        ["-XwAtc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", conninfo],
        { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home, LC_ALL: "C", ...env } },
      );
      return r.stdout.trim() === "t" ? "tls" : "plain";
    } catch (e) {
      return { refused: String((e as { stderr?: string }).stderr ?? e).trim() };
    }
  }

  /** The provider's outcome, and psql's when psql is installed, must both be `want`. */
  async function expectBoth(
    args: ConnectionArgs,
    want: "tls" | "plain" | RegExp,
    env: NodeJS.ProcessEnv = {},
  ) {
    const [mine, theirs] = await Promise.all([provider(args, env), PSQL ? psql(args, env) : undefined]);
    const outcomes: Array<[string, Outcome]> = [["provider", mine]];
    if (theirs) outcomes.push(["psql", theirs]);
    for (const [who, got] of outcomes) {
      if (want instanceof RegExp) {
        expect(got, `${who}: ${JSON.stringify(got)}`)
          .to.have.property("refused")
          .that.matches(want);
      } else {
        expect(got, `${who}: ${JSON.stringify(got)}`).to.equal(want);
      }
    }
  }

  const good = () => file("ca.crt");
  const wrong = () => file("other-ca.crt");
  const NO_HBA_NO_TLS = /no pg_hba\.conf entry .*(no encryption|SSL off)/;
  const NO_HBA_TLS = /no pg_hba\.conf entry .*(SSL encryption|SSL on)/;
  const CERT_FAILED = /certificate|self.signed|verify/i;

  describe("a server with ssl=on and hostssl only in pg_hba.conf", () => {
    const on = (args: ConnectionArgs = {}) => ({ ...superuserOf(sslOnly), ...args });

    it("disable is refused (no TLS, and the server wants it)", async () => {
      await expectBoth(on({ sslmode: "disable" }), NO_HBA_NO_TLS);
    });
    it("allow connects with TLS after the server refuses the attempt without", async () => {
      await expectBoth(on({ sslmode: "allow" }), "tls");
    });
    it("prefer, and no sslmode at all (libpq's default), connect with TLS", async () => {
      await expectBoth(on({ sslmode: "prefer" }), "tls");
      await expectBoth(on(), "tls");
    });
    it("require connects with TLS without a root certificate (the server is not verified)", async () => {
      await expectBoth(on({ sslmode: "require" }), "tls");
    });
    it("require with a root certificate file verifies the chain, as verify-ca: a wrong CA is refused", async () => {
      await expectBoth(on({ sslmode: "require", sslrootcert: good() }), "tls");
      await expectBoth(on({ sslmode: "require", sslrootcert: wrong() }), CERT_FAILED);
    });
    it("verify-ca: the right CA connects, a wrong CA is refused, no root certificate is refused", async () => {
      await expectBoth(on({ sslmode: "verify-ca", sslrootcert: good() }), "tls");
      await expectBoth(on({ sslmode: "verify-ca", sslrootcert: wrong() }), CERT_FAILED);
      await expectBoth(
        on({ sslmode: "verify-ca", sslrootcert: file("missing.crt") }),
        /root certificate file .*missing\.crt.* does not exist/,
      );
    });
    it("verify-ca does not check the host name: 127.0.0.1 connects to a certificate for localhost only", async () => {
      await expectBoth(on({ host: "127.0.0.1", sslmode: "verify-ca", sslrootcert: good() }), "tls");
    });
    it("verify-full: the right CA and host name connect; a wrong CA, or a host name not in the certificate, are refused", async () => {
      await expectBoth(on({ sslmode: "verify-full", sslrootcert: good() }), "tls");
      await expectBoth(on({ sslmode: "verify-full", sslrootcert: wrong() }), CERT_FAILED);
      await expectBoth(
        on({ host: "127.0.0.1", sslmode: "verify-full", sslrootcert: good() }),
        /127\.0\.0\.1|host ?name|does not match/i,
      );
    });
    it("prefer with a wrong root certificate falls back to no TLS, which this server refuses", async () => {
      await expectBoth(on({ sslmode: "prefer", sslrootcert: wrong() }), NO_HBA_NO_TLS);
    });
    it("PGSSLMODE and PGSSLROOTCERT from the environment, under the resource's own fields", async () => {
      const { sslmode: _m, ...conn } = on();
      void _m;
      await expectBoth(conn, "tls", { PGSSLMODE: "verify-full", PGSSLROOTCERT: good() });
      await expectBoth(conn, CERT_FAILED, { PGSSLMODE: "verify-full", PGSSLROOTCERT: wrong() });
      expect(
        await provider(
          { ...conn, sslrootcert: good() },
          { PGSSLMODE: "verify-full", PGSSLROOTCERT: wrong() },
        ),
      ).to.equal("tls");
    });
    it("sslrootcert=system: Node.js's trusted CAs, which do not include the test CA", async () => {
      expect(await provider(on({ sslrootcert: "system" })))
        .to.have.property("refused")
        .that.matches(CERT_FAILED);
      expect(await provider(on({ sslrootcert: "system", sslmode: "require" })))
        .to.have.property("refused")
        .that.matches(/weak sslmode "require" may not be used with sslrootcert=system/);
    });
    it("~/.postgresql/root.crt is the default root certificate", async () => {
      mkdirSync(join(home, ".postgresql"), { recursive: true });
      writeFileSync(join(home, ".postgresql", "root.crt"), readFileSync(wrong()));
      try {
        // require verifies with it: the wrong CA is refused; verify-full needs no sslrootcert
        await expectBoth(on({ sslmode: "require" }), CERT_FAILED);
        writeFileSync(join(home, ".postgresql", "root.crt"), readFileSync(good()));
        await expectBoth(on({ sslmode: "verify-full" }), "tls");
      } finally {
        rmSync(join(home, ".postgresql"), { recursive: true, force: true });
      }
    });

    describe("client certificates (cert authentication)", () => {
      const asCertUser = (args: ConnectionArgs = {}) =>
        on({ user: CERT_USER, password: undefined, sslmode: "verify-full", sslrootcert: good(), ...args });

      it("logs in with sslcert and sslkey, without a password", async () => {
        await expectBoth(asCertUser({ sslcert: file("client.crt"), sslkey: file("client.key") }), "tls");
      });
      it("is refused without a client certificate", async () => {
        await expectBoth(asCertUser(), /certificate|password/i);
      });
      it("reads PGSSLCERT and PGSSLKEY, and ~/.postgresql/postgresql.crt and .key by default", async () => {
        await expectBoth(asCertUser(), "tls", {
          PGSSLCERT: file("client.crt"),
          PGSSLKEY: file("client.key"),
        });
        mkdirSync(join(home, ".postgresql"), { recursive: true });
        writeFileSync(join(home, ".postgresql", "postgresql.crt"), readFileSync(file("client.crt")));
        writeFileSync(join(home, ".postgresql", "postgresql.key"), readFileSync(file("client.key")), {
          mode: 0o600,
        });
        try {
          await expectBoth(asCertUser(), "tls");
        } finally {
          rmSync(join(home, ".postgresql"), { recursive: true, force: true });
        }
      });
      it("refuses a key file that group or others may read, as libpq does", async () => {
        const key = file("client-open.key");
        writeFileSync(key, readFileSync(file("client.key")));
        chmodSync(key, 0o644);
        await expectBoth(
          asCertUser({ sslcert: file("client.crt"), sslkey: key }),
          /private key file .* has group or world access/,
        );
      });
      it("refuses a certificate without its key file", async () => {
        await expectBoth(
          asCertUser({ sslcert: file("client.crt"), sslkey: file("no.key") }),
          /certificate present, but not private key file/,
        );
      });
    });
  });

  it("many connections at once through one pool (more than it holds) all follow allow's and prefer's fallbacks", async () => {
    const registry = new PoolRegistry();
    try {
      for (const [server, sslmode, want] of [
        [sslOff, "prefer", false],
        [noSslHba, "prefer", false],
        [sslOnly, "allow", true],
      ] as const) {
        const pool = registry.get(
          resolveConnection({ resource: { ...superuserOf(server), sslmode, maxConnections: 2 } }),
        );
        // More requests than connections, arriving one after another: most wait in the pool's queue
        // while others fall back, and new ones start over.
        const got = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            await new Promise((r) => setTimeout(r, i * 2));
            const client = await pool.connect();
            try {
              const r = await client.query<{ ssl: boolean }>(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
              );
              return r.rows[0]!.ssl;
            } finally {
              client.release(true); // a new connection for the next request
            }
          }),
        );
        expect(got, `${sslmode}`).to.deep.equal(Array(24).fill(want));
      }
    } finally {
      await registry.closeAll();
    }
  });

  describe("a resource through its provider hooks", () => {
    after(() => pools.closeAll());

    it("creates a Role over verify-full with the CA file, and fails clearly with a wrong CA", async () => {
      const connection = {
        ...superuserOf(sslOnly),
        sslmode: "verify-full" as const,
        sslrootcert: good(),
        applicationName: "pgr-tls-test",
        connectTimeout: 10,
      };
      const role = new Lifecycle(new RoleProvider());
      await role.up({ name: "pgr_tls_role", login: false, connection });
      const registry = new PoolRegistry();
      try {
        const pool = registry.get(resolveConnection({ resource: connection }));
        const r = await pool.query("SELECT 1 FROM pg_roles WHERE rolname = 'pgr_tls_role'");
        expect(r.rowCount).to.equal(1);
        // only connection settings changed: an update
        expect(
          await role.up({
            name: "pgr_tls_role",
            login: false,
            connection: { ...connection, applicationName: "x" },
          }),
        ).to.equal("update");
        const failed = await new Lifecycle(new RoleProvider())
          .up({ name: "pgr_tls_role_2", connection: { ...connection, sslrootcert: wrong() } })
          .then(
            () => undefined,
            (e: Error) => e,
          );
        expect(failed?.message)
          .to.match(/pgr_tls_role_2/)
          .and.to.match(CERT_FAILED);
        expect(failed?.message).to.not.include(sslOnly.password);
        await role.destroy();
        expect((await pool.query("SELECT 1 FROM pg_roles WHERE rolname = 'pgr_tls_role'")).rowCount).to.equal(
          0,
        );
      } finally {
        await registry.closeAll();
      }
    });

    it("check names each bad setting", async () => {
      const err = await new Lifecycle(new RoleProvider())
        .check({
          name: "x",
          connection: { sslmode: "verify-ca", sslrootcert: "system", connectTimeout: "soon", sslkey: "" },
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(CheckFailed);
      expect((err as CheckFailed).failures.map((f) => f.property)).to.have.members([
        "connection.sslmode",
        "connection.sslkey",
        "connection.connectTimeout",
      ]);
    });
  });

  describe("a server with ssl=on and hostnossl only", () => {
    const on = (args: ConnectionArgs = {}) => ({ ...superuserOf(noSslHba), ...args });
    it("disable and allow connect without TLS", async () => {
      await expectBoth(on({ sslmode: "disable" }), "plain");
      await expectBoth(on({ sslmode: "allow" }), "plain");
    });
    it("prefer (and no sslmode) fall back to no TLS when the server refuses the TLS connection", async () => {
      await expectBoth(on({ sslmode: "prefer" }), "plain");
      await expectBoth(on(), "plain");
    });
    it("require, verify-ca and verify-full are refused", async () => {
      await expectBoth(on({ sslmode: "require" }), NO_HBA_TLS);
      await expectBoth(on({ sslmode: "verify-ca", sslrootcert: good() }), NO_HBA_TLS);
      await expectBoth(on({ sslmode: "verify-full", sslrootcert: good() }), NO_HBA_TLS);
    });
  });

  describe("a server with ssl=off", () => {
    const on = (args: ConnectionArgs = {}) => ({ ...superuserOf(sslOff), ...args });
    it("disable, allow, prefer and no sslmode connect without TLS", async () => {
      for (const sslmode of ["disable", "allow", "prefer", undefined] as const) {
        await expectBoth(on({ sslmode }), "plain");
      }
    });
    it("require, verify-ca and verify-full are refused: the server does not support TLS", async () => {
      for (const sslmode of ["require", "verify-ca", "verify-full"] as const) {
        await expectBoth(on({ sslmode, sslrootcert: good() }), /does not support SSL/);
      }
    });
    it("on a Unix socket no TLS is asked for, whatever the sslmode", async () => {
      for (const sslmode of ["prefer", "require", "verify-full"] as const) {
        await expectBoth(on({ host: socketDir, sslmode, sslrootcert: good() }), "plain");
      }
    });
  });

  describe("the password file", () => {
    const passfileLines = (s: Cluster) =>
      [
        "# comment",
        `otherhost:*:*:${PASSFILE_USER}:wrong`,
        `localhost:${s.port}:*:${PASSFILE_USER}:from-the-passfile`,
        `*:*:*:${PASSFILE_USER}:wrong-too`,
        "",
      ].join("\n");
    const asPassfileUser = (args: ConnectionArgs = {}) => ({
      ...superuserOf(sslOnly),
      user: PASSFILE_USER,
      password: undefined,
      ...args,
    });

    it("is read when no password is given: passfile, PGPASSFILE, then ~/.pgpass", async () => {
      const pf = file("pgpass");
      writeFileSync(pf, passfileLines(sslOnly), { mode: 0o600 });
      await expectBoth(asPassfileUser({ passfile: pf }), "tls");
      await expectBoth(asPassfileUser(), "tls", { PGPASSFILE: pf });
      writeFileSync(join(home, ".pgpass"), passfileLines(sslOnly), { mode: 0o600 });
      try {
        await expectBoth(asPassfileUser(), "tls");
        // a password given wins over the file
        await expectBoth(asPassfileUser({ password: "not-it" }), /password authentication failed/);
      } finally {
        rmSync(join(home, ".pgpass"));
      }
    });
    it("is ignored when group or others may read it; no password is then an error that says why", async () => {
      const pf = file("pgpass-open");
      writeFileSync(pf, passfileLines(sslOnly));
      chmodSync(pf, 0o644);
      const got = await provider(asPassfileUser({ passfile: pf }));
      expect(got)
        .to.have.property("refused")
        .that.matches(/none was given .*has group or world access/);
      if (PSQL)
        expect(await psql(asPassfileUser({ passfile: pf })))
          .to.have.property("refused")
          .that.matches(/no password supplied/);
    });
  });

  it("application_name: PGAPPNAME, under the connection's applicationName, visible in pg_stat_activity", async () => {
    const registry = new PoolRegistry();
    const appName = async (args: ConnectionArgs, env: NodeJS.ProcessEnv) => {
      const pool = registry.get(
        resolveConnection({ resource: { ...superuserOf(sslOnly), ...args }, env: connectionFromEnv(env) }),
      );
      const r = await pool.query<{ application_name: string }>(
        "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()",
      );
      return r.rows[0]!.application_name;
    };
    try {
      expect(await appName({}, {})).to.equal("pulumi-postgres-roles");
      expect(await appName({}, { PGAPPNAME: "from-env" })).to.equal("from-env");
      expect(await appName({ applicationName: "from-resource" }, { PGAPPNAME: "from-env" })).to.equal(
        "from-resource",
      );
      const config = connectionFromConfig((k) =>
        k === "postgres-roles:applicationName" ? "from-config" : undefined,
      );
      const pool = registry.get(
        resolveConnection({
          resource: superuserOf(sslOnly),
          config,
          env: connectionFromEnv({ PGAPPNAME: "from-env" }),
        }),
      );
      const r = await pool.query<{ application_name: string }>(
        "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()",
      );
      expect(r.rows[0]!.application_name).to.equal("from-config");
    } finally {
      await registry.closeAll();
    }
  });

  describe("connect_timeout", () => {
    let silent: Server;
    let port: number;
    const sockets: Socket[] = [];
    before(async () => {
      // A server that accepts the TCP connection and never answers.
      silent = createServer((s) => sockets.push(s));
      await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
      port = (silent.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((res) => silent.close(res));
    });

    it("gives up on a server that does not answer: connectTimeout, PGCONNECT_TIMEOUT", async () => {
      const conn = { host: "127.0.0.1", port, user: "x", password: "x", database: "x" };
      const [fromArgs, fromEnv, libpq] = await Promise.all([
        provider({ ...conn, connectTimeout: 2 }),
        provider(conn, { PGCONNECT_TIMEOUT: "2" }),
        PSQL ? psql({ ...conn, connectTimeout: 2 }) : undefined,
      ]);
      expect(fromArgs)
        .to.have.property("refused")
        .that.matches(/timeout/i);
      expect(fromEnv)
        .to.have.property("refused")
        .that.matches(/timeout/i);
      if (libpq)
        expect(libpq)
          .to.have.property("refused")
          .that.matches(/timeout/i);
    });
  });
});
