#!/usr/bin/env bash
# Grows the golden log (see README.md beside it). Run by hand, rarely, never from CI:
#
#   tests/golden/generate.sh BUILD_DIR [--try]        e.g. tests/golden/generate.sh build/debug
#
# 1. Copies the checked-in log (tests/golden/data, if any) into a workspace: the daemon appends to it.
# 2. Starts `storemesh serve` on it with a new operator key (the daemon makes itself a new sealing key) and
#    runs every scenario of scenarios/ not yet listed in scenarios.applied, in name order, through the CLI
#    on real files. After each one, every copy job has ended and no move is under way.
# 3. Stops the daemon, then runs it without agents until every command is decided and every event reacted to,
#    so the next daemon on this log (the test's, or the next generator's) finds nothing half done.
# 4. Proves that every segment of the old log is a byte-for-byte prefix of the new one (append-only) and
#    audits the new log.
# 5. Writes it back (log, daemon positions, the session's two public keys; never a private key), lists the
#    new scenarios in scenarios.applied and re-records expected/ with `golden_log.sh --record`, which refuses
#    if anything recorded before about an untouched entity changed.
#
# --try: steps 1-4 only; the workspace is kept (and printed) for a look. Nothing under tests/golden changes.
set -euo pipefail
BUILD=$(readlink -f "${1:?usage: generate.sh BUILD_DIR [--try]}")
TRY=""
[ "${2:-}" = "--try" ] && TRY=1
S=$BUILD/ops/storemesh
SNAPSHOTS=$BUILD/tests/golden_snapshots
[ -x "$S" ] && [ -x "$SNAPSHOTS" ] || { echo "no $S or $SNAPSHOTS: build first" >&2; exit 2; }
GOLDEN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
# The embedded log under the default topic prefix, whatever the environment says.
unset STOREMESH_KAFKA STOREMESH_TOPIC_PREFIX STOREMESH_GROUP
MiB=$((1 << 20))

step() { check "$@"; }  # the scenarios' name for it

# -- which scenarios ------------------------------------------------------------------------------------------------
# Applied ones must still exist and come first, in the order they were applied: a scenario is never renamed,
# removed or inserted before one already in the log.
mapfile -t all < <(cd "$GOLDEN/scenarios" && ls -- *.sh | sed 's/\.sh$//' | LC_ALL=C sort)
applied=()
[ -f "$GOLDEN/scenarios.applied" ] && mapfile -t applied < "$GOLDEN/scenarios.applied"
for i in "${!applied[@]}"; do
  [ "${all[$i]:-}" = "${applied[$i]}" ] ||
    fail "scenarios.applied lists ${applied[$i]} at position $((i + 1)), scenarios/ has '${all[$i]:-nothing}' there:" \
      "scenarios are only ever added, named to sort after the applied ones"
done
pending=("${all[@]:${#applied[@]}}")
[ "${#pending[@]}" -gt 0 ] || { echo "every scenario is in the golden log already; add one to scenarios/" >&2; exit 2; }
session=$(printf '%02d' $(($(ls "$GOLDEN"/keys/operator-*.pub 2>/dev/null | wc -l) + 1)))
echo "session $session: appending ${pending[*]}"

