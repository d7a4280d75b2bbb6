# shellcheck shell=bash
# Waiting in the test scripts. A test never sleeps for a guessed time: it waits for a state (a line in a log, a
# field of a status, a process gone), polling a condition until it holds or a bound passes. The poll interval is
# here and only here: the only `sleep` in tests/ (outside a sleep that is itself under test) is below.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
#
#   wait_until [--alive PID] SECONDS WHAT CMD...   until CMD exits 0
#   wait_true  [--alive PID] SECONDS WHAT CMD...   until CMD prints True (a Python expression's verdict)
#   wait_logged [--alive PID] SECONDS FILE TEXT [N] until FILE has more than N lines holding TEXT (grep -F;
#                                                   N defaults to 0; a restarted process's new line: N = the
#                                                   count before the start)
#   wait_gone SECONDS PID                           until process PID has exited (kill -0 fails)
#
# --alive PID: give up as soon as process PID has exited (a daemon that died at start is no wait of 60 s).
# On a timeout (or PID gone) each prints to stderr "timed out after N s waiting for WHAT" (or "... PID exited
# while waiting for WHAT") and CMD's last output, and returns 1: the caller's `set -e` or `|| fail ...` decides.
#
# CMD runs in the calling shell (not a subshell), its stdout captured, its stderr as the caller left it: a
# condition function may call the script's fail() to stop at once on a state that can never turn (a job failed).
# SECONDS is whole seconds of wall clock, measured to the microsecond (bash's EPOCHREALTIME), not a count of
# tries: a slow CMD does not stretch the bound, and CMD is always tried once more after the bound has passed.

# Sourced twice (a script and a library it sources both need it): the first one holds.
[ -z "${_wait_fd:-}" ] || return 0

# Poll intervals: quick at first (most states come within a fraction of a second), then every half second.
_wait_intervals=(0.05 0.1 0.2 0.3 0.5)

# CMD's last stdout, in a file unlinked at once: nothing is left behind however the script ends.
_wait_file=$(mktemp "${TMPDIR:-/tmp}/wait.XXXXXX")
exec {_wait_fd}<>"$_wait_file"
rm -f "$_wait_file"
_wait_out="/dev/fd/$_wait_fd"

_wait_now_us() { local t=${EPOCHREALTIME/./}; echo "$((10#$t))"; }

# _wait_poll MODE [--alive PID] SECONDS WHAT CMD...: the loop behind every wait_*. MODE: status (until CMD exits 0)
# or true (until CMD prints True).
_wait_poll() {
  local mode=$1 alive="" limit what i=0 deadline
  shift
  if [ "${1:-}" = --alive ]; then
    alive=${2:?wait: --alive needs a PID}
    shift 2
  fi
  limit=${1:-} what=${2:-}
  shift 2 || true
  [[ "$limit" =~ ^[0-9]+$ ]] || { echo "wait: '$limit' is not a number of seconds (waiting for $what)" >&2; return 2; }
  [ "$#" -gt 0 ] || { echo "wait: no command to wait on (waiting for $what)" >&2; return 2; }
  deadline=$(($(_wait_now_us) + limit * 1000000))
  while :; do
    if [ "$mode" = true ]; then
      "$@" >"$_wait_out" || true
      [ "$(<"$_wait_out")" = True ] && return 0
    elif "$@" >"$_wait_out"; then
      return 0
    fi
    if [ -n "$alive" ] && ! kill -0 "$alive" 2>/dev/null; then
      _wait_report "process $alive exited while waiting for $what"
      return 1
    fi
    if [ "$(_wait_now_us)" -ge "$deadline" ]; then
      _wait_report "timed out after $limit s waiting for $what"
      return 1
    fi
    sleep "${_wait_intervals[$i]}"
    [ "$i" -ge $((${#_wait_intervals[@]} - 1)) ] || i=$((i + 1))
  done
}

_wait_report() {  # MESSAGE: it, then CMD's last output (at most 20 lines)
  echo "$1" >&2
  if [ -s "$_wait_out" ]; then
    echo "  last output:" >&2
    tail -n 20 "$_wait_out" | sed 's/^/    /' >&2
  fi
}

wait_until() { _wait_poll status "$@"; }  # [--alive PID] SECONDS WHAT CMD...: until CMD exits 0
wait_true() { _wait_poll true "$@"; }     # [--alive PID] SECONDS WHAT CMD...: until CMD prints True

_wait_lines_above() {  # FILE TEXT N: whether FILE has more than N lines holding TEXT; prints its last lines
  local n
  n=$(grep -cF -- "$2" "$1" 2>/dev/null || true)
  [ "${n:-0}" -gt "$3" ] && return 0
  echo "${n:-0} line(s) holding '$2' in $1; its last lines:"
  tail -n 5 "$1" 2>/dev/null || true
  return 1
}

wait_logged() {  # [--alive PID] SECONDS FILE TEXT [N]: until FILE has more than N (0) lines holding TEXT
  local alive=()
  if [ "${1:-}" = --alive ]; then
    alive=(--alive "${2:?wait: --alive needs a PID}")
    shift 2
  fi
  _wait_poll status "${alive[@]}" "$1" "'$3' in $2" _wait_lines_above "$2" "$3" "${4:-0}"
}

_wait_exited() { ! kill -0 "$1" 2>/dev/null; }

wait_gone() {  # SECONDS PID: until process PID has exited
  _wait_poll status "$1" "process $2 to exit" _wait_exited "$2"
}
