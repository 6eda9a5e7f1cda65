/**
 * The implementation behind the provider classes, loaded in the provider process with
 * `require("pulumi-postgres-roles/runtime")` (see load.ts). Module state here is real module
 * state: one pool registry per process, shared by every provider instance.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type HookContext, Runtime } from "./common/runtime-context";
import { connectionFromConfig } from "./db/connection";
import * as roleHooks from "./role/hooks";
import { checkRole, diffRole, type RoleInputs, type RoleOutputs } from "./role/inputs";
import * as membershipHooks from "./membership/hooks";
import {
  checkMembership,
  diffMembership,
  type MembershipInputs,
  type MembershipOutputs,
} from "./membership/inputs";
import * as grantHooks from "./grant/hooks";
import { checkGrant, diffGrant, type GrantInputs, type GrantOutputs } from "./grant/inputs";

export { connectionFromConfig };

const rt = new Runtime();

/** The process-wide runtime: its pool registry (tests close it; the engine just ends the process). */
export const runtime = rt;

/** The hooks of one resource, as the provider classes call them. */
export interface Hooks<I, O> {
  check(olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(ctx: HookContext, inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(ctx: HookContext, id: string, props: O): Promise<pulumi.dynamic.ReadResult<O>>;
  update(ctx: HookContext, id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(ctx: HookContext, id: string, props: O): Promise<void>;
}

export const role: Hooks<RoleInputs, RoleOutputs> = {
  check: async (_olds, news) => checkRole(news),
  diff: async (_id, olds, news) => diffRole(olds, news),
  create: (ctx, inputs) => roleHooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => roleHooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => roleHooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => roleHooks.remove(rt, ctx, id, props),
};

export const membership: Hooks<MembershipInputs, MembershipOutputs> = {
  check: async (_olds, news) => checkMembership(news),
  diff: async (_id, olds, news) => diffMembership(olds, news),
  create: (ctx, inputs) => membershipHooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => membershipHooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => membershipHooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => membershipHooks.remove(rt, ctx, id, props),
};

export const grant: Hooks<GrantInputs, GrantOutputs> = {
  check: async (_olds, news) => checkGrant(news),
  diff: async (_id, olds, news) => diffGrant(olds, news),
  create: (ctx, inputs) => grantHooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => grantHooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => grantHooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => grantHooks.remove(rt, ctx, id, props),
};
