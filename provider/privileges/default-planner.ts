/**
 * The planner of a Privileges resource's `defaultPrivileges` entries: (the items of the
 * pg_default_acl rows in scope, PostgreSQL's built-in defaults, the entries wanted and managed
 * before, the authoritative scope) -> ALTER DEFAULT PRIVILEGES statements, the unmanaged default
 * privileges, and what each entry holds. Pure, like planner.ts beside it.
 *
 * An entry means what the same arguments mean on DefaultPrivileges (its planner's rules, applied
 * per target, a target being one owner, schema or none, object type and grantee; entries of the
 * same target, "function" and "routine" alike, are a union): it controls the privileges it lists
 * and, for a global entry (no schema), the grantee's built-in defaults, so a global entry revokes a
 * built-in default it does not list, and once no entry names the target any more the built-in
 * default is put back. Only the delta: a privilege that stays wanted is never revoked.
 *
 * Authoritative: an item of a pg_default_acl row is in scope when its schema is one of
 * `authoritative.schemas` (per-schema rows only), or its grantee one of `authoritative.roles` (any
 * row: per-schema or global). In scope, what no entry lists is unmanaged and revoked. Never in
 * scope: what a row gives the owner itself, and in a global row the grantee's built-in defaults
 * (PUBLIC's EXECUTE on functions and USAGE on types: a global row that holds them says no more than
 * the absent row would; a global entry with `privileges: []` revokes them); nor the built-in
 * defaults of an owner that has no row (nothing in the catalog).
 */
import { ident, roleSpec } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { controlled, heldControlled } from "../default-privileges/planner";
import {
  describeDefaultPrivileges,
  expandDefaultPrivileges,
  typeInfo,
} from "../default-privileges/object-types";
import type { ModelDefaultType } from "../queries/model";
import type { DefaultPrivilegesEntry } from "./default-inputs";
import type { Authoritative, UnmanagedPrivilege } from "./inputs";

export type DefaultType = ModelDefaultType;

/** One pg_default_acl row, by names: its items (aclexplode of defaclacl; an empty ACL has none). */
export interface DefaultAclRow {
  owner: string;
  /** null: the owner's global entry. */
  schema: string | null;
  objectType: DefaultType;
  items: ReadonlyArray<{ grantee: string; privilege: string; grantable: boolean }>;
}

/** PostgreSQL's built-in default per type (acldefault): what the owner gets, what PUBLIC gets. */
export type BuiltinDefaults = Record<DefaultType, { owner: readonly string[]; public: readonly string[] }>;

export interface DefaultPlanInput {
  /** server_version_num (what "ALL" means). */
  version: number;
  /**
   * The pg_default_acl rows of interest: every row of an owner the entries name, whole, and the
   * items of other rows in the authoritative scope.
   */
  rows: readonly DefaultAclRow[];
  builtin: BuiltinDefaults;
  desired: readonly DefaultPrivilegesEntry[];
  /** What the resource managed before (undefined on create). */
  previous?: readonly DefaultPrivilegesEntry[];
  authoritative?: Authoritative;
  /** Roles and schemas that do not exist: entries naming one hold nothing (and cannot be applied). */
  missingRoles?: readonly string[];
  missingSchemas?: readonly string[];
  /** Owners whose default privileges the admin may not alter (not a member of them). */
  cannotAlter?: readonly string[];
}

/** What an entry holds now (read reports it under the entry's key). */
export interface DefaultEntryState {
  /** Of the privileges the entry controls, those held, as the entry writes them (ALL stays ALL). */
  privileges: string[];
  withGrantOption: boolean;
  /** Why the entry cannot hold (its owner, grantee or schema does not exist). */
  missing: string[];
}

/** One privilege of one target that changes: granted (with or without the grant option) or revoked. */
export interface DefaultChange {
  owner: string;
  schema: string | null;
  objectType: DefaultType;
  grantee: string;
  privilege: string;
  mode: "revoke grant option" | "revoke" | "grant" | "grant with grant option";
}

