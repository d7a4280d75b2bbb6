#!/usr/bin/env bash
# Proves, through the CLI and a real `serve` daemon, that copy jobs arrive byte-identical with or without
# migration (before the first chunk, mid-way, near the end, twice, by drain); that bad requests are refused
# with their code and change nothing; that failing copies leave no file behind; and that the log audits clean.
set -euo pipefail
S=$(readlink -f "${1:?usage: integration.sh path/to/storemesh}")
# shellcheck source=daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/daemon_lib.sh"
small_mounted=""
extra_cleanup() {
  if [ -n "$small_mounted" ]; then umount "$work/ds/small" 2>/dev/null || umount -l "$work/ds/small" || true; fi
}
enter_workspace

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "-- $*"; }

# A Python expression over the job's status JSON (bound to d), e.g. 'd["state"]'.
field() { sm copy status "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

wait_end() {  # JOB [TIMEOUT_S] -> prints completed|failed
  local job=$1 deadline=$((SECONDS + ${2:-90})) st
  while :; do
    st=$(field "$job" 'd["state"]')
    case $st in completed | failed) echo "$st"; return ;; esac
    [ "$SECONDS" -lt "$deadline" ] || fail "job $job still '$st' after ${2:-90} s: $(sm copy status "$job" --json)"
    sleep 0.2
  done
}

wait_bytes() {  # JOB BYTES [TIMEOUT_S]: until bytes_done >= BYTES while the job still runs
  local job=$1 want=$2 deadline=$((SECONDS + ${3:-60})) got
  while :; do
    got=$(field "$job" 'd["bytes_done"] if d["state"] in ("running", "migrating") else -1')
    [ "$got" = -1 ] && fail "job $job ended before reaching $want bytes: $(sm copy status "$job" --json)"
    [ "$got" -ge "$want" ] && return
    [ "$SECONDS" -lt "$deadline" ] || fail "job $job below $want bytes after ${3:-60} s (at $got)"
    sleep 0.05
  done
}

