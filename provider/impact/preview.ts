/**
 * Reading `pulumi preview --json`: the steps of this package's resources, in the order the engine
 * lists them, with the old outputs (what the resource managed) and the new inputs (after check:
 * defaults filled in). Pure.
 *
 * What the CLI writes (measured with Pulumi 3.250): `{ steps: [{ op, urn, oldState?, newState?,
 * replaceReasons?, … }], changeSummary, duration }`; `newState` has `inputs` only; a replacement is
 * one step `replace` (the engine creates the new resource there and deletes the old one with the
 * deletions at the end, or first when deleteBeforeReplace); secrets read "[secret]"; values not
 * known before apply read as the engine's unknown sentinel.
 */

/** The type tokens of this package's resources: `pulumi-nodejs:dynamic/postgres-roles:<Kind>`. */
export const RESOURCE_KINDS = [
  "Role",
  "RoleMembership",
  "Grant",
  "DefaultPrivileges",
  "RowLevelSecurity",
  "Policy",
  "Privileges",
  "Roles",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const TYPE_PREFIX = "pulumi-nodejs:dynamic/postgres-roles:";

/** What the engine puts where a value is not known until apply (preview, and in the JSON). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How secrets appear in the JSON (without --show-secrets). */
export const SECRET = "[secret]";

export function isUnknownValue(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknownValue);
  if (v && typeof v === "object") return Object.values(v).some(isUnknownValue);
  return false;
}

export type StepOp = "create" | "update" | "delete" | "replace";

export interface PlannedStep {
  op: StepOp;
  kind: ResourceKind;
  urn: string;
  /** The resource's name in the program (the last part of the URN). */
  name: string;
  /** The old outputs (update, delete, replace). */
  olds?: Record<string, unknown>;
  /** The new inputs after check (create, update, replace). */
  news?: Record<string, unknown>;
  replaceReasons?: string[];
  /** The properties the engine found changed (`diffReasons`), when the CLI lists them. */
  diffReasons?: string[];
  /** The URNs the new resource depends on (the engine runs those steps first). */
  dependencies: string[];
}

export interface PreviewSummary {
  /** This package's steps that change something, in the engine's order. */
  steps: PlannedStep[];
  /** Steps of other resources that create or replace something (they may create tables, schemas …). */
  otherChanges: Array<{ op: string; type: string; urn: string }>;
  /** This package's resources left as they are. */
  unchanged: number;
}

export class PreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewError";
  }
}

interface RawStep {
  op?: unknown;
  urn?: unknown;
  oldState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { type?: string; inputs?: Record<string, unknown>; dependencies?: string[] };
  replaceReasons?: string[];
  diffReasons?: string[];
}

function withoutProvider(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== "__provider"));
}

const OPS: Record<string, StepOp | "ignore"> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  // The parts of a replacement, should a version of the CLI list them separately.
  "create-replacement": "create",
  "delete-replaced": "delete",
  same: "ignore",
  read: "ignore",
  refresh: "ignore",
  discard: "ignore",
  "discard-replaced": "ignore",
  import: "ignore",
  "import-replacement": "ignore",
  "remove-pending-replace": "ignore",
};

/** Parses the text of `pulumi preview --json`. Throws PreviewError when it is not that. */
export function parsePreview(text: string): PreviewSummary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PreviewError(
      `the preview is not JSON (${(e as Error).message}): give the output of \`pulumi preview --json\``,
    );
  }
  const raw = (doc as { steps?: unknown }).steps;
  if (!doc || typeof doc !== "object" || (raw !== undefined && !Array.isArray(raw))) {
    throw new PreviewError("the preview has no list of steps: give the output of `pulumi preview --json`");
  }
  const diagnostics = (doc as { diagnostics?: Array<{ severity?: string; message?: string }> }).diagnostics;
  const errors = (diagnostics ?? []).filter((d) => d.severity === "error");
  if (raw === undefined && errors.length > 0) {
    throw new PreviewError(`the preview failed: ${errors.map((d) => (d.message ?? "").trim()).join("; ")}`);
  }
  const out: PreviewSummary = { steps: [], otherChanges: [], unchanged: 0 };
  for (const s of (raw ?? []) as RawStep[]) {
    const op = typeof s.op === "string" ? OPS[s.op] : undefined;
    const urn = typeof s.urn === "string" ? s.urn : "";
    const type = s.newState?.type ?? s.oldState?.type ?? urn.split("::")[2] ?? "";
    const ours =
      type.startsWith(TYPE_PREFIX) &&
      (RESOURCE_KINDS as readonly string[]).includes(type.slice(TYPE_PREFIX.length));
    if (!ours) {
      if (op === "create" || op === "replace") out.otherChanges.push({ op: String(s.op), type, urn });
      continue;
    }
    if (op === undefined) throw new PreviewError(`step ${urn}: unknown operation ${JSON.stringify(s.op)}`);
    if (op === "ignore") {
      if (s.op === "same") out.unchanged++;
      continue;
    }
    out.steps.push({
      op,
      kind: type.slice(TYPE_PREFIX.length) as ResourceKind,
      urn,
      name: urn.slice(urn.lastIndexOf("::") + 2),
      olds: withoutProvider(s.oldState?.outputs ?? s.oldState?.inputs),
      news: withoutProvider(s.newState?.inputs),
      replaceReasons: s.replaceReasons,
      ...(Array.isArray(s.diffReasons) ? { diffReasons: s.diffReasons } : {}),
      dependencies: s.newState?.dependencies ?? [],
    });
  }
  return out;
}
