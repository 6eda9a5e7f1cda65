/**
 * The `--role` and `--schema` filters applied to a catalog snapshot. Pure.
 *
 * Role patterns are exact names or globs with `*` (`app_*`); `PUBLIC` names the pseudo-role. With
 * role patterns: roles that match; memberships with a matching side; grants and default privileges
 * to a matching grantee; policies that apply to a matching role. Row level security is not per role
 * and stays. Schemas were already narrowed by the catalog queries; default privileges of an owner's
 * global entry (every schema) stay.
 */
import type { CatalogSnapshot } from "../queries/types";

export interface Filters {
  roles?: string[];
  schemas?: string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}

/** A predicate for role names; no patterns: everything matches. */
export function roleMatcher(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (!patterns || patterns.length === 0) return () => true;
  const exact = new Set(
    patterns.filter((p) => !p.includes("*")).map((p) => (p.toUpperCase() === "PUBLIC" ? "PUBLIC" : p)),
  );
  const globs = patterns.filter((p) => p.includes("*")).map(globToRegExp);
  return (name) => exact.has(name) || (name !== "PUBLIC" && globs.some((g) => g.test(name)));
}

export function applyFilters(s: CatalogSnapshot, f: Filters): CatalogSnapshot {
  const match = roleMatcher(f.roles);
  const filtered = f.roles !== undefined && f.roles.length > 0;
  const inSchema = (schema: string | null) =>
    !f.schemas || f.schemas.length === 0 || (schema !== null && f.schemas.includes(schema));
  return {
    ...s,
    roles: s.roles.filter((r) => match(r.name)),
    memberships: s.memberships.filter((m) => match(m.role) || match(m.member)),
    acl: s.acl.filter((a) => match(a.grantee) && inSchema(a.schema)),
    defaultPrivileges: s.defaultPrivileges.filter(
      (d) => match(d.grantee) && (d.schema === null || inSchema(d.schema)),
    ),
    rowLevelSecurity: s.rowLevelSecurity.filter((r) => inSchema(r.schema)),
    policies: s.policies.filter((p) => inSchema(p.schema) && (!filtered || p.roles.some(match))),
  };
}
