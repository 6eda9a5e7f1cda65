/**
 * A statement is a value: what it does in words, and the SQL that does it. Planners return
 * lists of them; the same objects feed execution, error messages and exact-SQL unit tests.
 */
export interface Statement {
  readonly description: string;
  readonly sql: string;
  /** SQLSTATEs that mean "already in the wanted state" for this statement (e.g. already gone). */
  readonly ignore?: readonly string[];
  /**
   * Several statements in one text, sent in one round trip (the simple query protocol; every other
   * statement goes alone, by the extended protocol). Only for text built from quoted names: see {@link batch}.
   */
  readonly batch?: true;
}

export function stmt(description: string, sql: string, ignore?: readonly string[]): Statement {
  return ignore ? { description, sql, ignore } : { description, sql };
}

/**
 * Statements as one: their SQL joined, sent in one round trip, so that applying thousands of
 * privileges costs one query, not one per statement. A failure names the first few and the
 * PostgreSQL error; the transaction rolls back whole.
 */
export function batch(statements: readonly Statement[]): Statement {
  if (statements.length === 1) return statements[0]!;
  const head = statements.slice(0, 3).map((s) => s.description);
  const more = statements.length > 3 ? ` and ${statements.length - 3} more statements` : "";
  return {
    description: `${head.join("; ")}${more}`,
    sql: statements.map((s) => s.sql).join(";\n"),
    batch: true,
  };
}
