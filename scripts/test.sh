#!/usr/bin/env bash
# The one command that runs every check and test: installs what is missing (idempotent, cached), then
# typecheck, lint, generated-files check, unit tests, and integration tests on the real test bed.
# Ends with the plain summary line "N passed, N failed, N skipped" counted from Jest's results.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
# Our SDK pin supports Node 20; its notice about later SDK releases is noise in test output.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules"

bash scripts/ensure-deps.sh || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
failed_steps=()
step() { local name=$1; echo; echo "=== $name"; shift; "$@" || { status=1; failed_steps+=("$name"); }; }
step "typecheck" npx tsc -p tsconfig.json --noEmit
step "lint" npm run --silent lint
step "generated files are fresh" npm run --silent verify:generated

results=$(mktemp -d)
# Unit tests: pure code, in parallel. Integration tests: one shared test bed, one file at a time. Both force the
# exit once their results are in: a stray handle (seen here: a Jest run that finished its tests and never exited)
# must not hold CI.
step "unit tests" node node_modules/jest/bin/jest.js --selectProjects unit --forceExit --json --outputFile="$results/unit.json" "$@"
step "integration tests (real Temporal, kube-apiserver, kwok, moto)" \
  node node_modules/jest/bin/jest.js --selectProjects integration --runInBand --forceExit --json --outputFile="$results/integration.json" "$@"

if [ ${#failed_steps[@]} -gt 0 ]; then
  echo
  echo "failed steps: ${failed_steps[*]}"
fi
node scripts/summarize-jest.mjs "$results"/*.json || status=1
rm -rf "$results"
exit $status
