#!/usr/bin/env bash
# A broker restart mid-stream loses nothing and doubles nothing: a daemon on a
# broker of this test's own (so the restart disturbs no other test) takes a
# stream of commands and a throttled copy job; the broker is killed with
# SIGKILL and restarted in the middle; afterwards every command has exactly
# one outcome, the copy completes with the right hash, and the audit passes.
# The copy is held at 16 MiB until the broker is back (a copy at 1 KiB/s
# stays where it is), so it spans the restart however long each step takes.
# Runs when ops/test runs the Kafka suites (STOREMESH_TEST_KAFKA set); exit 77 otherwise.
set -euo pipefail
S=${1:?usage: broker_restart.sh path/to/storemesh}
[ -n "${STOREMESH_TEST_KAFKA:-}" ] || { echo "STOREMESH_TEST_KAFKA unset: skipped"; exit 77; }
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
work=$(mktemp -d)
kdir=$(mktemp -u -t storemesh-restart-kafka-XXXXXX)
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  "$root/ops/kafka" stop --dir "$kdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; tail -5 serve.log >&2 || true; exit 1; }

B=$("$root/ops/kafka" start --dir "$kdir" | tail -1)
export STOREMESH_KAFKA="$B" STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key"
"$S" keygen --out op.key >/dev/null
mkdir -p ds/src ds/dst
head -c $((32 << 20)) /dev/urandom >ds/src/f.bin
# The broker is down for as long as a node takes to restart (over 30 s on a busy 2-core machine): the daemon
# rides that out when its broker round trips and its transaction may take longer (else it stops, as it must).
"$S" serve --trust op.key.pub --kafka-timeout 240 --transaction-timeout 300 >serve.log 2>&1 &
daemon=$!
# Serving: the daemon has created its topics. A CLI command before that would create them itself, with the
# CLI's 30 s bound, on a broker that can take longer to elect their leaders on a busy machine.
wait_logged --alive "$daemon" 300 serve.log "serving" || fail "the daemon did not start within 300 s"
"$S" host add host-a --datastore src=ds/src --datastore dst=ds/dst >/dev/null
"$S" copy submit --id j --src src:f.bin --dst dst:f.bin --host host-a --chunk-size 1MiB --max-rate 1K >/dev/null
"$S" copy throttle j --max-rate 4M --until 16MiB --then 1K >/dev/null
echo "1. a copy at 4 MiB/s (held at 16 MiB) and a stream of 60 registrations; the broker is killed after 20"
unsent=()
for i in $(seq 1 60); do
  if ! "$S" host add "h$i" --datastore src=ds/src --no-wait --timeout 5 >/dev/null 2>&1; then
    echo "   h$i not appended while the broker was down (the CLI said so): resent below"
    unsent+=("$i")
  fi
  if [ "$i" = 20 ]; then
    "$root/ops/kafka" kill-node 1 --dir "$kdir" >/dev/null
    # Not a race: no wait for a state, but how long the broker stays down (commands sent meanwhile are not appended).
    sleep 2
    "$root/ops/kafka" start-node 1 --dir "$kdir" >/dev/null
    echo "   broker restarted"
  fi
done
echo "2. every registration decided exactly once"
for i in "${unsent[@]}"; do "$S" host add "h$i" --datastore src=ds/src --timeout 60 >/dev/null || fail "h$i refused"; done
hosts_are() { local n; n=$("$S" host list | grep -c '^h[0-9]* '); echo "$n hosts"; [ "$n" = "$1" ]; }
wait_until 60 "60 hosts" hosts_are 60 || fail "not 60 hosts: $("$S" host list | grep -c '^h')"
echo "3. the copy, raised to 4 MiB/s, completes with the right hash"
"$S" copy throttle j --max-rate 4M >/dev/null || fail "the raise was refused: $("$S" copy status j --json)"
copy_completed() {
  local st
  st=$("$S" copy status j --json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')
  [ "$st" != failed ] || fail "copy failed: $("$S" copy status j --json)"
  echo "$st"
  [ "$st" = completed ]
}
wait_until 120 "the copy to complete" copy_completed || fail "copy not completed: $("$S" copy status j --json)"
[ "$(sha256sum <ds/src/f.bin)" = "$(sha256sum <ds/dst/f.bin)" ] || fail "hash differs"
"$S" audit --trust op.key.pub >audit.txt || fail "audit: $(cat audit.txt)"
grep -E "^(events|rejections|verdict)" audit.txt | tr '\n' ' '; echo
echo "OK: broker restart lost and doubled nothing"
