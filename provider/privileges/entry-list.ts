/**
 * The lists of entries of a Privileges resource (`grants`, `defaultPrivileges`): checked item by
 * item with the check of the resource whose arguments an entry takes, and stored keyed (see
 * inputs.ts for why a map). Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type Problems, isUnknown } from "../common/validate";
import { compact } from "../common/values";

/** The entry properties the single resources know that an entry must not have (the resource has them once). */
const RESOURCE_LEVEL = ["database", "cascade", "connection"];

/** A name in a key, in double quotes when it has a character the keys use themselves. */
export function keyPart(name: string): string {
  return /^[^\s.,:*{}"]+$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * Checks the list `raw` (property `name`) entry by entry with `check` (the single resource's check:
 * each problem named `name[i].property`), and keys the checked entries (the properties `keys`, as the
 * check normalized them) by `keyOf`; entries with the same key are one entry whose privileges are the
 * union (`union` normalizes the merged list). Returns the keyed entries, or what is not known yet
 * (preview: the list, or one of its entries, is unknown; then the keyed form is not known either).
 */
export function checkEntryList<E extends { privileges: string[] }>(
  p: Problems,
  name: string,
  raw: unknown,
  keys: readonly string[],
  check: (entry: Record<string, unknown>) => {
    inputs: object;
    failures: pulumi.dynamic.CheckFailure[];
  },
  keyOf: (e: E) => string,
  union: (e: E, privileges: string[]) => string[],
): Record<string, E> | undefined {
  if (isUnknown(raw)) return raw as undefined;
  if (!Array.isArray(raw)) {
    p.add(name, `${name} must be a list of entries`);
    return undefined;
  }
  if (raw.some(isUnknown)) return raw.find(isUnknown) as undefined;
  const merged: Record<string, E> = {};
  raw.forEach((item, i) => {
    const at = `${name}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      p.add(at, `${at} must be an entry { ${keys.slice(0, 3).join(", ")}, ... }`);
      return;
    }
    const entry = item as Record<string, unknown>;
    for (const k of Object.keys(entry)) {
      if (RESOURCE_LEVEL.includes(k))
        p.add(`${at}.${k}`, `${k} belongs to the Privileges resource, not to an entry`);
      else if (!keys.includes(k))
        p.add(`${at}.${k}`, `${JSON.stringify(k)} is not an entry property (${keys.join(", ")})`);
    }
    const checked = check(Object.fromEntries(keys.map((k) => [k, entry[k]])));
    for (const f of checked.failures) p.add(`${at}.${f.property}`, f.reason);
    if (checked.failures.length > 0) return;
    const inputs = checked.inputs as Record<string, unknown>;
    const e = compact(Object.fromEntries(keys.map((k) => [k, inputs[k]]))) as unknown as E;
    const key = keyOf(e);
    const same = merged[key];
    merged[key] = same ? { ...same, privileges: union(e, [...same.privileges, ...e.privileges]) } : e;
  });
  return merged;
}
