#!/usr/bin/env bash
# Bring-up: Postgres, Redis, a Docker engine and the sandbox image, then the database schema.
# Idempotent; uses whatever already answers on the configured URLs, installs and starts the
# rest from Debian packages. Quick (about a second) when everything is up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || {
  log "installing npm dependencies"; npm install --no-audit --no-fund --loglevel=error >/dev/null; }

source scripts/lib/packages.sh
bash scripts/up-postgres.sh &
pg=$!
bash scripts/up-redis.sh &
rd=$!
bash scripts/up-docker.sh
bash scripts/build-egress-bridge.sh
wait $pg || die "Postgres bring-up failed"
wait $rd || die "Redis bring-up failed"

[ -f packages/db/src/generated/prisma/client.ts ] && [ packages/db/src/generated/prisma/client.ts -nt prisma/schema.prisma ] \
  || (log "generating the Prisma client"; npx prisma generate >/dev/null)
node prisma/migrate-lite.mjs prisma/migrations | grep -v "No pending" >&2 || true
log "ready: postgres, redis, docker, image $PATCHBAY_SANDBOX_IMAGE"
