/**
 * The persistent shell: one long-lived `bash` per session running each command in a forked
 * subshell (no new bash to exec) in its own process group (`set -m`). The subshell for the next
 * command is forked *before* its request arrives, 0.5 ms after the previous command's markers
 * are out: a fork of bash is a large part of what a command costs (0.3-2 ms on the VMs measured),
 * so it happens between commands instead of in one; not at once, as a fork right away delayed the
 * worker's taking in of those markers (by ~1 ms where a fork took 2 ms; the intake itself takes
 * 0.15-0.5 ms), nor much later, as a command sent right after another waits for the rest of the
 * wait (back to back 1.6 ms a command with 2 ms where a fork is 0.3 ms, 0.8-1.0 ms with 0.5 ms).
 * The wait is a `read -t` on a pipe of the session's own that nobody writes: no process. That
 * subshell reads the request from stdin itself (a fixed head `id plain envCount`, then
 * NUL-terminated `cwd command name=value…`), records `id pgid` in the file `$1` (for the kill
 * script and the supervisor; its cgroup counters go on a second line), swaps stdin for /dev/null
 * so the command can never eat the protocol, and runs the command (what it does after the
 * request it first does once as a dry run while it waits).
 * Afterwards the shell prints `\0PB:<id>:<exit>:<pids.max hits>:<oom kills>:<group still
 * alive>\n` on stdout and `\0PB:<id>\n` on stderr: both streams are complete once both markers
 * arrived. A subshell that ends without having read a request (stdin ended: the session is
 * closed) ends the session.
 *
 * - The session's own stderr goes to /dev/null (job-control notices); the command gets the
 *   real stderr through fd 3.
 * - The login profile (/etc/profile) is read once per session; `~/.bash_profile|~/.bash_login|
 *   ~/.profile` (created by installers) are read per command, as `bash -l` would, unless `plain`
 *   is set: Patchbay's own helpers (file operations) must not run what the agent wrote there.
 * - TERM/HUP/INT are trapped (first thing) so a command's `kill $$` (in a subshell `$$` is the
 *   session) does not end the session; `wait` resumes after an interrupting signal. A subshell
 *   waiting for its request ignores them from its fork on (a command's `pkill bash` must not end
 *   the other sessions, also not one whose next subshell was forked a moment ago); the command
 *   gets them back.
 * - A session whose command left processes behind forks no next subshell and ends when the
 *   worker closes it: its pid file keeps naming that group for the kill script and the supervisor.
 * - Counters come from the container's cgroup (v1 paths, then v2) via builtins only, so the marker
 *   is written even when the pids limit leaves no room to fork. The "before" reading is taken by
 *   the subshell once its request is in, and goes to the parent as the file's second line: a
 *   reading taken at the fork would count what the session's siblings ran while it waited.
 */
/** Hex digits of a request's id: the head's first field (the script slices the head by these sizes). */
export const REQUEST_ID_DIGITS = 16;
/** Bytes of a request's fixed head: id, the plain flag, 8 hex digits of environment count. */
export const REQUEST_HEAD_BYTES = REQUEST_ID_DIGITS + 1 + 8;

