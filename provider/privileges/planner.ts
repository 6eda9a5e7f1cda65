/**
 * Privileges planner: (the ACL entries of the catalog, the entries wanted, the entries managed
 * before, the authoritative scope) -> statements, the unmanaged privileges, and the ACL the
 * statements leave. Pure: it reads nothing and runs nothing, so the same function serves the hooks
 * and anything that simulates a Privileges resource on a catalog snapshot (`readCatalogSnapshot().acl`
 * has the shape it takes).
 *
 * Only the delta: GRANT what is missing, REVOKE what is no longer listed (or, in the authoritative
 * scope, listed nowhere); a privilege that stays wanted is never revoked. One exception is
 * PostgreSQL's: revoking a privilege on a table also revokes it on each of the table's columns
 * (https://www.postgresql.org/docs/current/sql-revoke.html), so wanted column privileges of a table
 * whose table-level privilege goes are granted again after it, in the same transaction.
 *
 * Statements are grouped (several objects and several grantees per GRANT or REVOKE), so their
 * number follows the variety of the entries, not their count.
 */
import { ident, roleSpec } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { OBJECT_KINDS, type ObjectType } from "../common/object-kinds";
import { describeActual, expandPrivileges } from "../common/privileges";
import { type ObjectAcl, heldOnAll } from "../grant/planner";
import { splitRoutine } from "../grant/inputs";
import type { AclEntry } from "../queries/types";
import type { Authoritative, PrivilegesEntry, UnmanagedPrivilege } from "./inputs";

/** An object as the catalog lists it (the object columns of an {@link AclEntry}). */
export type CatalogObject = Pick<
  AclEntry,
  "object_type" | "schema" | "object_name" | "column_name" | "owner"
>;

/** Who runs the statements, for whose grants a plain REVOKE removes and whom it may SET ROLE to. */
export interface AdminInfo {
  user: string;
  superuser: boolean;
  /** Roles whose privileges the admin has (inherits): on their objects it acts as the owner. */
  inherits: readonly string[];
  /** Roles the admin may SET ROLE to: it revokes what they granted as them. */
  canSetRole: readonly string[];
}

export interface PrivilegesPlanInput {
  /** server_version_num (what "ALL" means). */
  version: number;
  /** The database the resource is about (entries of objectType "database" mean it). */
  database: string;
  /** The ACL entries of the catalog (rows with `revoked` are ignored). */
  acl: readonly AclEntry[];
  /** Objects besides those of `acl` (objects nobody of interest holds anything on). */
  objects?: readonly CatalogObject[];
  /**
   * Routine items resolved by the server (`schema` NUL `item` -> `name(argtypes)` as the catalog
   * names it, null: no such routine); items not here match the catalog's names as written.
   */
  routines?: Readonly<Record<string, string | null>>;
  desired: readonly PrivilegesEntry[];
  /** What the resource managed before (undefined on create). */
  previous?: readonly PrivilegesEntry[];
  authoritative?: Authoritative;
  cascade: boolean;
  /** Default: a superuser. */
  admin?: AdminInfo;
  /**
   * Whether `objects` lists every named column that exists (the hooks read them): a column entry
   * naming another one is missing. Otherwise (a snapshot of ACL entries, which lists only columns
   * with privileges of their own) a column of an existing table is taken to exist.
   */
  columnsListed?: boolean;
}

/** What an entry holds now (read reports it under the entry's key). */
export interface EntryState {
  /** Privileges held on every object of the entry, as the entry writes them (ALL stays ALL). */
  privileges: string[];
  withGrantOption: boolean;
  /** Named objects that do not exist (or do not resolve), and other reasons it cannot hold. */
  missing: string[];
}

export interface PrivilegesPlan {
  statements: Statement[];
  /** Privileges in the authoritative scope that no entry lists (each revoked by the statements). */
  unmanaged: UnmanagedPrivilege[];
  /** Revokes the admin cannot make: granted by a role it can neither act as nor SET ROLE to. */
  blocked: string[];
  /** Per entry of `desired`, in its order: what it holds now. */
  entries: EntryState[];
  /** The changes the statements make, for {@link simulatePrivileges}. */
  changes: {
    revokes: readonly Revoke[];
    grants: ReadonlyArray<Change & { grantable: boolean }>;
    grantor: (o: Obj) => string | null;
  };
}

