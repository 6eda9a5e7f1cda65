/**
 * Effective privileges computed from an access model (model.ts), without a server: the same rules
 * as the SQL behind `effectivePrivileges` (sql.ts EFFECTIVE_QUERY_*), so that the present (a model
 * read from the catalog) and a simulated future (a model changed by cli/impact) are judged by one
 * function. test/integration/effective-model.test.ts holds the two to each other on real catalogs.
 *
 * A role holds a privilege when an ACL entry (the object's explicit ACL, or its built-in default
 * when that is NULL) names the role itself, a role whose privileges it inherits, or PUBLIC; when a
 * predefined role it inherits gives it (pg_read_all_data, pg_write_all_data, pg_maintain); or when
 * it is a superuser (every privilege of every object). Privileges flow along a membership when it
 * is inheritable: PostgreSQL 16+, any grantor's row WITH INHERIT TRUE; before, the member's INHERIT
 * attribute. The owner of the current database is a member of pg_database_owner (14+).
 */
import { PREDEFINED_ROLE_PRIVILEGES } from "./sql";
import { type AccessModel, type ModelObject, PUBLIC_ID } from "./model";
import type { EffectivePrivilege, EffectivePrivileges } from "./types";

interface Edge {
  to: string;
  inherit: boolean;
}

/** member -> the roles it is a direct member of, with whether privileges flow (aggregated over grantors). */
export function membershipEdges(model: AccessModel): Map<string, Edge[]> {
  const byId = new Map(model.roles.map((r) => [r.id, r]));
  const pairs = new Map<string, Edge & { from: string }>();
  for (const m of model.memberships) {
    const k = `${m.member}\u0000${m.role}`;
    const inherit = model.version >= 160000 ? m.inherit === true : (byId.get(m.member)?.inherit ?? false);
    const e = pairs.get(k);
    if (e) e.inherit ||= inherit;
    else pairs.set(k, { from: m.member, to: m.role, inherit });
  }
  const dbOwnerRole = model.roles.find((r) => r.name === "pg_database_owner");
  if (dbOwnerRole && byId.has(model.databaseOwner)) {
    pairs.set(`${model.databaseOwner}\u0000${dbOwnerRole.id}`, {
      from: model.databaseOwner,
      to: dbOwnerRole.id,
      inherit: true,
    });
  }
  const out = new Map<string, Edge[]>();
  for (const e of pairs.values())
    out.set(e.from, [...(out.get(e.from) ?? []), { to: e.to, inherit: e.inherit }]);
  return out;
}

export interface Reach {
  /** Role id -> the shortest path from the role (ids), preferring a path along which privileges flow. */
  paths: Map<string, { path: string[]; inherited: boolean }>;
}

function bfs(start: string, edges: Map<string, Edge[]>, inheritOnly: boolean): Map<string, string[]> {
  const seen = new Map<string, string[]>([[start, [start]]]);
  let frontier = [start];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const e of edges.get(id) ?? []) {
        if (inheritOnly && !e.inherit) continue;
        if (seen.has(e.to)) continue;
        seen.set(e.to, [...seen.get(id)!, e.to]);
        next.push(e.to);
      }
    }
    frontier = next;
  }
  return seen;
}

/** Every role a role reaches through memberships (itself included, path of one). */
export function reachOf(model: AccessModel, roleId: string, edges = membershipEdges(model)): Reach {
  const inherited = bfs(roleId, edges, true);
  const all = bfs(roleId, edges, false);
  const paths = new Map<string, { path: string[]; inherited: boolean }>();
  for (const [id, path] of all) {
    const ip = inherited.get(id);
    paths.set(id, ip ? { path: ip, inherited: true } : { path, inherited: false });
  }
  return { paths };
}

const cmp = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

/** The key of one effective privilege: object and privilege. */
export function privilegeKey(p: {
  object_type: string;
  schema: string | null;
  object_name: string;
  column_name: string | null;
  privilege: string;
}): string {
  return [p.object_type, p.schema ?? "", p.object_name, p.column_name ?? "", p.privilege].join("\u0000");
}

interface Candidate {
  reason: EffectivePrivilege["reason"];
  grantee: string | null;
  path: string[];
  grantable: boolean;
}

