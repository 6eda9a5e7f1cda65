import { expect } from "chai";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  type ConnectionArgs,
  connectionFromConfig,
  connectionFromEnv,
  connectionProblems,
  parseConnectTimeout,
  resolveConnection,
  serverIdentity,
} from "../../provider/db/connection";
import { NoPasswordError, passwordFromPassfile } from "../../provider/db/passfile";
import { PoolRegistry, fallsBack, transports } from "../../provider/db/pools";
import { keyModeProblem } from "../../provider/db/tls";

/** libpq's default files and the provider's defaults, as resolveConnection fills them in. */
const DEFAULTS = {
  sslrootcert: join(homedir(), ".postgresql", "root.crt"),
  sslcert: join(homedir(), ".postgresql", "postgresql.crt"),
  sslkey: join(homedir(), ".postgresql", "postgresql.key"),
  passfile: join(homedir(), ".pgpass"),
  applicationName: "pulumi-postgres-roles",
  connectTimeout: 30,
};

const env: ConnectionArgs = {
  host: "env-host",
  port: 1111,
  user: "env-user",
  password: "env-pw",
  database: "env-db",
  sslmode: "disable",
};

describe("connection", () => {
  describe("resolveConnection", () => {
    it("fills defaults: localhost, port 5432, database = user, 4 connections, lock timeout 30s", () => {
      expect(resolveConnection({ resource: { user: "admin" } })).to.deep.equal({
        host: "localhost",
        port: 5432,
        user: "admin",
        password: undefined,
        database: "admin",
        sslmode: "prefer",
        ...DEFAULTS,
        maxConnections: 4,
        lockTimeout: "30s",
      });
    });

    it("takes each field from the resource, then the stack config, then the environment", () => {
      const c = resolveConnection({
        resource: { host: "res-host", lockTimeout: "5s" },
        config: { host: "cfg-host", port: 2222, user: "cfg-user", maxConnections: 9 },
        env,
      });
      expect(c).to.deep.equal({
        host: "res-host",
        port: 2222,
        user: "cfg-user",
        password: "env-pw",
        database: "env-db",
        sslmode: "disable",
        ...DEFAULTS,
        maxConnections: 9,
        lockTimeout: "5s",
      });
    });

    it("lets each level win only where it sets the field", () => {
      for (const field of ["host", "user", "password", "database"] as const) {
        const levels = {
          resource: { [field]: "r" },
          config: { [field]: "c" },
          env: { [field]: "e" },
        };
        expect(resolveConnection(levels)[field], field).to.equal("r");
        expect(resolveConnection({ config: levels.config, env: levels.env })[field], field).to.equal("c");
        expect(resolveConnection({ env: levels.env })[field], field).to.equal("e");
      }
      expect(
        resolveConnection({ resource: { port: 1 }, config: { port: 2 }, env: { port: 3 } }).port,
      ).to.equal(1);
      expect(resolveConnection({ config: { port: 2 }, env: { port: 3 } }).port).to.equal(2);
      expect(
        resolveConnection({
          resource: { sslmode: "require" },
          config: { sslmode: "prefer" },
          env: { sslmode: "disable" },
        }).sslmode,
      ).to.equal("require");
    });

    it("reads a connection string at the resource level", () => {
      const c = resolveConnection({
        resource: { connectionString: "postgres://res-user:p%40ss@res-host:6543/res-db?sslmode=require" },
        config: { host: "cfg-host", maxConnections: 2 },
        env,
      });
      expect(c).to.deep.equal({
        host: "res-host",
        port: 6543,
        user: "res-user",
        password: "p@ss",
        database: "res-db",
        sslmode: "require",
        ...DEFAULTS,
        maxConnections: 2,
        lockTimeout: "30s",
      });
    });

    it("reads a connection string at the config level, under the resource's explicit fields", () => {
      const c = resolveConnection({
        resource: { database: "res-db" },
        config: { connectionString: "postgresql://cfg-user@cfg-host/cfg-db" },
        env,
      });
      expect(c).to.include({
        host: "cfg-host",
        port: 1111,
        user: "cfg-user",
        password: "env-pw",
        database: "res-db",
      });
    });

    it("reads a connection string at the env level, under the stack config", () => {
      const c = resolveConnection({
        config: { user: "cfg-user" },
        env: { connectionString: "postgres://env-user:env-pw@env-host:7777/env-db" },
      });
      expect(c).to.include({
        host: "env-host",
        port: 7777,
        user: "cfg-user",
        password: "env-pw",
        database: "env-db",
      });
    });

    it("lets a level's explicit fields win over its own connection string", () => {
      const c = resolveConnection({
        resource: { connectionString: "postgres://u:pw@cs-host:6543/cs-db", host: "explicit", port: 1234 },
      });
      expect(c).to.include({ host: "explicit", port: 1234, user: "u", password: "pw", database: "cs-db" });
    });

    it("lets a higher level's connection string win over a lower level's explicit fields", () => {
      const c = resolveConnection({
        resource: { connectionString: "postgres://r@r-host/r-db" },
        config: { host: "c-host", user: "c-user", database: "c-db", password: "c-pw" },
      });
      expect(c).to.include({ host: "r-host", user: "r", database: "r-db", password: "c-pw" });
    });

    it("lets the database override win over every level", () => {
      const c = resolveConnection(
        {
          resource: { database: "r", connectionString: "postgres://u@h/cs" },
          config: { database: "c" },
          env,
        },
        "override",
      );
      expect(c.database).to.equal("override");
    });

    it("accepts port and maxConnections given as strings", () => {
      const c = resolveConnection({
        resource: { user: "u", port: "6000" as unknown as number, maxConnections: "7" as unknown as number },
      });
      expect(c.port).to.equal(6000);
      expect(c.maxConnections).to.equal(7);
    });
  });

  describe("connectionFromEnv", () => {
    it("reads the libpq variables", () => {
      expect(
        connectionFromEnv({
          PGHOST: "h",
          PGPORT: "6000",
          PGUSER: "u",
          PGPASSWORD: "p",
          PGDATABASE: "d",
          PGSSLMODE: "require",
        }),
      ).to.deep.equal({ host: "h", port: 6000, user: "u", password: "p", database: "d", sslmode: "require" });
    });

    it("ignores empty and missing variables", () => {
      expect(connectionFromEnv({ PGHOST: "", PGPORT: "", HOME: "/root" })).to.deep.equal({});
    });

    it("prefers DATABASE_URL over the PG* variables, field by field", () => {
      const e = connectionFromEnv({
        DATABASE_URL: "postgres://url-user@url-host/url-db",
        PGHOST: "pg-host",
        PGPORT: "6000",
        PGUSER: "pg-user",
        PGPASSWORD: "pg-pw",
        PGDATABASE: "pg-db",
      });
      expect(e).to.deep.equal({
        host: "url-host",
        port: 6000,
        user: "url-user",
        password: "pg-pw",
        database: "url-db",
      });
      expect(resolveConnection({ env: e })).to.include({
        host: "url-host",
        port: 6000,
        user: "url-user",
        database: "url-db",
      });
    });
  });

  describe("connectionFromConfig", () => {
    it("reads postgres-roles:<key> keys, numbers for port and maxConnections", () => {
      const config: Record<string, string> = {
        "postgres-roles:host": "cfg-host",
        "postgres-roles:port": "6432",
        "postgres-roles:user": "admin",
        "postgres-roles:password": "pw",
        "postgres-roles:database": "app",
        "postgres-roles:sslmode": "verify-full",
        "postgres-roles:connectionString": "postgres://x@y/z",
        "postgres-roles:maxConnections": "2",
        "postgres-roles:lockTimeout": "10s",
        "other:host": "ignored",
        host: "ignored",
      };
      const asked: string[] = [];
      const c = connectionFromConfig((key) => {
        asked.push(key);
        return config[key];
      });
      expect(c).to.deep.equal({
        host: "cfg-host",
        port: 6432,
        user: "admin",
        password: "pw",
        database: "app",
        sslmode: "verify-full",
        connectionString: "postgres://x@y/z",
        maxConnections: 2,
        lockTimeout: "10s",
      });
      expect(asked.every((k) => k.startsWith("postgres-roles:"))).to.equal(true);
    });

    it("skips unset and empty keys", () => {
      const config: Record<string, string> = { "postgres-roles:host": "", "postgres-roles:user": "u" };
      const c = connectionFromConfig((key) => config[key]);
      expect(c).to.deep.equal({ user: "u" });
    });
  });

  describe("serverIdentity", () => {
    it("is host, port and database, whichever way they are written", () => {
      expect(serverIdentity({ host: "h", port: 5432, database: "d", password: "x" })).to.equal(
        serverIdentity({ connectionString: "postgres://u:y@h:5432/d" }),
      );
      expect(serverIdentity(undefined)).to.equal(JSON.stringify([null, null, null]));
      expect(serverIdentity({ host: "h" })).to.not.equal(serverIdentity({ host: "h2" }));
    });
  });

  describe("connectionProblems", () => {
    it("has none for a good connection or none at all", () => {
      expect(connectionProblems(undefined)).to.deep.equal([]);
      expect(
        connectionProblems({
          host: "h",
          port: 5432,
          user: "u",
          password: "p",
          database: "d",
          sslmode: "verify-ca",
          connectionString: "postgres://u@h/d",
          maxConnections: 1,
          lockTimeout: "500ms",
        }),
      ).to.deep.equal([]);
    });

    it("names unknown fields", () => {
      const problems = connectionProblems({ hots: "h", pasword: "p" });
      expect(problems.map((p) => p.property)).to.deep.equal(["connection.hots", "connection.pasword"]);
    });

    it("rejects a connection that is not an object", () => {
      expect(connectionProblems("postgres://h/d").map((p) => p.property)).to.deep.equal(["connection"]);
      expect(connectionProblems(["h"]).map((p) => p.property)).to.deep.equal(["connection"]);
    });

    it("checks lock timeouts", () => {
      for (const ok of ["30s", "500ms", "2min", "1h", "100", "1.5s", "30 s"]) {
        expect(connectionProblems({ lockTimeout: ok }), ok).to.deep.equal([]);
      }
      for (const bad of ["soon", "30 seconds", "-1s", "30s; DROP ROLE x", ""]) {
        expect(
          connectionProblems({ lockTimeout: bad }).map((p) => p.property),
          bad,
        ).to.deep.equal(["connection.lockTimeout"]);
      }
    });

    it("checks port, sslmode and maxConnections, all at once", () => {
      const problems = connectionProblems({ port: 70000, sslmode: "on", maxConnections: 0 });
      expect(problems.map((p) => p.property)).to.deep.equal([
        "connection.port",
        "connection.sslmode",
        "connection.maxConnections",
      ]);
      expect(connectionProblems({ port: 0 }).map((p) => p.property)).to.deep.equal(["connection.port"]);
      expect(connectionProblems({ port: 5432.5 }).map((p) => p.property)).to.deep.equal(["connection.port"]);
    });

    it("rejects a connection string that does not parse", () => {
      expect(
        connectionProblems({ connectionString: "postgres://u@[::1" }).map((p) => p.property),
      ).to.deep.equal(["connection.connectionString"]);
    });

    it("rejects a connection string that is not a URI instead of reading a host named 'base' from it", () => {
      // libpq's keyword/value form is not supported; pg-connection-string turns it into host "base".
      expect(
        connectionProblems({ connectionString: "host=db.example.com dbname=app user=admin" }).map(
          (p) => p.property,
        ),
      ).to.deep.equal(["connection.connectionString"]);
    });
  });
  describe("libpq settings: TLS files, password file, application name, connect timeout", () => {
    const FIELDS = ["sslrootcert", "sslcert", "sslkey", "passfile", "applicationName"] as const;

    it("takes each from the resource, then the stack config, then the environment, then libpq's default", () => {
      for (const field of FIELDS) {
        const levels = { resource: { [field]: "r" }, config: { [field]: "c" }, env: { [field]: "e" } };
        expect(resolveConnection(levels)[field], field).to.equal("r");
        expect(resolveConnection({ config: levels.config, env: levels.env })[field], field).to.equal("c");
        expect(resolveConnection({ env: levels.env })[field], field).to.equal("e");
        expect(resolveConnection({})[field], field).to.equal(DEFAULTS[field]);
      }
      expect(
        resolveConnection({
          resource: { connectTimeout: 5 },
          config: { connectTimeout: 6 },
          env: { connectTimeout: 7 },
        }).connectTimeout,
      ).to.equal(5);
      expect(
        resolveConnection({ config: { connectTimeout: 6 }, env: { connectTimeout: 7 } }).connectTimeout,
      ).to.equal(6);
      expect(resolveConnection({ env: { connectTimeout: 7 } }).connectTimeout).to.equal(7);
      expect(resolveConnection({}).connectTimeout).to.equal(30);
    });

    it("reads PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGPASSFILE, PGAPPNAME and PGCONNECT_TIMEOUT", () => {
      const e = connectionFromEnv({
        PGSSLROOTCERT: "/ca.pem",
        PGSSLCERT: "/c.crt",
        PGSSLKEY: "/c.key",
        PGPASSFILE: "/pgpass",
        PGAPPNAME: "app",
        PGCONNECT_TIMEOUT: "12",
      });
      expect(resolveConnection({ env: e })).to.include({
        sslrootcert: "/ca.pem",
        sslcert: "/c.crt",
        sslkey: "/c.key",
        passfile: "/pgpass",
        applicationName: "app",
        connectTimeout: 12,
      });
    });

    it("reads libpq's parameters from a connection string, without reading the files", () => {
      const c = resolveConnection({
        resource: {
          connectionString:
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=/no/such/ca.pem&sslcert=/no/such.crt&sslkey=/no/such.key" +
            "&passfile=/no/pgpass&application_name=from%20uri&connect_timeout=9",
        },
      });
      expect(c).to.include({
        host: "h",
        user: "u",
        database: "d",
        sslmode: "verify-full",
        sslrootcert: "/no/such/ca.pem",
        sslcert: "/no/such.crt",
        sslkey: "/no/such.key",
        passfile: "/no/pgpass",
        applicationName: "from uri",
        connectTimeout: 9,
      });
    });

    it("reads the new stack config keys, connectTimeout as a number", () => {
      const config: Record<string, string> = {
        "postgres-roles:sslrootcert": "/ca.pem",
        "postgres-roles:sslcert": "/c.crt",
        "postgres-roles:sslkey": "/c.key",
        "postgres-roles:passfile": "/pgpass",
        "postgres-roles:applicationName": "app",
        "postgres-roles:connectTimeout": "15",
      };
      expect(connectionFromConfig((k) => config[k])).to.deep.equal({
        sslrootcert: "/ca.pem",
        sslcert: "/c.crt",
        sslkey: "/c.key",
        passfile: "/pgpass",
        applicationName: "app",
        connectTimeout: 15,
      });
    });

    it("sslrootcert=system makes verify-full the default and refuses weaker modes (libpq 16)", () => {
      expect(resolveConnection({ resource: { sslrootcert: "system" } }).sslmode).to.equal("verify-full");
      expect(resolveConnection({ resource: { sslrootcert: "system" } }).sslrootcert).to.equal("system");
      expect(() =>
        resolveConnection({ resource: { sslrootcert: "system" }, env: { sslmode: "require" } }),
      ).to.throw(/weak sslmode "require" may not be used with sslrootcert=system/);
      expect(
        connectionProblems({ sslrootcert: "system", sslmode: "verify-ca" }).map((p) => p.property),
      ).to.deep.equal(["connection.sslmode"]);
      expect(connectionProblems({ sslrootcert: "system", sslmode: "verify-full" })).to.deep.equal([]);
    });

    it("refuses an unknown sslmode or connect timeout from any level when resolving", () => {
      expect(() => resolveConnection({ env: connectionFromEnv({ PGSSLMODE: "on" }) })).to.throw(
        /invalid sslmode value: "on"/,
      );
      expect(() => resolveConnection({ env: connectionFromEnv({ PGCONNECT_TIMEOUT: "soon" }) })).to.throw(
        /invalid connect_timeout value: "soon"/,
      );
    });

    it("connect_timeout as libpq reads it: whole seconds, 0 or less is no limit, 1 counts as 2", () => {
      expect(parseConnectTimeout(10)).to.equal(10);
      expect(parseConnectTimeout(" 10 ")).to.equal(10);
      expect(parseConnectTimeout(1)).to.equal(2);
      expect(parseConnectTimeout(0)).to.equal(0);
      expect(parseConnectTimeout("-3")).to.equal(0);
      for (const bad of [1.5, "1.5", "10s", "", "soon"])
        expect(parseConnectTimeout(bad), String(bad)).to.equal(undefined);
    });

    it("check names each bad new field", () => {
      expect(
        connectionProblems({
          sslrootcert: "",
          sslcert: 3,
          passfile: "",
          applicationName: "ok",
          connectTimeout: "10s",
        }).map((p) => p.property),
      ).to.deep.equal([
        "connection.sslrootcert",
        "connection.sslcert",
        "connection.passfile",
        "connection.connectTimeout",
      ]);
      expect(
        connectionProblems({
          sslrootcert: "/ca.pem",
          sslcert: "/c.crt",
          sslkey: "/c.key",
          passfile: "/p",
          applicationName: "a",
          connectTimeout: 0,
        }),
      ).to.deep.equal([]);
    });
  });

  describe("the password file (libpq's rules)", () => {
    const target = { host: "db.example.com", port: 5432, database: "app", user: "admin" };

    it("takes the first line that matches, with * for any field, skipping comments and blank lines", () => {
      const text = [
        "# a comment",
        "",
        "other.example.com:5432:app:admin:no",
        "db.example.com:5433:app:admin:no",
        "db.example.com:*:app:admin:first",
        "*:*:*:*:second",
      ].join("\n");
      expect(passwordFromPassfile(text, target)).to.equal("first");
      expect(passwordFromPassfile(text, { ...target, user: "someone" })).to.equal("second");
    });

    it("undoes \\: and \\\\ in every field and ends the password at an unescaped colon", () => {
      const text = "db.example.com:5432:app:ad\\:min:pa\\:ss\\\\word:ignored\r\n";
      expect(passwordFromPassfile(text, { ...target, user: "ad:min" })).to.equal("pa:ss\\word");
    });

    it("matches a connection without a host as localhost, and a line with too few fields never", () => {
      expect(passwordFromPassfile("localhost:5432:app:admin:pw", { ...target, host: "" })).to.equal("pw");
      expect(passwordFromPassfile("db.example.com:5432:app:admin", target)).to.equal(undefined);
      expect(passwordFromPassfile("*:*:*:*:", target)).to.equal(undefined);
    });

    it("NoPasswordError says where a password could have come from, without a password", () => {
      const e = new NoPasswordError(target, 'password file "/x" does not exist');
      expect(e.message).to.match(/"admin".*PGPASSWORD.*\/x/);
    });
  });

  describe("sslmode as libpq means it", () => {
    it("tries the transports of each mode in libpq's order (none but plain on a Unix socket)", () => {
      const t = (sslmode: ConnectionArgs["sslmode"], host = "db") =>
        transports({ sslmode: sslmode ?? "prefer", host });
      expect(t("disable")).to.deep.equal(["plain"]);
      expect(t("allow")).to.deep.equal(["plain", "tls"]);
      expect(t("prefer")).to.deep.equal(["tls", "plain"]);
      expect(t("require")).to.deep.equal(["tls"]);
      expect(t("verify-ca")).to.deep.equal(["tls"]);
      expect(t("verify-full")).to.deep.equal(["tls"]);
      expect(t("require", "/var/run/postgresql")).to.deep.equal(["plain"]);
    });

    it("falls back after what libpq falls back after, never after a network failure or a missing password", () => {
      const serverError = Object.assign(new Error("no pg_hba.conf entry"), {
        severity: "FATAL",
        code: "28000",
      });
      expect(fallsBack("plain", serverError)).to.equal(true);
      expect(fallsBack("tls", serverError)).to.equal(true);
      expect(fallsBack("tls", new Error("The server does not support SSL connections"))).to.equal(true);
      expect(
        fallsBack("tls", Object.assign(new Error("self-signed"), { code: "SELF_SIGNED_CERT_IN_CHAIN" })),
      ).to.equal(true);
      expect(fallsBack("plain", new Error("The server does not support SSL connections"))).to.equal(false);
      for (const from of ["plain", "tls"] as const) {
        expect(fallsBack(from, Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).to.equal(
          false,
        );
        expect(fallsBack(from, new Error("timeout expired"))).to.equal(false);
        expect(
          fallsBack(from, new NoPasswordError({ host: "h", port: 1, database: "d", user: "u" }, "x")),
        ).to.equal(false);
      }
    });

    it("refuses a private key file open to others as libpq does (0600 if the user's, 0640 if root's)", () => {
      const euid = 1000;
      expect(keyModeProblem("k", { mode: 0o100600, uid: euid }, euid)).to.equal(undefined);
      expect(keyModeProblem("k", { mode: 0o100640, uid: euid }, euid)).to.match(/group or world access/);
      expect(keyModeProblem("k", { mode: 0o100640, uid: 0 }, euid)).to.equal(undefined);
      expect(keyModeProblem("k", { mode: 0o100644, uid: 0 }, euid)).to.match(/group or world access/);
      expect(keyModeProblem("k", { mode: 0o100660, uid: 0 }, euid)).to.match(/group or world access/);
      expect(keyModeProblem("k", { mode: 0o100600, uid: 0 }, 0)).to.equal(undefined);
    });

    it("keeps one pool per distinct setting: each TLS file, the password file, application name, timeout", async () => {
      const registry = new PoolRegistry();
      try {
        const base = resolveConnection({ resource: { host: "h", user: "u" } });
        registry.get(base);
        registry.get({ ...base });
        expect(registry.size).to.equal(1);
        const variants: Array<Partial<typeof base>> = [
          { sslmode: "require" },
          { sslrootcert: "/other/ca.pem" },
          { sslcert: "/other.crt" },
          { sslkey: "/other.key" },
          { passfile: "/other/pgpass" },
          { applicationName: "other" },
          { connectTimeout: 5 },
        ];
        for (const v of variants) registry.get({ ...base, ...v });
        expect(registry.size).to.equal(1 + variants.length);
      } finally {
        await registry.closeAll();
      }
    });
  });
});
