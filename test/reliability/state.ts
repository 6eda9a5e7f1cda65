/**
 * What an engine stack's state claims, checked against the catalog: every Role in the state exists
 * under its OID and name, every RoleMembership's pair is a membership, every table Grant's privileges
 * are held. "The state never claims what the catalog lacks."
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { isMember, q, tablePriv } from "../support/db";

interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}

export async function stateResources(stack: Stack): Promise<StateResource[]> {
  const state = await stack.exportStack();
  return ((state.deployment.resources ?? []) as StateResource[]).filter((r) => r.type.includes("dynamic"));
}

/** The claims the catalog does not bear out (empty: state and catalog agree). */
export async function unbackedClaims(stack: Stack): Promise<string[]> {
  const out: string[] = [];
  for (const r of await stateResources(stack)) {
    const o = r.outputs ?? {};
    const name = r.urn.split("::").pop();
    if (typeof o.oid === "number" && typeof o.name === "string" && "login" in o) {
      const rows = await q<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE oid = $1", [o.oid]);
      if (rows[0]?.rolname !== o.name) out.push(`${name}: role ${o.name} (oid ${o.oid}) not in pg_roles`);
    } else if (typeof o.member === "string" && typeof o.role === "string") {
      if (!(await isMember(o.role, o.member)).member)
        out.push(`${name}: ${o.member} not a member of ${o.role}`);
    } else if (o.objectType === "table" && Array.isArray(o.objects)) {
      for (const t of o.objects as string[]) {
        for (const p of o.privileges as string[]) {
          const held = await tablePriv(o.role as string, o.schema as string, t, p).catch(() => false);
          if (!held) out.push(`${name}: ${o.role} lacks ${p} on ${o.schema}.${t}`);
        }
      }
    }
  }
  return out;
}
