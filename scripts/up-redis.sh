#!/usr/bin/env bash
# Redis reachable at REDIS_URL: use it when it answers, else start Debian's redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
port=$(node -e "console.log(new URL(process.env.REDIS_URL).port||6379)")
redis_answers() { command -v redis-cli >/dev/null && [ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = PONG ]; }
redis_answers && exit 0
command -v redis-server >/dev/null || apt_install redis-server
log "starting redis-server on 127.0.0.1:$port"
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly yes --appendfsync everysec \
  --dir "$PATCHBAY_STATE_DIR" --logfile "$PATCHBAY_STATE_DIR/redis.log" >/dev/null
wait_for 15 redis_answers || die "Redis did not start"
