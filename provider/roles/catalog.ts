/**
 * Reading the roles of a Roles resource from the catalog: always all of them in one query, through
 * Role's bulk readers (role/catalog.ts: `readRoles`, `dependents`), whose queries are constants with
 * bind parameters (arrays: the number of queries does not grow with the number of roles).
 */
import type { PoolClient } from "pg";
import { ProviderError } from "../common/errors";
import { type Dependents, dependents, readRoles } from "../role/catalog";
import type { RoleActual } from "../role/planner";

/** The roles of these OIDs that still exist, and what they own or hold (before they are dropped). */
export async function rolesToDrop(
  client: PoolClient,
  oids: ReadonlyArray<number | undefined>,
): Promise<{ actuals: RoleActual[]; deps: Map<number, Dependents> }> {
  const found = await readRoles(
    client,
    oids.map((oid) => ({ oid })),
  );
  const actuals = found.filter((a): a is RoleActual => a !== undefined);
  return {
    actuals,
    deps: await dependents(
      client,
      actuals.map((a) => a.oid),
    ),
  };
}

/** The roles just created or changed, by name (their OIDs), in the transaction that made them. */
export async function readBack(
  client: PoolClient,
  resource: string,
  names: readonly string[],
): Promise<RoleActual[]> {
  const after = await readRoles(
    client,
    names.map((name) => ({ name })),
  );
  return after.map((a, i) => {
    if (!a)
      throw new ProviderError(resource, "reading the roles back", {
        message: `role ${names[i]} not found after the change`,
      });
    return a;
  });
}
