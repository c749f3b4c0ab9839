#!/usr/bin/env bash
# `npm test`: brings up what the suite needs, then runs every test: unit, integration and end
# to end in parallel, then the chaos tests (they kill workers and restart Postgres and Redis,
# so they run alone). Arguments select tests: `npm test -- packages/agent`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
export TURBO_TELEMETRY_DISABLED=1
if [ $# -gt 0 ]; then exec npx vitest run "$@"; fi
npx vitest run --exclude 'tests/chaos/**'
npx vitest run tests/chaos --maxWorkers=1
n=$(docker ps -aq --filter label=patchbay.managed | wc -l)
[ "$n" = 0 ] || { echo "test suite left $n sandbox container(s) behind" >&2; exit 1; }
