/** Grant inputs: defaults, check and diff. Pure. */
import type * as pulumi from "@pulumi/pulumi";
import { Problems, isUnknown } from "../common/validate";
import { compact, sameList } from "../common/values";
import { isPublic } from "../common/quote";
import {
  CLUSTER_OBJECT_TYPES,
  OBJECT_TYPES,
  type ObjectType,
  NAMED_OBJECT_TYPES,
  SCHEMA_OBJECT_TYPES,
  UNQUALIFIED_OBJECT_TYPES,
  invalidPrivileges,
  normalizeObjectType,
  normalizePrivilegeName,
  normalizePrivileges,
} from "../common/privileges";
import { OBJECT_KINDS } from "../common/object-kinds";
import { type ConnectionArgs, connectionProblems, serverIdentity } from "../db/connection";

export interface GrantInputs {
  /** The grantee, or "PUBLIC". */
  role: string;
  objectType: ObjectType;
  /** The database the objects are in (database grants: the database granted on). Default: the connection's. */
  database?: string;
  /** The schema (schema grants: the schema granted on; objects inside one: default "public"). */
  schema?: string;
  /** Tables, sequences or routines by name (routines as `name(argtypes)`); omitted: every one in the schema. */
  objects?: string[];
  /** Column grants: the columns (of each table in `objects`). */
  columns?: string[];
  /** Normalized: upper case, documentation order, or ["ALL"]. */
  privileges: string[];
  withGrantOption: boolean;
  cascade: boolean;
  connection?: ConnectionArgs;
}
/**
 * The outputs: the inputs as last applied (what `delete` revokes, on every object), and from a
 * refresh that found the grantee without some of it, `drifted`: what it holds now on every object
 * (the next `up` grants the rest). `privileges` itself keeps the wanted list, so that a delete after
 * a refresh still revokes everywhere (an all-tables grant missing on one table holds it on none of
 * "every table", yet still on the others). Absent without drift: a Grant's state stays as small as
 * before.
 */
export interface GrantOutputs extends GrantInputs {
  drifted?: { privileges: string[]; withGrantOption: boolean };
}

/** Object name for routines: `name` or `name(argtypes)`. */
export function splitRoutine(item: string): { name: string; args?: string } {
  const open = item.indexOf("(");
  if (open < 0 || !item.endsWith(")")) return { name: item };
  return { name: item.slice(0, open).trim(), args: item.slice(open + 1, -1).trim() };
}

