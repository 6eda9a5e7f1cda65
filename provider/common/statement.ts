/**
 * A statement is a value: what it does in words, and the SQL that does it. Planners return
 * lists of them; the same objects feed execution, error messages and exact-SQL unit tests.
 */
export interface Statement {
  readonly description: string;
  readonly sql: string;
  /** SQLSTATEs that mean "already in the wanted state" for this statement (e.g. already gone). */
  readonly ignore?: readonly string[];
}

export function stmt(description: string, sql: string, ignore?: readonly string[]): Statement {
  return ignore ? { description, sql, ignore } : { description, sql };
}
