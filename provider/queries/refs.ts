/**
 * Object references for whoCan: which object, written either as SQL would name it (a string,
 * parsed by PostgreSQL's own rules: `app.orders`, `"My Schema"."Orders"`, `app.f(integer)`), or
 * as exact names in an object (`{ schema: "My Schema", name: "Orders" }`, quoted here). Pure.
 */
import { qualified } from "../common/quote";
import { type ObjectType, invalidPrivileges, normalizePrivilegeName } from "../common/privileges";
import type { GrantObjectType } from "./types";

/** A schema-qualified name: SQL text (`app.orders`), or exact parts (schema defaults to public). */
export type NameRef = string | { schema?: string; name: string };
/** A routine: SQL text (`app.f(integer, text)`, or `app.f` when not overloaded), or exact parts. */
export type RoutineRef = string | { schema?: string; name: string; args?: string[] };

export type ObjectRef =
  | { table: NameRef; column?: string }
  | { view: NameRef; column?: string }
  | { sequence: NameRef }
  | { function: RoutineRef }
  | { procedure: RoutineRef }
  | { type: NameRef }
  | { domain: NameRef }
  | { schema: string }
  | { database: string }
  | { language: string }
  | { foreign_data_wrapper: string }
  | { foreign_server: string }
  | { tablespace: string }
  | { parameter: string };

/** What the resolve query takes: the kind, the text to resolve, and a column. */
export interface ResolvedRef {
  kind: GrantObjectType;
  text: string;
  column?: string;
  /** For messages: the object as the caller named it. */
  label: string;
}

const KINDS = [
  "table",
  "view",
  "sequence",
  "function",
  "procedure",
  "type",
  "domain",
  "schema",
  "database",
  "language",
  "foreign_data_wrapper",
  "foreign_server",
  "tablespace",
  "parameter",
] as const;

function nameText(v: NameRef): string {
  if (typeof v === "string") return v;
  return qualified(v.schema ?? "public", v.name);
}

function routineText(v: RoutineRef): string {
  if (typeof v === "string") return v;
  const base = qualified(v.schema ?? "public", v.name);
  return v.args === undefined ? base : `${base}(${v.args.join(", ")})`;
}

/** The kind and text of a reference, or an error message. */
export function parseObjectRef(ref: ObjectRef): ResolvedRef {
  if (ref === null || typeof ref !== "object")
    throw new Error('the object must be like { table: "app.orders" }');
  const keys = Object.keys(ref).filter((k) => (KINDS as readonly string[]).includes(k));
  if (keys.length !== 1) {
    throw new Error(`the object must name exactly one of ${KINDS.join(", ")} (e.g. { table: "app.orders" })`);
  }
  const key = keys[0] as (typeof KINDS)[number];
  const r = ref as Record<string, unknown>;
  const column = typeof r.column === "string" ? r.column : undefined;
  if (r.column !== undefined && key !== "table" && key !== "view")
    throw new Error("column goes with table (or view)");
  const value = r[key];
  if (value === undefined || value === null || value === "") throw new Error(`${key} must name an object`);
  switch (key) {
    case "table":
    case "view": {
      const text = nameText(value as NameRef);
      return column === undefined
        ? { kind: "table", text, label: `table ${text}` }
        : { kind: "column", text, column, label: `column ${column} of ${text}` };
    }
    case "sequence":
    case "type":
    case "domain": {
      const text = nameText(value as NameRef);
      return { kind: key, text, label: `${key} ${text}` };
    }
    case "function":
    case "procedure": {
      const text = routineText(value as RoutineRef);
      return { kind: key, text, label: `${key} ${text}` };
    }
    default:
      if (typeof value !== "string") throw new Error(`${key} must be a name`);
      return { kind: key, text: value, label: `${key.replace(/_/g, " ")} ${value}` };
  }
}

/** Object types (in the objects query) an OID of this kind may appear under. */
export function objectTypesOf(kind: GrantObjectType): GrantObjectType[] {
  if (kind === "column") return ["table", "column"];
  if (kind === "type" || kind === "domain") return ["type", "domain"];
  return [kind];
}

/** The privilege in PostgreSQL's spelling, or an error if the object type has no such privilege. */
export function normalizeWhoCanPrivilege(privilege: string, kind: GrantObjectType): string {
  const p = normalizePrivilegeName(privilege);
  if (p === "ALL") throw new Error("ask about one privilege at a time (ALL is several)");
  if (invalidPrivileges(kind as ObjectType, [p]).length > 0) {
    throw new Error(`${JSON.stringify(privilege)} is not a privilege of a ${kind.replace(/_/g, " ")}`);
  }
  return p;
}
