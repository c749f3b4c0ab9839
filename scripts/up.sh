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
bash scripts/build-sandbox-runner.sh
wait $pg || die "Postgres bring-up failed"
wait $rd || die "Redis bring-up failed"

[ -f packages/db/src/generated/prisma/client.ts ] && [ packages/db/src/generated/prisma/client.ts -nt prisma/schema.prisma ] \
  || (log "generating the Prisma client"; npx prisma generate >/dev/null)
node prisma/migrate-lite.mjs prisma/migrations | grep -v "No pending" >&2 || true
# The self-contained client CLI the API serves at GET /cli.mjs (skipped when up to date).
node apps/cli/scripts/build.mjs --if-stale
# The dashboard the API serves under /ui: rebuilt (esbuild, well under a second) when missing or
# older than its sources.
[ -f apps/web/dist/index.html ] && [ -z "$(find apps/web/src apps/web/build.mjs -newer apps/web/dist/index.html -print -quit)" ] \
  || (log "building the dashboard"; npm run -s build -w @patchbay/web)
log "ready: postgres, redis, docker, image $PATCHBAY_SANDBOX_IMAGE"
