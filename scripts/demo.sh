#!/usr/bin/env bash
# The demo: brings everything up, runs one real job against examples/demo-repo, prints the
# patch and checks, stops what it started. Exit 0 only when the job succeeded with passing checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/up.sh
source scripts/lib/common.sh
source scripts/lib/services.sh
demo_key_prefix=""
cleanup() {
  stop_all
  # The demo's key is for this run only.
  [ -n "$demo_key_prefix" ] && npx patchbay keys revoke "$demo_key_prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export TURBO_TELEMETRY_DISABLED=1
export PATCHBAY_API_PORT=${PATCHBAY_DEMO_PORT:-$(free_port)}
export PATCHBAY_URL="http://127.0.0.1:$PATCHBAY_API_PORT"
# Its own queue, so a service already running here (npm start) does not take the demo's job.
export PATCHBAY_QUEUE="patchbay-demo-$$"
export LOG_LEVEL=${LOG_LEVEL:-warn}
# The demo repository is a local folder: file:// URLs are for local use and off by default.
export PATCHBAY_ALLOW_FILE_REPOS=true
# An API key for the demo's own project, made with the admin command (shown once, stored hashed).
PATCHBAY_API_KEY=$(npx patchbay keys create --project demo --scopes jobs:read,jobs:write --name "npm run demo" 2>/dev/null)
export PATCHBAY_API_KEY
demo_key_prefix=$(echo "$PATCHBAY_API_KEY" | cut -d_ -f2)
echo "API key: ${PATCHBAY_API_KEY:0:16}… (project demo; \`npx patchbay keys create\` made it)"

if [ -n "${OPENAI_API_KEY:-}" ]; then
  model=${PATCHBAY_DEMO_MODEL:-gpt-5.3-codex}
  echo "Model: $model at ${OPENAI_BASE_URL:-https://api.openai.com/v1} (OPENAI_API_KEY is set)"
else
  port=$(free_port)
  start_bg scripted-model node packages/testkit/bin/scripted-model.mjs --port "$port" --scripts examples/scripts
  export OPENAI_BASE_URL="http://127.0.0.1:$port/v1"
  model="script:fix-cart-bug"
  echo "Model: the SCRIPTED stand-in model ($model, packages/testkit) — no OPENAI_API_KEY is set."
  echo "       It replays a fixed script; set OPENAI_API_KEY to run a real model."
fi

start_bg api node --import tsx apps/api/src/main.ts
start_bg worker node --import tsx apps/worker/src/main.ts
wait_for 60 http_ok "$PATCHBAY_URL/readyz" || { tail -20 "$PATCHBAY_STATE_DIR/api.log"; die "API did not become ready"; }

# The sample repository becomes a real git repository the worker clones (file:// URL).
repo=$(mktemp -d)
cp -r examples/demo-repo/. "$repo"
git -C "$repo" init -q -b main && git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@localhost commit -qm "demo-cart with a bug"

echo "Submitting a job against examples/demo-repo (copied to $repo)"
set +e
npx patchbay submit --repo "file://$repo" --model "$model" --wait \
  --task "The cart tests fail (npm test). Find the bug in src/cart.js and fix it without changing the tests."
code=$?
set -e
id=$(node -e "fetch(process.argv[1],{headers:{authorization:'Bearer '+process.env.PATCHBAY_API_KEY}}).then(r=>r.json()).then(j=>console.log(j.data[0]?.id??''))" "$PATCHBAY_URL/v1/jobs?limit=1")
if [ -n "$id" ]; then
  echo; echo "── patch ($PATCHBAY_URL/v1/jobs/$id/patch) ──"
  npx patchbay patch "$id" || true
fi
rm -rf "$repo"
echo
[ "$code" = 0 ] && echo "Demo succeeded: the job finished and its checks pass." || echo "Demo FAILED (exit $code): see .patchbay/*.log"
exit "$code"
