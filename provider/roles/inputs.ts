/**
 * Roles inputs: many roles in one resource, keyed. Each entry is checked and defaulted exactly as a
 * Role's fields are (role/inputs.ts), then stored *sparse*: only what differs from the defaults, so
 * that the state stays small and `pulumi preview --diff` of one role reads as that role's key only.
 * Pure, no server.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";
import { compact, omit } from "../common/values";
import { ROLE_DEFAULTS, ROLE_FLAGS } from "../role/attributes";
import { type RoleFields, checkOwnedOptions, checkRoleFields } from "../role/inputs";

/**
 * One role of a Roles resource as stored: `name` only when it is not the key, each attribute only
 * when it is not the default (`inherit` appears only as `false`), lists and maps only when not empty.
 */
export interface RolesEntry extends Partial<Omit<RoleFields, "password">> {
  name?: string;
}

/** A role's fields with every default filled in, and its name. */
export type RoleEntryFields = Omit<RoleFields, "password"> & { name: string };

export interface RolesAuthoritative {
  /** Each role's groups are exactly its inRoles: memberships found beyond them are revoked. */
  memberships?: boolean;
}

/** The inputs after check. */
export interface RolesInputs {
  /** Key -> role (sparse). The key is the role's stable identity; its name defaults to the key. */
  roles: Record<string, RolesEntry>;
  /** Key -> password (a secret as a whole; never in `roles`). */
  passwords?: Record<string, string>;
  adoptExisting: boolean;
  authoritative?: RolesAuthoritative;
  reassignOwnedTo?: string;
  dropOwned: boolean;
  connection?: ConnectionArgs;
  /** The resource's URN, for its creation markers (see db/ownership.ts); no part of any diff. */
  resourceUrn?: string;
}

/** What create, update and read return: the inputs as the catalog has them, and each role's OID. */
export interface RolesOutputs extends RolesInputs {
  /** Key -> OID of the role (stays the same across renames). */
  oids: Record<string, number>;
  /** Set by refresh when some role has a password (see Role's passwordCheck). */
  passwordCheck?: string;
  /** The cluster the OIDs belong to (see db/cluster.ts). */
  systemIdentifier?: string;
}