const rank = (c: Candidate) => [
  c.reason === "superuser" ? 0 : 1,
  c.path.length,
  c.reason === "public" ? 1 : 0,
];
function better(a: Candidate, b: Candidate): boolean {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
  return false;
}

export interface EffectiveOptions {
  /** Also the objects of system schemas (as ScopeOptions.includeSystem). */
  includeSystem?: boolean;
  /** Only objects in these schemas (objects outside schemas are left out, as ScopeOptions.schema). */
  schemas?: string[];
}

function inScope(o: ModelObject, opts: EffectiveOptions | undefined): boolean {
  if (o.system && !opts?.includeSystem) return false;
  if (opts?.schemas && (o.schema === null || !opts.schemas.includes(o.schema))) return false;
  return true;
}

/**
 * What a role (by id) can do, from the model: the shape `effectivePrivileges` returns, names
 * resolved through the model's roles. One row per object and privilege, with the shortest
 * explanation (a superuser's first, then the shortest path, a direct grant before PUBLIC).
 */
export function effectiveFromModel(
  model: AccessModel,
  roleId: string,
  opts?: EffectiveOptions,
): EffectivePrivileges {
  const names = new Map(model.roles.map((r) => [r.id, r.name]));
  const name = (id: string) => (id === PUBLIC_ID ? "PUBLIC" : (names.get(id) ?? id));
  const me = model.roles.find((r) => r.id === roleId);
  if (!me) throw new Error(`no role ${roleId} in the model`);
  const { paths } = reachOf(model, roleId);
  const holders = new Map<string, string[]>();
  for (const [id, p] of paths) if (p.inherited) holders.set(id, p.path);
  const predefined = PREDEFINED_ROLE_PRIVILEGES.filter((p) => {
    const r = model.roles.find((x) => x.name === p.role);
    return r !== undefined && holders.has(r.id);
  });

  const found = new Map<
    string,
    { row: Omit<EffectivePrivilege, "reason" | "grantee" | "via">; best: Candidate }
  >();
  const add = (o: ModelObject, privilege: string, c: Candidate) => {
    const row = {
      object_type: o.object_type,
      schema: o.schema,
      object_name: o.name,
      column_name: o.column,
      privilege,
      is_grantable: c.grantable,
    };
    const k = privilegeKey(row);
    const f = found.get(k);
    if (!f) found.set(k, { row, best: c });
    else {
      f.row.is_grantable ||= c.grantable;
      if (better(c, f.best)) f.best = c;
    }
  };
  for (const o of model.objects) {
    if (!inScope(o, opts)) continue;
    for (const x of o.acl ?? o.def) {
      if (x.grantee === PUBLIC_ID) {
        add(o, x.privilege, {
          reason: "public",
          grantee: PUBLIC_ID,
          path: [roleId, PUBLIC_ID],
          grantable: x.grantable,
        });
      } else {
        const path = holders.get(x.grantee);
        if (path) add(o, x.privilege, { reason: "grant", grantee: x.grantee, path, grantable: x.grantable });
      }
    }
    for (const p of predefined) {
      if (p.object_type !== o.object_type) continue;
      const id = model.roles.find((r) => r.name === p.role)!.id;
      add(o, p.privilege, { reason: "predefined", grantee: id, path: holders.get(id)!, grantable: false });
    }
    if (me.superuser) {
      for (const x of o.def) {
        if (x.grantee === o.owner)
          add(o, x.privilege, { reason: "superuser", grantee: null, path: [roleId], grantable: true });
      }
    }
  }
  const privileges: EffectivePrivilege[] = [...found.values()]
    .map(({ row, best }) => ({
      ...row,
      reason: best.reason,
      grantee: best.grantee === null ? null : name(best.grantee),
      via: best.path.map(name),
    }))
    .sort(
      (a, b) =>
        cmp(a.object_type, b.object_type) ||
        cmp(a.schema, b.schema) ||
        cmp(a.object_name, b.object_name) ||
        cmp(a.column_name, b.column_name) ||
        cmp(a.privilege, b.privilege),
    );
  const memberships = [...paths]
    .filter(([id]) => id !== roleId)
    .map(([id, p]) => ({ role: name(id), inherited: p.inherited, path: p.path.map(name) }))
    .sort((a, b) => a.path.length - b.path.length || cmp(a.role, b.role));
  return { role: me.name, superuser: me.superuser, memberships, privileges };
}
