#!/usr/bin/env bash
# `npm test`: brings up what the suite needs, then runs every test (unit, integration, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
export TURBO_TELEMETRY_DISABLED=1
exec npx vitest run "$@"
