#!/usr/bin/env bash
# A Docker engine answering (start dockerd without networking where none does), then the image.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/sandbox-image.sh
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || apt_install docker.io
  log "starting dockerd (no bridge, no iptables: containers get --network none)"
  as_root sh -c "nohup dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >'$PATCHBAY_STATE_DIR/dockerd.log' 2>&1 &"
  wait_for 60 docker info || die "dockerd did not start: see $PATCHBAY_STATE_DIR/dockerd.log"
fi
# A machine that built the image from an older Dockerfile (or versions) rebuilds it, same name.
if ! sandbox_image_current; then
  docker image inspect "$PATCHBAY_SANDBOX_IMAGE" >/dev/null 2>&1 && log "sandbox image recipe changed: rebuilding"
  bash scripts/build-sandbox-image.sh
fi
