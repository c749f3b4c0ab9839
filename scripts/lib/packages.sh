# Installs every Debian package the bring-up is missing in ONE apt transaction, before any service
# starts: two apt-get processes at once fail on apt's lock. Sourced by up.sh.
missing=()
pg_answers() { node -e "const c=new (require('pg').Client)({connectionString:process.env.DATABASE_URL});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))"; }
redis_answers() { command -v redis-cli >/dev/null && [ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = PONG ]; }
if ! pg_answers 2>/dev/null; then
  command -v pg_ctlcluster >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
fi
redis_answers || command -v redis-server >/dev/null || missing+=(redis-server)
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null || missing+=(docker.io)
# debootstrap makes the sandbox's base image where no registry is reachable; a C compiler builds
# the static egress bridge that setup commands reach the worker's proxy through.
[ -n "${SANDBOX_BASE_IMAGE:-}" ] || command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v cc >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/libc.a -o -f /usr/lib/aarch64-linux-gnu/libc.a ] || missing+=(gcc libc6-dev)
# The dashboard's browser tests drive Debian's headless Chromium (playwright-core downloads none).
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
