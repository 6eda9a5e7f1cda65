/**
 * The Pulumi program of the impact tests: declares the resources a JSON spec (`spec.json` in the
 * project folder) lists, so that a test changes the program by rewriting one file. A value
 * `"@key"` is the `name` output of the Role of that key (as a real program writes `role: app.name`),
 * so renames and unknown-until-apply names travel through outputs as they would; `"@key.oid:text"`
 * is text followed by that Role's OID (unknown in the preview that creates the role).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Props = Record<string, unknown> & { key: string };

export interface ImpactSpec {
  roles?: Props[];
  memberships?: Props[];
  grants?: Props[];
  defaultPrivileges?: Props[];
  rowLevelSecurity?: Props[];
  policies?: Props[];
  privileges?: Props[];
  /** Roles resources (many roles each); their names are plain strings. */
  bulkRoles?: Props[];
}

export function program(dir: string = process.cwd()): void {
  // Required here, not at the top: the package resolves from the project folder.
  const pg = require("pulumi-postgres-roles") as Record<string, any>;
  const spec = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8")) as ImpactSpec;
  const roles = new Map<string, pulumi.Resource & { name: pulumi.Output<string> }>();
  const resolve = (v: unknown): unknown => {
    // "@key.oid:prefix": prefix + the OID of a Role (unknown in a preview that creates it).
    const oid = typeof v === "string" ? /^@([^.]+)\.oid:(.*)$/.exec(v) : null;
    if (oid) {
      const r = roles.get(oid[1]!) as unknown as { oid: pulumi.Output<number> } | undefined;
      if (!r) throw new Error(`spec: no role ${oid[1]}`);
      return r.oid.apply((n) => `${oid[2]}${n}`);
    }
    if (typeof v === "string" && v.startsWith("@")) {
      const r = roles.get(v.slice(1));
      if (!r) throw new Error(`spec: no role ${v}`);
      return r.name;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  const args = (p: Props) =>
    Object.fromEntries(
      Object.entries(p)
        .filter(([k]) => k !== "key")
        .map(([k, v]) => [k, resolve(v)]),
    );
  // Roles that name other roles (inRoles, "@key" names) after those they name.
  const pending = [...(spec.roles ?? [])];
  while (pending.length > 0) {
    const i = pending.findIndex(
      (p) =>
        JSON.stringify(p)
          .match(/"@[^".]+/g)
          ?.every((r) => roles.has(r.slice(2))) ?? true,
    );
    if (i < 0) throw new Error("spec: roles name each other in a cycle");
    const [p] = pending.splice(i, 1);
    roles.set(p!.key, new pg.Role(p!.key, args(p!)));
  }
  for (const p of spec.memberships ?? []) new pg.RoleMembership(p.key, args(p));
  for (const p of spec.grants ?? []) new pg.Grant(p.key, args(p));
  for (const p of spec.defaultPrivileges ?? []) new pg.DefaultPrivileges(p.key, args(p));
  for (const p of spec.rowLevelSecurity ?? []) new pg.RowLevelSecurity(p.key, args(p));
  for (const p of spec.policies ?? []) new pg.Policy(p.key, args(p));
  for (const p of spec.privileges ?? []) new pg.Privileges(p.key, args(p));
  for (const p of spec.bulkRoles ?? []) new pg.Roles(p.key, args(p));
}
