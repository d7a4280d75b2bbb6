# Scenario 10, delivery (schemas/delivery.capnp): contents pre-positioned at edge units as Reed-Solomon slices.
# Groups, contents and requests go through the CLI (`group add`, `content add`, `group request`), and so does the
# first delivery's plan (`delivery plan --now T --top 1`: pure given the log and --now, and every input of it is
# fixed here: the files, the places, the request times). What edge processes and the delivery runner would send
# goes by raw commands (`command send`: edge_unit attach/report, delivery plan/confirm/reschedule), so no edge
# process runs and nothing is sent over HTTP.
# user_group events: added (city-a, city-b); requested (city-a: film-1 twice and film-2; city-b: film-2).
# content events: added (film-1, 50000 bytes: one segment of RS(3,2); film-2, 100000 bytes: two segments).
# edge_unit events: attached (dv-e1..dv-e6 and the origin dv-origin, role origin); reported (dv-e4 down:
# connection refused); attached again (dv-e4 back up).
# delivery events: planned (city-a:film-1 by the planner, one slice on each of five edges; city-b:film-2 by hand,
# two slices of a segment on some edges, fewer than k); sliceConfirmed (every slice of city-a:film-1, then
# completed with the last; three of city-b:film-2); rescheduled (dv-e4 lost: two slices of segment 1 move to
# dv-e1, the slice of segment 0 is stranded, dv-e1 holding k-1 of it already); the stranded slice confirmed by
# dv-e4 once it is back.
# Commands: userGroupCommand add, recordRequest; contentCommand add; edgeUnitCommand attach, report;
# deliveryCommand plan, confirm, reschedule.
# Rejections: user_group invalid (a request at time 0), already_added (city-a at another place), unknown_group;
# content invalid (a sha256 of 63 digits), already_added (film-1 with other bytes); edge_unit invalid (an endpoint
# without a port), not_attached (a report of an edge never attached); delivery invalid (an edge listed twice),
# already_planned (city-a:film-1 planned again differently), not_dispersed (three slices of a segment on one edge,
# k = 3), not_planned (a confirmation before the plan), not_placed (a segment the content does not have),
# wrong_edge (a slice confirmed by another edge; a slice moved away by the reschedule confirmed by the lost edge),
# checksum_mismatch, unknown_edge (a reschedule of an edge that holds nothing of the delivery).
# The contents are generated from fixed seeds (SHA-256 in counter mode): their hashes and slice CRC32Cs are the
# same every run. Times of commands are fields (taken once from the clock, or fixed for the model's history):
# nothing waits on it.
# A snapshot after every event (--snapshot-every 1): a content has one event in its life, and every kind needs a
# snapshot in the log.
serve_flags=(--snapshot-every 1 --no-agents)

