#!/usr/bin/env bash
# Proves, through the CLI and a real `serve` daemon, that copy jobs arrive byte-identical with or without
# migration (before the first chunk, mid-way, near the end, twice, by drain); that a job's throttle changes
# while it runs and survives migration; that a job is finalizing (verify, rename) between its last chunk and
# its end; that bad requests are refused with their code and change nothing; that failing copies leave no
# file behind; and that the log audits clean. Every copy is held where the test acts on it (daemon_lib.sh:
# HOLD), so no step races the copy, however slow the machine.
set -euo pipefail
S=$(readlink -f "${1:?usage: integration.sh path/to/storemesh}")
# shellcheck source=daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/daemon_lib.sh"
small_mounted=""
extra_cleanup() {
  if [ -n "$small_mounted" ]; then umount "$work/ds/small" 2>/dev/null || umount -l "$work/ds/small" || true; fi
}
enter_workspace

# A Python expression over the job's status JSON (bound to d), e.g. 'd["state"]'.
field() { sm copy status "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

job_state_in() {  # JOB STATE...: whether the job's state is one of STATEs (prints it)
  local st
  st=$(field "$1" 'd["state"]')
  echo "$st"
  shift
  [[ " $* " == *" $st "* ]]
}

wait_end() {  # JOB [TIMEOUT_S] -> prints completed|failed
  wait_until "${2:-90}" "job $1 to end" job_state_in "$1" completed failed ||
    fail "job $1 did not end within ${2:-90} s: $(sm copy status "$1" --json)"
  field "$1" 'd["state"]'
}

job_reached() {  # JOB BYTES: whether bytes_done >= BYTES (prints it); fails if the job ended before
  local got
  got=$(field "$1" 'd["bytes_done"] if d["state"] in ("running", "migrating") else -1')
  [ "$got" = -1 ] && fail "job $1 ended before reaching $2 bytes: $(sm copy status "$1" --json)"
  echo "$got"
  [ "$got" -ge "$2" ]
}

wait_bytes() {  # JOB BYTES [TIMEOUT_S]: until bytes_done >= BYTES while the job still runs
  wait_until "${3:-60}" "job $1 at $2 bytes" job_reached "$1" "$2" || fail "job $1 below $2 bytes after ${3:-60} s"
}

wait_stop_sent() {  # JOB [TIMEOUT_S]: until its source host is asked to stop (it finishes the chunk in flight)
  wait_true "${2:-60}" "job $1: its source asked to stop" field "$1" 'd["stop_requested"]' ||
    fail "job $1: no stop requested after ${2:-60} s: $(sm copy status "$1" --json)"
}

wait_host() {  # JOB HOST [TIMEOUT_S]: until HOST holds the job (a hand-over is done)
  wait_true "${3:-60}" "job $1 on $2" field "$1" "d['host'] == '$2'" ||
    fail "job $1 not on $2 after ${3:-60} s: $(sm copy status "$1" --json)"
}

no_part() {  # DIR [DST]: no temp file left there (of DST's copy only, when given)
  local left
  left=$(find "$1" -name "${2:+$(basename "$2")}*.part" 2>/dev/null)
  [ -z "$left" ] || fail "temp file left behind: $left"
}

same_file() {  # SRC DST
  [ -f "$2" ] || fail "$2 does not exist"
  local a b
  a=$(sha256sum <"$1" | cut -d' ' -f1)
  b=$(sha256sum <"$2" | cut -d' ' -f1)
  [ "$a" = "$b" ] || fail "sha256 differs: $1 $a, $2 $b"
}

expect_completed() {  # JOB SRC DST
  local st
  st=$(wait_end "$1")
  [ "$st" = completed ] || fail "job $1 $st: $(sm copy status "$1" --json)"
  same_file "$2" "$3"
  no_part "$(dirname "$3")" "$3"
}

expect_failed() {  # JOB CODE DST: failed with CODE, nothing at DST, no temp beside it
  local st f
  st=$(wait_end "$1")
  f=$(field "$1" 'd["failure"]')
  [ "$st" = failed ] || fail "job $1 should have failed ($2) but is $st"
  [[ $f == "$2:"* ]] || fail "job $1 failed with '$f', expected code $2"
  [ ! -e "$3" ] || fail "job $1 failed ($2) but $3 exists"
  no_part "$(dirname "$3")" "$3"
  echo "   failed as expected: $f"
}

expect_rejected() {  # CODE CMD...: exits non-zero naming CODE
  local code=$1 out
  shift
  if out=$(sm "$@" 2>&1); then fail "'$*' was accepted; expected $code"; fi
  grep -q "($code)" <<<"$out" || fail "'$*' refused without naming $code: $out"
  echo "   refused: $(tail -n 1 <<<"$out")"
}

# Job events in sequence order, one per line: "SEQ KIND [detail]" (progressed: its chunk hashes; finalizing: the host).
job_events() {
  sm events tail --json --topic "${STOREMESH_TOPIC_PREFIX:-storemesh}.events.copy_job" | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    e = json.loads(line)["envelope"]
    if e["entityKind"] == "copy_job" and e["entityId"] == sys.argv[1]:
        (kind, body), = e["payload"]["copyJobEvent"].items()
        detail = len(body.get("hashes", [])) if kind == "progressed" else body.get("host", "") if kind == "finalizing" else ""
        rows.append((int(e["sequence"]), kind, detail))
for r in sorted(rows):
    print(*r)
' "$1"
}

# -- setup ------------------------------------------------------------------------------------------
mkdir -p ds/src ds/dst ds/only ds/small outside
"$S" keygen --out op.key >/dev/null
start_daemon
head -c $((24 * MiB)) /dev/urandom >ds/src/big.bin

small_args=()
if mount -t tmpfs -o size=4m tmpfs ds/small 2>/dev/null; then
  small_mounted=1
  small_args=(--datastore "small=$work/ds/small")
fi
sm host add host-a --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" "${small_args[@]}" >/dev/null
sm host add host-b --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null
sm host add host-c --datastore "src=$work/ds/src" --datastore "only=$work/ds/only" >/dev/null
sm host add host-d --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null

submit() {  # ID DST: big.bin in 1 MiB chunks, on host-a, held at its start
  sm copy submit --id "$1" --src src:big.bin --dst "dst:$2" --chunk-size 1MiB --host host-a --max-rate $HOLD >/dev/null
}
run_to() {  # ID BYTES RATE: copy at RATE up to BYTES and hold there; returns once BYTES are recorded
  sm copy throttle "$1" --max-rate "$3" --until "$2" --then $HOLD >/dev/null
  wait_bytes "$1" "$2"
}
raise() {  # ID [RATE=8M]: the rest of the copy at RATE
  sm copy throttle "$1" --max-rate "${2:-8M}" >/dev/null
}

# A job's finalize is an event of its own: after its last chunk is recorded, before it completes.
expect_finalized() {  # JOB HOST: HOST recorded it, once, between the last progress and completed
  job_events "$1" | python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
kinds = [r[1] for r in rows]
assert kinds.count("finalizing") == 1, kinds
f, c = kinds.index("finalizing"), kinds.index("completed")
last = max(i for i, k in enumerate(kinds) if k == "progressed")
assert last < f < c, f"progressed at {last}, finalizing at {f}, completed at {c}: {kinds}"
assert rows[f][2:] == [sys.argv[1]], f"finalized by {rows[f][2:]}, not {sys.argv[1]}"
' "$2" || fail "$1: no finalizing event by $2 between its last chunk and completed"
  [ "$(field "$1" 'd["finalize_started_ns"] > 0')" = True ] || fail "$1: no finalize start in its status"
}

# -- a copy without migration ------------------------------------------------------------------------
check "copy without migration: 24 MiB, 1 MiB chunks, held at 4 MiB, then 8 MiB/s"
submit plain plain.bin
run_to plain $((4 * MiB)) 8M
ls ds/dst/*.part >/dev/null 2>&1 || fail "no temp file while the copy runs"
[ ! -e ds/dst/plain.bin ] || fail "destination visible before the copy is verified"
[ "$(field plain 'd["state"], d["max_rate"], d["rate_until"]')" = "('running', 1024, 0)" ] ||
  fail "plain: not held at 1 KiB/s past 4 MiB: $(sm copy status plain --json)"
raise plain
expect_completed plain ds/src/big.bin ds/dst/plain.bin
[ "$(field plain 'len(d["hosts"])')" = 1 ] || fail "an unmigrated job has more than one host"
expect_finalized plain host-a
sm copy status plain | grep -q "finalized in" || fail "copy status does not say how long the finalize took"

# -- migration at three points --------------------------------------------------------------------------
migrate_at() {  # ID BYTES: held once BYTES are recorded (0: at its start), migrate to host-b; raise once stopping
  local id=$1 at=$2 out
  submit "$id" "$id.bin"
  if [ "$at" -gt 0 ]; then run_to "$id" "$at" 8M; fi
  out=$(sm copy migrate "$id" --to host-b --reason "test at $at" 2>&1) ||
    fail "$id: migrate at $at bytes refused: $out; status $(sm copy status "$id" --json)"
  wait_stop_sent "$id"
  # host-a finishes its chunks in flight at this rate; host-b copies the rest at it (the throttle moves along).
  raise "$id" 8M
}
check "migrate to host-b before the first chunk is recorded (held at its start)"
migrate_at early 0
check "migrate to host-b mid-way (held at 12 MiB of 24)"
migrate_at mid $((12 * MiB))
check "migrate to host-b near the end (held at 20 MiB of 24)"
migrate_at late $((20 * MiB))
for id in early mid late; do
  expect_completed "$id" ds/src/big.bin "ds/dst/$id.bin"
  hosts=$(field "$id" '" ".join(h["host"] + "@" + str(h["from"]) for h in d["hosts"])')
  [ "$(field "$id" 'len(d["hosts"])')" = 2 ] || fail "$id: hosts history is not 2 entries: $hosts"
  [[ $hosts == "host-a@0 host-b@"* ]] || fail "$id: hosts history is not host-a then host-b: $hosts"
  [ "$(field "$id" 'd["max_rate"]')" = $((8 * MiB)) ] || fail "$id: the raised throttle did not follow the job"
  expect_finalized "$id" host-b
  echo "   $id: completed, sha256 equal, hosts $hosts, finalized on host-b"
done
from=$(field mid 'd["hosts"][1]["from"]')
[ "$from" -ge $((12 * MiB)) ] && [ "$from" -lt $((24 * MiB)) ] || fail "mid: host-b took over from $from"
from=$(field late 'd["hosts"][1]["from"]')
[ "$from" -ge $((20 * MiB)) ] && [ "$from" -lt $((24 * MiB)) ] || fail "late: host-b took over from $from"
job_events early | python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
mig = next(int(r[0]) for r in rows if r[1] == "migrationRequested")
first = min((int(r[0]) for r in rows if r[1] == "progressed" and int(r[2]) > 0), default=None)
assert first is None or mig < first, f"migration requested at seq {mig}, after the first chunk (seq {first})"
' || fail "early: the migration was not requested before the first chunk was recorded"

# -- two migrations: host-a -> host-b -> host-a ---------------------------------------------------------------
check "two migrations of one job: host-a -> host-b -> host-a (held at 4 MiB, then at 12 MiB on host-b)"
submit twice twice.bin
run_to twice $((4 * MiB)) 8M
sm copy migrate twice --to host-b >/dev/null
wait_stop_sent twice
# host-a finishes its chunks in flight; host-b copies on to 12 MiB and is held there.
sm copy throttle twice --max-rate 8M --until $((12 * MiB)) --then $HOLD >/dev/null
wait_host twice host-b
wait_bytes twice $((12 * MiB))
sm copy migrate twice --to host-a >/dev/null
wait_stop_sent twice
raise twice
expect_completed twice ds/src/big.bin ds/dst/twice.bin
hosts=$(field twice '" ".join(h["host"] for h in d["hosts"])')
[ "$hosts" = "host-a host-b host-a" ] || fail "twice: hosts history is '$hosts'"
[ "$(field twice 'd["migrations"]')" = 2 ] || fail "twice: migrations != 2"
echo "   twice: completed, sha256 equal, hosts $hosts"

# -- drain --------------------------------------------------------------------------------------------------------------
check "host drain host-a with two jobs running there (held at 2 MiB): both move and complete"
submit drain1 drain1.bin
submit drain2 drain2.bin
run_to drain1 $((2 * MiB)) 8M
run_to drain2 $((2 * MiB)) 8M
sm host drain host-a --reason test >/dev/null
for id in drain1 drain2; do wait_stop_sent "$id"; raise "$id"; done
for id in drain1 drain2; do
  expect_completed "$id" ds/src/big.bin "ds/dst/$id.bin"
  hosts=$(field "$id" '" ".join(h["host"] for h in d["hosts"])')
  # host-b and host-d are up and mount both datastores; host-c does not mount dst.
  [[ $hosts == "host-a host-b" || $hosts == "host-a host-d" ]] || fail "$id: after the drain, hosts history is '$hosts'"
  echo "   $id: moved automatically, hosts $hosts"
done
sm host up host-a >/dev/null

# -- bad input ------------------------------------------------------------------------------------------------------------
check "bad migrations are refused with their code and change nothing (the job held at 1 MiB)"
submit bad bad.bin
run_to bad $MiB 4M
expect_rejected same_host copy migrate bad --to host-a
expect_rejected unknown_host copy migrate bad --to host-zz
sm host down host-d >/dev/null
expect_rejected host_unavailable copy migrate bad --to host-d
# Read-your-writes across entities: once `host down` has its outcome, a
# placement decided after it must see it. The fleet view used to learn of the
# host's event only when the host actor got round to it, and on a busy
# machine a migration right behind the outcome was accepted (1 run in 11).
for i in $(seq 1 12); do
  sm host up host-d >/dev/null
  sm host down host-d >/dev/null
  if out=$(sm copy migrate bad --to host-d 2>&1); then fail "round $i: a migration to host-d right after 'host down' was accepted"; fi
  grep -q "(host_unavailable)" <<<"$out" || fail "round $i: refused without naming host_unavailable: $out"
done
echo "   12 rounds of 'host up; host down; copy migrate --to' that host: refused every time"
expect_rejected unreachable_datastore copy migrate bad --to host-c
[ "$(field bad 'd["state"], d["host"], d["migrations"]')" = "('running', 'host-a', 0)" ] ||
  fail "a refused migration changed the job: $(sm copy status bad --json)"
sm copy migrate bad --to host-b --no-wait >/dev/null
# Decided after the first (one entity, one order); the held source cannot have handed over yet.
expect_rejected already_migrating copy migrate bad --to host-b
wait_stop_sent bad
raise bad 4M
expect_completed bad ds/src/big.bin ds/dst/bad.bin
[ "$(field bad 'len(d["hosts"]), d["migrations"]')" = "(2, 1)" ] ||
  fail "the refused second migration left a trace: $(sm copy status bad --json)"
expect_rejected finished copy migrate bad --to host-a
[ "$(field bad 'd["state"]')" = completed ] || fail "migrating a finished job changed it"

check "bad throttles are refused with their code and change nothing"
submit thr thr.bin
run_to thr $((2 * MiB)) 4M
expect_rejected invalid copy throttle thr --max-rate 100
expect_rejected invalid copy throttle thr --max-rate 4M --until $((24 * MiB)) --then 4M
expect_rejected stale copy throttle thr --max-rate 4M --until $MiB --then $HOLD
expect_rejected no_change copy throttle thr --max-rate $HOLD
expect_rejected unknown_job copy throttle nosuchjob --max-rate 4M
if out=$(sm copy throttle thr --max-rate 4M --until 3M 2>&1); then fail "--until without --then accepted"; fi
[ "$(field thr 'd["state"], d["max_rate"], d["rate_until"], d["rate_then"]')" = "('running', 1024, 0, 0)" ] ||
  fail "a refused throttle changed the job: $(sm copy status thr --json)"
raise thr 16M
expect_completed thr ds/src/big.bin ds/dst/thr.bin
expect_rejected finished copy throttle thr --max-rate 4M
sm copy status thr | grep -q "max 16.0 MiB/s" || fail "copy status does not show the throttle: $(sm copy status thr)"

check "bad submissions are refused with their code and create no job"
expect_rejected unknown_datastore copy submit --id bad-ds --src nope:big.bin --dst dst:x.bin --host host-a
expect_rejected bad_path copy submit --id bad-dotdot --src src:../outside/x.bin --dst dst:x.bin --host host-a
expect_rejected bad_path copy submit --id bad-dotdot2 --src src:big.bin --dst dst:a/../../x.bin --host host-a
expect_rejected bad_path copy submit --id bad-abs --src src:big.bin --dst "dst:$work/outside/x.bin" --host host-a
for id in bad-ds bad-dotdot bad-dotdot2 bad-abs; do
  if sm copy status "$id" >/dev/null 2>&1; then fail "refused submission $id created a job"; fi
done
[ -z "$(ls outside)" ] || fail "something was written outside the datastores: $(ls outside)"

check "a source symlink leading out of the datastore: path_escapes_datastore, nothing written"
head -c $MiB /dev/urandom >outside/secret.bin
ln -s "$work/outside/secret.bin" ds/src/link.bin
sm copy submit --id escape --src src:link.bin --dst dst:escape.bin --chunk-size 1MiB --host host-a >/dev/null
expect_failed escape path_escapes_datastore ds/dst/escape.bin

# -- failures --------------------------------------------------------------------------------------------------------------
check "missing source: source_missing, nothing written"
sm copy submit --id missing --src src:missing.bin --dst dst:missing.bin --chunk-size 1MiB --host host-a >/dev/null
expect_failed missing source_missing ds/dst/missing.bin

check "source appended to during the copy (held at 2 MiB): source_changed, nothing written"
head -c $((24 * MiB)) /dev/urandom >ds/src/grow.bin
sm copy submit --id grow --src src:grow.bin --dst dst:grow.bin --chunk-size 1MiB --max-rate $HOLD --host host-a >/dev/null
run_to grow $((2 * MiB)) 4M
head -c $MiB /dev/urandom >>ds/src/grow.bin
raise grow 4M
expect_failed grow source_changed ds/dst/grow.bin

if [ -n "$small_mounted" ]; then
  check "destination datastore of 4 MiB (tmpfs), 16 MiB copy: disk_full, nothing written"
  head -c $((16 * MiB)) /dev/urandom >ds/src/sixteen.bin
  sm copy submit --id full --src src:sixteen.bin --dst small:sixteen.bin --chunk-size 1MiB --host host-a >/dev/null
  expect_failed full disk_full ds/small/sixteen.bin
  [ -z "$(ls -A ds/small)" ] || fail "the full datastore is not empty: $(ls -A ds/small)"
else
  check "SKIP disk_full: cannot mount a tmpfs here (not root?)"
fi

# -- audit -------------------------------------------------------------------------------------------------------------------
check "audit of the whole log"
no_part ds/dst
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit failed: $(cat audit.txt)"
grep -q "verdict.*OK" audit.txt || fail "audit verdict is not OK: $(cat audit.txt)"
echo "   $(grep -E '^(events|rejections|verdict)' audit.txt | tr -s ' ' | paste -sd ';')"
echo "1 passed, 0 failed"
