#!/usr/bin/env bash
# Runs one benchmark: `npm run bench -- <name>` runs bench/<name>.ts, which writes bench/results/<name>-<timestamp>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: npm run bench -- <name>   (one of: $(ls bench/*.ts | xargs -n1 basename | sed 's/\.ts$//' | grep -v -- - | tr '\n' ' '))}"
shift
exec npx tsx "bench/${name}.ts" "$@"
