# Sourced by the migration scripts: bounded CLI calls and a daemon they can
# start, kill and restart. Expects S (the storemesh binary) and fail().
MiB=$((1 << 20))

# Every CLI call is bounded: a hung command fails the test instead of hanging it.
sm() { timeout 60 "$S" "$@"; }

# Starts `serve` in the background (daemon=PID) and waits for its "serving"
# line, counting the ones already in serve.log from earlier runs.
start_daemon() {
  local before
  before=$(grep -c "serving" serve.log 2>/dev/null || true)
  "$S" serve --trust op.key.pub >>serve.log 2>&1 &
  daemon=$!
  for _ in $(seq 400); do
    [ "$(grep -c "serving" serve.log 2>/dev/null || true)" -gt "${before:-0}" ] && return
    kill -0 "$daemon" 2>/dev/null || fail "daemon exited at start"
    sleep 0.05
  done
  fail "daemon did not start within 20 s"
}
