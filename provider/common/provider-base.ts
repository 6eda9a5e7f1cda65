import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../db/connection";
import type { Hooks } from "../db/scaffold";
import type * as runtime from "../runtime";

/** The resources of the runtime module: every name under which it exports a resource's hooks. */
export type ResourceKind = {
  [K in keyof typeof runtime]: (typeof runtime)[K] extends {
    create(...a: never[]): unknown;
    delete(...a: never[]): unknown;
  }
    ? K
    : never;
}[keyof typeof runtime];

/** What a provider object holds: the resource's kind and, once configured, the stack configuration. */
export interface ProviderState {
  kind: ResourceKind;
  stackConfig?: ConnectionArgs;
}

/** The runtime module as the methods use it (casts only: nothing here is captured into the state). */
type RuntimeModule = typeof runtime & Record<ResourceKind, Hooks<unknown, unknown>>;

/** The inputs and outputs the dynamic-provider server hands the hooks: with the serialized provider. */
type WithProvider = { __provider?: unknown } | undefined;

/**
 * The provider methods, one short function each; each requires the runtime module *by package
 * name* inside the provider process (a real, cached module: its connection pools survive between
 * calls), so no library code and no connection setting is ever captured.
 *
 * Pulumi serializes a dynamic resource's provider object into its state (`__provider`, in the
 * inputs and again in the outputs) and the file backend rewrites the whole state after each step.
 * The resources pass the object exported by `providers/<kind>.ts` (see {@link providerFor}): a
 * module's exports under node_modules serialize as one `require("pulumi-postgres-roles/providers/<kind>")`
 * line (Pulumi's closure serializer captures modules by reference), about 250 bytes; only where
 * the package is not under a node_modules folder (a link to a checkout) is the object serialized
 * by value, these methods included (about 2.8 KB).
 */
const METHODS = {
  async configure(this: ProviderState, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    const rt: RuntimeModule = require("pulumi-postgres-roles/runtime");
    this.stackConfig = rt.connectionFromConfig((key) => req.config.get(key));
  },
  async check(this: ProviderState, olds: unknown, news: Record<string, unknown>) {
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].check(olds, news);
  },
  async diff(this: ProviderState, id: string, olds: WithProvider, news: WithProvider) {
    const rt: RuntimeModule = require("pulumi-postgres-roles/runtime");
    const d = await rt[this.kind].diff(id, olds, news);
    return d.changes || !rt.leanProviderMigration(olds, news) ? d : { ...d, changes: true };
  },
  async create(this: ProviderState, inputs: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].create(ctx, inputs);
  },
  async read(this: ProviderState, id: string, props: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].read(ctx, id, props);
  },
  async update(this: ProviderState, id: string, olds: WithProvider, news: WithProvider) {
    const rt: RuntimeModule = require("pulumi-postgres-roles/runtime");
    const ctx = { stackConfig: this.stackConfig };
    // Only the provider's text changed (see diff): the state is rewritten, the database untouched.
    if (rt.leanProviderMigration(olds, news) && !(await rt[this.kind].diff(id, olds, news)).changes) {
      const outs = { ...olds };
      delete outs.__provider;
      return { outs };
    }
    return rt[this.kind].update(ctx, id, olds, news);
  },
  async delete(this: ProviderState, id: string, props: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].delete(ctx, id, props);
  },
};

/**
 * A provider object of `kind`: the kind, the stack configuration once configured, the methods. The
 * resources use the one that `providers/<kind>.ts` exports (module.exports *is* the object, which is
 * what makes it serialize as a `require` line); `new RoleProvider()` and the like make more.
 */
export function providerFor(kind: ResourceKind): ProviderState & typeof METHODS {
  return Object.assign({ kind, stackConfig: undefined } as ProviderState, METHODS);
}

/**
 * The text of a lean provider (see METHODS) as the state holds it: the `exports` subpath, or the
 * file's path where the serializer could not read the package's `exports` (it then names the file,
 * which `exports` also allows: e.g. when the project's own path contains "pulumi-postgres-roles").
 */
const LEAN = /require\("pulumi-postgres-roles\/(?:dist\/provider\/)?providers\//;

/**
 * Whether the state holds the provider serialized by value (as releases up to 0.1.0 stored it, about
 * 2.8 KB) and the program now passes the lean one: then `diff` reports a change even where
 * the resource's own properties are unchanged, and `update` rewrites the state without a statement,
 * so that the first `up` after the upgrade shrinks the outputs too (a "same" step would keep them).
 */
export function leanProviderMigration(olds: WithProvider, news: WithProvider): boolean {
  const [o, n] = [olds?.__provider, news?.__provider];
  return typeof o === "string" && typeof n === "string" && LEAN.test(n) && !LEAN.test(o);
}

/** Which kind each provider class (RoleProvider, …) stands for, for instanceof. */
const KINDS = new WeakMap<object, ResourceKind>();

/**
 * A dynamic provider that forwards each hook to the runtime module (see METHODS). The subclasses
 * only name their resource. `new RoleProvider()` is a plain object of the METHODS above and the
 * kind; `instanceof RoleProvider` holds for it and for the object the Role resources use.
 */
export class HookProvider<I, O> implements pulumi.dynamic.ResourceProvider {
  declare configure: (req: pulumi.dynamic.ConfigureRequest) => Promise<void>;
  declare check: (olds: unknown, news: Record<string, unknown>) => Promise<pulumi.dynamic.CheckResult<I>>;
  declare diff: (id: string, olds: O, news: I) => Promise<pulumi.dynamic.DiffResult>;
  declare create: (inputs: I) => Promise<pulumi.dynamic.CreateResult<O>>;
  declare read: (id: string, props: O) => Promise<pulumi.dynamic.ReadResult<O>>;
  declare update: (id: string, olds: O, news: I) => Promise<pulumi.dynamic.UpdateResult<O>>;
  declare delete: (id: string, props: O) => Promise<void>;

  constructor(kind: ResourceKind) {
    KINDS.set(new.target, kind);
    return providerFor(kind) as unknown as HookProvider<I, O>;
  }

  static [Symbol.hasInstance](x: unknown): boolean {
    if (typeof x !== "object" || x === null || (x as { create?: unknown }).create !== METHODS.create)
      return false;
    if (this === HookProvider) return true;
    // a class not constructed yet: constructing one (a plain object, no side effect) records its kind
    if (!KINDS.has(this)) new (this as unknown as new () => unknown)();
    return KINDS.get(this) === (x as ProviderState).kind;
  }
}