wait_host() {  # JOB HOST [TIMEOUT_S]: until HOST holds the job (a hand-over is done)
  local job=$1 host=$2 deadline=$((SECONDS + ${3:-60}))
  until [ "$(field "$job" 'd["host"]')" = "$host" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "job $job not on $host after ${3:-60} s: $(sm copy status "$job" --json)"
    sleep 0.05
  done
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

# Job events in sequence order, one per line: "SEQ KIND [detail]".
job_events() {
  sm events tail --json --topic "${STOREMESH_TOPIC_PREFIX:-storemesh}.events.copy_job" | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    e = json.loads(line)["envelope"]
    if e["entityKind"] == "copy_job" and e["entityId"] == sys.argv[1]:
        (kind, body), = e["payload"]["copyJobEvent"].items()
        rows.append((int(e["sequence"]), kind, len(body.get("hashes", [])) if kind == "progressed" else ""))
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

submit() {  # ID DST [RATE=8M]: big.bin in 1 MiB chunks, on host-a
  sm copy submit --id "$1" --src src:big.bin --dst "dst:$2" --chunk-size 1MiB --host host-a --max-rate "${3:-8M}" >/dev/null
}

# -- a copy without migration ------------------------------------------------------------------------
check "copy without migration: 24 MiB, 1 MiB chunks, 8 MiB/s"
submit plain plain.bin
wait_bytes plain $((4 * MiB))
ls ds/dst/*.part >/dev/null 2>&1 || fail "no temp file while the copy runs"
[ ! -e ds/dst/plain.bin ] || fail "destination visible before the copy is verified"
expect_completed plain ds/src/big.bin ds/dst/plain.bin
[ "$(field plain 'len(d["hosts"])')" = 1 ] || fail "an unmigrated job has more than one host"

# -- migration at three points --------------------------------------------------------------------------
migrate_at() {  # ID BYTES RATE: migrate to host-b once BYTES are recorded (0: before the first chunk)
  local id=$1 at=$2 out
  submit "$id" "$id.bin" "$3"
  if [ "$at" -gt 0 ]; then wait_bytes "$id" "$at"; fi
  out=$(sm copy migrate "$id" --to host-b --reason "test at $at" 2>&1) ||
    fail "$id: migrate at $at bytes refused: $out; status $(sm copy status "$id" --json)"
}
# At 2 MiB/s the first chunk takes half a second: the migrate comes well before
# (on Kafka too, where a command's round trip is longer than on the embedded log).
check "migrate to host-b before the first chunk is recorded (at 2 MiB/s)"
migrate_at early 0 2M
check "migrate to host-b mid-way (12 MiB of 24)"
migrate_at mid $((12 * MiB)) 8M
# 4 MiB/s leaves a second between seeing 20 MiB and the end: time for the command to be decided.
check "migrate to host-b near the end (20 MiB of 24, at 4 MiB/s)"
migrate_at late $((20 * MiB)) 4M
for id in early mid late; do
  expect_completed "$id" ds/src/big.bin "ds/dst/$id.bin"
  hosts=$(field "$id" '" ".join(h["host"] + "@" + str(h["from"]) for h in d["hosts"])')
  [ "$(field "$id" 'len(d["hosts"])')" = 2 ] || fail "$id: hosts history is not 2 entries: $hosts"
  [[ $hosts == "host-a@0 host-b@"* ]] || fail "$id: hosts history is not host-a then host-b: $hosts"
  echo "   $id: completed, sha256 equal, hosts $hosts"
done
job_events early | python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
mig = next(int(r[0]) for r in rows if r[1] == "migrationRequested")
first = min((int(r[0]) for r in rows if r[1] == "progressed" and int(r[2]) > 0), default=None)
assert first is None or mig < first, f"migration requested at seq {mig}, after the first chunk (seq {first})"
' || fail "early: the migration was not requested before the first chunk was recorded"

# -- two migrations: host-a -> host-b -> host-a ---------------------------------------------------------------
check "two migrations of one job: host-a -> host-b -> host-a"
submit twice twice.bin
wait_bytes twice $((4 * MiB))
sm copy migrate twice --to host-b >/dev/null
wait_host twice host-b
wait_bytes twice $((12 * MiB))
sm copy migrate twice --to host-a >/dev/null
expect_completed twice ds/src/big.bin ds/dst/twice.bin
hosts=$(field twice '" ".join(h["host"] for h in d["hosts"])')
[ "$hosts" = "host-a host-b host-a" ] || fail "twice: hosts history is '$hosts'"
[ "$(field twice 'd["migrations"]')" = 2 ] || fail "twice: migrations != 2"
echo "   twice: completed, sha256 equal, hosts $hosts"

# -- drain --------------------------------------------------------------------------------------------------------------
check "host drain host-a with two jobs running there: both move and complete"
submit drain1 drain1.bin
submit drain2 drain2.bin
wait_bytes drain1 $((2 * MiB))
wait_bytes drain2 $((2 * MiB))
sm host drain host-a --reason test >/dev/null
for id in drain1 drain2; do
  expect_completed "$id" ds/src/big.bin "ds/dst/$id.bin"
  hosts=$(field "$id" '" ".join(h["host"] for h in d["hosts"])')
  # host-b and host-d are up and mount both datastores; host-c does not mount dst.
  [[ $hosts == "host-a host-b" || $hosts == "host-a host-d" ]] || fail "$id: after the drain, hosts history is '$hosts'"
  echo "   $id: moved automatically, hosts $hosts"
done
sm host up host-a >/dev/null

# -- bad input ------------------------------------------------------------------------------------------------------------
check "bad migrations are refused with their code and change nothing"
sm copy submit --id bad --src src:big.bin --dst dst:bad.bin --chunk-size 1MiB --max-rate 4M --host host-a >/dev/null
wait_bytes bad $MiB
expect_rejected same_host copy migrate bad --to host-a
expect_rejected unknown_host copy migrate bad --to host-zz
sm host down host-d >/dev/null
expect_rejected host_unavailable copy migrate bad --to host-d
expect_rejected unreachable_datastore copy migrate bad --to host-c
[ "$(field bad 'd["state"], d["host"], d["migrations"]')" = "('running', 'host-a', 0)" ] ||
  fail "a refused migration changed the job: $(sm copy status bad --json)"
sm copy migrate bad --to host-b --no-wait >/dev/null
expect_rejected already_migrating copy migrate bad --to host-b
expect_completed bad ds/src/big.bin ds/dst/bad.bin
[ "$(field bad 'len(d["hosts"]), d["migrations"]')" = "(2, 1)" ] ||
  fail "the refused second migration left a trace: $(sm copy status bad --json)"
expect_rejected finished copy migrate bad --to host-a
[ "$(field bad 'd["state"]')" = completed ] || fail "migrating a finished job changed it"

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

check "source appended to during the copy: source_changed, nothing written"
head -c $((24 * MiB)) /dev/urandom >ds/src/grow.bin
sm copy submit --id grow --src src:grow.bin --dst dst:grow.bin --chunk-size 1MiB --max-rate 4M --host host-a >/dev/null
wait_bytes grow $((2 * MiB))
head -c $MiB /dev/urandom >>ds/src/grow.bin
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
