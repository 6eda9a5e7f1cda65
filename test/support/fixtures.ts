/**
 * The fixtures integration and reliability tests share: roles (with their attributes and groups) and
 * schemas made for one describe block, named so that no other test uses them (a `!` before the prefix
 * asks for a hostile name: quotes, backslashes, unicode, SQL; `createRole` takes a name the test
 * chose), and removed by the block's `after` hook (or by `cleanup()`, where a block must undo other
 * things first). The server's version is `serverVersionNum()`
 * (db.ts): no test file asks the server for it itself.
 */
import { adminActsFor, dropRoles, hostile, q, quoteIdent, quoteLiteral, unique } from "./db";

export { serverVersionNum } from "./db";

/** A name for a fixture: `unique(prefix)`, or `hostile(…)` when the prefix starts with `!`. */
export function fixtureName(prefix: string): string {
  return prefix.startsWith("!") ? hostile(prefix.slice(1)) : unique(prefix);
}

export interface RoleOptions {
  /** LOGIN PASSWORD 'pw' (default false: a group role). */
  login?: boolean;
  /** false: NOINHERIT (default: PostgreSQL's, INHERIT). */
  inherit?: boolean;
  /** CONNECTION LIMIT n. */
  connectionLimit?: number;
  /** VALID UNTIL 'timestamp'. */
  validUntil?: string;
  /** IN ROLE: the groups the role is made a member of. */
  inRoles?: string[];
  /** Make the admin able to act for the role (a non-superuser admin before PostgreSQL 16). */
  actFor?: boolean;
}

export class Fixtures {
  /** The roles made, for the cleanup (tests may add roles of their own). */
  readonly roles: string[] = [];
  /** The schemas made, for the cleanup (tests may add schemas of their own). */
  readonly schemas: string[] = [];

  /** A role name for the test to create (through a provider), dropped by the cleanup. */
  roleName(prefix: string): string {
    const name = fixtureName(prefix);
    this.roles.push(name);
    return name;
  }

  /** A new role. */
  async role(prefix: string, options: RoleOptions = {}): Promise<string> {
    return this.createRole(this.roleName(prefix), options);
  }

  /** A new role named exactly `name` (names that must share a pattern), dropped by the cleanup. */
  async createRole(name: string, options: RoleOptions = {}): Promise<string> {
    if (!this.roles.includes(name)) this.roles.push(name);
    const clauses = [
      options.login ? "LOGIN PASSWORD 'pw'" : "",
      options.inherit === false ? "NOINHERIT" : "",
      options.connectionLimit === undefined ? "" : `CONNECTION LIMIT ${options.connectionLimit}`,
      options.validUntil === undefined ? "" : `VALID UNTIL ${quoteLiteral(options.validUntil)}`,
      options.inRoles?.length ? `IN ROLE ${options.inRoles.map(quoteIdent).join(", ")}` : "",
    ];
    await q(`CREATE ROLE ${quoteIdent(name)} ${clauses.filter((c) => c).join(" ")}`);
    if (options.actFor) await adminActsFor(name);
    return name;
  }

  /** A new, empty schema (owned by `owner` when given). */
  async schema(prefix = "s", options: { owner?: string } = {}): Promise<string> {
    const name = fixtureName(prefix);
    this.schemas.push(name);
    const owner = options.owner === undefined ? "" : ` AUTHORIZATION ${quoteIdent(options.owner)}`;
    await q(`CREATE SCHEMA ${quoteIdent(name)}${owner}`);
    return name;
  }

  /** Drops the schemas (with what is in them), then the roles (with what they own or hold). */
  async cleanup(): Promise<void> {
    for (const s of this.schemas) await q(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`);
    await dropRoles(...this.roles);
  }
}

/** The fixtures of the enclosing describe block, cleaned up by its `after` hook. */
export function fixtures(): Fixtures {
  const f = new Fixtures();
  after(() => f.cleanup());
  return f;
}
