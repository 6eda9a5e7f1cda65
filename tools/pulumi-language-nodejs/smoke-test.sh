#!/usr/bin/env bash
# Smoke test of the CLI the tests use (scripts/pulumi-cli.js: an installed one on PATH, else the one
# scripts/install-pulumi-cli.sh builds, with tools/pulumi-language-nodejs): runs a tiny TypeScript program with a
# dynamic resource through `pulumi stack init / config set --secret / up / preview --expect-no-changes /
# refresh / destroy`, then the same through the Automation API (inline program and workDir program).
# Everything happens in a temporary folder outside the repo (local file backend); the repo's node_modules
# is linked into it. Usage: tools/pulumi-language-nodejs/smoke-test.sh   (after npm ci and the install)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(node "$here/scripts/pulumi-cli.js" --where) || { echo "smoke-test: run npm run pulumi:install first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pulumi-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/proj" "$tmp/state" "$tmp/auto"
ln -s "$here/node_modules" "$tmp/proj/node_modules"
ln -s "$here/node_modules" "$tmp/auto/node_modules" # the dynamic-provider plugin resolves @pulumi/pulumi from here

export PATH="$bin:$PATH" PULUMI_BACKEND_URL="file://$tmp/state" PULUMI_CONFIG_PASSPHRASE=test
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

cat >"$tmp/proj/Pulumi.yaml" <<'EOF'
name: smoke
runtime: nodejs
EOF
cat >"$tmp/proj/package.json" <<'EOF'
{ "name": "smoke", "version": "0.0.0", "private": true, "main": "index.ts" }
EOF
cat >"$tmp/proj/index.ts" <<'EOF'
import * as pulumi from "@pulumi/pulumi";

const pw = new pulumi.Config().requireSecret("pw");
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: "thing-" + inputs.name, outs: { ...inputs, createdBy: "smoke" } };
    },
    async diff(_id: string, olds: any, news: any) {
        return { changes: olds.name !== news.name || olds.pwLen !== news.pwLen };
    },
    async read(id: string, props: any) {
        return { id, props };
    },
};
class Thing extends pulumi.dynamic.Resource {
    constructor(name: string, args: { name: string; pwLen: pulumi.Input<number> }) {
        super(provider, name, args, {}, "smoke", "Thing");
    }
}
const t = new Thing("t1", { name: "alpha", pwLen: pw.apply((p) => p.length) });
export const x = t.id;
export const secretLen = pw.apply((p) => p.length);
EOF

step() { echo "+ $*" >&2; "$@" </dev/null; }
cd "$tmp/proj"
step pulumi version
step pulumi stack init dev
step pulumi config set --secret pw xyz
step pulumi up --yes
[ "$(pulumi stack output x)" = thing-alpha ] || { echo "smoke-test: unexpected output x" >&2; exit 1; }
[ "$(pulumi stack output secretLen --show-secrets)" = 3 ] || { echo "smoke-test: unexpected secretLen" >&2; exit 1; }
step pulumi preview --expect-no-changes
step pulumi refresh --yes
step pulumi preview --expect-no-changes
step pulumi destroy --yes
step pulumi stack rm dev --yes

cat >"$tmp/auto/auto.js" <<'EOF'
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const [bin, proj] = process.argv.slice(2);

async function exercise(stack) {
    await stack.setConfig("pw", { value: "xyz", secret: true });
    const up = await stack.up();
    if (up.summary.result !== "succeeded") throw new Error("up failed");
    await stack.preview({ expectNoChanges: true });
    await stack.refresh();
    await stack.destroy();
    await stack.workspace.removeStack(stack.name);
    console.log(`${stack.name}: up/preview/refresh/destroy ok, x = ${up.outputs.x.value}`);
}

(async () => {
    // the CLI's root is the folder above bin/; without one, `pulumi` from PATH (where bin is first)
    const pulumiCommand = await PulumiCommand.get(path.basename(bin) === "bin" ? { root: path.dirname(bin) } : {});
    console.log(`Automation API uses ${pulumiCommand.command} ${pulumiCommand.version}`);
    const program = async () => {
        const provider = {
            async create(inputs) { return { id: "inline-" + inputs.name, outs: inputs }; },
            async diff(_id, olds, news) { return { changes: olds.name !== news.name }; },
        };
        const r = new pulumi.dynamic.Resource(provider, "r1", { name: "beta" }, {}, "smoke", "Inline");
        return { x: r.id };
    };
    await exercise(await LocalWorkspace.createOrSelectStack(
        { stackName: "inline", projectName: "smoke-inline", program }, { pulumiCommand }));
    await exercise(await LocalWorkspace.createOrSelectStack({ stackName: "workdir", workDir: proj }, { pulumiCommand }));
})().catch((e) => { console.error(e); process.exit(1); });
EOF
cd "$tmp/auto"
step node auto.js "$bin" "$tmp/proj"
echo "smoke-test: all steps passed" >&2
