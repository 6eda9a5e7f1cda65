import * as pulumi from "@pulumi/pulumi";

/**
 * The URN the engine will give a resource of this package, as an input of the resource itself
 * (`resourceUrn`): the Node.js dynamic-provider server of @pulumi/pulumi 3.248 passes its hooks the
 * inputs and the id only, never the URN, and the creation markers (provider/db/ownership.ts) need it
 * to tell this resource's objects from anyone else's.
 *
 * Computed as the SDK does (`pulumi.createUrn`: stack, project, the parent's type chain, the type,
 * the name), then cut loose from the parent: an input that depended on a parent component would
 * make the resource wait for every child of that component, itself included. A URN is known in
 * previews too. The diffs ignore this input, so adding it to an existing stack changes nothing.
 */
export function resourceUrn(
  name: string,
  type: string,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.Output<string> {
  const urn = pulumi.createUrn(name, `pulumi-nodejs:dynamic/postgres-roles:${type}`, opts?.parent);
  return pulumi.output(
    new Promise<string>((resolve) => {
      urn.apply((u) => {
        resolve(u);
        return u;
      });
    }),
  );
}
