#!/usr/bin/env bash
# Proves the router process (`storemesh router run`) and the CLI around it, with a real `serve` daemon: three
# routers registered and run with the same file seed it once (epoch 1) and announce it; a valid v2 stored at a
# router and proposed in its name (`topology propose`, signed by the operator) is fetched, reviewed and voted on by every router, each vote an event with
# its reason, agreed by the majority, activated and announced as epoch 2 by each, and `route` answers by v2; a file
# that does not parse is answered 400 and nothing is proposed; a file the others reject (version not greater) is
# refused with their reasons in `topology status --json`; with one router killed (kill -9), v3 is agreed by the two
# left (the dead one is no vote); a proposal signed by an unknown key is refused and a bare POST to a gateway
# proposes nothing; the router, restarted, fetches v3 and announces epoch 3; with a short vote
# window and two routers stopped, a proposal expires. Run on the embedded log, and through tests/kafka/on_kafka.sh
# on a broker. No step races the clock: every wait is for a state in the log, bounded generously.
set -euo pipefail
S=$(readlink -f "${1:?usage: router_vote.sh path/to/storemesh}")
# shellcheck source=../migration/daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../migration/daemon_lib.sh"
enter_workspace

# shellcheck source=router_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/router_lib.sh"

# Three routers in a line r1 - r2 - r3, each delivering its /16. v2 adds the direct link r1 - r3.
lan() { # VERSION R1_TO_R3 R3_TO_R1
  cat <<EOF
# three routers, one prefix each
topology $1
prefix 10.1.0.0/16 at r1
prefix 10.2.0.0/16 at r2
prefix 10.3.0.0/16 at r3
route r1 10.2.0.0/16 via r2 metric 10
route r1 10.3.0.0/16 via $2 metric 10
route r2 10.1.0.0/16 via r1 metric 10
route r2 10.3.0.0/16 via r3 metric 10
route r3 10.1.0.0/16 via $3 metric 10
route r3 10.2.0.0/16 via r2 metric 10
EOF
}
lan 1 r2 r2 >v1.topo
lan 2 r3 r1 >v2.topo
lan 2 r2 r2 >v2-again.topo # the same version as the agreed one: every router rejects it
lan 3 r2 r2 >v3.topo
lan 4 r3 r1 >v4.topo
printf 'topology 5\nprefix 10.1.0.0/16 at r1\nroute r1 10.2.0.0/16 vai r2 metric 10\n' >bad.topo
cid1=$(sm cid v1.topo)
cid2=$(sm cid v2.topo)
cid3=$(sm cid v3.topo)

"$S" keygen --out op.key >/dev/null
start_daemon

check "router run refuses a router that is not registered"
if sm router run --name r9 --store store9 >out.txt 2>&1; then fail "an unregistered router ran"; fi
grep -q "router 'r9' is not registered: storemesh router add r9" out.txt || fail "unclear refusal: $(cat out.txt)"

check "three routers registered and enrolled"
for i in 1 2 3; do sm router add "r$i" --udp "$(udp $i)" --gateway "$(gateway $i)" >/dev/null; done
wait_true 30 "three routers enrolled" topo 'sorted(x["router"] for x in s["routers"] if x["enrolled"]) == ["r1", "r2", "r3"]' || fail_with_topology

check "three routers run with the same file: one seed (epoch 1), each announces it"
for i in 1 2 3; do start_router "$i" --topology v1.topo; done
wait_true 60 "seed agreed and announced by all" topo \
  's["agreed_cid"] == "'"$cid1"'" and s["epoch"] == 1 and all(x["on_agreed"] for x in s["routers"])' || fail_with_topology
seeds=$(sm events tail --json --topic "${STOREMESH_TOPIC_PREFIX:-storemesh}.events.topology" | grep -c '"seeded"' || true)
[ "$seeds" = 1 ] || fail "expected one seeded event, got $seeds"
sm topology status

