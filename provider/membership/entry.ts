import { type Hooks, runtime as rt } from "../common/runtime-context";
import * as hooks from "./hooks";
import { checkMembership, diffMembership, type MembershipInputs, type MembershipOutputs } from "./inputs";

export const membership: Hooks<MembershipInputs, MembershipOutputs> = {
  check: async (_olds, news) => checkMembership(news),
  diff: async (_id, olds, news) => diffMembership(olds, news),
  create: (ctx, inputs) => hooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => hooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => hooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => hooks.remove(rt, ctx, id, props),
};
