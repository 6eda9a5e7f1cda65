import * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../db/connection";

/** A connection as a resource input: each field may be an Output (a secret password, say). */
export type ConnectionInput = pulumi.Input<{ [K in keyof ConnectionArgs]?: pulumi.Input<ConnectionArgs[K]> }>;

/** An optional input made a secret (a connection holds a password; a role's password is one). */
export function secretInput<T>(
  value: pulumi.Input<T> | undefined,
): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/**
 * Resource options that keep `connection` (and any other named outputs) secret in the state even
 * when the program passed plain values.
 */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  ...keys: string[]
): pulumi.CustomResourceOptions {
  return {
    ...opts,
    additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...keys, "connection"],
  };
}
