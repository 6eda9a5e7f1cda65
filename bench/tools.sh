#!/usr/bin/env bash
# Builds or locates what `npm run bench` compares against, in a cache folder outside the repository
# (${BENCH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-postgres-roles/bench}); nothing of it is committed.
#
#   bin/tofu                           OpenTofu, from the Go module proxy (github.com/opentofu/opentofu, built
#                                      from a wrapper module: its go.mod has a replace directive)
#   bin/terraform                      Terraform, only with BENCH_TERRAFORM=1: its go.mod replaces ten nested
#                                      modules with folders that its module zip lacks (see BENCHMARKS.md)
#   bin/terraform-provider-postgresql  cyrilgdn/postgresql: tried from the Go module proxy; refused there
#   ldap2pg-venv/bin/ldap2pg           ldap2pg from PyPI (5.9, the last Python release: ldap2pg 6 is Go and
#                                      the Go module proxy refuses it); python-ldap is compiled, so it needs
#                                      libldap2-dev and libsasl2-dev (apt-get install, as root)
#
# Idempotent: what is in place is kept. Each step says what it did, how long it took, or why it failed;
# a failed step does not stop the others (the benchmark reports what is missing). Timings go to
# $cache/tools.log too.
set -uo pipefail

cache=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-postgres-roles/bench}
tofu_version=${BENCH_TOFU_VERSION:-1.10.10}
terraform_version=${BENCH_TERRAFORM_VERSION:-1.13.3}
provider_version=${BENCH_TF_PROVIDER_VERSION:-1.25.0}
ldap2pg_version=${BENCH_LDAP2PG_VERSION:-5.9}
mkdir -p "$cache/bin"
log() { echo "bench/tools.sh: $*" | tee -a "$cache/tools.log" >&2; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"

# go_build NAME MODULE VERSION PACKAGE [replace lines...]: builds PACKAGE of MODULE@VERSION from a
# wrapper module that repeats the module's own replace directives.
go_build() {
  local name=$1 module=$2 version=$3 package=$4 ldflags=$5
  shift 5
  local work="$cache/$name-build" started=$SECONDS
  mkdir -p "$work"
  (
    cd "$work" || exit 1
    rm -f go.mod go.sum tools.go
    printf 'module %sbuild\n\ngo 1.24\n' "$name" >go.mod
    for r in "$@"; do printf '\nreplace %s\n' "$r" >>go.mod; done
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" >tools.go
    go get "$module@v$version" >resolve.log 2>&1 && go mod tidy >>resolve.log 2>&1 &&
      go build -trimpath -ldflags "-s -w $ldflags" -o "$cache/bin/.$name.tmp" "$package" >>resolve.log 2>&1
  )
  local rc=$?
  if [ $rc -eq 0 ]; then
    mv -f "$cache/bin/.$name.tmp" "$cache/bin/$name"
    log "built $name $version in $((SECONDS - started)) s"
  else
    log "could not build $name $version ($((SECONDS - started)) s):"
    grep -v '^go: downloading' "$work/resolve.log" | tail -n 5 | sed 's/^/    /' | tee -a "$cache/tools.log" >&2
  fi
  return $rc
}

# replaces_of MODULE VERSION: the module's single-line replace directives (from its go.mod, via the proxy).
replaces_of() {
  local mod
  mod=$(go mod download -json "$1@v$2" 2>/dev/null | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -n "$mod" ] && sed -n 's/^replace \(.* => .*\)$/\1/p' "$mod"
}

if command -v go >/dev/null; then
  if [ -x "$cache/bin/tofu" ]; then
    log "tofu: $("$cache/bin/tofu" version 2>/dev/null | head -1) already in $cache/bin"
  else
    # The wrapper repeats OpenTofu's own replace directives (1.10: its fork of hcl/v2).
    mapfile -t tofu_replaces < <(replaces_of github.com/opentofu/opentofu "$tofu_version")
    go_build tofu github.com/opentofu/opentofu "$tofu_version" github.com/opentofu/opentofu/cmd/tofu \
      "-X github.com/opentofu/opentofu/version.dev=no" "${tofu_replaces[@]}" || true
  fi
  if [ "${BENCH_TERRAFORM:-0}" = 1 ] && [ ! -x "$cache/bin/terraform" ]; then
    go_build terraform github.com/hashicorp/terraform "$terraform_version" github.com/hashicorp/terraform "" || true
  fi
  if [ -x "$cache/bin/terraform-provider-postgresql" ]; then
    log "terraform-provider-postgresql already in $cache/bin"
  else
    # The provider's module as the Go module proxy serves it (or not): one look-up, its answer logged.
    if out=$(go list -m -json "github.com/cyrilgdn/terraform-provider-postgresql@v$provider_version" 2>&1); then
      go_build terraform-provider-postgresql github.com/cyrilgdn/terraform-provider-postgresql \
        "$provider_version" github.com/cyrilgdn/terraform-provider-postgresql "" || true
    else
      log "terraform-provider-postgresql $provider_version: not to be had from the Go module proxy:"
      echo "$out" | tail -n 2 | sed 's/^/    /' | tee -a "$cache/tools.log" >&2
    fi
  fi
else
  log "go not found: OpenTofu and the Terraform provider are not built"
fi

if [ -x "$cache/ldap2pg-venv/bin/ldap2pg" ]; then
  log "ldap2pg: $("$cache/ldap2pg-venv/bin/ldap2pg" --version 2>/dev/null | head -1) already in $cache/ldap2pg-venv"
else
  started=$SECONDS
  if python3 -m venv "$cache/ldap2pg-venv" &&
    "$cache/ldap2pg-venv/bin/pip" install -q "ldap2pg==$ldap2pg_version" psycopg2-binary pyyaml >"$cache/ldap2pg-install.log" 2>&1; then
    log "installed ldap2pg $ldap2pg_version in $((SECONDS - started)) s"
  else
    log "could not install ldap2pg $ldap2pg_version (python-ldap needs libldap2-dev and libsasl2-dev): see $cache/ldap2pg-install.log"
    rm -rf "$cache/ldap2pg-venv"
  fi
fi
