#!/usr/bin/env bash
# `npm start`: bring-up, then the API and a worker in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
source scripts/lib/common.sh
source scripts/lib/services.sh
trap stop_all EXIT INT TERM
npx tsx apps/api/src/main.ts &
PIDS+=($!)
npx tsx apps/worker/src/main.ts &
PIDS+=($!)
wait -n