export interface DefaultPlan {
  statements: Statement[];
  /** In the authoritative scope, what no entry lists (each revoked by the statements). */
  unmanaged: UnmanagedPrivilege[];
  /** Owners the statements act for that the admin may not act for. */
  blocked: string[];
  /** Per entry of `desired`, in its order. */
  entries: DefaultEntryState[];
  /** The changes the statements make (for a simulation). */
  changes: DefaultChange[];
}

const MODES: readonly DefaultChange["mode"][] = [
  "revoke grant option",
  "revoke",
  "grant",
  "grant with grant option",
];

const typeOf = (e: DefaultPrivilegesEntry): DefaultType =>
  e.objectType === "routine" ? "function" : e.objectType;
const rowKey = (owner: string, schema: string | null, t: DefaultType) =>
  `${owner}\u0000${schema ?? "\u0001"}\u0000${t}`;
const targetKey = (owner: string, schema: string | null, t: DefaultType, grantee: string) =>
  `${rowKey(owner, schema, t)}\u0000${grantee}`;

interface Target {
  owner: string;
  schema: string | null;
  objectType: DefaultType;
  grantee: string;
}

/** What is wanted of each target: privilege -> with grant option (a union over its entries). */
function wanted(entries: readonly DefaultPrivilegesEntry[], version: number) {
  const m = new Map<string, { target: Target; privileges: Map<string, boolean> }>();
  for (const e of entries) {
    const target = { owner: e.owner, schema: e.schema ?? null, objectType: typeOf(e), grantee: e.role };
    const k = targetKey(target.owner, target.schema, target.objectType, target.grantee);
    let w = m.get(k);
    if (!w) m.set(k, (w = { target, privileges: new Map() }));
    for (const p of expandDefaultPrivileges(e.objectType, e.privileges, version))
      w.privileges.set(p, (w.privileges.get(p) ?? false) || e.withGrantOption);
  }
  return m;
}

