import { type Hooks, runtime as rt } from "../common/runtime-context";
import * as hooks from "./hooks";
import {
  type RowLevelSecurityInputs,
  type RowLevelSecurityOutputs,
  checkRowLevelSecurity,
  diffRowLevelSecurity,
} from "./inputs";

export const rowLevelSecurity: Hooks<RowLevelSecurityInputs, RowLevelSecurityOutputs> = {
  check: async (_olds, news) => checkRowLevelSecurity(news),
  diff: async (_id, olds, news) => diffRowLevelSecurity(olds, news),
  create: (ctx, inputs) => hooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => hooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => hooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => hooks.remove(rt, ctx, id, props),
};
