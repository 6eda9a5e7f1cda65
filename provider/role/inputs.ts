/** Role inputs: their defaults, validation (check) and comparison (diff). Pure, no server. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";
import { compact, sameList } from "../common/values";
import { PARAMETER_RE } from "./settings";
import { ROLE_DEFAULTS, ROLE_FLAGS, type RoleFlags } from "./attributes";

export type { RoleFlag } from "./attributes";

/** The role's inputs after check: every default filled in, lists sorted. */
export interface RoleInputs extends RoleFlags {
  name: string;
  connectionLimit: number;
  validUntil?: string;
  password?: string;
  inRoles: string[];
  adoptExisting: boolean;
  /** ALTER ROLE … SET parameters; names lower-cased. */
  settings: Record<string, string>;
  comment?: string;
  /** On delete: REASSIGN OWNED BY the role TO this role (in every database where it owns objects). */
  reassignOwnedTo?: string;
  /** On delete: DROP OWNED BY the role (its objects and privileges, in every database). */
  dropOwned: boolean;
  connection?: ConnectionArgs;
  /**
   * The resource's own URN (computed by the Role constructor): the key of its creation marker
   * (provider/db/ownership.ts). Not compared by diff.
   */
  resourceUrn?: string;
}

/** What create, update and read return: the inputs as the catalog has them, plus the role's OID. */
export interface RoleOutputs extends RoleInputs {
  oid: number;
  /** Set by refresh for a role with a password: whether the stored password could be checked (see hooks). */
  passwordCheck?: string;
  /** The system identifier of the cluster the OID belongs to (provider/db/cluster.ts); absent in older states. */
  systemIdentifier?: string;
}

/** "infinity", or a date/time PostgreSQL and JavaScript both read (ISO 8601 style). */
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC)?$/i;

export function validUntilProblem(v: string): string | undefined {
  if (v === "infinity") return undefined;
  const problem = `validUntil ${JSON.stringify(v)} is not a timestamp (use "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or "infinity")`;
  const m = TIMESTAMP_RE.exec(v.trim());
  if (!m) return problem;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  // Date.UTC rolls 2030-02-30 over to March; PostgreSQL rejects it, so do we.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d)
    return problem;
  if (h! > 23 || mi! > 59 || sec! > 59) return problem;
  return undefined;
}

export function checkRole(news: Record<string, unknown>): {
  inputs: RoleInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("name", news.name, true);
  for (const f of [...ROLE_FLAGS, "adoptExisting"]) p.bool(f, news[f]);
  const limit = news.connectionLimit;
  if (limit !== undefined && !isUnknown(limit)) {
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < -1) {
      p.add("connectionLimit", "connectionLimit must be an integer of -1 (no limit) or more");
    }
  }
  const validUntil = news.validUntil;
  if (validUntil !== undefined && !isUnknown(validUntil)) {
    if (typeof validUntil !== "string") p.add("validUntil", "validUntil must be a string");
    else {
      const problem = validUntilProblem(validUntil);
      if (problem) p.add("validUntil", problem);
    }
  }
  const password = news.password;
  if (password !== undefined && !isUnknown(password)) {
    if (typeof password !== "string") p.add("password", "password must be a string");
    else if (password.length === 0)
      p.add("password", "password must not be empty (omit it for a role without a password)");
    else if (password.includes("\u0000")) p.add("password", "password must not contain a NUL character");
  }
  p.nameList("inRoles", news.inRoles);
  if (
    Array.isArray(news.inRoles) &&
    typeof news.name === "string" &&
    !isUnknown(news.name) &&
    news.inRoles.includes(news.name)
  ) {
    p.add("inRoles", `a role cannot be a member of itself (${JSON.stringify(news.name)})`);
  }
  const settings = news.settings;
  if (settings !== undefined && !isUnknown(settings)) {
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      p.add("settings", "settings must be an object of parameter names to values");
    } else {
      for (const [k, v] of Object.entries(settings)) {
        if (!PARAMETER_RE.test(k.toLowerCase()))
          p.add(`settings.${k}`, `${JSON.stringify(k)} is not a parameter name`);
        if (!isUnknown(v) && (typeof v !== "string" || v.includes("\u0000"))) {
          p.add(`settings.${k}`, `settings.${k} must be a string without NUL characters`);
        }
      }
    }
  }
  if (news.comment !== undefined && !isUnknown(news.comment)) {
    if (typeof news.comment !== "string" || news.comment.includes("\u0000")) {
      p.add("comment", "comment must be a string without NUL characters");
    }
  }
  p.name("reassignOwnedTo", news.reassignOwnedTo, false);
  if (typeof news.reassignOwnedTo === "string" && news.reassignOwnedTo === news.name) {
    p.add("reassignOwnedTo", "a role cannot reassign what it owns to itself");
  }
  p.bool("dropOwned", news.dropOwned);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  const flags = Object.fromEntries(ROLE_FLAGS.map((f) => [f, news[f] ?? ROLE_DEFAULTS[f]])) as RoleFlags;
  const inputs: RoleInputs = compact({
    name: news.name as string,
    ...flags,
    connectionLimit: (news.connectionLimit as number | undefined) ?? -1,
    validUntil: news.validUntil as string | undefined,
    password: news.password as string | undefined,
    inRoles: Array.isArray(news.inRoles)
      ? [...(news.inRoles as string[])].sort()
      : isUnknown(news.inRoles)
        ? (news.inRoles as unknown as string[])
        : [],
    adoptExisting: (news.adoptExisting as boolean | undefined) ?? false,
    settings:
      settings && typeof settings === "object" && !Array.isArray(settings)
        ? Object.fromEntries(Object.entries(settings).map(([k, v]) => [k.toLowerCase(), v as string]))
        : isUnknown(settings)
          ? (settings as Record<string, string>)
          : {},
    comment: news.comment as string | undefined,
    reassignOwnedTo: news.reassignOwnedTo as string | undefined,
    dropOwned: (news.dropOwned as boolean | undefined) ?? false,
    connection: news.connection as ConnectionArgs | undefined,
    resourceUrn: typeof news.resourceUrn === "string" ? news.resourceUrn : undefined,
  });
  return { inputs, failures: p.failures };
}

/** Fields whose change is an in-place update. */
const UPDATABLE = [
  ...ROLE_FLAGS,
  "name",
  "connectionLimit",
  "validUntil",
  "password",
  "comment",
  "reassignOwnedTo",
  "dropOwned",
] as const;

function sortedEntries(o: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(o ?? {}).sort());
}

export function diffRole(olds: Partial<RoleOutputs>, news: RoleInputs): pulumi.dynamic.DiffResult {
  const changed: string[] = [];
  for (const k of UPDATABLE) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) changed.push(k);
  }
  if (!sameList([...(olds.inRoles ?? [])].sort(), news.inRoles)) changed.push("inRoles");
  if (sortedEntries(olds.settings) !== sortedEntries(news.settings)) changed.push("settings");
  const replaces: string[] = [];
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  else if (JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null))
    changed.push("connection");
  return { changes: changed.length + replaces.length > 0, replaces, deleteBeforeReplace: false };
}
