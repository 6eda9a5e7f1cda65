/**
 * Role planner: (the role as the catalog has it, the role as wanted) -> statements. Pure.
 * CREATE ROLE / ALTER ROLE only for what differs, GRANT/REVOKE for group memberships.
 */
import { ident, literal, roleList } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { GONE } from "../common/errors";
import { ROLE_ATTRIBUTES, ROLE_FLAGS, type RoleFlag, type RoleFlags } from "./attributes";
import { resetClause, setClause, settingEquals } from "./settings";

export interface RoleAttributes extends RoleFlags {
  name: string;
  connectionLimit: number;
  /** undefined: no expiry. */
  validUntil?: string;
  inRoles: string[];
  /** ALTER ROLE … SET parameters (all databases). */
  settings: Record<string, string>;
}

/** The role as read from pg_roles / pg_auth_members. */
export interface RoleActual extends RoleAttributes {
  oid: number;
  /** COMMENT ON ROLE, if any. */
  comment?: string;
  /** Whether the stored valid-until equals the wanted one (compared by the server), when one is wanted. */
  validUntilMatches?: boolean;
}

export interface RoleDesired extends RoleAttributes {
  /** A verifier to store ("set"), null to remove the password, undefined to leave it as it is. */
  passwordVerifier?: string | null;
  /**
   * Groups this resource put the role in before (its previous inRoles). Only those are ever
   * revoked: memberships managed elsewhere (RoleMembership, by hand) are left alone.
   */
  previousInRoles?: string[];
  /** Parameters this resource set before: only those are ever RESET. */
  previousSettings?: string[];
  /** The comment to set, null to remove it, undefined to leave it alone. */
  comment?: string | null;
}

function commentStatement(name: string, comment: string | null): Statement {
  return stmt(
    `${comment === null ? "remove the comment of" : "comment on"} role ${name}`,
    `COMMENT ON ROLE ${ident(name)} IS ${comment === null ? "NULL" : literal(comment)}`,
  );
}

function settingStatements(actual: RoleActual | undefined, desired: RoleDesired): Statement[] {
  const out: Statement[] = [];
  const name = ident(desired.name);
  for (const [k, v] of Object.entries(desired.settings).sort()) {
    if (!settingEquals(k, actual?.settings[k], v)) {
      out.push(stmt(`set ${k} for role ${desired.name}`, `ALTER ROLE ${name} SET ${setClause(k, v)}`));
    }
  }
  for (const k of (desired.previousSettings ?? []).sort()) {
    if (!(k in desired.settings) && actual && k in actual.settings) {
      out.push(stmt(`reset ${k} for role ${desired.name}`, `ALTER ROLE ${name} RESET ${resetClause(k)}`));
    }
  }
  return out;
}

const KEYWORDS = Object.fromEntries(ROLE_ATTRIBUTES.map((a) => [a.key, a.keywords])) as Record<
  RoleFlag,
  readonly [string, string]
>;

function flag(f: RoleFlag, on: boolean): string {
  return KEYWORDS[f][on ? 0 : 1];
}

function validUntilClause(v: string | undefined): string {
  return `VALID UNTIL ${literal(v ?? "infinity")}`;
}

function passwordClause(v: string | null): string {
  return v === null ? "PASSWORD NULL" : `PASSWORD ${literal(v)}`;
}

/** What planRole compares: the role as the catalog has it (undefined: none) and as wanted (undefined: delete). */
export interface RolePlanInput {
  actual?: RoleActual;
  desired?: RoleDesired;
}

/**
 * One role's statements by phase, so that a plan of many roles (Roles) can run each phase for all
 * of them before the next: every role renamed and created before any membership between them is
 * granted. `planRole` runs the phases of one role in this order.
 */
export interface RolePhases {
  /** ALTER ROLE … RENAME TO. */
  rename: Statement[];
  /** CREATE ROLE, or one ALTER ROLE … WITH for the attributes that differ. */
  define: Statement[];
  /** GRANT of the groups to add. */
  grant: Statement[];
  /** REVOKE of the groups to remove. */
  revoke: Statement[];
  /** ALTER ROLE … SET / RESET, COMMENT ON ROLE. */
  rest: Statement[];
}

