/**
 * The query functions: what the catalog says about roles, memberships and privileges. Each opens
 * one connection (see connect.ts), runs a fixed number of queries whatever the number of objects,
 * and closes it.
 */
import type { PoolClient } from "pg";
import { QueryError, withCatalog } from "./connect";
import { type ObjectRef, normalizeWhoCanPrivilege, objectTypesOf, parseObjectRef } from "./refs";
import * as SQL from "./sql";
import { OBJECT_KINDS, OBJECT_TYPES } from "../common/object-kinds";
import { ROLE_ATTRIBUTES, type RoleInfoFlag } from "../role/attributes";
import type {
  AclEntry,
  CatalogSnapshot,
  DefaultPrivilegeEntry,
  EffectivePrivilege,
  EffectivePrivileges,
  Membership,
  PolicyInfo,
  QueryOptions,
  Reason,
  RoleDetail,
  RoleGrant,
  RoleInfo,
  RoleMember,
  RowLevelSecurityInfo,
  ServerInfo,
  WhoCanEntry,
} from "./types";

/** Schemas to look in: one name or several; omitted: every schema (but the system's). */
export interface ScopeOptions {
  schema?: string | string[];
  /** Include the objects of the system schemas (pg_catalog, information_schema, pg_toast). */
  includeSystem?: boolean;
}

function schemaList(s: string | string[] | undefined): string[] | null {
  if (s === undefined) return null;
  return Array.isArray(s) ? s : [s];
}

/** Scope parameters $1-$5 of the object queries (see sql.ts). */
function scope(o: ScopeOptions | undefined, target?: { oid: string; types: string[]; column?: string }) {
  return [
    schemaList(o?.schema),
    o?.includeSystem ?? false,
    target?.oid ?? null,
    target?.types ?? null,
    target?.column ?? null,
  ];
}

const byVersion = <T>(version: number, v16: T, v15: T, v13: T) =>
  version >= 160000 ? v16 : version >= 150000 ? v15 : v13;

