#!/usr/bin/env bash
# `npm run bench -- <name>`: runs bench/<name>.ts (tsx); each benchmark writes JSON to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/$name.ts" ]; then
  echo "usage: npm run bench -- <name>   (one of: $(cd bench && ls *.ts 2>/dev/null | sed 's/\.ts$//' | tr '\n' ' '))" >&2
  exit 2
fi
shift
exec npx tsx "bench/$name.ts" "$@"
