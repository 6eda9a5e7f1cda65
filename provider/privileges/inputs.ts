/**
 * Privileges inputs: check and diff. Pure. Each entry of `grants` is checked exactly as a Grant's
 * arguments are (checkGrant), so an entry means what the same arguments mean on Grant.
 *
 * The entries are stored keyed (`grants: { "<key>": entry }`), not as a list: the Node.js dynamic
 * provider of @pulumi/pulumi 3.248 sends the engine no detailed diff (its diff handler forwards only
 * changes, replaces and deleteBeforeReplace), so what `pulumi preview --diff` shows is the engine's
 * own comparison of the old outputs with the new inputs, and it compares lists by position: in a
 * list, one entry added near the top shows every entry after it as changed; in a map, it shows one
 * added key.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { compact } from "../common/values";
import { type ObjectType, normalizePrivileges } from "../common/privileges";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";
import { checkGrant } from "../grant/inputs";
import { type DefaultPrivilegesEntry, checkDefaultEntries } from "./default-inputs";
import { checkEntryList, keyPart } from "./entry-list";

/** One entry: Grant's arguments minus database, cascade and connection (normalized by checkGrant). */
export interface PrivilegesEntry {
  /** The grantee, or "PUBLIC". */
  role: string;
  objectType: ObjectType;
  /** Schema grants: the schema; objects inside one: their schema (default "public"). */
  schema?: string;
  /** Objects by name (sorted); omitted: every object of the type in the schema. */
  objects?: string[];
  /** Column entries: the columns (sorted). */
  columns?: string[];
  /** Normalized: upper case, documentation order, or ["ALL"]. */
  privileges: string[];
  withGrantOption: boolean;
}

/** Where the resource is authoritative: nothing held there that no entry lists (owners aside). */
export interface Authoritative {
  /** In these schemas (the schema and every object and column in it), for every grantee. */
  schemas: string[];
  /** For these roles, in the whole database (the database, its schemas and every object in them). */
  roles: string[];
}

/** A privilege held inside the authoritative scope that no entry lists (drift: `up` revokes it). */
export interface UnmanagedPrivilege {
  role: string;
  /** The object's kind as Grant names it ("table" for views too; "function" or "procedure"). */
  objectType: ObjectType;
  /** null for the database. */
  schema: string | null;
  object: string;
  /** Column privileges: the column (`object` is its table). */
  column?: string;
  /** The privilege, or "GRANT OPTION FOR <privilege>" when only the grant option is extra. */
  privilege: string;
  withGrantOption: boolean;
  /** Who granted it (revoked as that role). */
  grantor: string | null;
  /**
   * Set for a default privilege (a pg_default_acl entry; `object` is "*"): what objects that
   * `default.owner` creates later get, in `schema` (null: the owner's global entry). Revoked with
   * ALTER DEFAULT PRIVILEGES FOR ROLE owner.
   */
  default?: { owner: string };
}

export interface PrivilegesInputs {
  /** The database (entries of objectType "database" mean it). Default: the connection's. */
  database?: string;
  /** The entries, keyed by {@link entryKey} (entries with the same key are merged). */
  grants: Record<string, PrivilegesEntry>;
  /**
   * The default-privileges entries, keyed by defaultEntryKey. Absent (not `{}`) when the program
   * gives none: the resource then leaves default privileges alone, in the authoritative scope too.
   */
  defaultPrivileges?: Record<string, DefaultPrivilegesEntry>;
  authoritative?: Authoritative;
  cascade: boolean;
  /** Always empty in the inputs; read fills it in the outputs (drift). */
  unmanaged: UnmanagedPrivilege[];
  connection?: ConnectionArgs;
}
/** What an entry holds after a refresh, where it differs from what the entry wants. */
export interface HeldEntry {
  privileges: string[];
  withGrantOption: boolean;
}

/**
 * The outputs: the inputs as last applied (what `delete` revokes), and from a refresh the drift:
 * `unmanaged`, and `drifted`, what each entry that no longer holds all it wants holds now. `grants`
 * itself keeps the wanted entries, so that a delete after a refresh still revokes every privilege an
 * entry granted (an all-tables entry missing on one table holds on none of "every table", yet still
 * holds on the others).
 */
export interface PrivilegesOutputs extends PrivilegesInputs {
  drifted?: Record<string, HeldEntry>;
}

const ENTRY_KEYS = ["role", "objectType", "schema", "objects", "columns", "privileges", "withGrantOption"];