# -- workspace --------------------------------------------------------------------------------------------------------
# A fixed place, so the datastore paths recorded in the log read the same from one session to the next.
WS=/tmp/storemesh-golden
[ ! -e "$WS" ] || fail "$WS exists: another generator is running, or one left it (umount what is mounted there, remove it)"
mkdir -p "$WS"
daemon=""
mounts=()
leave() {
  local rc=$?
  # A scenario that runs processes of its own (scenario 06: a director and peers) defines scenario_cleanup to
  # end them if it fails half-way.
  if declare -F scenario_cleanup >/dev/null; then scenario_cleanup || true; fi
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ] && [ -f "$WS/serve.log" ]; then echo "--- last lines of $WS/serve.log:" >&2; tail -n 30 "$WS/serve.log" >&2; fi
  if [ -n "$TRY" ] || [ "$rc" -ne 0 ]; then echo "workspace kept: $WS" >&2; else rm -rf "$WS"; fi
}
trap leave EXIT
cd "$WS"
export STOREMESH_DATA=$WS/data STOREMESH_KEY=$WS/operator.key
if [ -d "$GOLDEN/data" ]; then cp -a "$GOLDEN/data" "$WS/data"; else mkdir -p "$WS/data"; fi
# Git keeps no empty directory: recreate the partitions that hold no record.
for t in "$WS"/data/log/*/; do
  [ -f "$t/partitions" ] || continue
  n=$(cat "$t/partitions")
  for ((p = 0; p < n; p++)); do mkdir -p "$t/$p"; done
done
"$S" keygen --out operator.key >/dev/null
# A key the daemon does not trust, for commands that must be refused at intake.
"$S" keygen --out stranger.key >/dev/null
trust=(--trust "$WS/operator.key.pub")
for k in "$GOLDEN"/keys/*.pub; do [ -e "$k" ] && trust+=(--trust "$k"); done

# -- helpers for the scenarios ------------------------------------------------------------------------------------------
# (and tests/lib/wait.sh: wait_true, wait_until, wait_logged, wait_gone)
# Every CLI call is bounded: a hung command fails the generator instead of hanging it.
sm() { timeout 120 "$S" "$@"; }

start_daemon() {  # [serve flags...]: in the background (daemon=PID), logging to $WS/serve.log
  local before
  before=$(grep -c "serving" "$WS/serve.log" 2>/dev/null || true)
  "$S" serve "${trust[@]}" "$@" >>"$WS/serve.log" 2>&1 &
  daemon=$!
  wait_logged --alive "$daemon" 20 "$WS/serve.log" "serving" "${before:-0}" || fail "the daemon did not start"
}
stop_daemon() {
  kill -TERM "$daemon"
  wait "$daemon" || fail "the daemon did not stop cleanly"
  daemon=""
}

# A tmpfs of SIZE on DIR (root only): a datastore that really fills up. Unmounted on exit.
mount_tmpfs() {  # DIR SIZE
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || fail "cannot mount a tmpfs on $1 (run the generator as root)"
  mounts+=("$(readlink -f "$1")")
}

# A Python expression over a JSON document, bound to d: `py_json EXPR < doc`.
py_json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
job() { sm copy status "$1" --json | py_json "$2"; }                         # JOB EXPR (d: the job's status)
rebalancer() { sm rebalance status --site "$1" --json | py_json "$2"; }       # SITE EXPR (d: its status)
gateways() {  # EXPR over g, every gateway's `gateway list --json` object by id
  sm gateway list --json | python3 -c '
import json, sys
g = {d["id"]: d for d in map(json.loads, sys.stdin)}
print(eval(sys.argv[1]))' "$1"
}

wait_bytes() {  # JOB BYTES: until the job has recorded BYTES, while it still runs
  wait_until 120 "job $1 at $2 bytes" job_reached "$1" "$2" || fail "job $1 below $2 bytes after 120 s"
}
job_reached() {  # JOB BYTES: whether the job has recorded BYTES (prints how many); fails if it ended before
  local got
  got=$(job "$1" 'd["bytes_done"] if d["state"] in ("running", "migrating") else -1')
  [ "$got" = -1 ] && fail "job $1 ended before $2 bytes: $(sm copy status "$1" --json)"
  echo "$got"
  [ "$got" -ge "$2" ]
}

expect_end() {  # JOB completed|failed [CODE]
  wait_true 180 "job $1 ended" job "$1" 'd["state"] in ("completed", "failed")' ||
    fail "job $1 did not end: $(sm copy status "$1" --json)"
  local st
  st=$(job "$1" 'd["state"] + " " + d["failure"].split(":")[0]')
  [[ "$st " == "$2 ${3:-}"* ]] || fail "job $1: expected $2 ${3:-}, got $st: $(sm copy status "$1" --json)"
  echo "   $1: $st"
}

expect_rejected() {  # CODE CMD...: the CLI exits non-zero naming CODE
  local code=$1 out
  shift
  if out=$(sm "$@" 2>&1); then fail "'$*' was accepted; expected $code"; fi
  grep -q "($code)" <<<"$out" || fail "'$*' refused without naming $code: $out"
  echo "   refused ($code)"
}

# Every job ended, no migration between its steps, no planned move under way.
settled() {
  sm copy list --json | python3 -c '
import json, sys
print(all(json.loads(l)["state"] in ("completed", "failed") for l in sys.stdin))' | grep -q True || { echo False; return; }
  local site
  for site in primary recovery; do
    if sm rebalance status --site "$site" --json >/dev/null 2>&1; then
      [ "$(rebalancer "$site" 'len(d["pending"]) == 0')" = True ] || { echo False; return; }
    fi
  done
  echo True
}

# Whether every command is decided and every event reacted to: the daemon's positions are at the log's ends.
caught_up() {
  sm events tail --json | python3 -c '
import json, os, sys
data = sys.argv[1]
ends = {}
for line in sys.stdin:
    r = json.loads(line)
    ends[(r["topic"], r["partition"])] = r["offset"] + 1
lag = []
for (topic, p), end in sorted(ends.items()):
    kind = "offsets" if topic.endswith(".commands") else "reactions" if ".events." in topic else None
    if kind is None:
        continue
    f = os.path.join(data, "state", kind, f"{topic}.{p}")
    # Events no reactor reads (kv, cluster: nothing in the daemon reacts to them) have no reaction position
    # at all: the reaction feed commits the positions of every topic it follows together, after any round
    # that read something, so a followed topic has one (maybe behind: that is a lag) and an unfollowed none.
    d = os.path.dirname(f)
    if kind == "reactions" and not (os.path.isdir(d) and any(n.startswith(topic + ".") for n in os.listdir(d))):
        continue
    at = int(open(f).read()) if os.path.exists(f) else 0
    if at < end:
        lag.append(f"{topic}/{p} at {at} of {end}")
print(True if not lag else "; ".join(lag))' "$STOREMESH_DATA"
}

# -- run the scenarios ----------------------------------------------------------------------------------------------------
# A scenario file sets serve_flags (the daemon's, e.g. its snapshot cadence) and defines scenario(); each runs
# in a directory of its own (its datastores), under a daemon of its own started on the log as the previous
# one left it.
for name in "${pending[@]}"; do
  echo "== scenario $name"
  serve_flags=(--snapshot-every 5)
  unset -f scenario scenario_cleanup
  # shellcheck source=/dev/null
  . "$GOLDEN/scenarios/$name.sh"
  declare -F scenario >/dev/null || fail "scenarios/$name.sh defines no scenario()"
  mkdir -p "$WS/$name"
  cd "$WS/$name"
  start_daemon "${serve_flags[@]}"
  scenario
  wait_true 180 "scenario $name settled (every job ended, no move under way)" settled || fail "scenario $name did not settle"
  stop_daemon
  cd "$WS"
done

step "quiesce: a daemon without agents decides what is left in the log"
for round in 1 2 3 4 5; do
  start_daemon --no-agents --snapshot-every 5
  # A bound, not a check: what the stopped daemon left is checked below (and then another round runs).
  wait_true 30 "round $round: every command decided, every event reacted to" caught_up || true
  stop_daemon
  lag=$(caught_up)
  [ "$lag" = True ] && break
  echo "   round $round: $lag"
done
[ "$lag" = True ] || fail "the log does not settle: $lag"

step "append-only: every old segment is a prefix of its new version"
if [ -d "$GOLDEN/data/log" ]; then
  (cd "$GOLDEN/data/log" && find . -name '*.seg') | while read -r seg; do
    old=$GOLDEN/data/log/$seg
    new=$WS/data/log/$seg
    [ -f "$new" ] || fail "$seg disappeared"
    cmp -s "$old" <(head -c "$(stat -c %s "$old")" "$new") || fail "$seg: the old bytes changed"
  done
fi

step "audit"
keys=(--trust operator.key.pub --trust-daemon data/state/daemon.key.pub)
for k in "$GOLDEN"/keys/operator-*.pub; do [ -e "$k" ] && keys+=(--trust "$k"); done
for k in "$GOLDEN"/keys/daemon-*.pub; do [ -e "$k" ] && keys+=(--trust-daemon "$k"); done
sm audit "${keys[@]}" | tee audit.txt | grep -E '^(events|seals|rejections|snapshots|verdict)'
grep -q "verdict *OK" audit.txt || fail "audit: $(cat audit.txt)"
size=$(find data/log -name '*.seg' -printf '%s\n' | awk '{s += $1} END {print s}')
echo "   segments: $size bytes"

if [ -n "$TRY" ]; then
  echo "--try: nothing written under $GOLDEN"
  exit 0
fi

step "record expected/ (refused if it changes what was recorded about an untouched entity)"
# Staged beside the workspace's log: tests/golden changes only once the recording has passed its guard.
stage=$WS/golden
mkdir -p "$stage/keys"
cp -a data "$stage/data"
rm -f "$stage/data/state/daemon.key" "$stage/data/state/daemon.key.pub"
find "$stage/data/log" -name lock -delete  # made again by whoever appends
if [ -d "$GOLDEN/expected" ]; then cp -a "$GOLDEN/expected" "$stage/expected"; fi
cp "$GOLDEN"/keys/*.pub "$stage/keys/" 2>/dev/null || true
cp operator.key.pub "$stage/keys/operator-$session.pub"
cp data/state/daemon.key.pub "$stage/keys/daemon-$session.pub"
bash "$GOLDEN/golden_log.sh" --record "$S" "$SNAPSHOTS" "$stage"
[ -z "$(find "$stage" -name '*.key' -print -quit)" ] || fail "a private key in $stage"
step "the golden test on the staged log"
bash "$GOLDEN/golden_log.sh" "$S" "$SNAPSHOTS" "$stage" || fail "the golden test fails on the new log"

step "write back"
rm -rf "$GOLDEN/data" "$GOLDEN/expected"
cp -a "$stage/data" "$stage/expected" "$GOLDEN/"
mkdir -p "$GOLDEN/keys"
cp "$stage/keys/operator-$session.pub" "$stage/keys/daemon-$session.pub" "$GOLDEN/keys/"
printf '%s\n' "${pending[@]}" >>"$GOLDEN/scenarios.applied"
echo "done: review 'git diff --stat tests/golden' (old segments grow, none changes), run the test, commit"
