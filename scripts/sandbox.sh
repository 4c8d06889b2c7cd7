#!/usr/bin/env bash
# The main job: a local sandbox on real parts (Temporal with its UI, Kubernetes control plane, kwok, the EC2
# emulator and the kubelet bridge), set up idempotently, with every endpoint printed. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
bash scripts/ensure-deps.sh
exec node --import tsx sandbox/main.ts "$@"
