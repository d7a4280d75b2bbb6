#!/usr/bin/env bash
# Three brokers, replication factor 3, one broker killed: the service goes on
# (issue 4). On a 3-node cluster of this test's own (ops/kafka, quick broker
# fail-over), a daemon with --replication-factor 3 takes a stream of
# registrations; the broker that leads the commands topic's partition 0 is
# killed with SIGKILL in the middle and stays down. Every command issued after
# the kill is decided, within a bound; every registration has exactly one
# event (nothing lost, nothing doubled), and the audit passes.
# It once froze here: a watermark query queued for the killed leader never
# returned (librdkafka < 2.3 ignores that call's timeout), and the intake
# waited on it silently for good.
# Skipped (exit 77) with STOREMESH_NO_KAFKA set, as ops/test skips the broker.
set -euo pipefail
S=${1:?usage: three_brokers.sh path/to/storemesh}
[ -z "${STOREMESH_NO_KAFKA:-}" ] || { echo "STOREMESH_NO_KAFKA set: skipped"; exit 77; }
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
work=$(mktemp -d)
kdir=$(mktemp -u -t storemesh-3brokers-kafka-XXXXXX)
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  "$root/ops/kafka" stop --dir "$kdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() {
  echo "FAIL: $*" >&2
  echo "--- serve.log and cli.log (without librdkafka's connection noise):" >&2
  grep -v '|FAIL|\|GETPID' serve.log | tail -20 >&2 || true
  grep -v '|FAIL|\|GETPID' cli.log | tail -5 >&2 || true
  exit 1
}
t0=$SECONDS
at() { echo "   [$((SECONDS - t0)) s] $*"; }
# Every CLI call is bounded: a hung command fails the test instead of hanging it.
# Its stderr (librdkafka's complaints about the dead broker) goes to cli.log.
sm() { timeout 60 "$S" "$@" 2>>cli.log; }
hosts() { sm host list | grep -c '^h[0-9]* ' || true; }

echo "1. a cluster of 3 brokers (broker session timeout 3 s) and a daemon with replication factor 3"
# A killed broker is fenced by the controller after broker.session.timeout.ms
# (default 9 s): until then its partitions have no live leader.
B=$(STOREMESH_KAFKA_PROPS="broker.session.timeout.ms=3000 broker.heartbeat.interval.ms=500" \
  "$root/ops/kafka" start --nodes 3 --dir "$kdir" | tail -1)
export STOREMESH_KAFKA="$B" STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key" STOREMESH_TOPIC_PREFIX=rf3
sm keygen --out op.key >/dev/null
mkdir -p ds/src
"$S" serve --trust op.key.pub --replication-factor 3 >serve.log 2>&1 &
daemon=$!
wait_logged --alive "$daemon" 60 serve.log "serving" || fail "the daemon did not start"
at "cluster at $B, daemon serving"

echo "2. registrations decided while all three brokers are up"
# Setup, not the bound under test: three JVMs starting on a busy 2-core machine
# have answered offset queries 2-4 s late, and the first decisions took over 30 s.
for i in $(seq 1 8); do sm host add "h$i" --datastore src=ds/src --timeout 120 >/dev/null || fail "h$i not decided"; done
# The commands topic has 3 replicas; its partition 0's leader is the broker to kill.
leader=$(kcat -b "$B" -L -t rf3.commands 2>/dev/null | sed -n 's/^ *partition 0, leader \([0-9]*\),.*replicas: \([0-9,]*\),.*/\1 \2/p')
read -r node replicas <<<"$leader"
[ -n "$node" ] || fail "no leader found for rf3.commands/0"
[ "$(tr ',' '\n' <<<"$replicas" | grep -c .)" = 3 ] || fail "rf3.commands/0 has replicas $replicas, not 3"
at "8 decided; rf3.commands/0 is led by broker $node (replicas $replicas)"

echo "3. a stream of 24 registrations; broker $node is killed after the 8th and stays down"
unsent=()
for i in $(seq 9 32); do
  if ! sm host add "h$i" --datastore src=ds/src --no-wait --timeout 10 >/dev/null 2>&1; then
    unsent+=("$i")
  fi
  if [ "$i" = 16 ]; then
    "$root/ops/kafka" kill-node "$node" --dir "$kdir" >/dev/null
    at "broker $node killed"
  fi
done
at "stream appended (${#unsent[@]} not appended while the leader moved: resent below)"
for i in "${unsent[@]}"; do sm host add "h$i" --datastore src=ds/src --no-wait >/dev/null || fail "h$i not appended"; done

echo "4. with broker $node down, new commands are decided (each within 45 s)"
for i in 33 34 35; do
  start=$SECONDS
  sm host add "h$i" --datastore src=ds/src --timeout 45 >/dev/null || fail "h$i not decided with broker $node down"
  at "h$i decided in $((SECONDS - start)) s"
done
hosts_are() { local n; n=$(hosts); echo "$n hosts"; [ "$n" = "$1" ]; }
wait_until 60 "35 hosts registered" hosts_are 35 || fail "$(hosts) hosts registered, not 35"
kill -0 "$daemon" 2>/dev/null || fail "the daemon died"
at "all 35 registrations decided"

echo "5. nothing lost, nothing doubled: the audit"
sm audit --trust op.key.pub >audit.txt || fail "audit: $(cat audit.txt)"
grep -E "^(events|rejections|verdict)" audit.txt | tr '\n' ' '; echo
# One `registered` event per host: a command decided twice would show here
# (a resent registration that had been appended after all is refused).
[ "$(sed -n 's/^events *\([0-9]*\).*/\1/p' audit.txt)" = 35 ] || fail "not 35 events: $(grep '^events' audit.txt)"
grep -q "^verdict *OK" audit.txt || fail "audit verdict: $(grep '^verdict' audit.txt)"
if grep -q "\[critical\]" serve.log; then fail "the daemon logged a critical error"; fi
at "audit OK; what the daemon's log said of the fail-over:"
grep '^kafka_log:' serve.log | sed 's/^/     /' | head -8 || true
echo "OK: one broker of three killed, the service went on"
