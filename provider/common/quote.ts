/**
 * The one place where identifiers and literals become SQL text. Everything that builds a
 * statement goes through here (pg-format's %I and %L); catalog reads use bind parameters instead.
 */
import format from "pg-format";
import { PG_KEYWORDS } from "./keywords";

/** Quotes an identifier (role, schema, table, database name). */
export function ident(name: string): string {
  assertNoNul(name);
  // pg-format leaves lower-case names outside its (Redshift) reserved list bare; anything else is
  // double-quoted with embedded double quotes doubled. PostgreSQL keywords are quoted as well.
  const quoted = format.ident(name);
  return quoted === name && PG_KEYWORDS.has(name) ? `"${name}"` : quoted;
}

/** Quotes a string literal. */
export function literal(value: string): string {
  assertNoNul(value);
  return format.literal(value);
}

/** `schema.name`, each part quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** The pseudo-role PUBLIC, or a quoted role name. */
export function roleSpec(name: string): string {
  return isPublic(name) ? "PUBLIC" : ident(name);
}

/** A list of quoted role names, comma separated. */
export function roleList(names: readonly string[]): string {
  return names.map(roleSpec).join(", ");
}

export function isPublic(name: string): boolean {
  return name.toUpperCase() === "PUBLIC";
}

function assertNoNul(s: string): void {
  if (s.includes("\u0000")) {
    throw new Error("SQL text cannot contain a NUL character");
  }
}
