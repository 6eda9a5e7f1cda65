/** Policy inputs: defaults, check and diff. Pure. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { compact, sameList } from "../common/values";
import { isPublic } from "../common/quote";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";

export const POLICY_COMMANDS = ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"] as const;
export type PolicyCommand = (typeof POLICY_COMMANDS)[number];

export interface PolicyInputs {
  /** The policy's name (unique per table). */
  name: string;
  table: string;
  /** Default "public". */
  schema: string;
  /** Normalized to upper case. Default "ALL". */
  command: PolicyCommand;
  /** AS PERMISSIVE (true, the default) or AS RESTRICTIVE. */
  permissive: boolean;
  /** Role names, sorted, or ["PUBLIC"] (the default). */
  roles: string[];
  /** USING expression: trusted SQL, inserted as written. */
  using?: string;
  /** WITH CHECK expression: trusted SQL, inserted as written. */
  withCheck?: string;
  /** The database the table is in (the provider connects to it). Default: the connection's. */
  database?: string;
  /** Create takes over a policy of that name already on the table (and converges it) instead of failing. */
  adoptExisting?: boolean;
  connection?: ConnectionArgs;
  /** The resource's own URN (computed by the constructor): the key of its creation marker. Not compared by diff. */
  resourceUrn?: string;
}

/**
 * The inputs, plus the policy's OID and its expressions as PostgreSQL stores them (pg_get_expr)
 * right after this resource last wrote them: read compares the catalog with those to see drift,
 * while `using` and `withCheck` keep the text as the program wrote it.
 */
export interface PolicyOutputs extends PolicyInputs {
  oid: number;
  /** The system identifier of the cluster the OID belongs to (provider/db/cluster.ts); absent in older states. */
  systemIdentifier?: string;
  usingNormalized?: string;
  withCheckNormalized?: string;
}

export function normalizeCommand(v: unknown): PolicyCommand | undefined {
  if (typeof v !== "string") return undefined;
  const c = v.trim().toUpperCase();
  return (POLICY_COMMANDS as readonly string[]).includes(c) ? (c as PolicyCommand) : undefined;
}

/** Sorted, "PUBLIC" in any case written "PUBLIC", duplicates removed. */
export function normalizeRoles(roles: readonly string[]): string[] {
  return [...new Set(roles.map((r) => (isPublic(r) ? "PUBLIC" : r)))].sort();
}

/**
 * Why `sql` cannot be placed between the parentheses of `USING (…)` as one expression, if it
 * cannot: parentheses that close outside it, a `;` ending the statement, or an unterminated
 * quote or comment. A lexical guard against mistakes, not a parser (the server parses it).
 */
export function expressionProblem(sql: string): string | undefined {
  if (sql.trim().length === 0) return "is empty";
  if (sql.includes("\u0000")) return "contains a NUL character";
  let depth = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      if (end < 0) return "ends inside a -- comment (the closing parenthesis would be commented out)";
      i = end + 1;
    } else if (c === "/" && next === "*") {
      let nest = 1;
      i += 2;
      while (i < n && nest > 0) {
        const two = sql.slice(i, i + 2);
        if (two === "/*") nest++;
        else if (two === "*/") nest--;
        i += two === "/*" || two === "*/" ? 2 : 1;
      }
      if (nest > 0) return "has an unterminated /* comment";
    } else if (c === "'") {
      // E'…' strings take backslash escapes; standard strings only ''.
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      i++;
      for (;;) {
        if (i >= n) return "has an unterminated string literal";
        if (escapes && sql[i] === "\\") i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return "has an unterminated quoted identifier";
      i = end + 1;
    } else if (c === "$" && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      const m = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (!m) {
        i++;
        continue;
      }
      const end = sql.indexOf(m[0], i + m[0].length);
      if (end < 0) return `has an unterminated ${m[0]} string`;
      i = end + m[0].length;
    } else {
      if (c === "(") depth++;
      else if (c === ")" && --depth < 0) return "closes a parenthesis it did not open";
      else if (c === ";") return "contains a ; outside quotes (one expression, not statements)";
      i++;
    }
  }
  if (depth > 0) return "leaves a parenthesis open";
  return undefined;
}