type Obj = CatalogObject;
interface Held {
  obj: Obj;
  grantee: string;
  privilege: string;
  grants: Array<{ grantor: string | null; grantable: boolean; entry: AclEntry }>;
}
export interface Revoke {
  obj: Obj;
  grantee: string;
  privilege: string;
  grantor: string | null;
  grantOptionOnly: boolean;
}

/** An object's identity as one string (names cannot hold NUL; \u0001 stands for null). */
const objKeyOf = (o: Obj) =>
  `${o.object_type}\u0000${o.schema ?? "\u0001"}\u0000${o.object_name}\u0000${o.column_name ?? "\u0001"}`;
/** The identity of an object of the index (computed once, kept beside it), or of any other. */
const KEYS = new WeakMap<Obj, string>();
const objKey = (o: Obj) => KEYS.get(o) ?? objKeyOf(o);
const tupleKey = (grantee: string, o: Obj, privilege: string) =>
  `${grantee}\u0000${objKey(o)}\u0000${privilege}`;
export const routineKey = (schema: string, item: string) => `${schema}\u0000${item}`;

/**
 * `name(argtypes)` as the catalog writes it -> its parts: the argument types are PostgreSQL's own
 * text (quoted where needed), so the split is at the last `(` outside double quotes.
 */
export function splitSignature(s: string): { name: string; args: string } {
  let quoted = false;
  for (let i = s.length - 2; i >= 0; i--) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === "(" && !quoted) return { name: s.slice(0, i), args: s.slice(i + 1, -1) };
  }
  return { name: s, args: "" };
}

/** An object as SQL: quoted, schema-qualified, routines with their argument types. */
function objectSql(o: Obj): string {
  if (o.object_type === "parameter") return o.object_name.split(".").map(ident).join(".");
  if (o.schema === null || o.object_type === "schema") return ident(o.object_name);
  if (OBJECT_KINDS[o.object_type].prokinds) {
    const { name, args } = splitSignature(o.object_name);
    return `${ident(o.schema)}.${ident(name)}(${args})`;
  }
  return `${ident(o.schema)}.${ident(o.object_name)}`;
}

/** Catalog kinds an entry's objectType covers. */
function kindsOf(t: ObjectType): ObjectType[] {
  if (t === "routine") return ["function", "procedure"];
  if (t === "type") return ["type", "domain"];
  if (t === "column") return ["table"];
  return [t];
}

/** The objects of the catalog, by kind and schema, for the entries' expansion. */
class ObjectIndex {
  readonly byKey = new Map<string, Obj>();
  private readonly inSchema = new Map<string, Obj[]>();

  /** Adds an object (once); returns the index's own copy. */
  add(o: Obj): Obj {
    const k = objKey(o);
    const known = this.byKey.get(k);
    if (known) return known;
    const plain: Obj = {
      object_type: o.object_type,
      schema: o.schema,
      object_name: o.object_name,
      column_name: o.column_name,
      owner: o.owner,
    };
    this.byKey.set(k, plain);
    KEYS.set(plain, k);
    if (o.column_name === null) {
      const sk = `${o.object_type}\u0000${o.schema}`;
      const list = this.inSchema.get(sk);
      if (list) list.push(plain);
      else this.inSchema.set(sk, [plain]);
    }
    return plain;
  }

  get(type: ObjectType, schema: string | null, name: string, column: string | null = null): Obj | undefined {
    return this.byKey.get(
      objKey({
        object_type: type as Obj["object_type"],
        schema,
        object_name: name,
        column_name: column,
        owner: null,
      }),
    );
  }

  all(type: ObjectType, schema: string): Obj[] {
    return this.inSchema.get(`${type}\u0000${schema}`) ?? [];
  }
}

interface Expanded {
  objects: Obj[];
  missing: string[];
}