export const SESSION_SCRIPT = String.raw`trap '__pb_sig=1' TERM HUP INT
exec 3>&2 2>/dev/null
. /etc/profile >/dev/null 2>&1
__pb_pe=/sys/fs/cgroup/pids/pids.events; [[ -r $__pb_pe ]] || __pb_pe=/sys/fs/cgroup/pids.events
__pb_me=/sys/fs/cgroup/memory/memory.oom_control; [[ -r $__pb_me ]] || __pb_me=/sys/fs/cgroup/memory.events
__pb_pf=$1
exec {__pb_nap}<> <(:)
__pb_counters() {
  local x=
  read -r -d '' x < "$__pb_pe"; x=${"$"}{x#*max }; __pb_p=${"$"}{x%%[!0-9]*}
  x=; read -r -d '' x < "$__pb_me"; x=${"$"}{x#*oom_kill }; __pb_o=${"$"}{x%%[!0-9]*}
  __pb_p=${"$"}{__pb_p:-0} __pb_o=${"$"}{__pb_o:-0}
}
__pb_fork() {
  : > "$__pb_pf"
  # Ignored from the fork on (a subshell would start with the default action until its own trap ran).
  trap '' TERM HUP INT
  (
    set +m
    # A dry run of what follows the request (no effect): a forked bash pays a copy-on-write fault
    # for each page it first writes, ~0.3 ms of a command's wait here when taken after the request.
    __pb_counters; printf '%s %s\n%s %s\n' 0123456789abcdef "$BASHPID" "$__pb_p" "$__pb_o" >/dev/null
    __pb_env=(a b c); __pb_env=(); cd -- "$PWD"; [[ -r ~/.profile ]]; eval ':'
    IFS= read -r -N ${REQUEST_HEAD_BYTES} __pb_id && IFS= read -r -d '' __pb_cwd && IFS= read -r -d '' __pb_cmd || exit 0
    __pb_plain=${"$"}{__pb_id:${REQUEST_ID_DIGITS}:1} __pb_n=$((16#${"$"}{__pb_id:${REQUEST_ID_DIGITS + 1}})) __pb_id=${"$"}{__pb_id:0:${REQUEST_ID_DIGITS}} __pb_env=()
    [[ $__pb_plain == 1 ]] || __pb_plain=
    for ((__pb_i = 0; __pb_i < __pb_n; __pb_i++)); do IFS= read -r -d '' __pb_kv || break; __pb_env+=("$__pb_kv"); done
    __pb_counters
    printf '%s %s\n%s %s\n' "$__pb_id" "$BASHPID" "$__pb_p" "$__pb_o" > "$__pb_pf"
    trap - TERM HUP INT
    exec 2>&3 3>&- {__pb_nap}<&- </dev/null
    unset -f __pb_counters __pb_fork
    cd -- "$__pb_cwd" || exit 1
    ((${"$"}{#__pb_env[@]} == 0)) || export -- "${"$"}{__pb_env[@]}"
    [[ -n $__pb_plain ]] || for __pb_f in ~/.bash_profile ~/.bash_login ~/.profile; do [[ -r $__pb_f ]] && { . "$__pb_f"; break; }; done
    eval "unset -v \${!__pb_@}; $__pb_cmd"
  ) &
  __pb_pid=$!
  trap '__pb_sig=1' TERM HUP INT
}
set -m
__pb_fork
while :; do
  # The same dry run on the session's side, while the subshell waits: its pages are copied now,
  # not after the command, when the worker waits for the markers.
  { IFS=' ' read -r __pb_x __pb_x && IFS=' ' read -r __pb_x __pb_x; } < "$__pb_pf"; __pb_counters
  kill -0 -- "$$" && __pb_x=1 || __pb_x=0
  printf '\0PB:%s:%d:%d:%d:%d\n' 0123456789abcdef 0 $((__pb_p - 0)) $((__pb_o - 0)) "$__pb_x" >/dev/null
  __pb_sig=1
  while ((__pb_sig)); do __pb_sig=0; wait "$__pb_pid"; __pb_rc=$?; done
  __pb_id= __pb_g= __pb_p0= __pb_o0=
  { IFS=' ' read -r __pb_id __pb_g && IFS=' ' read -r __pb_p0 __pb_o0; } < "$__pb_pf"
  [[ $__pb_g == "$__pb_pid" ]] || exit 0
  __pb_counters
  kill -0 -- "-$__pb_pid" && __pb_left=1 || __pb_left=0
  printf '\0PB:%s:%d:%d:%d:%d\n' "$__pb_id" "$__pb_rc" $((__pb_p - __pb_p0)) $((__pb_o - __pb_o0)) "$__pb_left"
  printf '\0PB:%s\n' "$__pb_id" >&3
  # Processes left behind: the worker closes this session. Until then the pid file keeps naming
  # their group (a next fork would empty it), so a stop can still KILL what a command left.
  ((__pb_left)) && { while IFS= read -r -d '' __pb_x; do :; done; exit 0; }
  read -t 0.0005 -u "$__pb_nap"
  __pb_fork
done`;

/**
 * Signals the process group of command `$2` with signal `$3`; exit 3 when that command is not
 * (yet) the one in the file. Builtins only: at the pids limit a fork would fail.
 */
export const KILL_SCRIPT = [
  'read -r id pgid < "$1" || exit 3',
  '[ "$id" = "$2" ] || exit 3',
  'kill -s "$3" -- "-$pgid" 2>/dev/null',
  "exit 0",
].join("\n");
