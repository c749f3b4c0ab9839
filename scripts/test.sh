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
if [ "$n" != 0 ]; then
  # Say which: the worker label (host-pid), the pool or job in the name and when it was made
  # point at the test that started it.
  echo "test suite left $n sandbox container(s) behind:" >&2
  docker ps -a --filter label=patchbay.managed \
    --format '{{.Names}} {{.Status}} created={{.Label "patchbay.created"}} worker={{.Label "patchbay.worker"}}' >&2
  exit 1
fi
