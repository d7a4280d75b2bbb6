# Sourced by the migration scripts: bounded CLI calls and a daemon they can
# start, kill and restart; with tests/lib/check.sh (check, fail: a script may
# define its own fail after) and tests/lib/wait.sh. Expects S (the storemesh binary).
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
MiB=$((1 << 20))

# No step of a test may have to land before a copy moves on. A copy
# throttled to HOLD (1 KiB/s, the slowest throttle) is held where it is: a
# page every 4 s, a 1 MiB chunk in 17 minutes. So a test submits a copy at
# HOLD, lets it run to the point it needs (`copy throttle JOB --max-rate R
# --until OFFSET --then $HOLD`: R up to OFFSET, held there), acts, and then
# raises the rate. A source asked to stop finishes the chunk in flight:
# raise the rate of a held copy once its stop is recorded (stop_requested).
HOLD=1K

# A scratch directory as the working directory, holding the daemon's data and
# the operator's key. On exit: kill the daemon, run the script's
# extra_cleanup if it defines one, print the daemon's log on failure (with
# LOG_NOTE, if set), remove the directory (KEEP=1 keeps it).
daemon=""
enter_workspace() {
  work=$(mktemp -d)
  trap leave_workspace EXIT
  cd "$work"
  export STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key"
}
leave_workspace() {
  local rc=$?
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
  if [ "$rc" -ne 0 ] && [ -f "$work/serve.log" ]; then
    echo "--- last lines of serve.log${LOG_NOTE:+ ($LOG_NOTE)}:" >&2
    tail -n 30 "$work/serve.log" >&2
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

# Every CLI call is bounded: a hung command fails the test instead of hanging it.
sm() { timeout 60 "$S" "$@"; }

# Starts `serve` in the background (daemon=PID) and waits for its "serving"
# line, counting the ones already in serve.log from earlier runs.
start_daemon() {
  local before
  before=$(grep -c "serving" serve.log 2>/dev/null || true)
  "$S" serve --trust op.key.pub >>serve.log 2>&1 &
  daemon=$!
  wait_logged --alive "$daemon" 20 serve.log "serving" "${before:-0}" || fail "the daemon did not start"
}
