/**
 * Role renames, recorded so that a resource naming a role by its old name can still find it.
 *
 * The engine runs the deletions of an `up` after its updates. When one `up` renames a Role (its
 * `name` changes: ALTER ROLE … RENAME, an in-place update) and removes a Grant, RoleMembership,
 * Privileges entry or DefaultPrivileges naming it, the delete comes after the rename and finds no
 * role of the old name: before, it did nothing, and the renamed role kept the privilege or the
 * membership. So the Role records each rename it makes, in the transaction of the rename, as a row of
 * the creation-marker table (see ownership.ts; kind "renamed role", the role's OID, the old name;
 * one row per role: its latest rename), and a dependent that finds no role of its name looks it up
 * there: the role with that OID, if it still exists, is the one it meant.
 *
 * Why a record on the server and not the role's OID in every dependent's outputs: it costs the state
 * nothing (a Grant's whole state entry is kept under 2 KB, issue 13), holds for states written before
 * it, and is written once per rename instead of once per dependent. The cost is a lookup, made only by
 * a delete or update that finds a role of its name missing.
 *
 * The rows live in the database where the Role's transactions run (the connection's own database), and
 * are looked up there (dependents in another database open a short transaction on it). A row is ignored
 * once a role has that name again (a lookup happens only for a missing name), is forgotten when a Role
 * creates a role of that name, and goes with the role's drop. Where the marker table cannot be written
 * (an admin without CREATE on the database, see ownership.ts), the rename still happens and nothing is
 * recorded: a dependent deleted in the same `up` then finds nothing, as before (nothing is revoked from
 * any other role); rename in one `up` and remove the dependents in the next. See docs/operations.md.
 */
import type { PoolClient } from "pg";
import { clusterIdentifier } from "./cluster";
import { QUALIFIED, mark, tableUsable } from "./ownership";
import type { Db } from "./scaffold";

/** The current names of renamed roles by a former name (the latest rename of that name wins). */
const RENAMED = `
SELECT m.object_name AS old, r.rolname AS now
  FROM ${QUALIFIED} m JOIN pg_catalog.pg_roles r ON r.oid = m.object_oid
 WHERE m.cluster = $1 AND m.kind = 'renamed role' AND m.object_name = ANY($2::text[])
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles o WHERE o.rolname = m.object_name)
 ORDER BY m.created_at`;

/** Records of former names ($2) that roles have again, but those of the roles just renamed ($3). */
const FORGET_NAMES = `DELETE FROM ${QUALIFIED} WHERE cluster = $1 AND kind = 'renamed role' AND object_name = ANY($2::text[]) AND object_oid <> ALL($3::oid[])`;

/** A rename made: the role `oid` was called `from` and is now called `to`. */
export interface Rename {
  oid: number;
  from: string;
  to: string;
}

/**
 * Records renames in the transaction that made them, and forgets the former names the roles now
 * have. Does nothing where markers cannot be kept.
 */
export async function recordRenames(
  client: PoolClient,
  urn: string | undefined,
  renames: readonly Rename[],
): Promise<void> {
  if (renames.length === 0) return;
  const marked = await mark(
    client,
    ...renames.map((r) => ({ urn: urn ?? "", kind: "renamed role" as const, oid: r.oid, name: r.from })),
  );
  if (!marked) return;
  // mark() found the table usable and the cluster known (cached per connection).
  const cluster = await clusterIdentifier(client);
  await client.query(FORGET_NAMES, [cluster, renames.map((r) => r.to), renames.map((r) => String(r.oid))]);
}

/**
 * Of `names` (roles a resource names), those no role has any more but a recorded rename gives a
 * role that still exists, mapped to that role's current name. One short transaction in the
 * connection's database (where Roles record their renames); names that exist are left out.
 */
export async function renamedRoles(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(names)].filter((n) => n.toUpperCase() !== "PUBLIC");
  if (wanted.length === 0) return new Map();
  return db.transaction(async ({ client }) => {
    if (!(await tableUsable(client))) return new Map<string, string>();
    const cluster = await clusterIdentifier(client);
    if (cluster === undefined) return new Map<string, string>();
    const r = await client.query<{ old: string; now: string }>(RENAMED, [cluster, wanted]);
    return new Map(r.rows.map((x) => [x.old, x.now]));
  }, db.connectionDatabase);
}

/**
 * Runs `act` (a delete) on `props`; when it answers that a role it names under `keys` is missing,
 * runs it once more with the current names of those renamed (see above), if any was.
 */
export async function actFollowingRenames<T, K extends keyof T & string>(
  db: Db,
  props: T & Record<K, string>,
  keys: readonly K[],
  act: (props: T) => Promise<boolean>,
): Promise<void> {
  if (!(await act(props))) return;
  const renamed = await renamedRoles(
    db,
    keys.map((k) => props[k]),
  );
  if (renamed.size === 0) return;
  const now = { ...props };
  for (const k of keys) (now as Record<K, string>)[k] = renamed.get(props[k]) ?? props[k];
  await act(now);
}