scenario() {
  dsend() {  # KIND ID JSON: a raw command of KIND for entity ID (the payload's member named after the kind)
    local member
    case $1 in
      user_group) member=userGroupCommand ;;
      content) member=contentCommand ;;
      edge_unit) member=edgeUnitCommand ;;
      delivery) member=deliveryCommand ;;
    esac
    sm command send --kind "$1" --id "$2" --payload "{\"$member\":$3}"
  }
  drefused() {  # CODE KIND ID JSON: the raw command is refused naming CODE
    local code=$1 kind=$2 id=$3 json=$4 member
    case $kind in
      user_group) member=userGroupCommand ;;
      content) member=contentCommand ;;
      edge_unit) member=edgeUnitCommand ;;
      delivery) member=deliveryCommand ;;
    esac
    expect_rejected "$code" command send --kind "$kind" --id "$id" --payload "{\"$member\":$json}"
  }
  local t0
  t0=$(date +%s%N)
  at() { echo $((t0 + $1 * 1000000)); }  # t0 + N ms
  # PORT X_M Y_M MS [ROLE]: an attach as JSON (capacity 4 MB, 256 KB a window)
  attach() {
    printf '{"attach":{"endpoint":"127.0.0.1:%s","role":"%s","at":{"xM":"%s","yM":"%s"},"capacityBytes":"%s","windowBytes":"%s","atNs":"%s"}}' \
      "$1" "${5:-edge}" "$2" "$3" 4000000 256000 "$(at "$4")"
  }
  # SEGMENT PILLAR EDGE CRC MS: a confirmation as JSON
  confirm() {
    printf '{"confirm":{"segment":%s,"pillar":%s,"edge":"%s","crc32c":%s,"atNs":"%s"}}' "$1" "$2" "$3" "$4" "$(at "$5")"
  }
  # DELIVERY: "segment pillar edge crc32c" per slice of its planned event, in (segment, pillar) order
  placements() {
    sm events tail --json --topic storemesh.events.delivery | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)["envelope"]
    p = r["payload"].get("deliveryEvent", {}).get("planned")
    if r["entityId"] == sys.argv[1] and p:
        for s in sorted(p["placements"], key=lambda s: (s.get("segment", 0), s.get("pillar", 0))):
            print(s.get("segment", 0), s.get("pillar", 0), s["edge"], s.get("crc32c", 0))' "$1"
  }
  # CONTENT: its slice CRC32Cs (index segment * (k + m) + pillar), space-separated, from its added event
  crcs() {
    sm events tail --json --topic storemesh.events.content | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)["envelope"]
    a = r["payload"].get("contentEvent", {}).get("added")
    if r["entityId"] == sys.argv[1] and a:
        print(" ".join(map(str, a["sliceCrc32c"])))' "$1"
  }
  status() {  # DELIVERY EXPR over d: its `delivery status --json` object
    sm delivery status --json | python3 -c '
import json, sys
d = {x["delivery"]: x for x in map(json.loads, filter(str.strip, sys.stdin))}[sys.argv[1]]
print(eval(sys.argv[2]))' "$1" "$2"
  }
  # NAME BYTES: a content file from a fixed seed (SHA-256 of NAME:i, i = 0, 1, ...): the same bytes every run
  content_file() {
    python3 -c '
import hashlib, sys
name, n = sys.argv[1], int(sys.argv[2])
out = bytearray()
i = 0
while len(out) < n:
    out += hashlib.sha256(b"%s:%d" % (name.encode(), i)).digest()
    i += 1
open(name + ".bin", "wb").write(out[:n])' "$1" "$2"
  }

  step "contents (CLI): film-1 (50000 bytes, one segment of RS(3,2)), film-2 (100000 bytes, two segments)"
  content_file film-1 50000
  content_file film-2 100000
  sm content add film-1.bin --name film-1 --k 3 --m 2 --segment-size 64K --store "$PWD/origin"
  sm content add film-2.bin --name film-2 --k 3 --m 2 --segment-size 64K --store "$PWD/origin"
  local c1 c2
  read -r -a c1 <<<"$(crcs film-1)"
  read -r -a c2 <<<"$(crcs film-2)"
  [ "${#c1[@]}" = 5 ] && [ "${#c2[@]}" = 10 ] || fail "slice CRCs: film-1 ${c1[*]}; film-2 ${c2[*]}"
  local sha1
  sha1=$(sha256sum film-1.bin | cut -d' ' -f1)
  drefused invalid content film-3 \
    "{\"add\":{\"geometry\":{\"bytes\":\"50000\",\"segmentBytes\":\"65536\",\"k\":3,\"m\":2},\"sha256\":\"${sha1:1}\",\"origin\":\"film-3\",\"sliceCrc32c\":[${c1[0]},${c1[1]},${c1[2]},${c1[3]},${c1[4]}],\"atNs\":\"$(at 1)\"}}"
  # other bytes under film-1's name (the CLI refuses this itself; a sender that does not read the log would not)
  drefused already_added content film-1 \
    "{\"add\":{\"geometry\":{\"bytes\":\"50000\",\"segmentBytes\":\"65536\",\"k\":3,\"m\":2},\"sha256\":\"$(sha256sum film-2.bin | cut -d' ' -f1)\",\"origin\":\"film-1\",\"sliceCrc32c\":[${c1[0]},${c1[1]},${c1[2]},${c1[3]},${c1[4]}],\"atNs\":\"$(at 2)\"}}"

  step "edge units (raw attach, as \`edge serve\` sends it): dv-e1..dv-e6 east of the groups, dv-origin"
  local e
  for e in 1 2 3 4 5; do
    dsend edge_unit "dv-e$e" "$(attach $((4100 + e)) $((e * 1000)) 0 $((10 + e)))" >/dev/null
  done
  dsend edge_unit dv-e6 "$(attach 4106 90000 90000 16)" >/dev/null
  dsend edge_unit dv-origin "$(attach 4100 0 0 17 origin)" >/dev/null
  drefused invalid edge_unit dv-e7 \
    "{\"attach\":{\"endpoint\":\"nowhere\",\"role\":\"edge\",\"at\":{\"xM\":\"7000\",\"yM\":\"0\"},\"capacityBytes\":\"4000000\",\"windowBytes\":\"256000\",\"atNs\":\"$(at 20)\"}}"
  drefused not_attached edge_unit dv-e7 \
    "{\"report\":{\"up\":false,\"freeBytes\":\"0\",\"reason\":\"connection refused at 127.0.0.1:4107\",\"atNs\":\"$(at 21)\"}}"

  step "city-a (CLI) and its history: film-1 twice, film-2 once (fixed times); refusals of user_group"
  sm group add city-a --at 0,1 --devices 40 >/dev/null
  sm group request city-a film-2 --when 1763900000 >/dev/null
  sm group request city-a film-1 --when 1764000000 >/dev/null
  sm group request city-a film-1 --when 1764050000 >/dev/null
  drefused already_added user_group city-a \
    "{\"add\":{\"at\":{\"xM\":\"5000\",\"yM\":\"5000\"},\"devices\":40,\"atNs\":\"$(at 30)\"}}"
  drefused unknown_group user_group city-z "{\"recordRequest\":{\"content\":\"film-1\",\"atNs\":\"$(at 31)\"}}"
  drefused invalid user_group city-a "{\"recordRequest\":{\"content\":\"film-1\",\"atNs\":\"0\"}}"

  step "city-a:film-1 planned by the planner (CLI, --now fixed): one slice on each of the five nearest edges"
  sm delivery plan --now 1764100000 --top 1
  local d1=city-a:film-1 p1
  p1=$(placements $d1)
  echo "$p1" | sed 's/^/   /'
  [ "$(echo "$p1" | wc -l)" = 5 ] && [ "$(echo "$p1" | awk '{print $3}' | sort -u | wc -l)" = 5 ] ||
    fail "$d1's plan: $p1"
  drefused already_planned delivery $d1 \
    "{\"plan\":{\"group\":\"city-a\",\"content\":\"film-1\",\"geometry\":{\"bytes\":\"50000\",\"segmentBytes\":\"65536\",\"k\":3,\"m\":2},\"edges\":[\"dv-e1\",\"dv-e2\",\"dv-e3\"],\"placements\":[{\"segment\":0,\"pillar\":0,\"edge\":\"dv-e1\",\"crc32c\":${c1[0]}},{\"segment\":0,\"pillar\":1,\"edge\":\"dv-e2\",\"crc32c\":${c1[1]}},{\"segment\":0,\"pillar\":2,\"edge\":\"dv-e3\",\"crc32c\":${c1[2]}}],\"reason\":\"by hand\",\"atNs\":\"$(at 40)\"}}"

  step "the edges confirm city-a:film-1's slices (refused: another edge's, a wrong CRC, a segment it lacks); completed"
  local s0 s1 s2 s3 s4
  { read -r -a s0; read -r -a s1; read -r -a s2; read -r -a s3; read -r -a s4; } <<<"$p1"
  drefused wrong_edge delivery $d1 "$(confirm 0 0 "${s1[2]}" "${s0[3]}" 41)"
  drefused checksum_mismatch delivery $d1 "$(confirm 0 0 "${s0[2]}" $(((s0[3] + 1) % 4294967296)) 42)"
  drefused not_placed delivery $d1 "$(confirm 3 0 "${s0[2]}" "${s0[3]}" 43)"
  local i=44 line sg pi ed cr lines
  mapfile -t lines <<<"$p1"
  for line in "${lines[@]}"; do
    read -r sg pi ed cr <<<"$line"
    dsend delivery $d1 "$(confirm "$sg" "$pi" "$ed" "$cr" $i)" >/dev/null
    i=$((i + 1))
  done
  [ "$(status $d1 'd["complete"] and d["confirmed"] == 5 and d["tolerance"] == 2')" = True ] ||
    fail "$d1 after its confirmations: $(sm delivery status --json)"

  step "city-b (CLI) asks for film-2; city-b:film-2 planned by hand (refused: before, invalid, not dispersed)"
  sm group add city-b --at 3,-1 --devices 12 >/dev/null
  sm group request city-b film-2 --when 1764060000 >/dev/null
  local d2=city-b:film-2
  local geo2='"geometry":{"bytes":"100000","segmentBytes":"65536","k":3,"m":2}'
  pl() { printf '{"segment":%s,"pillar":%s,"edge":"%s","window":%s,"crc32c":%s}' "$1" "$2" "$3" "$4" "${c2[$(($1 * 5 + $2))]}"; }
  # segment 0: pillars 0 and 1 on dv-e1 (k-1 = 2 of them), 2 on dv-e2, 3 on dv-e3, 4 on dv-e4 (window 0);
  # segment 1: 0 and 1 on dv-e2, 2 on dv-e3, 3 and 4 on dv-e4 (window 1)
  local good
  good="$(pl 0 0 dv-e1 0),$(pl 0 1 dv-e1 0),$(pl 0 2 dv-e2 0),$(pl 0 3 dv-e3 0),$(pl 0 4 dv-e4 0)"
  good+=",$(pl 1 0 dv-e2 1),$(pl 1 1 dv-e2 1),$(pl 1 2 dv-e3 1),$(pl 1 3 dv-e4 1),$(pl 1 4 dv-e4 1)"
  drefused not_planned delivery $d2 "$(confirm 0 0 dv-e1 "${c2[0]}" 50)"
  drefused invalid delivery $d2 \
    "{\"plan\":{\"group\":\"city-b\",\"content\":\"film-2\",$geo2,\"edges\":[\"dv-e1\",\"dv-e2\",\"dv-e1\"],\"placements\":[$good],\"reason\":\"by hand\",\"atNs\":\"$(at 51)\"}}"
  drefused not_dispersed delivery $d2 \
    "{\"plan\":{\"group\":\"city-b\",\"content\":\"film-2\",$geo2,\"edges\":[\"dv-e1\",\"dv-e2\",\"dv-e3\",\"dv-e4\"],\"placements\":[$(pl 0 0 dv-e1 0),$(pl 0 1 dv-e1 0),$(pl 0 2 dv-e1 0),$(pl 0 3 dv-e3 0),$(pl 0 4 dv-e4 0),$(pl 1 0 dv-e2 1),$(pl 1 1 dv-e2 1),$(pl 1 2 dv-e3 1),$(pl 1 3 dv-e4 1),$(pl 1 4 dv-e4 1)],\"reason\":\"by hand\",\"atNs\":\"$(at 52)\"}}"
  dsend delivery $d2 \
    "{\"plan\":{\"group\":\"city-b\",\"content\":\"film-2\",$geo2,\"edges\":[\"dv-e2\",\"dv-e3\",\"dv-e1\",\"dv-e4\"],\"placements\":[$good],\"reason\":\"by hand: two windows, at most k-1 slices of a segment per edge\",\"atNs\":\"$(at 53)\"}}" >/dev/null

  step "window 0: dv-e1 and dv-e2 confirm segment 0's slices; dv-e4 stops answering (reported down)"
  dsend delivery $d2 "$(confirm 0 0 dv-e1 "${c2[0]}" 54)" >/dev/null
  dsend delivery $d2 "$(confirm 0 1 dv-e1 "${c2[1]}" 55)" >/dev/null
  dsend delivery $d2 "$(confirm 0 2 dv-e2 "${c2[2]}" 56)" >/dev/null
  dsend edge_unit dv-e4 \
    "{\"report\":{\"up\":false,\"freeBytes\":\"0\",\"reason\":\"connection refused at 127.0.0.1:4104\",\"atNs\":\"$(at 57)\"}}" >/dev/null

  step "dv-e4 rescheduled with dv-e1 the only candidate: segment 1's two slices move, segment 0's is stranded"
  drefused unknown_edge delivery $d2 \
    "{\"reschedule\":{\"edge\":\"dv-e5\",\"reason\":\"not answering\",\"candidates\":[\"dv-e1\"],\"window\":2,\"atNs\":\"$(at 58)\"}}"
  dsend delivery $d2 \
    "{\"reschedule\":{\"edge\":\"dv-e4\",\"reason\":\"connection refused at 127.0.0.1:4104\",\"candidates\":[\"dv-e1\"],\"window\":2,\"atNs\":\"$(at 59)\"}}" >/dev/null
  [ "$(status $d2 'd["rescheduled"] == 2 and d["confirmed"] == 3 and d["waiting_on_down_edges"] == 1 and not d["complete"]')" = True ] ||
    fail "$d2 after the reschedule: $(sm delivery status --json)"
  # dv-e4 never received slice 1.3: it went to dv-e1, and dv-e4 does not get it back
  drefused wrong_edge delivery $d2 "$(confirm 1 3 dv-e4 "${c2[8]}" 60)"

  step "dv-e4 back (attached again: up), confirms the stranded slice 0.4"
  dsend edge_unit dv-e4 "$(attach 4104 4000 0 62)" >/dev/null
  dsend delivery $d2 "$(confirm 0 4 dv-e4 "${c2[4]}" 61)" >/dev/null
  [ "$(status $d2 'd["confirmed"] == 4 and d["waiting_on_down_edges"] == 0 and not d["complete"]')" = True ] ||
    fail "$d2 at the end: $(sm delivery status --json)"
  sm delivery status
  sm edge list
}
