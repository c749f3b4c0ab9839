#!/usr/bin/env bash
# Builds the static egress bridge (packages/egress/bridge) that setup commands in a sandbox reach
# the worker's egress proxy through. Static, so it runs in any glibc or musl image a job names.
# Only when the binary is missing or older than its source; about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
src=packages/egress/bridge/egress-bridge.c
out="$PATCHBAY_STATE_DIR/bin/egress-bridge"
[ -x "$out" ] && [ "$out" -nt "$src" ] && exit 0
command -v cc >/dev/null || die "no C compiler: install gcc and libc6-dev (scripts/lib/packages.sh does)"
mkdir -p "$(dirname "$out")"
log "building the egress bridge"
cc -static -O2 -Wall -o "$out.tmp" "$src" || die "building $src failed (static linking needs libc6-dev)"
chmod 0755 "$out.tmp"
mv -f "$out.tmp" "$out"