function expand(e: PrivilegesEntry, idx: ObjectIndex, input: PrivilegesPlanInput): Expanded {
  const missing: string[] = [];
  const objects: Obj[] = [];
  const t = e.objectType;
  const synth = (
    type: ObjectType,
    schema: string | null,
    name: string,
    owner: string | null = null,
  ): Obj => ({
    object_type: type as Obj["object_type"],
    schema,
    object_name: name,
    column_name: null,
    owner,
  });
  if (t === "database") {
    objects.push(idx.get("database", null, input.database) ?? synth("database", null, input.database));
    return { objects, missing };
  }
  if (t === "schema") {
    const s = idx.get("schema", e.schema!, e.schema!);
    if (s) objects.push(s);
    else missing.push(`schema ${JSON.stringify(e.schema)} does not exist`);
    return { objects, missing };
  }
  const since = OBJECT_KINDS[t].since;
  if (since !== undefined && input.version < since) {
    return {
      objects,
      missing: [`${t} privileges need PostgreSQL ${since / 10000} or later (this server: ${input.version})`],
    };
  }
  if (OBJECT_KINDS[t].scope !== "schema") {
    for (const name of e.objects ?? []) {
      const o = idx.get(t, null, name) ?? (t === "parameter" ? synth(t, null, name) : undefined);
      if (o) objects.push(o);
      else missing.push(`${t} ${JSON.stringify(name)} does not exist`);
    }
    return { objects, missing };
  }
  const schema = e.schema ?? "public";
  if (!idx.get("schema", schema, schema)) {
    return { objects, missing: [`schema ${JSON.stringify(schema)} does not exist`] };
  }
  const kinds = kindsOf(t);
  if (!e.objects) {
    for (const k of kinds) objects.push(...idx.all(k, schema));
    return { objects, missing };
  }
  for (const item of e.objects) {
    let found: Obj[];
    if (OBJECT_KINDS[t].prokinds) {
      const resolved = input.routines?.[routineKey(schema, item)];
      const candidates = kinds.flatMap((k) => idx.all(k, schema));
      if (resolved === null) found = [];
      else if (resolved !== undefined) found = candidates.filter((o) => o.object_name === resolved);
      else if (splitRoutine(item).args !== undefined)
        found = candidates.filter((o) => o.object_name === item);
      else found = candidates.filter((o) => splitSignature(o.object_name).name === item);
      if (found.length > 1) {
        missing.push(
          `${item} is overloaded (${found.map((o) => o.object_name).join(", ")}): name one as name(argtypes)`,
        );
        continue;
      }
    } else {
      found = kinds.map((k) => idx.get(k, schema, item)).filter((o): o is Obj => o !== undefined);
    }
    if (found.length === 0) {
      missing.push(`${t === "column" ? "table" : t} ${JSON.stringify(`${schema}.${item}`)} does not exist`);
      continue;
    }
    const o = found[0]!;
    if (t === "column") {
      for (const c of e.columns ?? []) {
        const col = idx.get("column", schema, o.object_name, c);
        if (col) objects.push(col);
        else if (input.columnsListed)
          missing.push(`column ${JSON.stringify(`${schema}.${o.object_name}.${c}`)} does not exist`);
        else objects.push({ ...o, object_type: "column", column_name: c });
      }
    } else objects.push(o);
  }
  return { objects, missing };
}

