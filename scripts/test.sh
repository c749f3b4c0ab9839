#!/usr/bin/env bash
# `npm test`: brings up what the suite needs, then runs every test: unit, integration and end
# to end in parallel, then the chaos tests (they kill workers and restart Postgres and Redis,
# so they run alone). Arguments select tests: `npm test -- packages/agent`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
export TURBO_TELEMETRY_DISABLED=1
if [ $# -gt 0 ]; then exec npx vitest run "$@"; fi
# Containers already on the engine (left by an earlier run that was killed, say) are not this
# run's leaks: only what this run made and left counts.
listing() {
  docker ps -a --filter label=patchbay.managed \
    --format '{{.ID}} {{.Names}} {{.Status}} created={{.Label "patchbay.created"}} worker={{.Label "patchbay.worker"}}'
}
before=$(listing | cut -d' ' -f1)
[ -z "$before" ] || echo "note: $(echo "$before" | wc -l) sandbox container(s) were there before this run; not counted" >&2
npx vitest run --exclude 'tests/chaos/**'
npx vitest run tests/chaos --maxWorkers=1
left=$(listing | awk -v before="$before" 'BEGIN { split(before, ids) ; for (i in ids) old[ids[i]] = 1 } !($1 in old)')
if [ -n "$left" ]; then
  # Say which: the worker label (host-pid), the pool or job in the name and when it was made
  # point at the test that started it.
  echo "test suite left $(echo "$left" | wc -l) sandbox container(s) behind:" >&2
  echo "$left" >&2
  exit 1
fi
