/**
 * The base of this package's dynamic resources: a `pulumi.dynamic.Resource` whose recorded source
 * position is the user's `new Grant(…)` line, not this package's constructor.
 *
 * Pulumi's Node.js SDK (3.196 and later) records, in every resource's state entry, where it was
 * declared: `sourcePosition` and a `stackTrace` of every frame of the call stack. It takes the frame
 * after the SDK's own three constructors, which suits a class that extends `CustomResource`
 * directly; a dynamic resource's class sits one level deeper (`dynamic.Resource`), so for ours the
 * position was this package's `provider/grant/resource.ts`, and the trace went on through the user's
 * line, Node.js's module loader (frames with no position) and the SDK's program runner: about 450
 * bytes of a Grant's 2.1 KB state entry, rewritten by the file backend after every step.
 *
 * While our constructor runs, the SDK's `Resource.stackTrace` is wrapped so that it keeps only the
 * caller's frames: none of this package, of @pulumi's or of ts-node's, none without a position, at most
 * {@link MAX_FRAMES}. SDKs without that function (before 3.196) are left as they are.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";

/** The frames kept: the declaring line and the calls that led to it (components, loops, helpers). */
export const MAX_FRAMES = 5;

interface Frame {
  uri: string;
  line: number;
  column: number;
}
type StackTraceFn = (skip: number) => Array<Frame | undefined>;

/** This package's root: compiled frames lie under dist/provider, source-mapped ones under provider/. */
const ROOT = path.resolve(__dirname, "..", "..", "..");
const OWN = [path.join(ROOT, "dist", "provider"), path.join(ROOT, "provider")].map(
  (p) => pathToFileURL(p).href + "/",
);

/** The SDK's program runner and the TypeScript loader it uses: frames below the program's own. */
const LOADERS = ["/node_modules/@pulumi/", "/node_modules/ts-node/"];

/** Whether a frame is the caller's: it has a position, and lies outside this package and @pulumi. */
export function isCallerFrame(f: Frame | undefined): f is Frame {
  return (
    f !== undefined &&
    !OWN.some((p) => f.uri.startsWith(p)) &&
    !LOADERS.some((l) => f.uri.includes(l)) &&
    !f.uri.startsWith("node:")
  );
}

const sdk = pulumi.Resource as unknown as { stackTrace?: StackTraceFn };

/** A `pulumi.dynamic.Resource` recorded at its caller's position (see the module's comment). */
export abstract class PostgresResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    module: string,
    type: string,
  ) {
    // Synchronous: the SDK reads the stack inside its constructor, and nothing else runs meanwhile.
    const original = sdk.stackTrace;
    if (typeof original === "function") {
      sdk.stackTrace = (skip) => original.call(sdk, skip).filter(isCallerFrame).slice(0, MAX_FRAMES);
    }
    try {
      super(provider, name, props, opts, module, type);
    } finally {
      if (typeof original === "function") sdk.stackTrace = original;
    }
  }
}