export function planDefaultPrivilegeEntries(input: DefaultPlanInput): DefaultPlan {
  const missingRoles = new Set(input.missingRoles ?? []);
  const missingSchemas = new Set(input.missingSchemas ?? []);
  const missingOf = (e: DefaultPrivilegesEntry): string[] => [
    ...(missingRoles.has(e.owner) ? [`role ${JSON.stringify(e.owner)} (the owner) does not exist`] : []),
    ...(e.role !== "PUBLIC" && missingRoles.has(e.role)
      ? [`role ${JSON.stringify(e.role)} does not exist`]
      : []),
    ...(e.schema !== undefined && missingSchemas.has(e.schema)
      ? [`schema ${JSON.stringify(e.schema)} does not exist`]
      : []),
  ];
  const live = (e: DefaultPrivilegesEntry) => missingOf(e).length === 0;

  // The catalog: rows that exist, and what each target holds in them.
  const rows = new Set<string>();
  const heldIn = new Map<string, Record<string, boolean>>();
  const items = input.rows.flatMap((r) =>
    r.items.map((i) => ({ owner: r.owner, schema: r.schema, objectType: r.objectType, ...i })),
  );
  for (const r of input.rows) rows.add(rowKey(r.owner, r.schema, r.objectType));
  for (const x of items) {
    const k = targetKey(x.owner, x.schema, x.objectType, x.grantee);
    const h = heldIn.get(k) ?? {};
    h[x.privilege] = (h[x.privilege] ?? false) || x.grantable;
    heldIn.set(k, h);
  }
  const builtinOf = (t: Target): readonly string[] => {
    if (t.schema !== null) return [];
    const b = input.builtin[t.objectType];
    return t.grantee === t.owner ? b.owner : t.grantee === "PUBLIC" ? b.public : [];
  };
  /** As DefaultPrivileges reads it: a global entry without a row holds the built-in default. */
  const held = (t: Target): Record<string, boolean> => {
    if (rows.has(rowKey(t.owner, t.schema, t.objectType)))
      return heldIn.get(targetKey(t.owner, t.schema, t.objectType, t.grantee)) ?? {};
    return Object.fromEntries(builtinOf(t).map((p) => [p, false]));
  };

  const desired = wanted(input.desired.filter(live), input.version);
  const previous = wanted((input.previous ?? []).filter(live), input.version);

  const changes = new Map<string, DefaultChange>();
  const change = (t: Target, privilege: string, mode: DefaultChange["mode"]) => {
    const k = `${targetKey(t.owner, t.schema, t.objectType, t.grantee)}\u0000${privilege}`;
    const known = changes.get(k);
    // A revoke of the privilege covers its grant option.
    if (!known || (known.mode === "revoke grant option" && mode === "revoke"))
      changes.set(k, { ...t, privilege, mode });
  };

  // The entries' targets: DefaultPrivileges' delta, per target.
  for (const [k, w] of new Map([...previous, ...desired])) {
    const t = w.target;
    const now = held(t);
    const builtin = builtinOf(t);
    const want = desired.get(k)?.privileges ?? new Map(builtin.map((p) => [p, false]));
    const before = previous.get(k)?.privileges ?? new Map<string, boolean>();
    for (const [p, go] of want)
      if (!(p in now) || (go && !now[p])) change(t, p, go ? "grant with grant option" : "grant");
    for (const p of controlled([...before.keys()], builtin))
      if (!want.has(p) && p in now) change(t, p, "revoke");
    for (const [p, go] of want)
      if (!go && now[p] === true && before.get(p) === true) change(t, p, "revoke grant option");
  }

  // The authoritative scope: items of the rows that no entry lists.
  const unmanaged: UnmanagedPrivilege[] = [];
  const a = input.authoritative;
  if (a && (a.schemas.length > 0 || a.roles.length > 0)) {
    for (const x of items) {
      if (x.grantee === x.owner) continue;
      const inScope = (x.schema !== null && a.schemas.includes(x.schema)) || a.roles.includes(x.grantee);
      if (!inScope) continue;
      const t: Target = { owner: x.owner, schema: x.schema, objectType: x.objectType, grantee: x.grantee };
      const want = desired.get(targetKey(x.owner, x.schema, x.objectType, x.grantee))?.privileges;
      const builtin = builtinOf(t).includes(x.privilege);
      const u = (privilege: string, withGrantOption: boolean): UnmanagedPrivilege => ({
        role: x.grantee,
        objectType: x.objectType,
        schema: x.schema,
        object: "*",
        privilege,
        withGrantOption,
        grantor: x.owner,
        default: { owner: x.owner },
      });
      if (!want?.has(x.privilege) && !builtin) {
        unmanaged.push(u(x.privilege, x.grantable));
        change(t, x.privilege, "revoke");
      } else if (x.grantable && !want?.get(x.privilege)) {
        unmanaged.push(u(`GRANT OPTION FOR ${x.privilege}`, true));
        change(t, x.privilege, "revoke grant option");
      }
    }
  }

  const all = [...changes.values()];
  const cannot = new Set(input.cannotAlter ?? []);
  const blocked = [...new Set(all.map((c) => c.owner).filter((o) => cannot.has(o)))];
  return {
    statements: statementsOf(all),
    unmanaged,
    blocked,
    entries: input.desired.map((e) => {
      const missing = missingOf(e);
      if (missing.length > 0) return { privileges: [], withGrantOption: false, missing };
      // DefaultPrivileges' reading: of what the entry controls, what is held; the grant option on all it declares.
      const t: Target = { owner: e.owner, schema: e.schema ?? null, objectType: typeOf(e), grantee: e.role };
      const now = held(t);
      const declared = expandDefaultPrivileges(e.objectType, e.privileges, input.version);
      // The built-in defaults another entry of the target wants are no extra of this one (a union).
      const union = desired.get(targetKey(t.owner, t.schema, t.objectType, t.grantee))?.privileges;
      const builtin = builtinOf(t).filter((p) => !union?.has(p));
      const have = heldControlled(now, controlled(declared, builtin)).held;
      return {
        privileges: describeDefaultPrivileges(e.objectType, have, e.privileges, input.version),
        withGrantOption: e.withGrantOption && heldControlled(now, declared).grantable,
        missing,
      };
    }),
    changes: all,
  };
}

