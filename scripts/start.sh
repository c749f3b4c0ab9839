#!/usr/bin/env bash
# `npm start`: bring-up, then the API and a worker in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
source scripts/lib/common.sh
source scripts/lib/services.sh
trap stop_all EXIT INT TERM
# Local use: the API listens on loopback, so local (file://) repositories are allowed here.
export PATCHBAY_ALLOW_FILE_REPOS=${PATCHBAY_ALLOW_FILE_REPOS:-true}
# Project secrets need a key to encrypt them at rest; a local one is made once and kept.
if [ -z "${PATCHBAY_SECRETS_KEY:-}" ]; then
  key_file="$PATCHBAY_STATE_DIR/secrets.key"
  [ -s "$key_file" ] || (umask 077 && node -e "console.log(require('crypto').randomBytes(32).toString('base64'))" >"$key_file")
  PATCHBAY_SECRETS_KEY=$(cat "$key_file")
  export PATCHBAY_SECRETS_KEY
fi
echo "Every request needs an API key. Make one:  npx patchbay keys create --project default --scopes jobs:read,jobs:write"
node --import tsx apps/api/src/main.ts &
PIDS+=($!)
node --import tsx apps/worker/src/main.ts &
PIDS+=($!)
wait -n
