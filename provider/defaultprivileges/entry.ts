import { type Hooks, runtime as rt } from "../common/runtime-context";
import * as hooks from "./hooks";
import {
  checkDefaultPrivileges,
  diffDefaultPrivileges,
  type DefaultPrivilegesInputs,
  type DefaultPrivilegesOutputs,
} from "./inputs";

export const defaultPrivileges: Hooks<DefaultPrivilegesInputs, DefaultPrivilegesOutputs> = {
  check: async (_olds, news) => checkDefaultPrivileges(news),
  diff: async (_id, olds, news) => diffDefaultPrivileges(olds, news),
  create: (ctx, inputs) => hooks.create(rt, ctx, inputs),
  read: (ctx, id, props) => hooks.read(rt, ctx, id, props),
  update: (ctx, id, olds, news) => hooks.update(rt, ctx, id, olds, news),
  delete: (ctx, id, props) => hooks.remove(rt, ctx, id, props),
};
