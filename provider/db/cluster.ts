/**
 * Which cluster an object belongs to. OIDs are only unique within one cluster (role OIDs start at
 * 16384 on every one), so a resource that keeps an OID (Role, Policy) also keeps the cluster's
 * system identifier (`pg_control_system()`, fixed at initdb, kept by physical replicas, new after a
 * dump and restore) and acts on the OID only on that cluster. On another cluster refresh finds the
 * object again by name (and says so: new id, oid and systemIdentifier), update refuses, and delete
 * treats an object missing by name as gone and refuses one found by name: an OID that happens to
 * exist on the other server is never touched. See docs/operations.md, "Servers and clusters".
 */
import type { PoolClient } from "pg";
import { ProviderError } from "../common/errors";
import { connectionFact } from "./session";

/** The cluster's system identifier, or NULL where the admin may not call pg_control_system(). */
export const CLUSTER_IDENTIFIER = `
SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS id`;

/**
 * The cluster's system identifier, or undefined where pg_control_system() may not be called. Read
 * once per connection (see session.ts).
 */
export async function clusterIdentifier(client: PoolClient): Promise<string | undefined> {
  return connectionFact(client, "cluster", async () => {
    const r = await client.query<{ id: string | null }>(CLUSTER_IDENTIFIER);
    return r.rows[0]?.id ?? undefined;
  });
}

/**
 * Where the connection leads compared with the cluster a resource recorded: `same` (or nothing
 * recorded yet: a state written before clusters were recorded, upgraded in place by this
 * operation's outputs; or an admin that may not read the identifier) or `other`.
 */
export interface Whereabouts {
  same: boolean;
  /** This cluster's identifier (to record), when readable. */
  here: string | undefined;
  recorded: string | undefined;
}

export async function whereabouts(client: PoolClient, recorded: string | undefined): Promise<Whereabouts> {
  const here = await clusterIdentifier(client);
  return { here, recorded, same: recorded === undefined || here === undefined || recorded === here };
}

/** The error of an update or delete that found the connection leading to another cluster. */
export function otherClusterError(
  resource: string,
  doing: string,
  what: string,
  w: Whereabouts,
): ProviderError {
  return new ProviderError(resource, doing, {
    message:
      `the state records ${what} on the cluster with system identifier ${w.recorded}, but the connection ` +
      `leads to the cluster ${w.here}; nothing was changed`,
    hint:
      "if the server was moved (dump and restore), run `pulumi refresh` once: it finds the objects again by name " +
      'on the new server (docs/operations.md, "Servers and clusters"); if the stack points at the wrong server, fix its connection',
  });
}
