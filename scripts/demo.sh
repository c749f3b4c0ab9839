#!/usr/bin/env bash
# The demo: brings everything up, runs two real jobs (examples/demo-repo, and examples/deps-repo
# whose dependency setup installs from the npm registry through the worker's allowlisting proxy),
# prints the patches and checks, stops what it started. Exit 0 only when both succeeded with passing checks.
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
  model2="script:fix-deps-bug"
  echo "Model: the SCRIPTED stand-in model ($model, packages/testkit) — no OPENAI_API_KEY is set."
  echo "       It replays a fixed script; set OPENAI_API_KEY to run a real model."
fi

start_bg api node --import tsx apps/api/src/main.ts
start_bg worker node --import tsx apps/worker/src/main.ts
wait_for 60 http_ok "$PATCHBAY_URL/readyz" || { tail -20 "$PATCHBAY_STATE_DIR/api.log"; die "API did not become ready"; }

# Each example becomes a real git repository the worker clones (file:// URL).
# run_job <example folder> <model> <task>: submits, waits, prints the patch; returns the CLI's exit code.
run_job() {
  local repo code id
  repo=$(mktemp -d)
  cp -r "$1/." "$repo"
  git -C "$repo" init -q -b main && git -C "$repo" add -A
  git -C "$repo" -c user.name=demo -c user.email=demo@localhost commit -qm "$(basename "$1") with a bug"
  echo; echo "Submitting a job against $1 (copied to $repo)"
  set +e
  npx patchbay submit --repo "file://$repo" --model "$2" --wait --task "$3"
  code=$?
  set -e
  id=$(node -e "fetch(process.argv[1],{headers:{authorization:'Bearer '+process.env.PATCHBAY_API_KEY}}).then(r=>r.json()).then(j=>console.log(j.data[0]?.id??''))" "$PATCHBAY_URL/v1/jobs?limit=1")
  if [ -n "$id" ]; then
    echo; echo "── patch ($PATCHBAY_URL/v1/jobs/$id/patch) ──"
    npx patchbay patch "$id" || true
  fi
  rm -rf "$repo"
  return "$code"
}

set +e
run_job examples/demo-repo "$model" \
  "The cart tests fail (npm test). Find the bug in src/cart.js and fix it without changing the tests."
code1=$?
# The second example has a real dependency from the npm registry: setup (npm ci) reaches the
# registry the host's npm uses through the worker's allowlisting proxy; the agent gets no network.
run_job examples/deps-repo "${model2:-$model}" \
  "The backoff tests fail (npm ci, then npm test). Find the bug in src/backoff.js and fix it without changing the tests."
code2=$?
set -e
echo
if [ "$code1" = 0 ] && [ "$code2" = 0 ]; then
  echo "Demo succeeded: both jobs finished and their checks pass."
  exit 0
fi
echo "Demo FAILED (exit codes $code1 and $code2): see .patchbay/*.log"
exit $((code1 != 0 ? code1 : code2))
