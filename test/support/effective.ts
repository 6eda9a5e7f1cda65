/**
 * Comparing two answers of effective privileges (the SQL of `effectivePrivileges` and the pure
 * computation over an access model): the same privileges on the same objects with the same grant
 * option, the same kind of reason and a path of the same length. Which of two equally short paths
 * is shown is not fixed by PostgreSQL's aggregate order, so the path itself is not compared.
 */
import type { EffectivePrivileges } from "../../provider/queries/types";

export function effectiveShape(e: EffectivePrivileges): {
  superuser: boolean;
  privileges: string[];
  memberships: string[];
} {
  return {
    superuser: e.superuser,
    privileges: e.privileges
      .map(
        (p) =>
          `${p.object_type} ${p.schema ?? "-"}.${p.object_name}${p.column_name ? `.${p.column_name}` : ""} ${p.privilege}` +
          `${p.is_grantable ? " grantable" : ""} ${p.reason}/${p.via.length}`,
      )
      .sort(),
    memberships: e.memberships
      .map((m) => `${m.role} ${m.inherited ? "inherited" : "set-only"}/${m.path.length}`)
      .sort(),
  };
}
