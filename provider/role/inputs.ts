/** Role inputs: their defaults, validation (check) and comparison (diff). Pure, no server. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";
import { compact, sameList } from "../common/values";
import { PARAMETER_RE } from "./settings";
import { ROLE_DEFAULTS, ROLE_FLAGS, type RoleFlags } from "./attributes";

export type { RoleFlag } from "./attributes";

/** The role's inputs after check: every default filled in, lists sorted. */
export interface RoleInputs extends RoleFields {
  name: string;
  adoptExisting: boolean;
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

/** A role's own fields after check (Role's inputs, and each entry of Roles), every default filled in. */
export interface RoleFields extends RoleFlags {
  connectionLimit: number;
  validUntil?: string;
  password?: string;
  inRoles: string[];
  /** ALTER ROLE … SET parameters; names lower-cased. */
  settings: Record<string, string>;
  comment?: string;
}

/**
 * The checks and defaults of one role's fields (attributes, connection limit, expiry, password,
 * groups, settings, comment), with problems named by `at(field)`: the field itself for a Role,
 * `roles.<key>.<field>` for an entry of Roles. `name` is the role's name (a role cannot be its own group).
 */
export function checkRoleFields(
  p: Problems,
  news: Record<string, unknown>,
  name: unknown,
  at: (field: string) => string = (f) => f,
): RoleFields {
  for (const f of ROLE_FLAGS) p.bool(at(f), news[f]);
  const limit = news.connectionLimit;
  if (limit !== undefined && !isUnknown(limit)) {
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < -1) {
      p.add(at("connectionLimit"), `${at("connectionLimit")} must be an integer of -1 (no limit) or more`);
    }
  }
  const validUntil = news.validUntil;
  if (validUntil !== undefined && !isUnknown(validUntil)) {
    if (typeof validUntil !== "string") p.add(at("validUntil"), `${at("validUntil")} must be a string`);
    else {
      const problem = validUntilProblem(validUntil);
      if (problem) p.add(at("validUntil"), problem);
    }
  }
  const password = news.password;
  if (password !== undefined && !isUnknown(password)) {
    if (typeof password !== "string") p.add(at("password"), `${at("password")} must be a string`);
    else if (password.length === 0)
      p.add(at("password"), `${at("password")} must not be empty (omit it for a role without a password)`);
    else if (password.includes("\u0000"))
      p.add(at("password"), `${at("password")} must not contain a NUL character`);
  }
  p.nameList(at("inRoles"), news.inRoles);
  if (
    Array.isArray(news.inRoles) &&
    typeof name === "string" &&
    !isUnknown(name) &&
    news.inRoles.includes(name)
  ) {
    p.add(at("inRoles"), `a role cannot be a member of itself (${JSON.stringify(name)})`);
  }
  const settings = news.settings;
  if (settings !== undefined && !isUnknown(settings)) {
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      p.add(at("settings"), `${at("settings")} must be an object of parameter names to values`);
    } else {
      for (const [k, v] of Object.entries(settings)) {
        if (!PARAMETER_RE.test(k.toLowerCase()))
          p.add(`${at("settings")}.${k}`, `${JSON.stringify(k)} is not a parameter name`);
        if (!isUnknown(v) && (typeof v !== "string" || v.includes("\u0000"))) {
          p.add(`${at("settings")}.${k}`, `${at("settings")}.${k} must be a string without NUL characters`);
        }
      }
    }
  }
  if (news.comment !== undefined && !isUnknown(news.comment)) {
    if (typeof news.comment !== "string" || news.comment.includes("\u0000")) {
      p.add(at("comment"), `${at("comment")} must be a string without NUL characters`);
    }
  }
  const flags = Object.fromEntries(ROLE_FLAGS.map((f) => [f, news[f] ?? ROLE_DEFAULTS[f]])) as RoleFlags;
  return compact({
    ...flags,
    connectionLimit: (news.connectionLimit as number | undefined) ?? -1,
    validUntil: news.validUntil as string | undefined,
    password: news.password as string | undefined,
    inRoles: Array.isArray(news.inRoles)
      ? [...(news.inRoles as string[])].sort()
      : isUnknown(news.inRoles)
        ? (news.inRoles as unknown as string[])
        : [],
    settings:
      settings && typeof settings === "object" && !Array.isArray(settings)
        ? Object.fromEntries(Object.entries(settings).map(([k, v]) => [k.toLowerCase(), v as string]))
        : isUnknown(settings)
          ? (settings as Record<string, string>)
          : {},
    comment: news.comment as string | undefined,
  });
}

/** reassignOwnedTo and dropOwned (Role, Roles): what to do on delete with what a role still owns. */
export function checkOwnedOptions(
  p: Problems,
  news: Record<string, unknown>,
  roleNames: readonly unknown[],
): void {
  p.name("reassignOwnedTo", news.reassignOwnedTo, false);
  if (typeof news.reassignOwnedTo === "string" && roleNames.includes(news.reassignOwnedTo)) {
    p.add(
      "reassignOwnedTo",
      roleNames.length === 1
        ? "a role cannot reassign what it owns to itself"
        : `reassignOwnedTo names ${JSON.stringify(news.reassignOwnedTo)}, a role of this resource (dropped with it): name a role outside it, or "CURRENT_USER"`,
    );
  }
  p.bool("dropOwned", news.dropOwned);
}

export function checkRole(news: Record<string, unknown>): {
  inputs: RoleInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("name", news.name, true);
  p.bool("adoptExisting", news.adoptExisting);
  const fields = checkRoleFields(p, news, news.name);
  checkOwnedOptions(p, news, [news.name]);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  const inputs: RoleInputs = compact({
    name: news.name as string,
    ...fields,
    adoptExisting: (news.adoptExisting as boolean | undefined) ?? false,
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
