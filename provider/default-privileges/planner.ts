/**
 * DefaultPrivileges planner: (what the grantee holds in the entry, PostgreSQL's built-in default
 * for the grantee, what the resource managed before, what is wanted) -> statements. Pure.
 *
 * The privileges a resource controls are the ones it declares plus, for a global entry (no
 * schema), the grantee's built-in defaults (`acldefault`: EXECUTE on functions and USAGE on types
 * for PUBLIC, everything for the owner itself). A global entry replaces the built-in default, so a
 * built-in privilege the resource does not list is revoked (this is how "REVOKE EXECUTE ON
 * FUNCTIONS FROM PUBLIC" is declared: `privileges: []`), and delete puts the built-in default back
 * instead of revoking it. A per-schema entry can only add to the global one, so there the built-in
 * set is empty and the resource controls exactly what it declares.
 *
 * Only the delta: GRANT what is missing, REVOKE what is controlled and no longer wanted, never a
 * privilege that stays wanted.
 */
import { ident, roleSpec } from "../common/quote";
import { type Statement, stmt } from "../common/statement";
import { type DefaultObjectType, typeInfo } from "./object-types";

export interface PrivilegeSet {
  /** Concrete privilege names ("ALL" already expanded for the server). */
  privileges: string[];
  withGrantOption: boolean;
}

export interface DefaultPrivilegesPlanInput {
  owner: string;
  schema?: string;
  objectType: DefaultObjectType;
  /** The grantee, or "PUBLIC". */
  role: string;
  /**
   * What the grantee holds in the entry (privilege -> with grant option): for a global entry its
   * row, or the built-in default when there is none; for a per-schema entry that entry only.
   */
  held: Record<string, boolean>;
  /** The grantee's built-in default privileges (global entry only; empty for a per-schema one). */
  builtin: readonly string[];
  /** What this resource managed before (undefined on create). */
  previous?: PrivilegeSet;
  /** What it should manage now (undefined on delete: back to the built-in default). */
  desired?: PrivilegeSet;
}

/** The privileges a resource controls: what it declares, plus the built-in ones of a global entry. */
export function controlled(declared: readonly string[], builtin: readonly string[]): string[] {
  return [...new Set([...declared, ...builtin])];
}

export function planDefaultPrivileges(input: DefaultPrivilegesPlanInput): Statement[] {
  const { owner, schema, objectType, role, held, builtin, previous } = input;
  const want: PrivilegeSet = input.desired ?? { privileges: [...builtin], withGrantOption: false };
  const info = typeInfo(objectType);
  const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)}${schema !== undefined ? ` IN SCHEMA ${ident(schema)}` : ""}`;
  const grantee = roleSpec(role);
  const objects = info.keyword.toLowerCase();
  const where = `future ${objects} of ${owner}${schema !== undefined ? ` in schema ${schema}` : ""}`;
  const out: Statement[] = [];

  const missing = want.privileges.filter((p) => !(p in held) || (want.withGrantOption && !held[p]));
  if (missing.length > 0) {
    const wgo = want.withGrantOption;
    out.push(
      stmt(
        `grant ${missing.join(", ")} on ${where} to ${role}${wgo ? " with grant option" : ""}`,
        `${head} GRANT ${missing.join(", ")} ON ${info.keyword} TO ${grantee}${wgo ? " WITH GRANT OPTION" : ""}`,
      ),
    );
  }

  const keep = new Set(want.privileges);
  const unwanted = controlled(previous?.privileges ?? [], builtin).filter((p) => !keep.has(p) && p in held);
  if (unwanted.length > 0) {
    out.push(
      stmt(
        `revoke ${unwanted.join(", ")} on ${where} from ${role}`,
        `${head} REVOKE ${unwanted.join(", ")} ON ${info.keyword} FROM ${grantee}`,
      ),
    );
  }

  if (previous?.withGrantOption && !want.withGrantOption) {
    const optioned = want.privileges.filter((p) => held[p] === true);
    if (optioned.length > 0) {
      out.push(
        stmt(
          `revoke the grant option for ${optioned.join(", ")} on ${where} from ${role}`,
          `${head} REVOKE GRANT OPTION FOR ${optioned.join(", ")} ON ${info.keyword} FROM ${grantee}`,
        ),
      );
    }
  }
  return out;
}

/**
 * What read reports: of the privileges the resource controls, those the grantee holds, and
 * whether all of them carry the grant option.
 */
export function heldControlled(
  held: Record<string, boolean>,
  controlledPrivileges: readonly string[],
): { held: string[]; grantable: boolean } {
  const have = controlledPrivileges.filter((p) => p in held);
  return { held: have, grantable: have.every((p) => held[p] === true) };
}
