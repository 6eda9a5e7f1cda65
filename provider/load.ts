/**
 * How a provider reaches its implementation inside the provider process.
 *
 * Pulumi serializes each dynamic provider object into every resource's state and re-creates it
 * from that text in the provider process. Our provider classes are kept tiny: each method only
 * calls `load()`, which requires this package's runtime entry point *by package name*. So the
 * state holds a few hundred bytes instead of the whole library, the implementation is the
 * installed code (a real, cached module: its connection pools survive between calls), and no
 * connection setting is ever captured into the state.
 */
import type * as runtime from "./runtime";

export function load(): typeof runtime {
  return require("pulumi-postgres-roles/runtime");
}
