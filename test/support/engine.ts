/**
 * Calls a provider's hooks in the order the Pulumi engine does, with plain values: check then
 * create; check, diff then update (or a replacement); read for refresh; delete. Used by the
 * integration tests to drive a resource through its life without the CLI.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Action = "create" | "update" | "replace" | "same";

export class Lifecycle<O = Record<string, unknown>> {
  id: string | undefined;
  outs: O | undefined;
  lastDiff: pulumi.dynamic.DiffResult | undefined;

  constructor(private readonly provider: pulumi.dynamic.ResourceProvider) {}

  async check(news: Record<string, unknown>): Promise<Record<string, unknown>> {
    const r = await this.provider.check!(this.outs ?? {}, news);
    if (r.failures && r.failures.length > 0) {
      throw new CheckFailed(r.failures);
    }
    return r.inputs as Record<string, unknown>;
  }

  /** `pulumi up` for this one resource. */
  async up(news: Record<string, unknown>): Promise<Action> {
    const inputs = await this.check(news);
    if (this.id === undefined) {
      const r = await this.provider.create!(inputs);
      this.id = r.id;
      this.outs = r.outs as O;
      return "create";
    }
    const d = await this.provider.diff!(this.id, this.outs, inputs);
    this.lastDiff = d;
    if (d.changes === undefined) throw new Error("diff must answer `changes` explicitly");
    if (!d.changes) return "same";
    if (d.replaces && d.replaces.length > 0) {
      if (d.deleteBeforeReplace) {
        await this.provider.delete!(this.id, this.outs);
        const r = await this.provider.create!(inputs);
        this.id = r.id;
        this.outs = r.outs as O;
      } else {
        const r = await this.provider.create!(inputs);
        await this.provider.delete!(this.id, this.outs);
        this.id = r.id;
        this.outs = r.outs as O;
      }
      return "replace";
    }
    const r = await this.provider.update!(this.id, this.outs, inputs);
    this.outs = r.outs as O;
    return "update";
  }

  /** `pulumi refresh`: returns false when read says the resource is gone (and forgets it). */
  async refresh(): Promise<boolean> {
    const r = await this.provider.read!(this.id!, this.outs);
    if (!r.id) {
      this.id = undefined;
      this.outs = undefined;
      return false;
    }
    this.outs = r.props as O;
    return true;
  }

  /** Whether `pulumi up` with these inputs would change anything now (diff against current outputs). */
  async wouldChange(news: Record<string, unknown>): Promise<boolean> {
    const inputs = await this.check(news);
    const d = await this.provider.diff!(this.id!, this.outs, inputs);
    return d.changes === true;
  }

  async destroy(): Promise<void> {
    if (this.id === undefined) return;
    await this.provider.delete!(this.id, this.outs);
    this.id = undefined;
    this.outs = undefined;
  }
}

export class CheckFailed extends Error {
  constructor(readonly failures: pulumi.dynamic.CheckFailure[]) {
    super(`check failed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
}
