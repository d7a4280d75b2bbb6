#!/usr/bin/env bash
# The CLI end to end, as an operator uses it, in a temp dir:
# keygen -> serve -> host add -> events tail -> audit OK -> kill -9 mid-stream
# -> restart -> nothing lost or doubled -> flip one byte -> audit fails.
set -euo pipefail
S=${1:?usage: end_to_end.sh path/to/storemesh}
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
work=$(mktemp -d)
daemon=""
cleanup() { [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
export STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key"

start_daemon() {
  "$S" serve --trust op.key.pub --idle 1 --snapshot-every 5 >>serve.log 2>&1 &
  daemon=$!
  wait_until --alive "$daemon" 5 "the daemon's key" test -f data/state/daemon.key.pub ||
    fail "daemon did not start: $(cat serve.log)"
}

"$S" keygen --out op.key >/dev/null
[ "$(stat -c %a op.key)" = 600 ] || fail "private key is not 0600"
"$S" keygen --out op.key 2>/dev/null && fail "keygen overwrote an existing key"
start_daemon

mkdir -p shared local
"$S" host add host-a --datastore shared=shared --datastore local=local >/dev/null
"$S" host add host-b --datastore shared=shared >/dev/null
if out=$("$S" host add host-a --datastore shared=shared 2>&1); then fail "duplicate registration accepted"; fi
grep -q "already_registered" <<<"$out" || fail "rejection reason missing: $out"
"$S" host drain host-a --reason maintenance >/dev/null
"$S" host list | grep -q "host-a .*draining" || fail "host-a is not draining: $("$S" host list)"

"$S" events tail | grep -q "hostEvent" || fail "events tail shows no host event"
"$S" events tail --json | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
assert any(r["envelope"]["payload"].get("hostEvent") for r in rows), "no hostEvent in JSON"
' || fail "events tail --json is not one JSON object per line"
"$S" audit --trust op.key.pub >/dev/null || fail "audit of a healthy log failed"

# 40 state changes fired without waiting; kill -9 while they are decided.
for i in $(seq 20); do
  "$S" host drain host-b --no-wait >/dev/null
  "$S" host up host-b --no-wait >/dev/null
  [ "$i" = 10 ] && kill -9 "$daemon"
done
wait "$daemon" 2>/dev/null || true
start_daemon
"$S" host down host-b >/dev/null  # decided after all 40 before it
"$S" host list --json | grep -q '"id":"host-b","state":"down","events":42' ||
  fail "after kill -9: expected host-b down after 42 events, got $("$S" host list --json)"
"$S" audit --trust op.key.pub >/dev/null || fail "audit after kill -9 failed: $("$S" audit --trust op.key.pub)"
"$S" events tail --topic storemesh.snapshots | grep -q snapshot || fail "no snapshot written"

kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""

# One flipped byte inside a committed event record.
seg=$(ls data/log/storemesh.events.host/*/*.seg | head -1)
printf '\xff' | dd of="$seg" bs=1 seek=120 conv=notrunc status=none
if report=$("$S" audit --trust op.key.pub 2>&1); then fail "audit passed a flipped byte"; fi
grep -q "VIOLATION" <<<"$report" || fail "audit did not say what is wrong: $report"
echo "1 passed, 0 failed"
