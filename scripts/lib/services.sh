# Starting and stopping Patchbay's own processes for the demo and `npm start`. Sourced.

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# start_bg <name> <command...>: runs in the background, output to .patchbay/<name>.log.
# Start node itself (node --import tsx …), not through npx: the PID must be the process that
# gets the signal, or stop_all leaves the real server running.
start_bg() {
  local name=$1; shift
  "$@" >"$PATCHBAY_STATE_DIR/$name.log" 2>&1 &
  PIDS+=($!)
}

http_ok() { node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"; }
