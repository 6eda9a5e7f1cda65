/**
 * The provider objects: one module per resource kind whose exports *is* the provider object (what the
 * resources pass, so that the state stores a `require` line), `new XProvider()` still constructible
 * with no argument and recognised by `instanceof`, and the one-time migration of a state written with
 * a provider serialized by value. The serialized size is checked where the package is installed as
 * users get it (test/e2e/packaging.test.ts, test/e2e/upgrade.test.ts).
 */
import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import {
  DefaultPrivilegesProvider,
  Grant,
  GrantProvider,
  PolicyProvider,
  RoleMembershipProvider,
  RoleProvider,
  RowLevelSecurityProvider,
} from "../../provider";
import { HookProvider, leanProviderMigration } from "../../provider/common/provider-base";
import { isCallerFrame } from "../../provider/common/resource";
import * as runtime from "../../provider/runtime";

const providersDir = join(__dirname, "..", "..", "provider", "providers");
const byValue = `exports.handler = __f0;\nvar __provider = {kind: "role", configure: __f1};\nfunction __f1() { return require("pulumi-postgres-roles/runtime"); }`;
const lean = (path: string) =>
  `exports.handler = __f0;\nconst provider = require("pulumi-postgres-roles/${path}");\nfunction __f0() { return () => provider; }`;

describe("provider objects", () => {
  const classes = {
    role: RoleProvider,
    membership: RoleMembershipProvider,
    grant: GrantProvider,
    defaultPrivileges: DefaultPrivilegesProvider,
    rowLevelSecurity: RowLevelSecurityProvider,
    policy: PolicyProvider,
  } as const;

  it("every kind of the runtime has its provider module, whose exports is a provider of that kind", () => {
    const kinds = Object.keys(runtime).filter(
      (k) => typeof (runtime as Record<string, { create?: unknown }>)[k]?.create === "function",
    );
    const modules = readdirSync(providersDir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -3));
    expect(modules.sort()).to.deep.equal([...kinds].sort());
    for (const kind of kinds) {
      const provider = require(join(providersDir, kind)) as { kind: string; create: unknown };
      expect(provider.kind).to.equal(kind);
      expect(provider).to.be.instanceOf(HookProvider);
      expect(provider.create).to.be.a("function");
    }
  });

  it("each class is constructible with no argument, and instanceof tells the kinds apart", () => {
    for (const [kind, Class] of Object.entries(classes)) {
      const module = require(join(providersDir, kind)) as object;
      const made = new Class();
      expect(made, kind).to.be.instanceOf(Class);
      expect(module, kind).to.be.instanceOf(Class);
      expect(made).to.not.equal(module);
      for (const [other, Other] of Object.entries(classes)) {
        if (other !== kind) expect(made instanceof Other, `${kind} instanceof ${other}`).to.equal(false);
      }
      expect({ kind, create: () => undefined } instanceof Class).to.equal(false);
    }
  });

  it("the stack configuration set by configure stays on the provider it was given to", async () => {
    const a = new RoleProvider();
    const b = new RoleProvider();
    await a.configure({ config: { get: (k: string) => ({ "postgres-roles:host": "h1" })[k] } } as never);
    expect((a as unknown as { stackConfig: unknown }).stackConfig).to.deep.equal({ host: "h1" });
    expect((b as unknown as { stackConfig: unknown }).stackConfig).to.equal(undefined);
  });

  it("a state holding the provider by value migrates once to the lean one, never back, never between lean ones", () => {
    const mig = (o: unknown, n: unknown) => leanProviderMigration({ __provider: o }, { __provider: n });
    expect(mig(byValue, lean("providers/role"))).to.equal(true);
    expect(mig(byValue, lean("dist/provider/providers/role.js"))).to.equal(true);
    expect(mig(lean("providers/role"), lean("providers/role"))).to.equal(false);
    expect(mig(lean("dist/provider/providers/role.js"), lean("providers/role"))).to.equal(false);
    expect(mig(lean("providers/role"), byValue)).to.equal(false);
    expect(mig(byValue, `${byValue}\n// edited`)).to.equal(false);
    expect(mig(byValue, "04da6b54-80e4-46f7-96ec-b56ff0331ba9")).to.equal(false); // unknown (preview)
    expect(mig(undefined, lean("providers/role"))).to.equal(false);
    expect(leanProviderMigration(undefined, undefined)).to.equal(false);
  });
});

describe("source positions: the caller's frames only", () => {
  const own = pathToFileURL(join(__dirname, "..", "..", "provider", "grant", "resource.js")).href;
  const user = "file:///home/me/infra/index.ts";
  const at = (uri: string) => ({ uri, line: 3, column: 1 });

  it("keeps the program's frames and drops this package's, @pulumi's, ts-node's, Node's and positionless ones", () => {
    const frames = [
      at(own),
      at(`${pathToFileURL(join(__dirname, "..", "..", "..", "provider", "grant")).href}/resource.ts`),
      at(user),
      undefined,
      at("node:internal/modules/cjs/loader"),
      at("file:///home/me/infra/node_modules/@pulumi/cmd/run/run.ts"),
      at("file:///home/me/infra/node_modules/ts-node/src/index.ts"),
      at("file:///home/me/infra/node_modules/our-components/index.js"),
    ];
    expect(frames.filter(isCallerFrame).map((f) => f.uri)).to.deep.equal([
      user,
      "file:///home/me/infra/node_modules/our-components/index.js",
    ]);
  });

  it("wraps the SDK's stack trace only while the constructor runs", () => {
    const sdk = pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] };
    const original = sdk.stackTrace;
    const seen: unknown[][] = [];
    sdk.stackTrace = (skip) => {
      const frames = [at(own), at(user), undefined];
      seen.push([skip, frames.length]);
      return frames;
    };
    const fake = sdk.stackTrace;
    try {
      // outside a Pulumi program the registration goes nowhere; the constructor still reads the stack
      new Grant("g", { role: "r", objectType: "schema", schema: "s", privileges: ["USAGE"] });
      expect(seen, "the SDK asked for the stack once, through the wrapper").to.have.length(1);
      expect(sdk.stackTrace).to.equal(fake);
    } finally {
      sdk.stackTrace = original;
    }
  });
});
