import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../db/connection";
import { load } from "../load";
import type { Hooks } from "./runtime-context";

/** The resources of the runtime module, by the name under which it exports their hooks. */
export type ResourceKind =
  "role" | "membership" | "grant" | "defaultPrivileges" | "rowLevelSecurity" | "policy";

/**
 * A dynamic provider that forwards each hook to the runtime module (see load.ts). The subclasses
 * only name their resource: the serialized provider holds that name and these few methods, no
 * connection setting (the stack configuration arrives through configure, in the provider process).
 */
export class HookProvider<I, O> implements pulumi.dynamic.ResourceProvider {
  private stackConfig?: ConnectionArgs;

  constructor(private readonly kind: ResourceKind) {}

  private hooks(): Hooks<I, O> {
    return load()[this.kind] as unknown as Hooks<I, O>;
  }

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.stackConfig = load().connectionFromConfig((key) => req.config.get(key));
  }
  async check(olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<I>> {
    return this.hooks().check(olds, news);
  }
  async diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> {
    return this.hooks().diff(id, olds, news);
  }
  async create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>> {
    return this.hooks().create({ stackConfig: this.stackConfig }, inputs);
  }
  async read(id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>> {
    return this.hooks().read({ stackConfig: this.stackConfig }, id, props);
  }
  async update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>> {
    return this.hooks().update({ stackConfig: this.stackConfig }, id, olds, news);
  }
  async delete(id: string, props: O): Promise<void> {
    return this.hooks().delete({ stackConfig: this.stackConfig }, id, props);
  }
}