export const ROLE_PHASES = ["rename", "define", "grant", "revoke", "rest"] as const;

export function planRolePhases(actual: RoleActual | undefined, desired: RoleDesired): RolePhases {
  const phases: RolePhases = { rename: [], define: [], grant: [], revoke: [], rest: [] };
  const name = ident(desired.name);
  if (!actual) {
    const options = ROLE_FLAGS.map((f) => flag(f, desired[f]));
    options.push(`CONNECTION LIMIT ${desired.connectionLimit}`);
    if (desired.validUntil !== undefined) options.push(validUntilClause(desired.validUntil));
    if (desired.passwordVerifier) options.push(passwordClause(desired.passwordVerifier));
    phases.define.push(stmt(`create role ${desired.name}`, `CREATE ROLE ${name} WITH ${options.join(" ")}`));
    if (desired.inRoles.length > 0) {
      phases.grant.push(
        stmt(
          `add role ${desired.name} to ${desired.inRoles.join(", ")}`,
          `GRANT ${roleList(desired.inRoles)} TO ${name}`,
        ),
      );
    }
    phases.rest.push(...settingStatements(undefined, desired));
    if (desired.comment) phases.rest.push(commentStatement(desired.name, desired.comment));
    return phases;
  }

  if (actual.name !== desired.name) {
    phases.rename.push(
      stmt(
        `rename role ${actual.name} to ${desired.name}`,
        `ALTER ROLE ${ident(actual.name)} RENAME TO ${name}`,
      ),
    );
  }
  const options: string[] = ROLE_FLAGS.filter((f) => actual[f] !== desired[f]).map((f) =>
    flag(f, desired[f]),
  );
  if (actual.connectionLimit !== desired.connectionLimit)
    options.push(`CONNECTION LIMIT ${desired.connectionLimit}`);
  // PostgreSQL cannot set the expiry back to NULL; "infinity" is how an expiry is removed.
  const validUntilSame =
    desired.validUntil === undefined
      ? actual.validUntil === undefined || actual.validUntil === "infinity"
      : actual.validUntilMatches === true;
  if (!validUntilSame) options.push(validUntilClause(desired.validUntil));
  if (desired.passwordVerifier !== undefined) options.push(passwordClause(desired.passwordVerifier));
  if (options.length > 0) {
    phases.define.push(stmt(`alter role ${desired.name}`, `ALTER ROLE ${name} WITH ${options.join(" ")}`));
  }
  const add = desired.inRoles.filter((g) => !actual.inRoles.includes(g));
  const remove = (desired.previousInRoles ?? []).filter(
    (g) => actual.inRoles.includes(g) && !desired.inRoles.includes(g),
  );
  if (add.length > 0) {
    phases.grant.push(
      stmt(`add role ${desired.name} to ${add.join(", ")}`, `GRANT ${roleList(add)} TO ${name}`),
    );
  }
  if (remove.length > 0) {
    phases.revoke.push(
      stmt(
        `remove role ${desired.name} from ${remove.join(", ")}`,
        `REVOKE ${roleList(remove)} FROM ${name}`,
        [GONE.undefinedObject],
      ),
    );
  }
  phases.rest.push(...settingStatements(actual, desired));
  if (desired.comment !== undefined && (desired.comment ?? undefined) !== actual.comment) {
    phases.rest.push(commentStatement(desired.name, desired.comment));
  }
  return phases;
}

export function planRole({ actual, desired }: RolePlanInput): Statement[] {
  if (!desired) {
    if (!actual) return [];
    return [dropStatement([actual.name])];
  }
  const phases = planRolePhases(actual, desired);
  return ROLE_PHASES.flatMap((p) => phases[p]);
}

/** DROP ROLE of one or more roles (one statement: PostgreSQL drops a list at once). */
export function dropStatement(names: readonly string[]): Statement {
  return stmt(`drop role ${names.join(", ")}`, `DROP ROLE IF EXISTS ${names.map(ident).join(", ")}`);
}