/** Privilege names in the documentation order of the kind. */
function ordered(type: ObjectType, privs: Iterable<string>): string[] {
  const order = OBJECT_KINDS[type].privileges as readonly string[];
  return [...new Set(privs)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T>(items: Iterable<T>, key: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return [...m.values()];
}

export interface Change {
  obj: Obj;
  grantee: string;
  privilege: string;
}

/**
 * GRANT or REVOKE clauses for a set of (object, grantee, privilege) changes, grouped: per object and
 * grantee its privileges, then per object and privilege list its grantees, then one statement per
 * (kind, privilege list, grantee list) with all its objects; columns one statement per table.
 */
function grouped(
  changes: readonly Change[],
  sql: (what: string, grantees: string) => string,
  describe: (what: string, grantees: string[]) => string,
): Statement[] {
  const perPair = groupBy(changes, (c) => `${objKey(c.obj)}\u0000${c.grantee}`);
  const pairs = perPair.map((g) => ({
    obj: g[0]!.obj,
    grantee: g[0]!.grantee,
    privs: ordered(
      g[0]!.obj.object_type,
      g.map((c) => c.privilege),
    ),
  }));
  const perObj = groupBy(pairs, (p) => `${objKey(p.obj)}\u0000${p.privs.join(",")}`);
  const objs = perObj.map((g) => ({
    obj: g[0]!.obj,
    privs: g[0]!.privs,
    grantees: [...new Set(g.map((p) => p.grantee))].sort(),
  }));
  const out: Statement[] = [];
  const column = (o: Obj) => o.object_type === "column";
  for (const g of groupBy(objs, (o) =>
    JSON.stringify([
      column(o.obj) ? objKey({ ...o.obj, column_name: null }) : o.obj.object_type,
      o.privs,
      o.grantees,
    ]),
  )) {
    const { obj, privs, grantees } = g[0]!;
    const granteesSql = grantees.map(roleSpec).join(", ");
    let what: string;
    let label: string;
    if (column(obj)) {
      const cols = g.map((o) => ident(o.obj.column_name!)).join(", ");
      what = `${privs.map((p) => `${p} (${cols})`).join(", ")} ON TABLE ${objectSql({ ...obj, object_type: "table" })}`;
      label = `${privs.join(", ")} on columns ${g.map((o) => o.obj.column_name).join(", ")} of ${obj.schema}.${obj.object_name}`;
    } else {
      what = `${privs.join(", ")} ON ${OBJECT_KINDS[obj.object_type].keyword} ${g.map((o) => objectSql(o.obj)).join(", ")}`;
      const names = g.map((o) =>
        o.obj.schema && o.obj.object_type !== "schema"
          ? `${o.obj.schema}.${o.obj.object_name}`
          : o.obj.object_name,
      );
      label = `${privs.join(", ")} on ${obj.object_type} ${names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ")}`;
    }
    out.push(stmt(describe(label, grantees), sql(what, granteesSql)));
  }
  return out;
}

/** Where authoritative applies: grantee and object inside the scope, the object's owner aside. */
function inScope(a: Authoritative | undefined, database: string, obj: Obj, grantee: string): boolean {
  if (!a || grantee === obj.owner) return false;
  if (obj.schema !== null && a.schemas.includes(obj.schema)) return true;
  if (!a.roles.includes(grantee)) return false;
  return obj.schema !== null || (obj.object_type === "database" && obj.object_name === database);
}

export function planPrivileges(input: PrivilegesPlanInput): PrivilegesPlan {
  const admin: AdminInfo = input.admin ?? { user: "", superuser: true, inherits: [], canSetRole: [] };
  const idx = new ObjectIndex();
  for (const o of input.objects ?? []) idx.add(o);
  const held = new Map<string, Held>();
  for (const a of input.acl) {
    if (a.revoked) continue;
    const obj = idx.add(a);
    const k = tupleKey(a.grantee, obj, a.privilege);
    let h = held.get(k);
    if (!h) {
      h = { obj, grantee: a.grantee, privilege: a.privilege, grants: [] };
      held.set(k, h);
    }
    h.grants.push({ grantor: a.grantor, grantable: a.is_grantable, entry: a });
  }

  // What the entries want: (grantee, object, privilege) -> with grant option.
  const want = (entries: readonly PrivilegesEntry[]) => {
    const m = new Map<string, Change & { grantable: boolean }>();
    const per = new Map<PrivilegesEntry, Expanded>();
    for (const e of entries) {
      const x = expand(e, idx, input);
      per.set(e, x);
      const privs = expandPrivileges(e.objectType, e.privileges, input.version);
      for (const obj of x.objects) {
        const usable = OBJECT_KINDS[obj.object_type].privileges as readonly string[];
        for (const p of privs) {
          if (!usable.includes(p)) continue;
          const k = tupleKey(e.role, obj, p);
          const prev = m.get(k);
          m.set(k, {
            obj,
            grantee: e.role,
            privilege: p,
            grantable: (prev?.grantable ?? false) || e.withGrantOption,
          });
        }
      }
    }
    return { m, per };
  };
  const desired = want(input.desired);
  const previous = want(input.previous ?? []);

  const plainGrantor = (o: Obj) =>
    admin.superuser || o.owner === admin.user || (o.owner !== null && admin.inherits.includes(o.owner))
      ? o.owner
      : admin.user;

  const revokes: Revoke[] = [];
  const unmanaged: UnmanagedPrivilege[] = [];
  for (const [k, h] of held) {
    const wanted = desired.m.get(k);
    const managedBefore = previous.m.get(k);
    const scoped = inScope(input.authoritative, input.database, h.obj, h.grantee);
    const ours = (g: { grantor: string | null }) => g.grantor === plainGrantor(h.obj);
    if (!wanted) {
      for (const g of h.grants) {
        if (scoped || (managedBefore && ours(g))) {
          revokes.push({
            obj: h.obj,
            grantee: h.grantee,
            privilege: h.privilege,
            grantor: g.grantor,
            grantOptionOnly: false,
          });
        }
        if (scoped) unmanaged.push(unmanagedOf(h, g.grantor, g.grantable, h.privilege));
      }
    } else if (!wanted.grantable) {
      for (const g of h.grants) {
        if (!g.grantable) continue;
        if (scoped || (managedBefore?.grantable && ours(g))) {
          revokes.push({
            obj: h.obj,
            grantee: h.grantee,
            privilege: h.privilege,
            grantor: g.grantor,
            grantOptionOnly: true,
          });
        }
        if (scoped) unmanaged.push(unmanagedOf(h, g.grantor, true, `GRANT OPTION FOR ${h.privilege}`));
      }
    }
  }

  // Table-level revokes take the same privilege off the table's columns (PostgreSQL's rule).
  const tableRevoked = new Set(
    revokes
      .filter((r) => r.obj.object_type === "table" && !r.grantOptionOnly)
      .map((r) => tupleKey(r.grantee, r.obj, r.privilege)),
  );
  const grants: Array<Change & { grantable: boolean }> = [];
  for (const [k, w] of desired.m) {
    const h = held.get(k);
    const lostWithTable =
      w.obj.object_type === "column" &&
      tableRevoked.has(
        tupleKey(w.grantee, { ...w.obj, object_type: "table", column_name: null }, w.privilege),
      );
    if (!h || lostWithTable || (w.grantable && !h.grants.some((g) => g.grantable))) grants.push(w);
  }

  // Revokes: per grantor the admin may act as, then the plain ones; grant options before privileges.
  const blocked: string[] = [];
  const done: Revoke[] = [];
  const statements: Statement[] = [];
  const tail = input.cascade ? " CASCADE" : "";
  const byMode = groupBy(revokes, (r) => {
    if (r.grantor === plainGrantor(r.obj)) return "";
    if (admin.superuser || (r.grantor !== null && admin.canSetRole.includes(r.grantor)))
      return `as ${r.grantor}`;
    return "blocked";
  });
  const ordering = (g: Revoke[]) => {
    const r = g[0]!;
    return r.grantor === plainGrantor(r.obj) ? 1 : 0;
  };
  for (const g of byMode.sort((a, b) => ordering(a) - ordering(b))) {
    const r = g[0]!;
    const plain = r.grantor === plainGrantor(r.obj);
    const canSet = admin.superuser || (r.grantor !== null && admin.canSetRole.includes(r.grantor));
    if (!plain && !canSet) {
      for (const x of g) {
        blocked.push(
          `${x.grantOptionOnly ? "the grant option for " : ""}${x.privilege} on ${x.obj.object_type} ${objectSql(x.obj)}${x.obj.column_name ? ` (${x.obj.column_name})` : ""} to ${x.grantee}, granted by ${x.grantor ?? "a dropped role"}`,
        );
      }
      continue;
    }
    done.push(...g);
    const body: Statement[] = [];
    for (const goOnly of [true, false]) {
      body.push(
        ...grouped(
          g.filter((x) => x.grantOptionOnly === goOnly),
          (what, grantees) => `REVOKE ${goOnly ? "GRANT OPTION FOR " : ""}${what} FROM ${grantees}${tail}`,
          (what, grantees) =>
            `revoke ${goOnly ? "the grant option for " : ""}${what} from ${grantees.join(", ")}${plain ? "" : ` as ${r.grantor}`}`,
        ),
      );
    }
    if (body.length === 0) continue;
    if (!plain) statements.push(stmt(`act as ${r.grantor}`, `SET LOCAL ROLE ${ident(r.grantor!)}`));
    statements.push(...body);
    if (!plain) statements.push(stmt("act as the admin again", "RESET ROLE"));
  }
  for (const go of [false, true]) {
    statements.push(
      ...grouped(
        grants.filter((x) => x.grantable === go),
        (what, grantees) => `GRANT ${what} TO ${grantees}${go ? " WITH GRANT OPTION" : ""}`,
        (what, grantees) => `grant ${what} to ${grantees.join(", ")}${go ? " with grant option" : ""}`,
      ),
    );
  }

  // What each entry holds now: Grant's reading (held on every object, the grant option on all).
  const entries: EntryState[] = [];
  for (const e of input.desired) {
    const x = desired.per.get(e)!;
    const managed = expandPrivileges(e.objectType, e.privileges, input.version);
    const acls: ObjectAcl[] = x.objects.map((obj) => {
      const privileges: Record<string, boolean> = {};
      for (const p of managed) {
        const h = held.get(tupleKey(e.role, obj, p));
        if (h) privileges[p] = h.grants.some((g) => g.grantable);
      }
      return { key: "", sql: "", privileges };
    });
    const { held: have, grantable } =
      x.missing.length > 0 ? { held: [], grantable: false } : heldOnAll(acls, managed);
    entries.push({
      privileges: describeActual(e.objectType, have, e.privileges, input.version),
      withGrantOption: e.withGrantOption && grantable,
      missing: x.missing,
    });
  }

  return {
    statements,
    unmanaged,
    blocked,
    entries,
    changes: { revokes: done, grants, grantor: plainGrantor },
  };
}

/**
 * The plan for `input`, and the ACL its statements leave: the revoked grants gone (those blocked
 * stay), the granted ones added with the grantor PostgreSQL records (the owner where the admin acts
 * as the owner), built-in defaults kept where untouched.
 */
export function simulatePrivileges(input: PrivilegesPlanInput): { plan: PrivilegesPlan; result: AclEntry[] } {
  const plan = planPrivileges(input);
  return { plan, result: resultAcl(input.acl, plan.changes) };
}

function unmanagedOf(
  h: Held,
  grantor: string | null,
  grantable: boolean,
  privilege: string,
): UnmanagedPrivilege {
  const u: UnmanagedPrivilege = {
    role: h.grantee,
    objectType: h.obj.object_type,
    schema: h.obj.object_type === "schema" ? h.obj.object_name : h.obj.schema,
    object: h.obj.object_name,
    privilege,
    withGrantOption: grantable,
    grantor,
  };
  if (h.obj.column_name !== null) u.column = h.obj.column_name;
  return u;
}

/** The ACL after the plan: the revoked grants gone (but those blocked), the granted ones added. */
function resultAcl(acl: readonly AclEntry[], changes: PrivilegesPlan["changes"]): AclEntry[] {
  const gone = new Map<string, boolean>(); // key+grantor -> grant option only
  for (const r of changes.revokes) {
    const k = `${tupleKey(r.grantee, r.obj, r.privilege)}\u0000${r.grantor}`;
    gone.set(k, (gone.get(k) ?? true) && r.grantOptionOnly);
  }
  // Column privileges go with their table's (PostgreSQL's rule), for the same grantor.
  const tableGone = (a: AclEntry) =>
    a.object_type === "column" &&
    gone.get(
      `${tupleKey(a.grantee, { ...a, object_type: "table", column_name: null }, a.privilege)}\u0000${a.grantor}`,
    ) === false;
  const out: AclEntry[] = [];
  for (const a of acl) {
    if (a.revoked) continue;
    const g = gone.get(`${tupleKey(a.grantee, a, a.privilege)}\u0000${a.grantor}`);
    if (g === false || tableGone(a)) continue;
    out.push(g === true ? { ...a, is_grantable: false, is_default: false } : a);
  }
  const at = new Map(out.map((a, i) => [`${tupleKey(a.grantee, a, a.privilege)}\u0000${a.grantor}`, i]));
  for (const w of changes.grants) {
    const grantor = changes.grantor(w.obj);
    const i = at.get(`${tupleKey(w.grantee, w.obj, w.privilege)}\u0000${grantor}`);
    if (i !== undefined) out[i] = { ...out[i]!, is_grantable: out[i]!.is_grantable || w.grantable };
    else {
      at.set(`${tupleKey(w.grantee, w.obj, w.privilege)}\u0000${grantor}`, out.length);
      out.push({
        ...w.obj,
        grantee: w.grantee,
        grantor,
        privilege: w.privilege,
        is_grantable: w.grantable,
        is_default: false,
        revoked: false,
      });
    }
  }
  return out;
}
