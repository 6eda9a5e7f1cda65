import { expect } from "chai";
import {
  type ConnectionArgs,
  connectionFromConfig,
  connectionFromEnv,
  connectionProblems,
  resolveConnection,
  serverIdentity,
} from "../../provider/db/connection";

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
        sslmode: undefined,
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
});
