import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../db/connection";

/** A connection as a resource input: each field may be an Output (a secret password, say). */
export type ConnectionInput = pulumi.Input<{ [K in keyof ConnectionArgs]?: pulumi.Input<ConnectionArgs[K]> }>;