check "topology show prints the file of a CID, fetched from a router and verified"
sm topology show "$cid1" >shown.topo
cmp -s shown.topo v1.topo || fail "topology show $cid1 is not v1.topo"
sm topology show "$cid1" --store store2 | cmp -s - v1.topo || fail "topology show --store is not v1.topo"
[ "$(sm route r1 10.3.0.5 --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["action"], j["next_hop"], j["epoch"])')" = \
  "forward r2 1" ] || fail "route r1 10.3.0.5 by v1 is not via r2: $(sm route r1 10.3.0.5)"

check "a valid v2 stored at r1 and proposed in its name: voted by every router with its reason, agreed, announced as epoch 2"
sm topology propose r1 v2.topo --wait >propose.txt || fail "v2 not agreed: $(cat propose.txt)"
cat propose.txt
grep -q "^cid $cid2$" propose.txt || fail "propose does not print v2's CID $cid2"
p2=$(sed -n 's/^proposal //p' propose.txt)
[ -n "$p2" ] || fail "propose printed no proposal id"
[ "$(topo 'p["'"$p2"'"]["status"], p["'"$p2"'"]["cid"] == "'"$cid2"'", s["epoch"]')" = "('agreed', True, 2)" ] ||
  fail "the proposal is not recorded as agreed at epoch 2"
[ "$(topo 'all(v["accept"] and v["reason"].startswith("accept: version 1 -> 2") for v in p["'"$p2"'"]["votes"])')" = True ] ||
  fail "votes without their reason: $(sm topology status)"
wait_true 60 "every router announces epoch 2" topo 'all(x["epoch"] == 2 and x["active_cid"] == "'"$cid2"'" for x in s["routers"])' || fail_with_topology
out=$(sm route r1 10.3.0.5)
echo "$out"
echo "$out" | grep -q "^next hop r3: 10.3.0.5 matches 10.3.0.0/16 (line 7), epoch 2" || fail "route is not by v2: $out"
sm route r3 10.3.0.5 | grep -q "^deliver at r3" || fail "r3 does not deliver its own prefix"
stamped() { grep -q "stamping epoch $1" "router$2.log" && echo True || echo False; }
for i in 1 2 3; do wait_true 30 "r$i stamps epoch 2 (phase 2)" stamped 2 "$i" || fail_with_topology; done

check "datagrams flow by epoch 2: entering at r1 for 10.3.0.5, delivered at r3 directly"
delivered() { # FLOW COUNT: True once the receive logs show the flow delivered whole, by epoch 2, r1 -> r3
  sm datagram check received/r1.log received/r2.log received/r3.log --flow "$1" --count "$2" 2>/dev/null |
    python3 -c '
import json, sys
j = json.load(sys.stdin)
f = j["flows"][0]
print(f["delivered"] == int(sys.argv[1]) and f["lost"] == 0 and [(p["epoch"], p["path"]) for p in f["paths"]] == [(2, "r1>r3")])' "$2" || echo False
}
sm datagram send --to "$(udp 1)" --destination 10.3.0.5 --flow 7 --count 20 --rate 1000 >/dev/null
wait_true 30 "20 datagrams delivered by epoch 2" delivered 7 20 || fail_with_topology
sm datagram check received/r1.log received/r2.log received/r3.log --flow 7 --count 20

check "a file that does not parse is answered 400 with the line and column; nothing is proposed"
before=$(topo 'len(s["proposals"])')
if sm topology propose r2 bad.topo >out.txt 2>&1; then fail "a bad file was proposed"; fi
grep -q "r2 refused the file (400): .*line 3: expected 'via', got 'vai' (column 22)" out.txt ||
  fail "unclear refusal: $(cat out.txt)"
[ "$(topo 'len(s["proposals"])')" = "$before" ] || fail "a bad file left a proposal"

check "a file the others reject (version not greater) is refused, each reason recorded"
if sm topology propose r2 v2-again.topo --wait >out.txt 2>&1; then fail "v2-again agreed: $(cat out.txt)"; fi
grep -q "was refused" out.txt || fail "propose --wait does not say refused: $(cat out.txt)"
pr=$(sed -n 's/^proposal //p' out.txt)
[ "$(topo 'p["'"$pr"'"]["status"], p["'"$pr"'"]["rejects"] >= 2')" = "('refused', True)" ] || fail "not refused"
[ "$(topo 'all(not v["accept"] and v["reason"] == "reject: version 2 is not greater than the current version 2" for v in p["'"$pr"'"]["votes"])')" = True ] ||
  fail "reasons not recorded: $(sm topology status --json)"
