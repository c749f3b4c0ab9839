#!/usr/bin/env bash
# Builds the static sandbox runner (packages/sandbox/runner) that commands reach a sandbox's
# persistent shell through, over a unix socket instead of the engine's attach stream. Static, so
# it runs in any glibc or musl image a job names. Only when the binary is missing or older than
# its source; about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
src=packages/sandbox/runner/sandbox-runner.c
out="$PATCHBAY_STATE_DIR/bin/sandbox-runner"
[ -x "$out" ] && [ "$out" -nt "$src" ] && exit 0
command -v cc >/dev/null || die "no C compiler: install gcc and libc6-dev (scripts/lib/packages.sh does)"
mkdir -p "$(dirname "$out")"
log "building the sandbox runner"
cc -static -O2 -Wall -o "$out.tmp" "$src" || die "building $src failed (static linking needs libc6-dev)"
chmod 0755 "$out.tmp"
mv -f "$out.tmp" "$out"