export function checkPolicy(news: Record<string, unknown>): {
  inputs: PolicyInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("name", news.name, true);
  p.name("table", news.table, true);
  p.name("schema", news.schema, false);
  p.name("database", news.database, false);
  p.bool("permissive", news.permissive);
  p.bool("adoptExisting", news.adoptExisting);

  const rawCommand = news.command;
  const command = rawCommand === undefined ? "ALL" : normalizeCommand(rawCommand);
  if (rawCommand !== undefined && !isUnknown(rawCommand) && !command) {
    p.add("command", `command ${JSON.stringify(rawCommand)} is not one of ${POLICY_COMMANDS.join(", ")}`);
  }

  const roles = news.roles;
  p.nameList("roles", roles);
  if (Array.isArray(roles)) {
    const known = roles.filter((r): r is string => typeof r === "string" && !isUnknown(r));
    if (roles.length === 0) p.add("roles", "roles must not be empty (omit it to mean PUBLIC)");
    if (known.some(isPublic) && roles.length > 1) {
      p.add("roles", "PUBLIC includes every role: list it alone (PostgreSQL ignores the others)");
    }
  }

  for (const k of ["using", "withCheck"] as const) {
    const v = news[k];
    if (v === undefined || v === null || isUnknown(v)) continue;
    if (typeof v !== "string") {
      p.add(k, `${k} must be a string (an SQL expression)`);
      continue;
    }
    const problem = expressionProblem(v);
    if (problem) p.add(k, `${k} ${problem}`);
  }
  if (command === "INSERT" && news.using !== undefined && news.using !== null) {
    p.add("using", "an INSERT policy has no USING expression (use withCheck)");
  }
  if (
    (command === "SELECT" || command === "DELETE") &&
    news.withCheck !== undefined &&
    news.withCheck !== null
  ) {
    p.add("withCheck", `a ${command} policy has no WITH CHECK expression (use using)`);
  }
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  const inputs: PolicyInputs = compact({
    name: news.name as string,
    table: news.table as string,
    schema: (news.schema as string | undefined) ?? "public",
    command: command ?? (rawCommand as PolicyCommand),
    permissive: (news.permissive as boolean | undefined) ?? true,
    roles: Array.isArray(roles)
      ? roles.some(isUnknown)
        ? (roles as string[])
        : normalizeRoles(roles as string[])
      : roles === undefined || roles === null
        ? ["PUBLIC"]
        : (roles as string[]),
    using: (news.using ?? undefined) as string | undefined,
    withCheck: (news.withCheck ?? undefined) as string | undefined,
    database: news.database as string | undefined,
    adoptExisting: news.adoptExisting === true ? true : undefined,
    connection: news.connection as ConnectionArgs | undefined,
    resourceUrn: typeof news.resourceUrn === "string" ? news.resourceUrn : undefined,
  });
  return { inputs, failures: p.failures };
}

/** Whether the old and new policy would have the same name on the same table (so cannot coexist). */
function sameSlot(olds: Partial<PolicyOutputs>, news: PolicyInputs): boolean {
  return (
    olds.name === news.name &&
    olds.table === news.table &&
    (olds.schema ?? "public") === news.schema &&
    (olds.database ?? undefined) === (news.database ?? undefined) &&
    serverIdentity(olds.connection) === serverIdentity(news.connection)
  );
}

export function diffPolicy(olds: Partial<PolicyOutputs>, news: PolicyInputs): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  for (const k of ["table", "schema", "database", "command", "permissive"] as const) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) replaces.push(k);
  }
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  // Expressions compare as written: the same text as last time is no change, whatever form
  // PostgreSQL stores it in (read reports the catalog's text only when it differs from that form).
  const updates =
    (olds.name ?? undefined) !== news.name ||
    !sameList(normalizeRoles(olds.roles ?? ["PUBLIC"]), news.roles) ||
    (olds.using ?? undefined) !== (news.using ?? undefined) ||
    (olds.withCheck ?? undefined) !== (news.withCheck ?? undefined) ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  return {
    changes: replaces.length > 0 || updates,
    replaces,
    // Two policies of one name cannot exist on one table: the old one must go first then.
    deleteBeforeReplace: replaces.length > 0 && sameSlot(olds, news),
  };
}
