/**
 * The `defaultPrivileges` entries of a Privileges resource: each is checked exactly as a
 * DefaultPrivileges resource's arguments are (checkDefaultPrivileges), so an entry means what the
 * same arguments mean on DefaultPrivileges; its database is the resource's. Stored keyed like
 * `grants` (see inputs.ts), by {@link defaultEntryKey}. Pure.
 */
import type { Problems } from "../common/validate";
import type { DefaultObjectType } from "../common/object-kinds";
import { checkDefaultPrivileges } from "../default-privileges/inputs";
import { normalizeDefaultPrivileges, typeInfo } from "../default-privileges/object-types";
import { checkEntryList, keyPart } from "./entry-list";

/** One entry: DefaultPrivileges' arguments minus database and connection (normalized by its check). */
export interface DefaultPrivilegesEntry {
  /** The role whose future objects get the privileges (FOR ROLE). */
  owner: string;
  /** IN SCHEMA; omitted: the owner's global entry (objects in every schema of the database). */
  schema?: string;
  /** The grantee, or "PUBLIC". */
  role: string;
  objectType: DefaultObjectType;
  /** Normalized: upper case, documentation order, or ["ALL"]. May be empty for a global entry. */
  privileges: string[];
  withGrantOption: boolean;
}

const ENTRY_KEYS = ["owner", "schema", "role", "objectType", "privileges", "withGrantOption"];

/**
 * The key of an entry: whose future objects of which type, where, to whom, with or without the
 * grant option; its privileges are its value. Readable in a diff: `reader: future tables of app_owner
 * in app`, `PUBLIC: future functions of app_owner`.
 */
export function defaultEntryKey(e: Omit<DefaultPrivilegesEntry, "privileges">): string {
  const objects = typeInfo(e.objectType).keyword.toLowerCase();
  const where = e.schema !== undefined ? ` in ${keyPart(e.schema)}` : "";
  return `${keyPart(e.role)}: future ${objects} of ${keyPart(e.owner)}${where}${e.withGrantOption ? " +grant option" : ""}`;
}

/** `defaultPrivileges` (optional): the keyed entries, undefined when absent, or the unknown placeholder. */
export function checkDefaultEntries(
  p: Problems,
  raw: unknown,
): Record<string, DefaultPrivilegesEntry> | undefined {
  if (raw === undefined || raw === null) return undefined;
  return checkEntryList<DefaultPrivilegesEntry>(
    p,
    "defaultPrivileges",
    raw,
    ENTRY_KEYS,
    checkDefaultPrivileges,
    defaultEntryKey,
    (e, privileges) => normalizeDefaultPrivileges(e.objectType, privileges),
  );
}