export function checkGrant(news: Record<string, unknown>): {
  inputs: GrantInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const p = new Problems();
  p.name("role", news.role, true);
  const rawType = news.objectType;
  const objectType = normalizeObjectType(rawType);
  if (rawType === undefined) p.add("objectType", "objectType is required");
  else if (!isUnknown(rawType) && !objectType) {
    p.add("objectType", `objectType ${JSON.stringify(rawType)} is not one of ${OBJECT_TYPES.join(", ")}`);
  }
  p.name("database", news.database, false);
  p.name("schema", news.schema, objectType === "schema");
  p.nameList("objects", news.objects);
  const named = objectType !== undefined && NAMED_OBJECT_TYPES.includes(objectType);
  const unqualified = objectType !== undefined && UNQUALIFIED_OBJECT_TYPES.includes(objectType);
  if ((objectType === "database" || objectType === "schema") && news.objects !== undefined) {
    p.add(
      "objects",
      `objects does not apply to ${objectType} grants (they name their ${objectType} with \`${objectType}\`)`,
    );
  }
  if (named && news.objects === undefined) {
    p.add(
      "objects",
      `${objectType} grants must name their objects${objectType === "column" ? " (the tables)" : ""}`,
    );
  }
  if ((objectType === "database" || unqualified) && news.schema !== undefined) {
    p.add("schema", `schema does not apply to ${objectType} grants`);
  }
  const clusterWide = objectType !== undefined && CLUSTER_OBJECT_TYPES.includes(objectType);
  if (clusterWide && objectType !== "database" && news.database !== undefined) {
    p.add("database", `${objectType}s belong to the whole cluster: database does not apply`);
  }
  p.nameList("columns", news.columns);
  if (objectType === "column" && news.columns === undefined) p.add("columns", "column grants need columns");
  if (objectType && objectType !== "column" && news.columns !== undefined) {
    p.add("columns", `columns apply only to column grants (objectType "column"), not ${objectType}`);
  }
  if (Array.isArray(news.columns) && news.columns.length === 0) p.add("columns", "columns must not be empty");
  if (Array.isArray(news.objects) && news.objects.length === 0) {
    p.add("objects", "objects must not be empty (omit it to mean every object of the type in the schema)");
  }
  if (objectType && OBJECT_KINDS[objectType].prokinds !== undefined && Array.isArray(news.objects)) {
    news.objects.forEach((o, i) => {
      if (typeof o === "string" && o.includes("(") && !/^[^()]+\([^()]*\)$/.test(o)) {
        p.add(`objects[${i}]`, `routine ${JSON.stringify(o)} must be written name(argtype, ...)`);
      }
    });
  }
  const privs = news.privileges;
  if (privs === undefined) p.add("privileges", "privileges is required");
  else if (!isUnknown(privs)) {
    if (!Array.isArray(privs) || privs.some((x) => typeof x !== "string" && !isUnknown(x))) {
      p.add("privileges", "privileges must be a list of privilege names");
    } else if (privs.length === 0) {
      p.add("privileges", "privileges must not be empty");
    } else if (objectType) {
      p.privilegeNames(objectType, privs, (names) => invalidPrivileges(objectType, names));
    }
  }
  p.grantOption(news.withGrantOption, news.role);
  p.bool("cascade", news.cascade);
  for (const f of connectionProblems(news.connection)) p.add(f.property, f.reason);

  // Values not known yet (preview) stay unknown: no default may stand in for them.
  const inSchema = objectType !== undefined && SCHEMA_OBJECT_TYPES.includes(objectType);
  const knownPrivs = Array.isArray(privs) && objectType !== undefined && !privs.some(isUnknown);
  const inputs: GrantInputs = compact({
    role: typeof news.role === "string" && isPublic(news.role) ? "PUBLIC" : (news.role as string),
    objectType: objectType ?? (rawType as ObjectType),
    database: news.database as string | undefined,
    schema: (news.schema as string | undefined) ?? (inSchema ? "public" : undefined),
    objects: Array.isArray(news.objects)
      ? [
          ...new Set(
            (news.objects as string[]).map((o) =>
              objectType === "parameter" && typeof o === "string" && !isUnknown(o) ? o.toLowerCase() : o,
            ),
          ),
        ].sort()
      : (news.objects as string[] | undefined),
    columns: Array.isArray(news.columns)
      ? [...new Set(news.columns as string[])].sort()
      : (news.columns as string[] | undefined),
    privileges: knownPrivs
      ? normalizePrivileges(objectType!, privs as string[])
      : Array.isArray(privs)
        ? privs.map((x) => (isUnknown(x) ? x : normalizePrivilegeName(String(x))))
        : (privs as string[]),
    withGrantOption: (news.withGrantOption as boolean | undefined) ?? false,
    cascade: (news.cascade as boolean | undefined) ?? false,
    connection: news.connection as ConnectionArgs | undefined,
  });
  return { inputs, failures: p.failures };
}

/**
 * Whether two grants could act on the same (grantee, object) pairs. Grantees of different names may
 * be one role renamed in the same `up` (the old grant's delete then revokes from the new name: see
 * db/renames.ts), so the grantee is not compared.
 */
function overlaps(a: Partial<GrantInputs>, b: GrantInputs): boolean {
  if (a.objectType !== b.objectType || a.database !== b.database || a.schema !== b.schema) {
    return false;
  }
  if (a.columns && b.columns && !a.columns.some((c) => b.columns!.includes(c))) return false;
  if (!a.objects || !b.objects) return true;
  return a.objects.some((o) => b.objects!.includes(o));
}

export function diffGrant(olds: Partial<GrantOutputs>, news: GrantInputs): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  // A new grantee is an update (the hook tells a rename of the old one from another role).
  for (const k of ["objectType", "database", "schema"] as const) {
    if ((olds[k] ?? undefined) !== (news[k] ?? undefined)) replaces.push(k);
  }
  if (!sameList(olds.objects, news.objects)) replaces.push("objects");
  if (!sameList(olds.columns, news.columns)) replaces.push("columns");
  if (serverIdentity(olds.connection) !== serverIdentity(news.connection)) replaces.push("connection");
  const updates =
    olds.role !== news.role ||
    !sameList(olds.privileges, news.privileges) ||
    (olds.withGrantOption ?? false) !== news.withGrantOption ||
    (olds.cascade ?? false) !== news.cascade ||
    olds.drifted !== undefined ||
    JSON.stringify(olds.connection ?? null) !== JSON.stringify(news.connection ?? null);
  return {
    changes: replaces.length > 0 || updates,
    replaces,
    // Creating the replacement first and then deleting the old grant would revoke what the new one
    // just granted where the two cover the same objects; there the old one goes first.
    deleteBeforeReplace: replaces.length > 0 && overlaps(olds, news),
  };
}
