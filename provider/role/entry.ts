import { type Hooks, runtime as rt } from "../common/runtime-context";
import * as hooks from "./hooks";
import { checkRole, diffRole, type RoleInputs, type RoleOutputs } from "./inputs";

export const role: Hooks<RoleInputs, RoleOutputs> = {
  check: async (_olds, news) => checkRole(news),
  diff: async (_id, olds, news) => diffRole(olds, news),
  create: (ctx, inputs) => hooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => hooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => hooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => hooks.remove(rt, ctx, id, props),
};