/** The fields an entry may have (Role's vocabulary minus what is the resource's). */
const ENTRY_FIELDS = new Set<string>([
  "name",
  ...ROLE_FLAGS,
  "connectionLimit",
  "validUntil",
  "password",
  "inRoles",
  "settings",
  "comment",
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The sparse form of a role's fields (see {@link RolesEntry}). Unknown values (preview) are kept. */
export function sparseEntry(key: string, f: RoleEntryFields): RolesEntry {
  const e: Record<string, unknown> = {};
  if (f.name !== key) e.name = f.name;
  for (const flag of ROLE_FLAGS) if (f[flag] !== ROLE_DEFAULTS[flag]) e[flag] = f[flag];
  if (f.connectionLimit !== -1) e.connectionLimit = f.connectionLimit;
  if (f.validUntil !== undefined) e.validUntil = f.validUntil;
  if (isUnknown(f.inRoles) || f.inRoles.length > 0) e.inRoles = f.inRoles;
  if (isUnknown(f.settings) || Object.keys(f.settings).length > 0) e.settings = f.settings;
  if (f.comment !== undefined) e.comment = f.comment;
  return e as RolesEntry;
}

/** An entry with every default filled in (the inverse of {@link sparseEntry}). */
export function fullEntry(key: string, e: RolesEntry): RoleEntryFields {
  const flags = Object.fromEntries(ROLE_FLAGS.map((f) => [f, e[f] ?? ROLE_DEFAULTS[f]]));
  return compact({
    name: e.name ?? key,
    ...(flags as Pick<RoleFields, (typeof ROLE_FLAGS)[number]>),
    connectionLimit: e.connectionLimit ?? -1,
    validUntil: e.validUntil,
    inRoles: e.inRoles ?? [],
    settings: e.settings ?? {},
    comment: e.comment,
  });
}

/** Names of roles of the resource that are, through inRoles, members of themselves (PostgreSQL refuses the cycle). */
function membershipCycle(groups: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "done") return undefined;
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
    state.set(n, "open");
    path.push(n);
    for (const g of groups.get(n) ?? []) {
      // an outside role is not ours to follow; a role in its own inRoles is reported on its own
      if (!groups.has(g) || g === n) continue;
      const cycle = visit(g);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const n of groups.keys()) {
    const cycle = visit(n);
    if (cycle) return cycle;
  }
  return undefined;
}

export function checkRoles(news: Record<string, unknown>): {
  inputs: RolesInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  const given = news.roles;
  const roles: Record<string, RolesEntry> = {};
  // Passwords come as their own secret map; an entry's `password` (direct calls) joins it.
  const passwords: Record<string, string> = {};
  const passwordsUnknown = isUnknown(news.passwords);
  if (news.passwords !== undefined && !passwordsUnknown) {
    if (!isObject(news.passwords))
      p.add("passwords", "passwords must be an object of role keys to passwords");
    else Object.assign(passwords, news.passwords);
  }
  const names = new Map<string, string>(); // name -> key
  const groups = new Map<string, readonly string[]>(); // name -> its groups (known ones)
  if (given === undefined || given === null)
    p.add("roles", "roles is required: an object of role names to their attributes");
  else if (!isUnknown(given) && !isObject(given))
    p.add("roles", "roles must be an object of role names to their attributes");
  else if (isObject(given)) {
    for (const [key, entry] of Object.entries(given)) {
      const at = (f: string) => (f === "password" ? `passwords.${key}` : `roles.${key}.${f}`);
      if (isUnknown(entry)) {
        roles[key] = entry as RolesEntry;
        continue;
      }
      if (!isObject(entry)) {
        p.add(
          `roles.${key}`,
          `roles.${key} must be an object of the role's attributes ({} for a group role with every default)`,
        );
        continue;
      }
      for (const f of Object.keys(entry)) {
        if (!ENTRY_FIELDS.has(f)) {
          p.add(
            `roles.${key}.${f}`,
            `roles.${key}.${f} is not an attribute of a role (the attributes: ${[...ENTRY_FIELDS].join(", ")}; adoptExisting, reassignOwnedTo and dropOwned are the resource's)`,
          );
        }
      }
      const { password, ...attributes } = entry;
      if (password !== undefined) passwords[key] = password as string;
      const name = attributes.name ?? key;
      p.name(attributes.name === undefined ? `roles.${key}` : at("name"), name, true);
      const fields = checkRoleFields(p, { ...attributes, password: passwords[key] }, name, at);
      const kept = omit(fields, "password");
      if (typeof name === "string" && !isUnknown(name)) {
        const other = names.get(name);
        if (other !== undefined)
          p.add(at("name"), `roles.${other} and roles.${key} are both the role ${JSON.stringify(name)}`);
        else {
          names.set(name, key);
          if (Array.isArray(kept.inRoles))
            groups.set(
              name,
              kept.inRoles.filter((g) => !isUnknown(g)),
            );
        }
      }
      roles[key] = sparseEntry(key, { ...kept, name: name as string });
    }
    for (const key of Object.keys(passwords)) {
      if (!(key in given)) p.add(`passwords.${key}`, `passwords.${key} names no role of roles`);
    }
    const cycle = membershipCycle(groups);
    if (cycle) {
      p.add(
        `roles.${names.get(cycle[0]!)}.inRoles`,
        `memberships in a circle: ${cycle.map((n) => JSON.stringify(n)).join(" -> ")} (PostgreSQL refuses a role that is a member of itself)`,
      );
    }
  }
  p.bool("adoptExisting", news.adoptExisting);
  const authoritative = news.authoritative;
  if (authoritative !== undefined && !isUnknown(authoritative)) {
    if (!isObject(authoritative))
      p.add("authoritative", "authoritative must be an object ({ memberships: true })");
    else {
      for (const k of Object.keys(authoritative))
        if (k !== "memberships")
          p.add(`authoritative.${k}`, `authoritative.${k} is not an option (memberships)`);
      p.bool("authoritative.memberships", authoritative.memberships);
    }
  }
  checkOwnedOptions(p, news, [...names.keys()]);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  const inputs: RolesInputs = compact({
    roles: isUnknown(given) ? (given as Record<string, RolesEntry>) : roles,
    passwords: passwordsUnknown
      ? (news.passwords as Record<string, string>)
      : Object.keys(passwords).length > 0
        ? passwords
        : undefined,
    adoptExisting: (news.adoptExisting as boolean | undefined) ?? false,
    authoritative:
      isObject(authoritative) && authoritative.memberships === true ? { memberships: true } : undefined,
    reassignOwnedTo: news.reassignOwnedTo as string | undefined,
    dropOwned: (news.dropOwned as boolean | undefined) ?? false,
    connection: news.connection as ConnectionArgs | undefined,
    resourceUrn: typeof news.resourceUrn === "string" ? news.resourceUrn : undefined,
  });
  return { inputs, failures: p.failures };
}

/** JSON with object keys sorted: two maps equal whatever order their keys came in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isObject(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

export function diffRoles(olds: Partial<RolesOutputs>, news: RolesInputs): pulumi.dynamic.DiffResult {
  const changed: string[] = [];
  if (canonical(olds.roles ?? {}) !== canonical(news.roles)) changed.push("roles");
  if (canonical(olds.passwords ?? {}) !== canonical(news.passwords ?? {})) changed.push("passwords");
  if (canonical(olds.authoritative ?? {}) !== canonical(news.authoritative ?? {}))
    changed.push("authoritative");
  for (const k of ["reassignOwnedTo", "dropOwned"] as const) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) changed.push(k);
  }
  const replaces: string[] = [];
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  else if (JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null))
    changed.push("connection");
  return { changes: changed.length + replaces.length > 0, replaces, deleteBeforeReplace: false };
}
