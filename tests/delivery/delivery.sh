#!/usr/bin/env bash
# Proves pre-positioning end to end: a real daemon, an origin and six edge units (`edge serve`, each its own
# process and directory), three contents with real bytes, two user groups with a request history. The model's
# plan is checked in a dry run (nothing appended) and then appended; the runner sends one window, an edge is
# killed -9 mid-delivery and its unconfirmed slices are rescheduled; the edge comes back and receives nothing
# twice (its request log, and a moved slice sent to it by hand is refused). A device of the group rebuilds the
# content with m edges lost (no origin byte), with a corrupted slice (detected by its checksum, not used: only
# that segment from the origin), and a group with no delivery gets everything from the origin; every fetch is
# checked by SHA-256. Bad input: an unknown content, a garbage slice, a slice not placed there. Run on the
# embedded log, and through tests/kafka/on_kafka.sh on a broker.
set -euo pipefail
S=$(readlink -f "${1:?usage: delivery.sh path/to/storemesh}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../migration/daemon_lib.sh
. "$here/../migration/daemon_lib.sh"
enter_workspace

declare -A pid=() at=()
extra_cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
fail() {
  echo "FAIL: $*" >&2
  for f in edge-*.log; do [ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 8 "$f" >&2; }; done
  exit 1
}

# An edge (or the origin): NAME X,Y [more flags]; waits for its "serving on" line and keeps its endpoint.
start_edge() {
  local name=$1 place=$2 before
  shift 2
  before=$(grep -c "serving on" "edge-$name.log" 2>/dev/null || true)
  "$S" edge serve --name "$name" --at "$place" --request-log "$work/requests-$name.log" "$@" >>"edge-$name.log" 2>&1 &
  pid[$name]=$!
  wait_logged --alive "${pid[$name]}" 60 "edge-$name.log" "serving on" "${before:-0}" || fail "edge $name did not start"
  at[$name]=$(grep "serving on" "edge-$name.log" | tail -n 1 | sed 's/.* serving on \([^ ]*\).*/\1/')
}
start_slice_edge() { start_edge "$1" "$2" --dir "$work/edges/$1" --capacity 64M --window-bytes 200K; }
kill_edge() {
  kill -9 "${pid[$1]}"
  wait "${pid[$1]}" 2>/dev/null || true
  unset "pid[$1]"
}
# A Python expression over `delivery status --json` (st: by delivery id) and `edge list --json` (ed: by name).
q() {
  python3 - "$1" "$(sm delivery status --json)" "$(sm edge list --json)" <<'PY'
import json, sys
st = {d["delivery"]: d for d in map(json.loads, filter(None, sys.argv[2].splitlines()))}
ed = {d["edge"]: d for d in map(json.loads, filter(None, sys.argv[3].splitlines()))}
print(eval(sys.argv[1]))
PY
}
is_true() { [ "$(q "$1")" = True ]; }
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
puts() { grep -c "^PUT " "requests-$1.log" 2>/dev/null || true; }

"$S" keygen --out op.key >/dev/null
start_daemon
start_edge origin 0,0 --origin
# Five edges near the group g1 at 0,0, a sixth further out (the spare a reschedule moves slices to).
start_slice_edge e1 1,0
start_slice_edge e2 0,2
start_slice_edge e3 -3,0
start_slice_edge e4 0,-4
start_slice_edge e5 5,0
start_slice_edge e6 40,0

check "contents at the origin: hash and slice checksums recorded"
head -c 5000000 /dev/urandom >film.bin
head -c 700000 /dev/urandom >news.bin
head -c 90000 /dev/urandom >song.bin
sm content add film.bin --name film --k 3 --m 2 --segment-size 256K | grep -q "20 segments" || fail "content add film"
sm content add news.bin --name news --k 3 --m 2 --segment-size 256K >/dev/null
sm content add song.bin --name song --k 2 --m 1 --segment-size 64K >/dev/null
sm content add film.bin --name film --k 3 --m 2 --segment-size 256K | grep -q unchanged || fail "adding again is not 'unchanged'"
cmp film.bin data/state/origin/film || fail "the origin's copy differs"
if sm content add nothing.bin >out.txt 2>&1; then fail "a missing file was added"; fi
if sm content add song.bin --name song --k 3 --m 2 --segment-size 64K >out.txt 2>&1; then fail "a different content under a used name"; fi
grep -q "new name" out.txt || fail "name clash error: $(cat out.txt)"

check "groups and their request history"
sm group add g1 --at 0,0 --devices 40 >/dev/null
sm group add g2 --at 60,0 --devices 5 >/dev/null
day=86400
now=$(( $(date +%s) ))
for d in 9 5 3 1; do sm group request g1 film --when $((now - d * day)) >/dev/null; done
sm group request g1 news --when $((now - 20 * day)) >/dev/null
sm group request g2 song --when $((now - 2 * day)) >/dev/null
sm group request g2 song --when $((now - 1 * day)) >/dev/null
if sm group request g1 ghost >out.txt 2>&1; then fail "a request for an unknown content was recorded"; fi
grep -q "no content 'ghost'" out.txt || fail "unknown content error: $(cat out.txt)"

check "plan --dry-run: the model's choice, the edges, the windows; nothing appended"
sm delivery plan --dry-run --json --top 1 --now "$now" >plan.json
j plan.json "[(d['group'], d['content']) for d in d['deliveries']] == [('g1', 'film'), ('g2', 'song')]" | grep -q True ||
  fail "dry run: $(cat plan.json)"
j plan.json "sorted(d['deliveries'][0]['edges']) == ['e1','e2','e3','e4','e5'] and d['deliveries'][0]['tolerance'] == 2 and d['deliveries'][0]['windows'] >= 10" |
  grep -q True || fail "film's plan: $(cat plan.json)"
[ -z "$(sm delivery status --json)" ] || fail "a dry run appended plans"
sm delivery plan --top 1 --now "$now" >plan.txt
grep -q "planned 2 deliveries" plan.txt || fail "plan: $(cat plan.txt)"
sm delivery plan --top 1 --now "$now" --json >again.json
j again.json "len(d['deliveries']) == 0" | grep -q True || fail "planning again planned twice: $(cat again.json)"

check "one window: part of the slices confirmed, each by the edge that stored it"
if sm delivery run --windows 1 >run1.txt 2>&1; then fail "one window completed everything?"; fi
is_true "st['g1:film']['confirmed'] == 10 and not st['g1:film']['complete']" || fail "after one window: $(sm delivery status)"
[ "$(ls edges/e2 | wc -l)" = 2 ] || fail "e2 holds $(ls edges/e2 | wc -l) slices after one window"

check "an edge killed mid-delivery: its unconfirmed slices move to the spare, the delivery completes"
kill_edge e2
sm delivery run >run2.txt || fail "run after e2 died: $(cat run2.txt)"
grep -q "edge e2 unreachable" run2.txt || fail "run2: $(cat run2.txt)"
is_true "st['g1:film']['complete'] and st['g1:film']['rescheduled'] == 18 and not ed['e2']['up']" ||
  fail "after the reschedule: $(sm delivery status); $(sm edge list)"
is_true "[e for e in st['g1:film']['edges'] if e['edge'] == 'e6'][0]['confirmed'] == 18" || fail "e6: $(sm delivery status)"
is_true "st['g2:song']['complete']" || fail "song: $(sm delivery status)"

check "the edge comes back: nothing is sent to it twice"
e2_puts=$(puts e2)
start_slice_edge e2 0,2
is_true "ed['e2']['up']" || fail "e2 did not come back up: $(sm edge list)"
sm delivery run >run3.txt || fail "run3: $(cat run3.txt)"
grep -q "0 slices" run3.txt || fail "run3 sent slices: $(cat run3.txt)"
[ "$(puts e2)" = "$e2_puts" ] || fail "e2 was sent slices again: $(cat requests-e2.log)"
[ "$(ls edges/e2 | wc -l)" = 2 ] || fail "e2 holds $(ls edges/e2 | wc -l) slices"
moved=$(ls edges/e6 | grep '^film\.' | head -n 1)
code=$(curl -s -o out.txt -w '%{http_code}' -X PUT -H "X-Storemesh-Delivery: g1:film" --data-binary @"edges/e6/$moved" \
  "http://${at[e2]}/v1/slices/$moved")
[ "$code" = 409 ] && grep -q wrong_edge out.txt || fail "a moved slice sent to e2 by hand: $code $(cat out.txt)"

check "fetch with all edges up: every segment from the edges, the hash verified"
sm fetch film --group g1 --out got1.bin --json >f1.json
cmp film.bin got1.bin || fail "fetched film differs"
j f1.json "d['verified'] and d['segments_from_edges'] == 20 and d['origin_bytes'] == 0" | grep -q True || fail "f1: $(cat f1.json)"

check "m = 2 edges lost: still rebuilt from the edges, no origin byte"
kill_edge e1
kill_edge e3
sm fetch film --group g1 --out got2.bin --json >f2.json
cmp film.bin got2.bin || fail "fetched film differs with e1, e3 down"
j f2.json "d['verified'] and d['segments_from_edges'] == 20 and d['origin_bytes'] == 0 and d['edges']['e1']['unreachable']" |
  grep -q True || fail "f2: $(cat f2.json)"

check "a corrupted slice is detected by its checksum and not used; only its segment comes from the origin"
victim=$(ls edges/e4 | grep '^film\.0\.' | head -n 1)
python3 - "edges/e4/$victim" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-100] ^= 0x40
open(p, "wb").write(bytes(b))
PY
sm fetch film --group g1 --out got3.bin --json >f3.json
cmp film.bin got3.bin || fail "fetched film differs with a corrupted slice"
j f3.json "d['verified'] and d['edges']['e4']['corrupt'] == 1 and d['segments_from_origin'] == 1 and d['origin_bytes'] == 262144" |
  grep -q True || fail "f3: $(cat f3.json)"
