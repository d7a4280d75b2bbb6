#!/usr/bin/env bash
# scale_out.sh path/to/storemesh: three daemons share the partitions of one
# Kafka consumer group -- two run the copy engines of host-a and host-b, the
# third runs no agent. A copy job whose entities the third one owns is
# migrated from host-a to host-b, and the third daemon is killed -9 in the
# middle of it: the other two take its partitions over, recover the job from
# the log and the job completes with the source's sha256. The audit then finds
# no event lost or doubled. Exit 77 (skipped) without $STOREMESH_TEST_KAFKA.
set -euo pipefail
[ -n "${STOREMESH_TEST_KAFKA:-}" ] || { echo "STOREMESH_TEST_KAFKA unset: skipped"; exit 77; }
S=$(readlink -f "${1:?usage: scale_out.sh path/to/storemesh}")
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
export STOREMESH_KAFKA="$STOREMESH_TEST_KAFKA"
export STOREMESH_TOPIC_PREFIX="scale$$$RANDOM"
GROUP="$STOREMESH_TOPIC_PREFIX.daemons"
PARTITIONS=4
MiB=$((1 << 20))

work=$(mktemp -d)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    for d in d1 d2 d3; do
      [ -f "$work/$d.log" ] && { echo "--- last lines of $d.log:" >&2; tail -n 20 "$work/$d.log" >&2; }
    done
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"
export STOREMESH_KEY="$work/op.key"
# A busy 2-core machine (a parallel build, the broker restarting in another
# test) can leave a command undecided for longer than the CLI's default 30 s.
export STOREMESH_TIMEOUT=120
sm() { timeout 180 "$S" "$@"; }

# Daemons of one group decide each other's agents' reports: each trusts the
# operator and the other daemons' sealing keys, made here up front.
"$S" keygen --out op.key >/dev/null
trust=(--trust op.key.pub)
for d in d1 d2 d3; do
  mkdir -p "$d/state"
  "$S" keygen --out "$d/state/daemon.key" >/dev/null
  trust+=(--trust "$d/state/daemon.key.pub")
done

start() {  # NAME ARGS...: a daemon of the group, logging to NAME.log
  local name=$1
  shift
  "$S" serve --data "$work/$name" --group "$GROUP" --partitions $PARTITIONS --session-timeout 6 \
    --transaction-timeout 10 "${trust[@]}" "$@" >>"$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
}

# Partitions a daemon owns now, from its group log lines (incremental:
# cooperative rebalancing assigns and revokes a few at a time).
owned() {
  python3 - "$1.log" <<'EOF'
import re, sys
owned = set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"group \S+: (assigned|gives up|lost) partitions \[([^\]]*)\] of \S+\.commands", line)
    if not m or m.group(2) == "none":
        continue
    ids = {int(x) for x in m.group(2).split(",")}
    owned = owned | ids if m.group(1) == "assigned" else owned - ids
print(",".join(str(p) for p in sorted(owned)))
EOF
}

# Kafka's partitioner (murmur2), as storemesh and every Java client place keys:
# "KEY PARTITION" per key.
partitions_of() {
  python3 - $PARTITIONS "$@" <<'EOF'
import sys
def murmur2(data):
    m, r = 0x5bd1e995, 24
    h = (0x9747b28c ^ len(data)) & 0xffffffff
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xffffffff; k ^= k >> r; k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff; h ^= k
    tail = data[4 * n4:]
    if len(tail) == 3: h ^= tail[2] << 16
    if len(tail) >= 2: h ^= tail[1] << 8
    if len(tail) >= 1: h ^= tail[0]; h = (h * m) & 0xffffffff
    h ^= h >> 13; h = (h * m) & 0xffffffff; h ^= h >> 15
    return h
for key in sys.argv[2:]:
    print(key, (murmur2(key.encode()) & 0x7fffffff) % int(sys.argv[1]))
EOF
}
partition_of() { partitions_of "$1" | cut -d' ' -f2; }
# Keys PREFIX1, PREFIX2, ... whose partition daemon NAME owns now, the first COUNT.
keys_owned_by() {  # NAME PREFIX COUNT
  local owned_now n=0 key p
  owned_now=",$(owned "$1"),"
  while read -r key p; do
    if [[ "$owned_now" == *",$p,"* ]] && [ "$n" -lt "$3" ]; then echo "$key"; n=$((n + 1)); fi
  done < <(partitions_of $(seq -f "$2%g" 1 400))
}

