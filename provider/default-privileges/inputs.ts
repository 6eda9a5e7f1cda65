/** DefaultPrivileges inputs: defaults, check and diff. Pure. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { compact, sameList } from "../common/values";
import { isPublic } from "../common/quote";
import { normalizePrivilegeName } from "../common/privileges";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";
import {
  DEFAULT_OBJECT_TYPES,
  type DefaultObjectType,
  invalidDefaultPrivileges,
  normalizeDefaultObjectType,
  normalizeDefaultPrivileges,
  objectTypeHint,
  typeInfo,
} from "./object-types";

export interface DefaultPrivilegesInputs {
  /** The grantee, or "PUBLIC". */
  role: string;
  /** The role whose future objects get the privileges (FOR ROLE). */
  owner: string;
  /** IN SCHEMA; omitted: the owner's global entry (objects in any schema). */
  schema?: string;
  objectType: DefaultObjectType;
  /** Normalized: upper case, documentation order, or ["ALL"]. May be empty for a global entry. */
  privileges: string[];
  withGrantOption: boolean;
  /** The database whose default privileges these are (the provider connects to it). Default: the connection's. */
  database?: string;
  connection?: ConnectionArgs;
}
export type DefaultPrivilegesOutputs = DefaultPrivilegesInputs;

export function checkDefaultPrivileges(news: Record<string, unknown>): {
  inputs: DefaultPrivilegesInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("role", news.role, true);
  p.name("owner", news.owner, true);
  if (typeof news.owner === "string" && isPublic(news.owner)) {
    p.add("owner", "owner must be a role: PUBLIC owns no objects (FOR ROLE PUBLIC does not exist)");
  }
  const rawType = news.objectType;
  const objectType = normalizeDefaultObjectType(rawType);
  if (rawType === undefined || rawType === null) p.add("objectType", "objectType is required");
  else if (!isUnknown(rawType) && !objectType) {
    const hint = typeof rawType === "string" ? objectTypeHint(rawType) : undefined;
    p.add(
      "objectType",
      `objectType ${JSON.stringify(rawType)} is not one of ${DEFAULT_OBJECT_TYPES.join(", ")}${hint ? ` (${hint})` : ""}`,
    );
  }
  p.name("schema", news.schema, false);
  p.name("database", news.database, false);
  const inSchema = news.schema !== undefined && news.schema !== null;
  if (objectType === "schema" && inSchema) {
    p.add(
      "schema",
      "schema does not apply to objectType schema: default privileges on schemas are global (PostgreSQL rejects IN SCHEMA ... ON SCHEMAS)",
    );
  }

  const privs = news.privileges;
  if (privs === undefined || privs === null) p.add("privileges", "privileges is required");
  else if (!isUnknown(privs)) {
    if (!Array.isArray(privs) || privs.some((x) => typeof x !== "string" && !isUnknown(x))) {
      p.add("privileges", "privileges must be a list of privilege names");
    } else {
      if (privs.length === 0 && inSchema) {
        p.add(
          "privileges",
          "privileges must not be empty with a schema: a per-schema entry can only add to the owner's global " +
            "default privileges, never take away from them; to revoke a default (such as EXECUTE on functions " +
            "from PUBLIC) declare the global entry (omit schema) with the privileges that should remain, or []",
        );
      }
      if (objectType) {
        p.privilegeNames(objectType, privs, (names) => invalidDefaultPrivileges(objectType, names));
      }
    }
  }
  p.grantOption(news.withGrantOption, news.role);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  // Values not known yet (preview) stay unknown: no default may stand in for them.
  const strings = Array.isArray(privs) && privs.every((x) => typeof x === "string");
  const knownPrivs = strings && objectType !== undefined && !privs.some(isUnknown);
  const inputs: DefaultPrivilegesInputs = compact({
    role: typeof news.role === "string" && isPublic(news.role) ? "PUBLIC" : (news.role as string),
    owner: news.owner as string,
    schema: news.schema === null ? undefined : (news.schema as string | undefined),
    objectType: objectType ?? (rawType as DefaultObjectType),
    privileges: knownPrivs
      ? normalizeDefaultPrivileges(objectType!, privs as string[])
      : strings
        ? privs.map((x) => (isUnknown(x) ? x : normalizePrivilegeName(x)))
        : (privs as string[]),
    withGrantOption: (news.withGrantOption as boolean | undefined) ?? false,
    database: news.database === null ? undefined : (news.database as string | undefined),
    connection: news.connection as ConnectionArgs | undefined,
  });
  return { inputs, failures: p.failures };
}

/**
 * Whether two resources may act on the same catalog entry for the same grantee (FUNCTIONS =
 * ROUTINES). Grantees and owners of different names are not compared: one may be the other renamed
 * in the same `up`, and the old resource's delete then acts on the new name (db/renames.ts).
 */
function sameEntry(a: Partial<DefaultPrivilegesInputs>, b: DefaultPrivilegesInputs): boolean {
  const objtype = (t: unknown) =>
    normalizeDefaultObjectType(t) ? typeInfo(normalizeDefaultObjectType(t)!).objtype : t;
  return (
    (a.schema ?? undefined) === (b.schema ?? undefined) &&
    (a.database ?? undefined) === (b.database ?? undefined) &&
    objtype(a.objectType) === objtype(b.objectType)
  );
}

export function diffDefaultPrivileges(
  olds: Partial<DefaultPrivilegesOutputs>,
  news: DefaultPrivilegesInputs,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  for (const k of ["role", "owner", "objectType", "schema", "database"] as const) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) replaces.push(k);
  }
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  const updates =
    !sameList(olds.privileges, news.privileges) ||
    (olds.withGrantOption ?? false) !== news.withGrantOption ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  return {
    changes: replaces.length > 0 || updates,
    replaces,
    // "function" -> "routine" (one catalog entry) or a change of connection only: creating the
    // replacement first and deleting the old one after would undo what the new one just granted.
    deleteBeforeReplace: replaces.length > 0 && sameEntry(olds, news),
  };
}