function parseSettings(config: string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of config ?? []) {
    const eq = item.indexOf("=");
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

interface RoleRow extends Omit<RoleDetail, "oid" | "settings" | "has_password"> {
  oid: string;
  settings: string[] | null;
}

async function readRoles(client: PoolClient, includeSystem: boolean): Promise<RoleRow[]> {
  return (await client.query<RoleRow>(SQL.ROLES_QUERY, [includeSystem])).rows;
}

function roleInfo(r: RoleRow): RoleInfo {
  return {
    name: r.name,
    ...(Object.fromEntries(ROLE_ATTRIBUTES.map((a) => [a.info, r[a.info]])) as Pick<RoleInfo, RoleInfoFlag>),
    connection_limit: r.connection_limit,
    valid_until: r.valid_until === null ? null : r.valid_until.replace(/\.000000Z$/, "Z"),
    member_of: r.member_of,
  };
}

async function requireRole(client: PoolClient, role: string): Promise<string> {
  const name = role.toUpperCase() === "PUBLIC" ? "PUBLIC" : role;
  const { rows } = await client.query<{ name: string; oid: string | null }>(SQL.ROLE_OIDS_QUERY, [[name]]);
  const oid = rows[0]?.oid;
  if (oid === null || oid === undefined)
    throw new QueryError(`role ${JSON.stringify(role)} does not exist`, "42704");
  return oid;
}

/** Whether a role of that name exists. */
export async function roleExists(name: string, opts?: QueryOptions): Promise<boolean> {
  return withCatalog(opts, "checking the role", async ({ client }) => {
    return (await client.query<{ exists: boolean }>(SQL.ROLE_EXISTS_QUERY, [name])).rows[0]!.exists;
  });
}

/** Every role with its attributes and direct memberships; predefined `pg_*` roles only with includeSystem. */
export async function listRoles(opts?: QueryOptions & { includeSystem?: boolean }): Promise<RoleInfo[]> {
  return withCatalog(opts, "listing roles", async ({ client }) =>
    (await readRoles(client, opts?.includeSystem ?? false)).map(roleInfo),
  );
}

/**
 * The members of a role: direct ones, or with `recursive` also the members of its member groups
 * (each with its depth and the path down to it). Membership options are aggregated over grantors.
 */
export async function listRoleMembers(
  role: string,
  opts?: QueryOptions & { recursive?: boolean },
): Promise<RoleMember[]> {
  return withCatalog(opts, "listing role members", async ({ client, version }) => {
    await requireRole(client, role);
    const q = version >= 160000 ? SQL.MEMBERS_QUERY_16 : SQL.MEMBERS_QUERY_13;
    return (await client.query<RoleMember>(q, [role, opts?.recursive ?? false])).rows;
  });
}

interface AclRow extends AclEntry {
  grantee_oid: string;
}

async function readAcl(
  client: PoolClient,
  version: number,
  o: ScopeOptions | undefined,
  grantees: string[] | null,
): Promise<AclRow[]> {
  const q = version >= 150000 ? SQL.ACL_ENTRIES_QUERY_15 : SQL.ACL_ENTRIES_QUERY_13;
  return (await client.query<AclRow>(q, [...scope(o), grantees])).rows;
}

/** pg_default_acl.defaclobjtype -> the object type (f: functions, which cover routines). */
const DEFAULT_TYPES: Record<string, DefaultPrivilegeEntry["object_type"]> = {};
for (const t of OBJECT_TYPES) {
  const objtype = OBJECT_KINDS[t].defaults?.objtype;
  if (objtype !== undefined && t !== "routine")
    DEFAULT_TYPES[objtype] ??= t as DefaultPrivilegeEntry["object_type"];
}

async function readDefaultAcl(client: PoolClient): Promise<DefaultPrivilegeEntry[]> {
  const { rows } = await client.query<Omit<DefaultPrivilegeEntry, "object_type"> & { objtype: string }>(
    SQL.DEFAULT_ACL_QUERY,
  );
  // Large objects (18+, 'L') are outside what the provider manages.
  return rows
    .filter((r) => DEFAULT_TYPES[r.objtype] !== undefined)
    .map(({ objtype, ...r }) => ({ ...r, object_type: DEFAULT_TYPES[objtype]! }));
}

/**
 * Every privilege granted to a role (or "PUBLIC"): on databases, schemas, tables (views,
 * materialized views, foreign and partitioned tables included), sequences, functions and
 * procedures (by signature), columns, types, domains, languages, foreign data wrappers and servers,
 * tablespaces and parameters (15+); plus its default privileges (source "default"). The privileges
 * an owner has on its own objects by ownership are left out unless `includeOwned`.
 */
export async function listRoleGrants(
  role: string,
  opts?: QueryOptions & ScopeOptions & { includeOwned?: boolean },
): Promise<RoleGrant[]> {
  return withCatalog(opts, "listing grants", async ({ client, version }) => {
    const oid = await requireRole(client, role);
    const grantee = role.toUpperCase() === "PUBLIC" ? "PUBLIC" : role;
    const rows = await readAcl(client, version, opts, [oid]);
    const out: RoleGrant[] = rows
      .filter((r) => !r.revoked && (opts?.includeOwned || !(r.is_default && r.grantee === r.owner)))
      .map((r) => ({
        grantee,
        source: "object",
        object_type: r.object_type,
        schema: r.schema,
        object_name: r.object_name,
        column_name: r.column_name,
        privilege: r.privilege,
        is_grantable: r.is_grantable,
        grantor: r.grantor,
        owner: r.owner,
      }));
    const schemas = schemaList(opts?.schema);
    for (const d of await readDefaultAcl(client)) {
      if (d.revoked || d.grantee !== grantee) continue;
      if (!opts?.includeOwned && d.builtin && d.grantee === d.owner) continue;
      if (schemas && (d.schema === null || !schemas.includes(d.schema))) continue;
      out.push({
        grantee,
        source: "default",
        object_type: d.object_type,
        schema: d.schema,
        object_name: null,
        column_name: null,
        privilege: d.privilege,
        is_grantable: d.is_grantable,
        grantor: d.grantor,
        owner: d.owner,
      });
    }
    return out;
  });
}

interface WhyRow {
  why: { reason: Reason["reason"]; grantee: string | null; via: string[] };
}

/**
 * What a role can actually do: privileges granted to it, to every role whose privileges it
 * inherits (NOINHERIT roles inherit none; on PostgreSQL 16+ a membership WITH INHERIT FALSE passes
 * none), to PUBLIC, through pg_read_all_data / pg_write_all_data / pg_maintain, or everything for a
 * superuser. One row per object and privilege, with the shortest explanation (`via`).
 */
export async function effectivePrivileges(
  role: string,
  opts?: QueryOptions & ScopeOptions,
): Promise<EffectivePrivileges> {
  return withCatalog(opts, "reading effective privileges", async ({ client, version }) => {
    await requireRole(client, role);
    if (role.toUpperCase() === "PUBLIC")
      throw new QueryError('PUBLIC is not a role: use listRoleGrants("PUBLIC")');
    const reach = (
      await client.query<{ role: string; inherited: boolean; path: string[] }>(
        version >= 160000 ? SQL.REACH_QUERY_16 : SQL.REACH_QUERY_13,
        [role],
      )
    ).rows;
    const superuser = (await client.query<{ superuser: boolean }>(SQL.ROLE_SUPERUSER_QUERY, [role])).rows[0]!
      .superuser;
    const q = byVersion(version, SQL.EFFECTIVE_QUERY_16, SQL.EFFECTIVE_QUERY_15, SQL.EFFECTIVE_QUERY_13);
    const { rows } = await client.query<Omit<EffectivePrivilege, keyof Reason> & WhyRow>(q, [
      ...scope(opts),
      role,
    ]);
    const privileges = rows.map(({ why, ...r }) => ({ ...r, ...why }));
    return { role, superuser, memberships: reach, privileges };
  });
}

/**
 * Every login role (every role with `includeNoLogin`) that can exercise `privilege` on `object`,
 * and why: its own grant, the membership path to the role that holds it, PUBLIC, a predefined role,
 * or being a superuser. E.g. `whoCan("SELECT", { table: "app.orders" })`.
 */
export async function whoCan(
  privilege: string,
  object: ObjectRef,
  opts?: QueryOptions & { includeNoLogin?: boolean },
): Promise<WhoCanEntry[]> {
  const ref = parseObjectRef(object);
  const priv = normalizeWhoCanPrivilege(privilege, ref.kind);
  return withCatalog(opts, "reading who can", async ({ client, version }) => {
    let oid: string | null;
    let parameterWithoutAcl = false;
    const since = OBJECT_KINDS[ref.kind].since;
    if (since !== undefined && version < since)
      throw new QueryError(`${ref.kind} privileges need PostgreSQL ${since / 10000} or later`);
    if (ref.kind === "parameter") {
      const r = (
        await client.query<{ oid: string | null; known: boolean }>(SQL.RESOLVE_PARAMETER_QUERY, [ref.text])
      ).rows[0]!;
      if (r.oid === null && !r.known) throw new QueryError(`${ref.label} does not exist`, "42704");
      oid = r.oid;
      parameterWithoutAcl = r.oid === null;
    } else {
      oid = (
        await client.query<{ oid: string | null }>(SQL.RESOLVE_QUERY, [
          ref.kind,
          ref.text,
          ref.column ?? null,
        ])
      ).rows[0]!.oid;
      if (oid === null)
        throw new QueryError(
          `${ref.label} does not exist${OBJECT_KINDS[ref.kind].prokinds ? " (or is overloaded: give the argument types)" : ""}`,
          "42704",
        );
    }
    const q = byVersion(version, SQL.WHO_CAN_QUERY_16, SQL.WHO_CAN_QUERY_15, SQL.WHO_CAN_QUERY_13);
    const target = { oid: oid ?? "0", types: objectTypesOf(ref.kind), column: ref.column };
    const params = [
      ...scope({ includeSystem: true }, target),
      priv,
      opts?.includeNoLogin ?? false,
      parameterWithoutAcl,
    ];
    const { rows } = await client.query<Omit<WhoCanEntry, keyof Reason> & WhyRow>(q, params);
    return rows.map(({ why, ...r }) => ({ ...r, ...why }));
  });
}

/** What `readCatalogSnapshot` reads: schemas (default all user schemas) and system objects. */
export type SnapshotOptions = QueryOptions &
  ScopeOptions & {
    /** Called as each part of the catalog is read, then with what was read (for a progress display). */
    onProgress?: (message: string) => void;
  };

/**
 * Roles, memberships, ACLs of every object in scope, default privileges, row level security and
 * policies, as one value, in a fixed number of queries (one snapshot). What the audit and the
 * export work from. The privileges owners have on their own objects by ownership are left out.
 */
export async function readCatalogSnapshot(opts?: SnapshotOptions): Promise<CatalogSnapshot> {
  const progress = opts?.onProgress ?? (() => undefined);
  return withCatalog(opts, "reading the catalog", async ({ client, version }) => {
    progress("reading roles");
    const server = (await client.query<ServerInfo>(SQL.SERVER_QUERY)).rows[0]!;
    const roleRows = await readRoles(client, opts?.includeSystem ?? false);
    const passwords = new Map<string, boolean>();
    if (server.passwords_readable) {
      for (const r of (await client.query<{ oid: string; has_password: boolean }>(SQL.PASSWORDS_QUERY)).rows)
        passwords.set(r.oid, r.has_password);
    }
    const roles: RoleDetail[] = roleRows.map((r) => ({
      ...roleInfo(r),
      oid: Number(r.oid),
      comment: r.comment,
      settings: parseSettings(r.settings),
      has_password: server.passwords_readable ? (passwords.get(r.oid) ?? false) : null,
      system: r.system,
    }));
    // Memberships among predefined roles (pg_monitor's) are the system's; a user role in pg_read_all_data is not.
    const system = (name: string) => name.startsWith("pg_");
    progress(`read ${roles.length} roles; reading memberships`);
    const memberships = (
      await client.query<Membership>(version >= 160000 ? SQL.MEMBERSHIPS_QUERY_16 : SQL.MEMBERSHIPS_QUERY_13)
    ).rows.filter((m) => opts?.includeSystem || !system(m.member));
    progress(`read ${memberships.length} memberships; reading the privileges of every object`);
    const acl = (await readAcl(client, version, opts, null))
      .filter((r) => !(r.is_default && !r.revoked && r.grantee === r.owner))
      .map(({ grantee_oid: _unused, ...r }) => r);
    progress(`read ${acl.length} privileges; reading default privileges, row level security and policies`);
    const defaultPrivileges = await readDefaultAcl(client);
    const schemas = schemaList(opts?.schema);
    const rowLevelSecurity = (
      await client.query<RowLevelSecurityInfo>(SQL.ROW_LEVEL_SECURITY_QUERY, [schemas])
    ).rows;
    const policies = (await client.query<PolicyInfo>(SQL.POLICIES_QUERY, [schemas])).rows;
    progress(`read ${defaultPrivileges.length} default privileges and ${policies.length} policies`);
    return {
      server,
      roles,
      memberships,
      acl,
      defaultPrivileges: defaultPrivileges.filter(
        (d) => !schemas || (d.schema !== null && schemas.includes(d.schema)) || d.schema === null,
      ),
      rowLevelSecurity,
      policies,
    };
  });
}
