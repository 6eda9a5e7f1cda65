/**
 * Input validation that collects every problem at once, each naming its property, in the
 * shape `check` returns to the engine.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isPublic } from "./quote";

/** The placeholder the engine sends for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** PostgreSQL truncates names longer than NAMEDATALEN-1 bytes; we refuse them instead. */
export const MAX_NAME_BYTES = 63;

export class Problems {
  readonly failures: pulumi.dynamic.CheckFailure[] = [];

  add(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  /** A required or optional SQL name: non-empty string, no NUL, at most 63 bytes. */
  name(property: string, v: unknown, required: boolean): void {
    if (v === undefined || v === null) {
      if (required) this.add(property, `${property} is required`);
      return;
    }
    if (isUnknown(v)) return;
    if (typeof v !== "string") {
      this.add(property, `${property} must be a string`);
      return;
    }
    if (v.length === 0) this.add(property, `${property} must not be empty`);
    if (v.includes("\u0000")) this.add(property, `${property} must not contain a NUL character`);
    const bytes = Buffer.byteLength(v, "utf8");
    if (bytes > MAX_NAME_BYTES) {
      this.add(
        property,
        `${property} is ${bytes} bytes long; PostgreSQL names are at most ${MAX_NAME_BYTES} bytes (longer ones are silently truncated)`,
      );
    }
  }

  nameList(property: string, v: unknown): void {
    if (v === undefined || v === null || isUnknown(v)) return;
    if (!Array.isArray(v)) {
      this.add(property, `${property} must be a list of names`);
      return;
    }
    v.forEach((item, i) => this.name(`${property}[${i}]`, item, true));
    const seen = new Set<string>();
    for (const item of v) {
      if (typeof item !== "string" || isUnknown(item)) continue;
      if (seen.has(item)) this.add(property, `${property} lists ${JSON.stringify(item)} twice`);
      seen.add(item);
    }
  }

  bool(property: string, v: unknown): void {
    if (v === undefined || v === null || isUnknown(v)) return;
    if (typeof v !== "boolean") this.add(property, `${property} must be true or false`);
  }

  /**
   * The known names of a privilege list that `invalid` refuses for `objectType`, as one problem
   * naming them all (names not known yet, during preview, are checked when they are).
   */
  privilegeNames(
    objectType: string,
    privileges: readonly unknown[],
    invalid: (names: string[]) => string[],
  ): void {
    const bad = invalid(privileges.filter((x): x is string => typeof x === "string" && !isUnknown(x)));
    if (bad.length > 0) {
      this.add(
        "privileges",
        `${bad.map((b) => JSON.stringify(b)).join(", ")} ${bad.length === 1 ? "is not a privilege" : "are not privileges"} of a ${objectType}`,
      );
    }
  }

  /** `withGrantOption`: a boolean, and never for PUBLIC (PostgreSQL refuses the grant option to PUBLIC). */
  grantOption(withGrantOption: unknown, role: unknown): void {
    this.bool("withGrantOption", withGrantOption);
    if (withGrantOption === true && typeof role === "string" && isPublic(role)) {
      this.add("withGrantOption", "the grant option cannot be granted to PUBLIC");
    }
  }

  get ok(): boolean {
    return this.failures.length === 0;
  }
}
