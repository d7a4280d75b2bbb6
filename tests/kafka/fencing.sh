#!/usr/bin/env bash
# Zombie fencing on Kafka: every group commit of a daemon is a transaction
# under its own transactional id. A second daemon started on the same state
# (a restart while the old process still hangs on) fences the first: the old
# one appends nothing more and stops; commands are decided once, by the new
# one; the audit finds nothing doubled. A fence by the coordinator (the epoch bumped with nobody else there) is
# cured in process: the daemon opens the log again and carries on. Needs STOREMESH_TEST_KAFKA; exit 77 without.
set -euo pipefail
S=${1:?usage: fencing.sh path/to/storemesh}
[ -n "${STOREMESH_TEST_KAFKA:-}" ] || { echo "STOREMESH_TEST_KAFKA unset: skipped"; exit 77; }
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; tail -3 old.log new.log >&2 || true; exit 1; }
export STOREMESH_KAFKA="$STOREMESH_TEST_KAFKA" STOREMESH_TOPIC_PREFIX="fence$$$RANDOM"
export STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key"
"$S" keygen --out op.key >/dev/null
mkdir ds

"$S" serve --trust op.key.pub >old.log 2>&1 &
old=$!; pids+=("$old")
# A bound, not a check: the first command below fails if the daemon is not there.
wait_until --alive "$old" 10 "the first daemon's key" test -f data/state/daemon.key.pub || true
"$S" host add h1 --datastore x=ds >/dev/null || fail "h1 not accepted by the first daemon"
echo "1. the first daemon decides h1"

"$S" serve --trust op.key.pub >new.log 2>&1 &
new=$!; pids+=("$new")
# "serving" comes after its producer's init_transactions: from then on the first daemon is fenced, whatever
# the time the second took to start.
wait_logged --alive "$new" 60 new.log "serving" || fail "the second daemon did not start within 60 s"
"$S" host add h2 --datastore x=ds >/dev/null || fail "h2 not accepted once the second daemon runs"
echo "2. with a second daemon on the same state, h2 is decided"
wait_gone 60 "$old" || fail "the fenced daemon is still running"
grep -q "_FENCED\|fenced" old.log || fail "the first daemon did not report being fenced"
echo "3. the first daemon was fenced and stopped: $(grep -o 'fenced by a newer instance' old.log | head -1)"
"$S" host add h3 --datastore x=ds >/dev/null || fail "h3 not accepted by the second daemon"
[ "$("$S" host list | grep -c '^h[123] ')" = 3 ] || fail "hosts: $("$S" host list)"
"$S" audit --trust op.key.pub >audit.txt || fail "audit: $(cat audit.txt)"
echo "4. h1..h3 registered once each; audit OK"

# The coordinator fences too: when it aborts a transaction that timed out (a broker outage, or this daemon paused
# longer than the transaction timeout) it bumps the id's epoch, and the broker answers the daemon's next request
# exactly as it answered the first daemon above. Nobody else runs now: the daemon opens the log again and carries on.
B=${2:?usage: fencing.sh path/to/storemesh path/to/kafka_bump_epoch}
tid=$(grep -o 'transactional id [^)]*' new.log | head -1 | cut -d' ' -f3)
[ -n "$tid" ] || fail "the daemon did not name its transactional id"
"$B" "$STOREMESH_KAFKA" "$tid" >/dev/null || fail "could not bump the epoch of $tid"
"$S" host add h4 --datastore x=ds >/dev/null || fail "h4 not accepted after the coordinator's fence"
kill -0 "$new" 2>/dev/null || fail "the daemon fenced by the coordinator stopped: $(tail -3 new.log)"
grep -q "opening the log again" new.log || fail "the daemon was not fenced (no restart in its log)"
echo "5. fenced by the coordinator (epoch bumped, no other instance): the daemon opened the log again and decided h4"
[ "$("$S" host list | grep -c '^h[1234] ')" = 4 ] || fail "hosts: $("$S" host list)"
"$S" audit --trust op.key.pub >audit.txt || fail "audit: $(cat audit.txt)"
echo "6. h1..h4 registered once each; audit OK"
