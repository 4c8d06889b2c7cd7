#!/usr/bin/env bash
# Idempotent set-up shared by the test and sandbox commands: the real components (cached outside the repo)
# and node_modules (reinstalled only when package-lock.json changed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh all
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[ensure-deps] npm ci" >&2
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
else
  echo "[ensure-deps] node_modules: up to date" >&2
fi
