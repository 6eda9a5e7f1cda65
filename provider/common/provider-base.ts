import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../db/connection";
import type { Hooks } from "../db/scaffold";
import type * as runtime from "../runtime";

/** The resources of the runtime module, by the name under which it exports their hooks. */
export type ResourceKind =
  | "role"
  | "roles"
  | "membership"
  | "grant"
  | "defaultPrivileges"
  | "rowLevelSecurity"
  | "policy"
  | "privileges";

/** What a provider object holds: the resource's kind and, once configured, the stack configuration. */
interface ProviderState {
  kind: ResourceKind;
  stackConfig?: ConnectionArgs;
}

/** The runtime module as the methods use it (casts only: nothing here is captured into the state). */
type RuntimeModule = typeof runtime & Record<ResourceKind, Hooks<unknown, unknown>>;

/**
 * The provider methods, one short function each. Pulumi serializes the provider object into the
 * state of every resource (`__provider`, in its inputs and again in its outputs) and the engine
 * rewrites the whole state after each step, so this text is paid for once per resource per step:
 * a plain object of these functions serializes to about half the text of a class instance (no
 * constructors, prototypes or helper closures). Each method requires the runtime module *by package
 * name* inside the provider process: the state holds a few hundred bytes instead of the whole
 * library, the implementation is the installed code (a real, cached module: its connection pools
 * survive between calls), and no library code and no connection setting is captured.
 */
const METHODS = {
  async configure(this: ProviderState, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    const rt: RuntimeModule = require("pulumi-postgres-roles/runtime");
    this.stackConfig = rt.connectionFromConfig((key) => req.config.get(key));
  },
  async check(this: ProviderState, olds: unknown, news: Record<string, unknown>) {
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].check(olds, news);
  },
  async diff(this: ProviderState, id: string, olds: unknown, news: unknown) {
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].diff(id, olds, news);
  },
  async create(this: ProviderState, inputs: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].create(ctx, inputs);
  },
  async read(this: ProviderState, id: string, props: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].read(ctx, id, props);
  },
  async update(this: ProviderState, id: string, olds: unknown, news: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].update(ctx, id, olds, news);
  },
  async delete(this: ProviderState, id: string, props: unknown) {
    const ctx = { stackConfig: this.stackConfig };
    return (require("pulumi-postgres-roles/runtime") as RuntimeModule)[this.kind].delete(ctx, id, props);
  },
};

/** Which kind each provider class (RoleProvider, …) stands for, for instanceof. */
const KINDS = new WeakMap<object, ResourceKind>();

/**
 * A dynamic provider that forwards each hook to the runtime module (see METHODS). The subclasses
 * only name their resource. `new RoleProvider()` is a plain object of the METHODS above and the
 * kind (what the engine stores); `instanceof RoleProvider` still holds for it.
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
    const provider: ProviderState = { kind, stackConfig: undefined };
    return Object.assign(provider, METHODS) as unknown as HookProvider<I, O>;
  }

  static [Symbol.hasInstance](x: unknown): boolean {
    if (typeof x !== "object" || x === null || (x as { create?: unknown }).create !== METHODS.create)
      return false;
    return this === HookProvider || KINDS.get(this) === (x as ProviderState).kind;
  }
}
