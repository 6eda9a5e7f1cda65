import { PostgresResource } from "../common/resource";
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionInput, secretInput, withSecretOutputs } from "../common/inputs";
import { HookProvider } from "../common/provider-base";
import provider from "../providers/roles";
import { resourceUrn } from "../common/urn";
import type { RoleArgs } from "../role/resource";
import type { RolesEntry, RolesInputs, RolesOutputs } from "./inputs";

/**
 * One role of a {@link Roles} resource: a {@link Role}'s arguments (same meaning, defaults, checks and
 * SQL), minus those that belong to the whole resource (adoptExisting, reassignOwnedTo, dropOwned,
 * connection). `name` defaults to the entry's key.
 */
export type RoleEntry = Omit<RoleArgs, "adoptExisting" | "reassignOwnedTo" | "dropOwned" | "connection">;

/** Arguments of a {@link Roles}. */
export interface RolesArgs {
  /**
   * The roles, keyed. The key is a role's identity in this resource: its name unless the entry gives
   * `name` (then changing `name` renames the role in place, `ALTER ROLE … RENAME TO`, grants kept;
   * changing the key drops the role and creates another). `{}` is a group role with every default.
   * Give a plain object of entries (their values may be Inputs) for a readable `pulumi preview --diff`:
   * each role is then its own key there. Passwords are lifted out of the entries into one secret.
   */
  roles: pulumi.Input<Record<string, pulumi.Input<RoleEntry>>>;
  /**
   * Take over roles that already exist (and converge them) instead of failing, as Role's adoptExisting;
   * for roles created later by adding keys too. Default false.
   */
  adoptExisting?: pulumi.Input<boolean>;
  /** `memberships: true`: each role's groups are exactly its inRoles; other memberships of these roles are revoked. */
  authoritative?: pulumi.Input<{ memberships?: pulumi.Input<boolean> }>;
  /**
   * When a role is dropped (its key removed, or the resource deleted): first `REASSIGN OWNED BY <role> TO
   * <this role>` in every database where it owns objects ("CURRENT_USER": the admin). A role outside
   * this resource. Without it (or dropOwned), dropping a role that owns objects fails, naming the databases.
   */
  reassignOwnedTo?: pulumi.Input<string>;
  /** When a role is dropped: `DROP OWNED BY <role>` in every database. Default false. */
  dropOwned?: pulumi.Input<boolean>;
  /** Where the roles live; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/** The provider behind {@link Roles}; its hooks can be called directly with plain inputs. */
export class RolesProvider extends HookProvider<RolesInputs, RolesOutputs> {
  constructor() {
    super("roles");
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !pulumi.Output.isInstance(v) &&
  typeof (v as { then?: unknown }).then !== "function";

/**
 * Splits the passwords out of the entries: `roles` without them, and one map key -> password. With a
 * plain object of plain entries (the usual case) nothing is awaited and each entry stays as given;
 * otherwise the split happens when the values are known (then `roles` is a secret too, if any
 * password was one: a preview shows it as [secret]).
 */
function splitPasswords(given: RolesArgs["roles"]): {
  roles: pulumi.Input<Record<string, pulumi.Input<RolesEntry>>>;
  passwords: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
} {
  if (isPlain(given) && Object.values(given).every((e) => isPlain(e))) {
    const roles: Record<string, pulumi.Input<RolesEntry>> = {};
    const passwords: Record<string, pulumi.Input<string>> = {};
    for (const [key, entry] of Object.entries(given as Record<string, RoleEntry>)) {
      const { password, ...rest } = entry;
      roles[key] = rest as pulumi.Input<RolesEntry>;
      if (password !== undefined) passwords[key] = password;
    }
    return { roles, passwords: Object.keys(passwords).length > 0 ? passwords : undefined };
  }
  const all = pulumi.output(given);
  return {
    roles: all.apply((r) =>
      Object.fromEntries(Object.entries(r).map(([k, { password: _p, ...rest }]) => [k, rest as RolesEntry])),
    ),
    passwords: all.apply((r) =>
      Object.fromEntries(
        Object.entries(r).flatMap(([k, e]) => (e.password === undefined ? [] : [[k, e.password]])),
      ),
    ),
  };
}

/**
 * Many PostgreSQL roles in one resource: each with a {@link Role}'s attributes, password, group
 * memberships (to roles of this resource or outside it), settings and comment; one engine step and
 * one transaction for all of them, for estates of thousands of roles. See docs/roles.md.
 */
export class Roles extends PostgresResource {
  /** The roles as the catalog has them, keyed as given; each entry lists only what differs from the defaults. */
  declare public readonly roles: pulumi.Output<Record<string, RolesEntry>>;
  /** Each role's OID, by key (stays the same across renames). */
  declare public readonly oids: pulumi.Output<Record<string, number>>;
  /**
   * After a refresh, when some role has a password: whether a password changed by hand could be
   * detected ("checked against pg_authid"), or why not (as Role's passwordCheck).
   */
  declare public readonly passwordCheck: pulumi.Output<string | undefined>;

  constructor(name: string, args: RolesArgs, opts?: pulumi.CustomResourceOptions) {
    const { roles, passwords } = splitPasswords(args.roles);
    super(
      provider,
      name,
      {
        ...args,
        roles,
        passwords: secretInput(passwords),
        connection: secretInput(args.connection),
        resourceUrn: resourceUrn(name, "Roles", opts),
        oids: undefined,
        passwordCheck: undefined,
      },
      withSecretOutputs(opts, "passwords"),
      "postgres-roles",
      "Roles",
    );
  }
}
