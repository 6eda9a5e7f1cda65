/**
 * Shared by the pattern components: argument checks, unique child names, and the grants that give
 * a role access to schemas (USAGE, privileges on every table and sequence, default privileges for
 * the tables and sequences that owner roles create later).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import { DefaultPrivileges } from "../default-privileges/resource";
import { Grant } from "../grant/resource";

/** The namespace of the components' type tokens: `postgres-roles:patterns:<Component>`. */
export const PATTERNS = "postgres-roles:patterns";

/**
 * Checks a list of names given to a component: an array of non-empty strings without duplicates.
 * Names are used in the children's Pulumi names, so they must be known when the program runs
 * (plain strings, not Outputs).
 */
export function nameList(owner: pulumi.Resource, what: string, value: unknown, required = false): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) {
    throw new pulumi.ResourceError(`${what} must be an array of names`, owner);
  }
  const seen = new Set<string>();
  for (const [i, v] of value.entries()) {
    if (typeof v !== "string" || v === "") {
      throw new pulumi.ResourceError(
        `${what}[${i}] must be a non-empty string (a name known when the program runs, not an Output: ` +
          `it names the child resources; put the resource that creates it in the component's dependsOn)`,
        owner,
      );
    }
    if (seen.has(v)) throw new pulumi.ResourceError(`${what} lists "${v}" twice`, owner);
    seen.add(v);
  }
  return value as string[];
}

/** Child resource names, refusing one used twice (two list entries that would name the same child). */
export class ChildNames {
  private readonly used = new Set<string>();
  constructor(
    private readonly owner: pulumi.Resource,
    private readonly prefix: string,
  ) {}
  next(...parts: string[]): string {
    const n = [this.prefix, ...parts].join("-");
    if (this.used.has(n)) {
      throw new pulumi.ResourceError(
        `two children would be named "${n}"; rename one of the entries`,
        this.owner,
      );
    }
    this.used.add(n);
    return n;
  }
}

/** What a role gets on each schema and on the objects in it. */
export interface SchemaAccess {
  /** On the schema itself, e.g. ["USAGE"]. */
  schema: string[];
  /** On every table of the schema now, and on the tables the owners create later. */
  tables?: string[];
  /** On every sequence of the schema now, and on the sequences the owners create later. */
  sequences?: string[];
}

/** The children made by {@link grantSchemaAccess}. */
export interface SchemaAccessResources {
  grants: Grant[];
  defaultPrivileges: DefaultPrivileges[];
}

/**
 * For each schema: a Grant on the schema, one on all its tables and one on all its sequences, and
 * for each owner a DefaultPrivileges entry per object type (FOR ROLE owner IN SCHEMA schema).
 * Every child is parented to `parent` and depends on `grantee` (an Output of the role's name).
 */
export function grantSchemaAccess(
  parent: pulumi.Resource,
  names: ChildNames,
  args: {
    grantee: pulumi.Input<string>;
    schemas: readonly string[];
    owners: readonly string[];
    access: SchemaAccess;
    database?: pulumi.Input<string>;
    connection?: ConnectionInput;
    /** Put before the schema in the children's names (a component granting to several roles names each). */
    scope?: string;
  },
): SchemaAccessResources {
  const { grantee, database, connection, access } = args;
  const scope = args.scope === undefined ? [] : [args.scope];
  const opts: pulumi.CustomResourceOptions = { parent };
  const out: SchemaAccessResources = { grants: [], defaultPrivileges: [] };
  const objects: Array<["table" | "sequence", string[] | undefined, string]> = [
    ["table", access.tables, "tables"],
    ["sequence", access.sequences, "sequences"],
  ];
  for (const schema of args.schemas) {
    out.grants.push(
      new Grant(
        names.next(...scope, schema, "schema"),
        { role: grantee, objectType: "schema", schema, privileges: access.schema, database, connection },
        opts,
      ),
    );
    for (const [objectType, privileges, plural] of objects) {
      if (!privileges || privileges.length === 0) continue;
      out.grants.push(
        new Grant(
          names.next(...scope, schema, plural),
          { role: grantee, objectType, schema, privileges, database, connection },
          opts,
        ),
      );
      for (const owner of args.owners) {
        out.defaultPrivileges.push(
          new DefaultPrivileges(
            names.next(...scope, schema, "future", plural, "of", owner),
            { role: grantee, owner, schema, objectType, privileges, database, connection },
            opts,
          ),
        );
      }
    }
  }
  return out;
}