[ "$(topo 's["epoch"]')" = 2 ] || fail "a refused proposal changed the epoch"

check "r3 killed (kill -9): v3 agreed by the two left, r3 counts as no vote"
stop_router 3 KILL
sm topology propose r1 v3.topo --wait >propose.txt || fail "v3 not agreed without r3: $(cat propose.txt)"
p3=$(sed -n 's/^proposal //p' propose.txt)
[ "$(topo 'p["'"$p3"'"]["status"], s["epoch"], sorted(v["router"] for v in p["'"$p3"'"]["votes"])')" = \
  "('agreed', 3, ['r1', 'r2'])" ] || fail "v3 not agreed by r1 and r2 alone: $(sm topology status)"
wait_true 60 "r1 and r2 announce epoch 3" topo 'r["r1"]["epoch"] == 3 and r["r2"]["epoch"] == 3 and r["r3"]["epoch"] == 2' || fail_with_topology

if sm topology propose r2 v3.topo >out.txt 2>&1; then fail "the agreed file proposed again"; fi
grep -q "rejected (no_change): the network already routes by $cid3" out.txt || fail "unclear refusal: $(cat out.txt)"

check "a proposal is the operator's signed command: one signed by an unknown key is refused, and the gateway proposes nothing"
"$S" keygen --out stranger.key >/dev/null
before=$(topo 'len(s["proposals"])')
if sm topology propose r2 v4.topo --key stranger.key >out.txt 2>&1; then fail "a stranger's proposal accepted"; fi
grep -q "rejected (unknown_key)" out.txt || fail "unclear refusal: $(cat out.txt)"
curl -fsS -X POST --data-binary @v4.topo "http://$(gateway 2)/api/v0/add?propose=1" >post.json ||
  fail "the gateway did not store v4"
grep -q "\"cid\":\"$(sm cid v4.topo)\"" post.json || fail "the gateway answered $(cat post.json)"
# The gateway answered after storing, and storing is all it does: a proposal it sent would already be on its way.
wait_logged 30 router2.log "router r2: stored $(sm cid v4.topo)" || fail_with_topology
[ "$(topo 'len(s["proposals"])')" = "$before" ] || fail "a stranger or a bare POST left a proposal: $(sm topology status)"

check "r3 restarted: it fetches v3 and announces epoch 3"
rm -f "store3/$cid3"
start_router 3
wait_true 60 "r3 announces epoch 3" topo 'r["r3"]["epoch"] == 3 and r["r3"]["active_cid"] == "'"$cid3"'"' || fail_with_topology
[ -f "store3/$cid3" ] || fail "r3 did not store v3"
grep -q "installed $cid3 (version 3) as epoch 3" router3.log || fail "r3 did not install v3"

check "with a 3 s window and r2, r3 stopped, a proposal expires"
sm topology configure --window 3s >/dev/null
stop_router 2
stop_router 3
if sm topology propose r1 v4.topo --wait --timeout 60 >out.txt 2>&1; then fail "v4 agreed by r1 alone: $(cat out.txt)"; fi
grep -q "was expired" out.txt || fail "propose --wait does not say expired: $(cat out.txt)"
p4=$(sed -n 's/^proposal //p' out.txt)
[ "$(topo 'p["'"$p4"'"]["status"], [v["router"] for v in p["'"$p4"'"]["votes"]], s["epoch"]')" = \
  "('expired', ['r1'], 3)" ] || fail "v4 did not expire with r1's vote alone: $(sm topology status)"
sm topology status

check "the log audits clean"
stop_router 1
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit failed: $(cat audit.txt)"
grep -q "verdict.*OK" audit.txt || fail "audit verdict is not OK: $(cat audit.txt)"
echo "1 passed, 0 failed"
