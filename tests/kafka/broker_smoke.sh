#!/usr/bin/env bash
# Smoke test of ops/kafka: a real Kafka (KRaft) on the loopback interface.
#   1 node:  create a topic, produce and consume with kcat, 10000 records of
#            ProducerPerformance (the perf tools resolve), stop.
#   3 nodes: a topic of replication factor 3 and min.insync.replicas=2; kill
#            one node, produce (acks=all) and consume still work; restart it,
#            it rejoins; stop.
# Prints the timings and, last, "broker_smoke: N passed, N failed".
# Usage: bash tests/kafka/broker_smoke.sh    (needs no running cluster)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kafka="$root/ops/kafka"
work="$(mktemp -d /tmp/storemesh-kafka-smoke.XXXXXX)"
dirs=()
passed=0
failed=0
timings=()

cleanup() {
  local d f
  for d in "${dirs[@]}"; do
    if [ "$failed" -gt 0 ] && [ -d "$d" ]; then
      for f in "$d"/node-*.log; do echo "--- last lines of $f:"; tail -20 "$f"; done >&2
    fi
    "$kafka" stop --dir "$d" >/dev/null 2>&1 || true
  done
  if [ "$failed" -gt 0 ]; then
    for f in "$work"/*.log; do [ -s "$f" ] && { echo "--- $f:"; tail -20 "$f"; } >&2; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
timed() { timings+=("$(printf '%-34s %6s s' "$1" "$2")"); }
log() { echo "broker_smoke: $*" >&2; }

# check NAME COMMAND...: runs a test step, counts it.
check() {
  local name="$1"; shift
  if "$@"; then
    passed=$((passed + 1)); log "ok   $name"
  else
    failed=$((failed + 1)); log "FAIL $name"
  fi
}

topic_cmd() { "$kafka" run org.apache.kafka.tools.TopicCommand "$@"; }

# produce BOOTSTRAP TOPIC MESSAGE: one message to partition 0, acks=all.
produce() {
  printf '%s\n' "$3" | kcat -P -b "$1" -t "$2" -p 0 -X acks=all \
    -X message.timeout.ms=60000 2>>"$work/kcat.log"
}

# consumed BOOTSTRAP TOPIC COUNT: partition 0 from the beginning, COUNT messages.
consumed() {
  timeout 60 kcat -C -b "$1" -t "$2" -p 0 -o beginning -c "$3" -e -q 2>>"$work/kcat.log"
}

expect_messages() {
  local got
  got="$(consumed "$1" "$2" "$3")" || return 1
  [ "$got" = "$4" ] || { log "expected [$4], got [$got]"; return 1; }
}

perf() {
  local out
  out="$("$kafka" run org.apache.kafka.tools.ProducerPerformance --topic "$2" \
    --num-records 10000 --record-size 100 --throughput -1 \
    --producer-props "bootstrap.servers=$1" acks=all 2>>"$work/perf.log")" || return 1
  echo "$out" | tail -1 >&2
  grep -q "^10000 records sent" <<<"$out"
}

node_rss() {
  "$kafka" status --dir "$1" | sed -n 's/^node \([0-9]*\): pid [0-9]*, [^,]*, rss \([0-9]* MiB\).*/node \1 \2/p' |
    paste -sd ' ' -
}

# --- class path -------------------------------------------------------------
t=$(now)
cp="$("$kafka" classpath)"
timed "resolve class path" "$(since "$t")"
check "class path has kafka_2.13 and kafka-tools" \
  bash -c '[[ "$1" == *kafka_2.13-* && "$1" == *kafka-tools-* ]]' _ "$cp"

# --- 1 node -------------------------------------------------------------------
d1="$work/one"; dirs+=("$d1")
t=$(now)
b1="$("$kafka" start --dir "$d1")"
timed "start 1 node" "$(since "$t")"
log "1 node: bootstrap $b1"
check "start is idempotent" bash -c '[ "$("$0" start --dir "$1" 2>/dev/null)" = "$2" ]' "$kafka" "$d1" "$b1"

t=$(now)
check "1 node: create topic" topic_cmd --bootstrap-server "$b1" --create --topic smoke \
  --partitions 2 --replication-factor 1
timed "create topic (TopicCommand)" "$(since "$t")"
t=$(now)
check "1 node: produce" produce "$b1" smoke "hello one"
check "1 node: consume" expect_messages "$b1" smoke 1 "hello one"
timed "produce + consume (kcat)" "$(since "$t")"
check "1 node: auto.create.topics is off" bash -c \
  '! printf x | kcat -P -b "$0" -t no-such-topic -X message.timeout.ms=3000 2>/dev/null' "$b1"
t=$(now)
check "1 node: ProducerPerformance 10000 records" perf "$b1" smoke
timed "ProducerPerformance 10000 x 100 B" "$(since "$t")"
rss1="$(node_rss "$d1")"
t=$(now)
check "1 node: stop" "$kafka" stop --dir "$d1"
timed "stop 1 node" "$(since "$t")"
check "1 node: stop removed the dir" test ! -e "$d1"

# --- 3 nodes ------------------------------------------------------------------
d3="$work/three"; dirs+=("$d3")
t=$(now)
b3="$("$kafka" start --nodes 3 --dir "$d3")"
timed "start 3 nodes" "$(since "$t")"
log "3 nodes: bootstrap $b3"
check "3 nodes: 3 brokers in the metadata" bash -c \
  'kcat -b "$0" -L -m 10 | grep -q "^ *3 brokers:"' "$b3"
check "3 nodes: create topic rf=3 min.insync.replicas=2" topic_cmd --bootstrap-server "$b3" \
  --create --topic smoke3 --partitions 2 --replication-factor 3 --config min.insync.replicas=2
check "3 nodes: produce" produce "$b3" smoke3 "first"
check "3 nodes: consume" expect_messages "$b3" smoke3 1 "first"
check "3 nodes: ProducerPerformance 10000 records" perf "$b3" smoke3
rss3="$(node_rss "$d3")"

# Kill the leader of partition 0: the worst case for the producer.
leader="$(topic_cmd --bootstrap-server "$b3" --describe --topic smoke3 |
  sed -n 's/.*Partition: 0[[:space:]]*Leader: \([0-9]*\).*/\1/p')"
log "3 nodes: killing node ${leader:=1} (leader of partition 0)"
check "3 nodes: kill-node $leader" "$kafka" kill-node "$leader" --dir "$d3"
t=$(now)
check "3 nodes, one down: produce acks=all" produce "$b3" smoke3 "second"
timed "produce with the leader killed" "$(since "$t")"
# Partition 0 holds "first", then 10000 perf records at most, then "second":
# read it to the end and look at the last message.
check "3 nodes, one down: consume" bash -c \
  'timeout 60 kcat -C -b "$0" -t smoke3 -p 0 -o -1 -c 1 -e -q | grep -qx second' "$b3"
t=$(now)
check "3 nodes: start-node $leader rejoins" "$kafka" start-node "$leader" --dir "$d3"
timed "restart the killed node" "$(since "$t")"
check "3 nodes: 3 brokers again" bash -c \
  'kcat -b "$0" -L -m 10 | grep -q "^ *3 brokers:"' "$b3"
t=$(now)
check "3 nodes: stop" "$kafka" stop --dir "$d3"
timed "stop 3 nodes" "$(since "$t")"
check "3 nodes: stop removed the dir" test ! -e "$d3"

# --- report -------------------------------------------------------------------
echo "Timings:"
printf '  %s\n' "${timings[@]}"
echo "Memory (RSS after 10000 perf records): 1 node: $rss1; 3 nodes: $rss3"
echo "broker_smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