/** Each mode's SQL (after ALTER DEFAULT PRIVILEGES … FOR ROLE …) and description. */
const WORDS: Record<
  DefaultChange["mode"],
  (privs: string, keyword: string, to: string, future: string, names: string) => [string, string]
> = {
  "revoke grant option": (privs, keyword, to, future, names) => [
    `REVOKE GRANT OPTION FOR ${privs} ON ${keyword} FROM ${to}`,
    `revoke the grant option for ${privs} on ${future} from ${names}`,
  ],
  revoke: (privs, keyword, to, future, names) => [
    `REVOKE ${privs} ON ${keyword} FROM ${to}`,
    `revoke ${privs} on ${future} from ${names}`,
  ],
  grant: (privs, keyword, to, future, names) => [
    `GRANT ${privs} ON ${keyword} TO ${to}`,
    `grant ${privs} on ${future} to ${names}`,
  ],
  "grant with grant option": (privs, keyword, to, future, names) => [
    `GRANT ${privs} ON ${keyword} TO ${to} WITH GRANT OPTION`,
    `grant ${privs} on ${future} to ${names} with grant option`,
  ],
};

/**
 * ALTER DEFAULT PRIVILEGES statements for the changes, grouped: per target and mode its privileges,
 * then per row, mode and privilege list its grantees; revokes (grant options first) before grants.
 */
function statementsOf(changes: readonly DefaultChange[]): Statement[] {
  const out: Statement[] = [];
  for (const mode of MODES) {
    const perTarget = new Map<string, { c: DefaultChange; privileges: string[] }>();
    for (const c of changes.filter((x) => x.mode === mode)) {
      const k = targetKey(c.owner, c.schema, c.objectType, c.grantee);
      const g = perTarget.get(k);
      if (g) g.privileges.push(c.privilege);
      else perTarget.set(k, { c, privileges: [c.privilege] });
    }
    const perRow = new Map<string, { c: DefaultChange; privileges: string[]; grantees: string[] }>();
    for (const { c, privileges } of perTarget.values()) {
      const order = typeInfo(c.objectType).privileges(Number.MAX_SAFE_INTEGER);
      const privs = [...privileges].sort((x, y) => order.indexOf(x) - order.indexOf(y));
      const k = `${rowKey(c.owner, c.schema, c.objectType)}\u0000${privs.join(",")}`;
      const g = perRow.get(k);
      if (g) g.grantees.push(c.grantee);
      else perRow.set(k, { c, privileges: privs, grantees: [c.grantee] });
    }
    for (const { c, privileges, grantees } of perRow.values()) {
      const keyword = typeInfo(c.objectType).keyword;
      const where = `FOR ROLE ${ident(c.owner)}${c.schema !== null ? ` IN SCHEMA ${ident(c.schema)}` : ""}`;
      const to = [...grantees].sort().map(roleSpec).join(", ");
      const privs = privileges.join(", ");
      const future = `future ${keyword.toLowerCase()} of ${c.owner}${c.schema !== null ? ` in schema ${c.schema}` : ""}`;
      const names = [...grantees].sort().join(", ");
      const [sql, description] = WORDS[mode](privs, keyword, to, future, names);
      out.push(stmt(description, `ALTER DEFAULT PRIVILEGES ${where} ${sql}`));
    }
  }
  return out;
}