field() { sm copy status "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

# Until the job JOB has completed; fails at once if it failed, or if daemon PID (if given) stopped.
job_completed() {  # JOB [PID NAME]
  local st
  st=$(field "$1" 'd["state"]')
  [ "$st" != failed ] || fail "$1 failed: $(sm copy status "$1" --json)"
  [ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || fail "$3 stopped after it came back: $(tail -n 5 "$3.log")"
  echo "$st"
  [ "$st" = completed ]
}
assigned_everywhere() {  # each of d1 d2 d3 owns some, and every partition has exactly one owner
  local all
  [ -n "$(owned d1)" ] && [ -n "$(owned d2)" ] && [ -n "$(owned d3)" ] || return 1
  all=$( (owned d1; owned d2; owned d3) | tr ',' '\n' | grep -v '^$' | sort -n | tr '\n' ' ')
  [ "$all" = "$(seq -s ' ' 0 $((PARTITIONS - 1))) " ]
}

echo "1. three daemons join group $GROUP ($PARTITIONS partitions)"
# d3 first: the topics get created once, and it owns partitions from the start.
start d3 --no-agents
wait_until 60 "d3 owns partitions" eval '[ -n "$(owned d3)" ]'
start d1 --agent host-a
start d2 --agent host-b
wait_until 90 "the partitions are shared among the three" assigned_everywhere
echo "   d1 owns [$(owned d1)], d2 [$(owned d2)], d3 [$(owned d3)]"
[ -n "$(owned d3)" ] || fail "d3 owns no partition: nothing to take over"

echo "2. hosts, and a copy job whose entity d3 owns"
mkdir -p ds/src ds/dst
head -c $((24 * MiB)) /dev/urandom >ds/src/big.bin
sm host add host-a --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null
sm host add host-b --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null
job=$(keys_owned_by d3 job- 1)
[ -n "$job" ] || fail "no job id lands on d3's partitions"
echo "   job $job: partition $(partition_of "$job"), owned by d3"
# Submitted held (1 KiB/s), it copies at 1 MiB/s up to 3 MiB and is held there: the migration below finds
# it mid-copy however long each step takes (a held copy is a page every 4 s; a 1 MiB chunk, 17 minutes).
sm copy submit --id "$job" --src src:big.bin --dst dst:big.bin --chunk-size 1MiB --host host-a --max-rate 1K >/dev/null
sm copy throttle "$job" --max-rate 1M --until 3MiB --then 1K >/dev/null
wait_until 60 "$job copies on host-a up to 3 MiB" eval '[ "$(field "$job" "d[\"bytes_done\"]")" -ge $((3 * MiB)) ]'

echo "3. migrate to host-b, and kill -9 the daemon that owns the job mid-migration"
sm copy migrate "$job" --to host-b --reason "scale-out test" >/dev/null
# Once the stop is requested, host-a finishes its held chunks in flight only when the rate is raised; the
# raise comes after the takeover: the hand-over is under way when d3 dies, and stays so until then.
wait_until 60 "host-a asked to stop" eval '[ "$(field "$job" "d[\"stop_requested\"]")" = True ]'
kill -9 "$pid_d3"
echo "   d3 killed while $job was $(field "$job" 'd["state"]') at $(field "$job" 'd["bytes_done"]') bytes"
t0=$SECONDS
taken_over() { [ "$( (owned d1; owned d2) | tr ',' '\n' | grep -v '^$' | sort -n | tr '\n' ' ')" = "$(seq -s ' ' 0 $((PARTITIONS - 1))) " ]; }
wait_until 60 "d1 and d2 to own every partition" taken_over || fail "d1 and d2 did not take d3's partitions over"
echo "   taken over in $((SECONDS - t0)) s: d1 owns [$(owned d1)], d2 [$(owned d2)]"
# Decided by the job's new owner: host-a finishes its chunks in flight, host-b copies the rest at 1 MiB/s.
sm copy throttle "$job" --max-rate 1M >/dev/null

echo "4. the job completes on host-b with the source's sha256"
wait_until 120 "$job to complete" job_completed "$job" || fail "$job not completed: $(sm copy status "$job" --json)"
[ "$(field "$job" 'd["host"] == "host-b" and [h["host"] for h in d["hosts"]] == ["host-a", "host-b"] and d["hosts"][1]["from"] > 0')" = True ] ||
  fail "$job was not handed over to host-b mid-copy: $(sm copy status "$job" --json)"
a=$(sha256sum <ds/src/big.bin | cut -d' ' -f1)
b=$(sha256sum <ds/dst/big.bin | cut -d' ' -f1)
[ "$a" = "$b" ] || fail "sha256 differs: source $a, copy $b"
echo "   completed on host-b, sha256 equal: $a"
# The reports queued while no one owned the job were decided in a burst at
# the takeover; the rate still follows the copy's own pace (throttled to 1 MiB/s).
rate=$(field "$job" 'int(d["rate_bytes_per_s"])')
[ "$rate" -le $((2 * MiB)) ] || fail "rate $rate B/s after the takeover: not the copy's pace (1 MiB/s)"
echo "   last rate shown: $rate B/s (throttle: $MiB)"

echo "5. the audit replays the log: no event lost, none doubled"
out=$(sm audit --trust op.key.pub --trust-daemon d1/state/daemon.key.pub --trust-daemon d2/state/daemon.key.pub \
  --trust-daemon d3/state/daemon.key.pub 2>&1) || fail "audit: $out"
echo "$out" | grep -Eq "verdict +OK" || fail "audit verdict: $out"
echo "   $(echo "$out" | grep -m1 -E "^verdict")"
echo "6. a daemon paused past its session (SIGSTOP) comes back a zombie: fenced, it rejoins and carries on"
head -c $((8 * MiB)) /dev/urandom >ds/src/second.bin
# On a busy machine d1 may have missed a heartbeat since step 1 and be
# rejoining: its partitions come back with the rebalance.
wait_until 90 "d1 to own partitions" eval '[ -n "$(owned d1)" ]'
job2=$(keys_owned_by d1 second- 1)
[ -n "$job2" ] || fail "no job id lands on d1's partitions"
sm copy submit --id "$job2" --src src:second.bin --dst dst:second.bin --chunk-size 1MiB --host host-a --max-rate 1M >/dev/null
wait_until 60 "$job2 copies on host-a" eval '[ "$(field "$job2" "d[\"bytes_done\"]")" -ge $((1 * MiB)) ]'
# And a stream of registrations for d1's entities, so that d1 is paused in
# the middle of deciding (its round in flight is the zombie's write).
wait_until 90 "d1 to own partitions" eval '[ -n "$(owned d1)" ]'
mapfile -t stream < <(keys_owned_by d1 z 30)
[ "${#stream[@]}" -gt 0 ] || fail "no host id lands on d1's partitions"
(for h in "${stream[@]}"; do sm host add "$h" --datastore "src=$work/ds/src" --no-wait >/dev/null && echo "$h" >>streamed.txt; done) &
streamer=$!
wait_until 30 "the stream under way" eval '[ "$(wc -l <streamed.txt 2>/dev/null || echo 0)" -ge 3 ]'
kill -STOP "$pid_d1"
t0=$SECONDS
d2_owns_all() { [ "$(owned d2)" = "$(seq -s , 0 $((PARTITIONS - 1)))" ]; }
wait_until 60 "d2 to own every partition" d2_owns_all || fail "d2 did not take the paused d1's partitions"
echo "   d1 paused; d2 took everything in $((SECONDS - t0)) s; d1 resumes"
kill -CONT "$pid_d1"
wait_until 120 "$job2 to complete" job_completed "$job2" "$pid_d1" d1 ||
  fail "$job2 not completed: $(sm copy status "$job2" --json)"
a=$(sha256sum <ds/src/second.bin | cut -d' ' -f1)
b=$(sha256sum <ds/dst/second.bin | cut -d' ' -f1)
[ "$a" = "$b" ] || fail "$job2: sha256 differs: source $a, copy $b"
wait "$streamer"
registered() { sm host list --json | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["id"].startswith("z")))'; }
wait_until 60 "all ${#stream[@]} streamed registrations decided" eval '[ "$(registered)" -eq ${#stream[@]} ]'
echo "   ${#stream[@]} registrations streamed across the pause: all decided; d1 $(grep -c "reloading" d1.log || true) fenced reload(s)"
kill -0 "$pid_d1" 2>/dev/null || fail "d1 stopped after it came back: $(tail -n 5 d1.log)"
echo "   $job2 completed, sha256 equal; d1 alive and owns [$(owned d1)] again"
out=$(sm audit --trust op.key.pub --trust-daemon d1/state/daemon.key.pub --trust-daemon d2/state/daemon.key.pub \
  --trust-daemon d3/state/daemon.key.pub 2>&1) || fail "audit: $out"
echo "$out" | grep -Eq "verdict +OK" || fail "audit verdict: $out"
echo "OK"
