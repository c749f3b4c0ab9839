# Shared helpers for the bring-up scripts. Sourced, not run.
# Settings come from the same env vars as packages/config (defaults match it).
: "${DATABASE_URL:=postgresql://patchbay:patchbay@127.0.0.1:5432/patchbay}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
: "${PATCHBAY_SANDBOX_IMAGE:=patchbay/sandbox:1}"
: "${PATCHBAY_STATE_DIR:=$PWD/.patchbay}"
export DATABASE_URL REDIS_URL PATCHBAY_SANDBOX_IMAGE PATCHBAY_STATE_DIR
mkdir -p "$PATCHBAY_STATE_DIR"

log() { printf '\033[36m[up]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[up] %s\033[0m\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

apt_ready=""
apt_install() {
  if [ -z "$apt_ready" ]; then as_root apt-get update -qq >/dev/null; apt_ready=1; fi
  log "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# wait_for <seconds> <command...>: poll until the command succeeds.
wait_for() {
  local t=$1; shift
  for _ in $(seq 1 $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
