/**
 * Policy planner: (the policy as the catalog has it, as wanted, what this resource wrote last
 * time) -> statements. Pure. Names and roles are quoted; the USING and WITH CHECK expressions are
 * trusted SQL and go in as written, between parentheses.
 *
 * An existing policy is changed with ALTER POLICY (RENAME TO; TO roles, USING, WITH CHECK: only
 * the clauses that differ). What ALTER POLICY cannot do (another command or PERMISSIVE/RESTRICTIVE,
 * removing an expression, another table) is DROP + CREATE in the same transaction.
 */
import { ident, qualified, roleList } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { GONE } from "../common/errors";
import { sameSet } from "../common/privileges";
import type { PolicyCommand } from "./inputs";

export interface PolicySpec {
  name: string;
  schema: string;
  table: string;
  command: PolicyCommand;
  permissive: boolean;
  /** Role names or "PUBLIC". */
  roles: string[];
  using?: string;
  withCheck?: string;
}

/** The policy as read from pg_policy; `using` and `withCheck` are pg_get_expr's text. */
export interface PolicyActual extends PolicySpec {
  oid: number;
}

/** What this resource wrote last time: the text as written and as PostgreSQL stored it. */
export interface PolicyPrevious {
  using?: string;
  usingNormalized?: string;
  withCheck?: string;
  withCheckNormalized?: string;
}

const on = (p: { schema: string; table: string }) => qualified(p.schema, p.table);
const where = (p: PolicySpec) => `${p.name} on ${p.schema}.${p.table}`;

export function createPolicy(d: PolicySpec): Statement {
  let sql = `CREATE POLICY ${ident(d.name)} ON ${on(d)} AS ${d.permissive ? "PERMISSIVE" : "RESTRICTIVE"} FOR ${d.command} TO ${roleList(d.roles)}`;
  if (d.using !== undefined) sql += ` USING (${d.using})`;
  if (d.withCheck !== undefined) sql += ` WITH CHECK (${d.withCheck})`;
  return stmt(`create policy ${where(d)}`, sql);
}

export function dropPolicy(a: PolicySpec): Statement {
  // IF EXISTS covers a policy or table dropped meanwhile; the codes a schema dropped meanwhile.
  return stmt(`drop policy ${where(a)}`, `DROP POLICY IF EXISTS ${ident(a.name)} ON ${on(a)}`, [
    GONE.undefinedTable,
    GONE.invalidSchemaName,
  ]);
}

/**
 * Whether the stored expression already is the wanted one: no expression wanted and none there,
 * or the same text as last time and the catalog still showing what that text became then.
 */
export function expressionCurrent(
  desired: string | undefined,
  actual: string | undefined,
  previousText: string | undefined,
  previousNormalized: string | undefined,
): boolean {
  if (desired === undefined) return actual === undefined;
  return (
    actual !== undefined &&
    previousText === desired &&
    previousNormalized !== undefined &&
    actual === previousNormalized
  );
}

/**
 * `actual` undefined: create (or nothing, on delete). `desired` undefined: delete. `previous`
 * (update) says which expressions are already in place; without it they are written again.
 */
export interface PolicyPlanInput {
  actual?: PolicyActual;
  desired?: PolicySpec;
  previous?: PolicyPrevious;
}

export function planPolicy({ actual, desired, previous }: PolicyPlanInput): Statement[] {
  if (!desired) return actual ? [dropPolicy(actual)] : [];
  if (!actual) return [createPolicy(desired)];

  const recreate =
    actual.schema !== desired.schema ||
    actual.table !== desired.table ||
    actual.command !== desired.command ||
    actual.permissive !== desired.permissive ||
    (desired.using === undefined && actual.using !== undefined) ||
    (desired.withCheck === undefined && actual.withCheck !== undefined);
  if (recreate) {
    const drop = dropPolicy(actual);
    return [{ description: drop.description, sql: drop.sql }, createPolicy(desired)];
  }

  const out: Statement[] = [];
  if (actual.name !== desired.name) {
    out.push(
      stmt(
        `rename policy ${where(actual)} to ${desired.name}`,
        `ALTER POLICY ${ident(actual.name)} ON ${on(actual)} RENAME TO ${ident(desired.name)}`,
      ),
    );
  }
  const clauses: string[] = [];
  const changed: string[] = [];
  if (!sameSet(actual.roles, desired.roles)) {
    clauses.push(`TO ${roleList(desired.roles)}`);
    changed.push(`roles ${desired.roles.join(", ")}`);
  }
  if (!expressionCurrent(desired.using, actual.using, previous?.using, previous?.usingNormalized)) {
    clauses.push(`USING (${desired.using})`);
    changed.push("using");
  }
  if (
    !expressionCurrent(
      desired.withCheck,
      actual.withCheck,
      previous?.withCheck,
      previous?.withCheckNormalized,
    )
  ) {
    clauses.push(`WITH CHECK (${desired.withCheck})`);
    changed.push("with check");
  }
  if (clauses.length > 0) {
    out.push(
      stmt(
        `alter policy ${where(desired)}: ${changed.join("; ")}`,
        `ALTER POLICY ${ident(desired.name)} ON ${on(actual)} ${clauses.join(" ")}`,
      ),
    );
  }
  return out;
}
