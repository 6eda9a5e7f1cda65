import { type Hooks, runtime as rt } from "../common/runtime-context";
import * as hooks from "./hooks";
import { checkGrant, diffGrant, type GrantInputs, type GrantOutputs } from "./inputs";

export const grant: Hooks<GrantInputs, GrantOutputs> = {
  check: async (_olds, news) => checkGrant(news),
  diff: async (_id, olds, news) => diffGrant(olds, news),
  create: (ctx, inputs) => hooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => hooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => hooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => hooks.remove(rt, ctx, id, props),
};