/**
 * The key of an entry: what it grants on, to whom, with or without the grant option; its
 * privileges are its value. Readable in a diff: `readonly: table app.*`, `writer: table
 * app.{orders,users}`, `app: database`, `r: column app.t(a,b)`.
 */
export function entryKey(e: Omit<PrivilegesEntry, "privileges">): string {
  const routine = (o: string) => {
    const open = o.indexOf("(");
    return open > 0 ? `${keyPart(o.slice(0, open))}${o.slice(open)}` : keyPart(o);
  };
  const list = (xs: string[], one: (x: string) => string) =>
    xs.length === 1 ? one(xs[0]!) : `{${xs.map(one).join(",")}}`;
  let where: string;
  if (e.objectType === "database") where = "database";
  else if (e.objectType === "schema") where = `schema ${keyPart(e.schema ?? "")}`;
  else {
    const objs = e.objects ? list(e.objects, routine) : "*";
    const cols = e.columns ? `(${e.columns.map(keyPart).join(",")})` : "";
    where = `${e.objectType} ${e.schema !== undefined ? `${keyPart(e.schema)}.` : ""}${objs}${cols}`;
  }
  return `${keyPart(e.role)}: ${where}${e.withGrantOption ? " +grant option" : ""}`;
}

function checkAuthoritative(p: Problems, v: unknown): Authoritative | undefined {
  if (v === undefined || v === null || isUnknown(v)) return v === null ? undefined : (v as undefined);
  if (typeof v !== "object" || Array.isArray(v)) {
    p.add("authoritative", "authoritative must be { schemas?: [...], roles?: [...] }");
    return undefined;
  }
  const a = v as Record<string, unknown>;
  for (const k of Object.keys(a)) {
    if (k !== "schemas" && k !== "roles")
      p.add(`authoritative.${k}`, `authoritative has schemas and roles only, not ${JSON.stringify(k)}`);
  }
  p.nameList("authoritative.schemas", a.schemas);
  p.nameList("authoritative.roles", a.roles);
  const names = (x: unknown) => (Array.isArray(x) ? [...new Set(x as string[])].sort() : []);
  const roles = names(a.roles).map((r) =>
    typeof r === "string" && r.toUpperCase() === "PUBLIC" ? "PUBLIC" : r,
  );
  return { schemas: names(a.schemas), roles };
}

export function checkPrivileges(news: Record<string, unknown>): {
  inputs: PrivilegesInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("database", news.database, false);
  p.bool("cascade", news.cascade);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);
  const authoritative = checkAuthoritative(p, news.authoritative);

  let grants: Record<string, PrivilegesEntry> | undefined;
  if (news.grants === undefined || news.grants === null)
    p.add("grants", "grants is required (a list of entries; [] for none)");
  else
    // Entries on the same objects, grantee and grant option: the union of their privileges.
    grants = checkEntryList<PrivilegesEntry>(
      p,
      "grants",
      news.grants,
      ENTRY_KEYS,
      checkGrant,
      entryKey,
      (e, privs) => normalizePrivileges(e.objectType, privs),
    );
  const defaultPrivileges = checkDefaultEntries(p, news.defaultPrivileges);

  const inputs: PrivilegesInputs = compact({
    database: news.database as string | undefined,
    grants: grants as Record<string, PrivilegesEntry>,
    defaultPrivileges,
    authoritative,
    cascade: (news.cascade as boolean | undefined) ?? false,
    unmanaged: [],
    connection: news.connection as ConnectionArgs | undefined,
  });
  return { inputs, failures: p.failures };
}

/** Plain JSON with object keys sorted: equal values give equal text. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

export function diffPrivileges(
  olds: Partial<PrivilegesOutputs>,
  news: PrivilegesInputs,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  if ((olds.database ?? undefined) !== (news.database ?? undefined)) replaces.push("database");
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  const updates =
    canonical(olds.grants ?? {}) !== canonical(news.grants) ||
    canonical(olds.defaultPrivileges ?? null) !== canonical(news.defaultPrivileges ?? null) ||
    canonical(olds.authoritative ?? null) !== canonical(news.authoritative ?? null) ||
    (olds.cascade ?? false) !== news.cascade ||
    (olds.unmanaged ?? []).length > 0 ||
    Object.keys(olds.drifted ?? {}).length > 0 ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  // A replacement would revoke what the new resource just granted: the old one goes first.
  return { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace: replaces.length > 0 };
}
