/** Errors a user can act on: which resource, what it was doing, and PostgreSQL's own words. */

export interface PgErrorLike {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

export class ProviderError extends Error {
  readonly code: string | undefined;
  constructor(resource: string, doing: string, cause: unknown) {
    const pg = asPgError(cause);
    const parts = [`${resource}: ${doing} failed: ${pg.message}`];
    if (pg.code) parts.push(`SQLSTATE ${pg.code}`);
    if (pg.detail) parts.push(`detail: ${pg.detail}`);
    if (pg.hint) parts.push(`hint: ${pg.hint}`);
    super(parts.join("; "));
    this.name = "ProviderError";
    this.code = pg.code;
  }
}

export function asPgError(e: unknown): PgErrorLike {
  if (e && typeof e === "object" && "message" in e) {
    const o = e as Record<string, unknown>;
    return {
      message: String(o.message),
      code: typeof o.code === "string" ? o.code : undefined,
      detail: typeof o.detail === "string" ? o.detail : undefined,
      hint: typeof o.hint === "string" ? o.hint : undefined,
    };
  }
  return { message: String(e) };
}

/** SQLSTATEs meaning "the object does not exist" (used where gone counts as success). */
export const GONE = {
  undefinedObject: "42704", // role, type, ...
  undefinedTable: "42P01",
  undefinedFunction: "42883",
  invalidSchemaName: "3F000",
  invalidCatalogName: "3D000", // database
} as const;