grep -q "$victim" f3.json || fail "the corrupt slice is not named: $(cat f3.json)"

check "a group with no delivery fetches everything from the origin"
sm fetch news --group g2 --out got4.bin --json >f4.json
cmp news.bin got4.bin || fail "news from the origin differs"
j f4.json "d['verified'] and d['segments_from_origin'] == d['segments'] and d['origin_bytes'] == 700000" | grep -q True ||
  fail "f4: $(cat f4.json)"

check "bad input at an edge changes nothing"
before=$(ls edges/e4 | wc -l)
code=$(curl -s -o out.txt -w '%{http_code}' -X PUT -H "X-Storemesh-Delivery: g1:film" --data-binary @song.bin \
  "http://${at[e4]}/v1/slices/film.3.0")
[ "$code" = 422 ] || [ "$code" = 409 ] || fail "a garbage slice was answered $code: $(cat out.txt)"
code=$(curl -s -o out.txt -w '%{http_code}' -X PUT -H "X-Storemesh-Delivery: g1:news" --data-binary @song.bin \
  "http://${at[e4]}/v1/slices/news.0.0")
[ "$code" = 404 ] || fail "a slice of an unplanned delivery was answered $code: $(cat out.txt)"
code=$(curl -s -o out.txt -w '%{http_code}' -X PUT --data-binary @song.bin "http://${at[e4]}/v1/slices/..%2F..%2Fx")
[ "$code" = 400 ] || fail "a bad slice name was answered $code: $(cat out.txt)"
[ "$(ls edges/e4 | wc -l)" = "$before" ] || fail "bad input changed what e4 holds"

check "the audit replays every entity: sequences whole, no command decided twice"
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit: $(tail -n 20 audit.txt)"
grep -q "verdict    OK" audit.txt || fail "audit: $(tail -n 5 audit.txt)"
grep -q "^rejections 0$" audit.txt || fail "commands were refused: $(grep rejections audit.txt)"
echo "delivery: all checks passed"
