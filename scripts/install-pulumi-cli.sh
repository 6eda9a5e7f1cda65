#!/usr/bin/env bash
# Builds the Pulumi CLI of scripts/pulumi-cli.json (`build`) from the Go module proxy, for machines without
# a Pulumi CLI of a version this repository accepts (scripts/pulumi-cli.js says which: an installed `pulumi`
# on PATH within `accept` is used as it is, and this script is not needed).
#
# Installs into this project's cache folder, never into ~/.pulumi (nothing home-made shadows an official
# installation) nor into a clone (removing a clone breaks nothing):
#   ${PGR_PULUMI_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-postgres-roles}/pulumi-cli/<version>/
#     bin/pulumi                          built from github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v<version>,
#                                         version-stamped (`pulumi version` prints v<version>)
#     bin/pulumi-language-nodejs          built from tools/pulumi-language-nodejs (a minimal Node.js language
#                                         host: the official one is not served by the Go module proxy)
#     bin/pulumi-resource-pulumi-nodejs   a copy of node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
#                                         (the dynamic-provider plugin, a shell script that resolves
#                                         @pulumi/pulumi from its working folder, the program's, never from
#                                         its own location: the copy does not depend on this clone; run
#                                         `npm ci` first)
#     build/                              the wrapper Go module the CLI is built from
# `PulumiCommand.get({ root: "<cache>/pulumi-cli/<version>" })` for the Automation API, or that bin folder
# on PATH (`node scripts/pulumi-cli.js --where` prints it).
#
# Idempotent: returns at once when both binaries of that version and the plugin are in place (the
# language host is rebuilt only when its sources change). A plugin that is a symlink (an older install's,
# into a clone's node_modules) is replaced by a copy. Go module and build caches live outside the repo.
# The first build takes several minutes (about 9 on two cores); later builds on the same machine reuse the caches.
#
# Environment: PGR_PULUMI_CACHE, XDG_CACHE_HOME; GOPROXY/GOMODCACHE/GOCACHE as usual for Go.
set -euo pipefail

log() { echo "install-pulumi-cli: $*" >&2; }
die() { log "$*"; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v node >/dev/null || die "node is needed (to read package.json and to run Pulumi programs)"
read -r version bin < <(node "$here/scripts/pulumi-cli.js" --build-target)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "expected an exact version in scripts/pulumi-cli.json (build), got '$version'"
host_src="$here/tools/pulumi-language-nodejs"
host_stamp="$bin/.pulumi-language-nodejs.sources"

install_plugin() {
  # The dynamic-provider plugin is a shell script shipped at the root of @pulumi/pulumi. It runs
  # `node -e "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')"`, which resolves from the working
  # folder the engine starts it in (the program's), so a copy works wherever it lives. An executable
  # regular file in place is kept (ours, or the official CLI's); a symlink, dangling or not, is replaced.
  local plugin="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  local dest="$bin/pulumi-resource-pulumi-nodejs"
  if [ -f "$dest" ] && [ ! -L "$dest" ] && [ -x "$dest" ]; then return 0; fi
  [ -f "$plugin" ] || die "$plugin not found; run npm ci first"
  if [ -L "$dest" ]; then log "replacing the symlink $dest -> $(readlink "$dest") by a copy"; fi
  cp "$plugin" "$dest.tmp.$$"
  chmod 755 "$dest.tmp.$$"
  mv -f "$dest.tmp.$$" "$dest"
}

host_sources_hash() {
  (cd "$host_src" && cat go.mod go.sum ./*.go) | sha256sum | cut -d' ' -f1
}

cli_ok() {
  [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$version" ]
}

host_ok() {
  [ -x "$bin/pulumi-language-nodejs" ] || return 1
  # A host without our stamp was put there by someone else (the official one, say): keep it.
  [ -f "$host_stamp" ] || return 0
  [ "$(cat "$host_stamp")" = "$(host_sources_hash)" ]
}

[ -f "$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" ] ||
  die "node_modules/@pulumi/pulumi not found in $here; run npm ci first"
mkdir -p "$bin"
if cli_ok && host_ok; then
  install_plugin
  log "pulumi v$version already in $bin"
  exit 0
fi

# Concurrent runs on one machine (parallel CI jobs) build one at a time; the later ones then find the
# binaries in place.
if command -v flock >/dev/null; then
  exec 9>"$bin/.install.lock"
  flock 9
  if cli_ok && host_ok; then
    install_plugin
    log "pulumi v$version already in $bin"
    exit 0
  fi
fi

command -v go >/dev/null || die "Go >= 1.26.6 is needed to build the Pulumi CLI $version (its go.mod says so)"
export GOTOOLCHAIN=local CGO_ENABLED=0
# -mod=mod: let the build resolve modules; -buildvcs=false: no git stamping (a root CI job in a clone
# owned by another user would otherwise fail on git's safe.directory check).
export GOFLAGS="-mod=mod -buildvcs=false"
build_flags=(-trimpath -tags osusergo,grpcnotrace
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version")
started=$SECONDS

if ! cli_ok; then
  # `go install <module>/cmd/pulumi@v<version>` refuses modules whose go.mod has replace directives (pkg/v3
  # has), so build from a small wrapper module that requires pkg/v3 and sdk/v3 at the same version.
  work="$(dirname "$bin")/build"
  mkdir -p "$work"
  log "building pulumi v$version in $work (the first build takes several minutes)"
  cd "$work"
  rm -f go.mod go.sum tools.go
  cat >go.mod <<'GOMOD'
module pulumiclibuild

go 1.26
GOMOD
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  # Module resolution is chatty ("go: downloading/added ..."): keep it in a log, show it on failure.
  if ! { go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" &&
    go mod tidy; } >"$work/resolve.log" 2>&1; then
    tail -n 40 "$work/resolve.log" >&2
    die "could not resolve pulumi v$version from the Go module proxy (${GOPROXY:-$(go env GOPROXY)}); see $work/resolve.log"
  fi
  go build "${build_flags[@]}" -o "$bin/.pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv -f "$bin/.pulumi.tmp" "$bin/pulumi"
  cli_ok || die "built $bin/pulumi but \`pulumi version\` does not print v$version"
fi

if ! host_ok; then
  log "building pulumi-language-nodejs from $host_src"
  grep -q "github.com/pulumi/pulumi/sdk/v3 v$version\$" "$host_src/go.mod" ||
    log "note: $host_src/go.mod does not require github.com/pulumi/pulumi/sdk/v3 v$version (see its README)"
  cd "$host_src"
  go build "${build_flags[@]}" -o "$bin/.pulumi-language-nodejs.tmp" .
  mv -f "$bin/.pulumi-language-nodejs.tmp" "$bin/pulumi-language-nodejs"
  host_sources_hash >"$host_stamp"
fi

install_plugin
log "installed $("$bin/pulumi" version) in $bin ($((SECONDS - started))s)"
