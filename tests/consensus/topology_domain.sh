#!/usr/bin/env bash
# Proves, through the CLI and a real `serve` daemon, the event-sourced domain of routers and topology votes:
# three routers registered with `router add` are enrolled in their network's topology by the daemon's reaction;
# `topology configure` sets the quorum; a malformed registration lands on the rejected topic with its reason; then,
# with raw commands (`command send`: there is no router process yet to propose and vote), a seed, a proposal that
# one router rejects with a reason and two accept is agreed at epoch 2, a concurrent one is superseded in the same
# decision, a stale one is refused, one whose deadline passed expires, and `topology status --json` shows every
# vote with its reason. Run on the embedded log, and through tests/kafka/on_kafka.sh on a broker.
# No step races the clock: deadlines are far in the future, or long past (Unix time 1 µs), when a step needs them so.
set -euo pipefail
S=$(readlink -f "${1:?usage: topology_domain.sh path/to/storemesh}")
# shellcheck source=../migration/daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../migration/daemon_lib.sh"
enter_workspace

# shellcheck source=router_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/router_lib.sh"
prefix=${STOREMESH_TOPIC_PREFIX:-storemesh}

send() {  # KIND ID PAYLOAD: a raw command; prints its outcome
  sm command send --kind "$1" --id "$2" --payload "$3"
}
topology_command() { send topology default "{\"topologyCommand\":$1}"; }
vote() {  # PROPOSAL ROUTER ACCEPT REASON
  topology_command "{\"vote\":{\"proposal\":\"$1\",\"router\":\"$2\",\"accept\":$3,\"reason\":\"$4\",\"atNs\":\"$(date +%s%N)\"}}"
}
propose() {  # PROPOSAL CID PROPOSER BASE DEADLINE_NS
  topology_command "{\"propose\":{\"proposal\":\"$1\",\"cid\":\"$2\",\"proposer\":\"$3\",\"baseCid\":\"$4\",\"deadlineNs\":\"$5\"}}"
}
rejected() {  # CODE TEXT: True when the rejected topic holds a rejection with CODE whose reason contains TEXT
  sm events tail --json --topic "$prefix.rejected" | python3 -c '
import json, sys
code, text = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    rej = json.loads(line)["envelope"]["payload"].get("rejection")
    if rej and rej["code"] == code and text in rej["reason"]:
        print(True); break
else:
    print(False)' "$1" "$2"
}

cid0=bafkreihpb36r7vjbea76wqwgcmctd7f2mopjh5cxfj2z6avey3aziswqcm
cid1=bafkreib3oadtdvqdt2e32jy76aso5kxhkxy6rpph2k4uzyykeg4exny3uq
cid2=bafkreihrheppn53y37wt7lo3ecljuz7ratlqismlvcwro7squf5vgrqy7m
cid3=bafkreicln7eywygssgn6s25iqcbfjjid4heor7a56xtzwnr67wgs3acopu
later=$(( $(date +%s) + 3600 ))000000000  # an hour from now: no vote below races it

"$S" keygen --out op.key >/dev/null
start_daemon

check "three routers registered are enrolled in network default by the daemon's reaction"
for i in 1 2 3; do
  sm router add "r$i" --udp "127.0.0.1:710$i" --gateway "127.0.0.1:810$i" >/dev/null
done
sm router add r1 --udp 127.0.0.1:7101 --gateway 127.0.0.1:8101 | grep -q "already registered" ||
  fail "registering r1 again is not a no-op"
wait_true 30 "three routers enrolled" topo 's["routers"] and all(x["enrolled"] for x in s["routers"]) and sorted(r) == ["r1", "r2", "r3"]' || fail_with_topology
[ "$(topo 's["quorum"], s["quorum_setting"]')" = "(2, 0)" ] || fail "majority of 3 is not 2: $(sm topology status)"
sm router list
[ "$(sm router list --json | wc -l)" = 3 ] || fail "router list does not show three routers"

check "topology configure: quorum 3, window 45s"
sm topology configure --quorum 3 --window 45s >/dev/null
[ "$(topo 's["configured"], s["quorum"], s["window_ns"]')" = "(True, 3, 45000000000)" ] ||
  fail "configuration not recorded: $(sm topology status --json)"
sm topology configure --quorum 0 >/dev/null # back to a majority; the window stays
[ "$(topo 's["quorum"], s["window_ns"]')" = "(2, 45000000000)" ] || fail "a flag not given changed: $(sm topology status)"

check "bad commands land on the rejected topic with their reason"
if sm router add r4 --udp nowhere --gateway 127.0.0.1:8104 >out.txt 2>&1; then fail "udp 'nowhere' accepted"; fi
grep -q "rejected (invalid): udp endpoint 'nowhere': must be host:port" out.txt || fail "unclear refusal: $(cat out.txt)"
[ "$(rejected invalid "udp endpoint 'nowhere'")" = True ] || fail "the refusal is not on $prefix.rejected"
if sm topology configure --window 0s >out.txt 2>&1; then fail "a zero window accepted"; fi
grep -q "positive duration" out.txt || fail "unclear refusal: $(cat out.txt)"
if send router r9 '{"routerCommand":{"announce":{"cid":"bafkreiaaaaaaaa","epoch":"1","atNs":"1"}}}' >out.txt 2>&1; then
  fail "an unknown router's announcement accepted"
fi
[ "$(rejected unknown_router "register it first")" = True ] || fail "unknown_router not on $prefix.rejected: $(cat out.txt)"

check "seed, then a proposal: r2 rejects with its reason, r1 and r3 accept -> agreed at epoch 2"
topology_command "{\"seed\":{\"cid\":\"$cid0\"}}" >/dev/null
[ "$(topo 's["agreed_cid"] == "'$cid0'" and s["epoch"] == 1')" = True ] || fail "seed not agreed"
propose p1 "$cid1" r1 "$cid0" "$later" >/dev/null
propose p2 "$cid2" r2 "$cid0" "$later" >/dev/null # concurrent: superseded when p1 is agreed
vote p1 r2 false "next hop r9 of 10.0.0.0/8 is not a known router" >/dev/null
vote p1 r1 true "valid: 3 prefixes, all reachable" >/dev/null
[ "$(topo 'p["p1"]["status"] == "open" and p["p1"]["accepts"] == 1 and p["p1"]["rejects"] == 1')" = True ] ||
  fail "p1 after two votes: $(sm topology status)"
out=$(vote p1 r3 true "valid: same prefixes, shorter paths")
echo "$out" | grep -q '"agreed"' || fail "the deciding vote did not agree p1 in its own decision: $out"
echo "$out" | grep -q '"superseded"' || fail "p2 was not superseded in the same decision: $out"
sm topology status
[ "$(topo 's["agreed_cid"] == "'$cid1'" and s["epoch"] == 2 and s["agreed_by"] == "p1"')" = True ] ||
  fail "p1 not agreed at epoch 2"
[ "$(topo 'p["p2"]["status"] == "superseded" and p["p2"]["superseded_by"] == "p1"')" = True ] || fail "p2 not superseded"
[ "$(topo '[ (v["router"], v["accept"], v["reason"]) for v in p["p1"]["votes"] ][0]')" = \
  "('r2', False, 'next hop r9 of 10.0.0.0/8 is not a known router')" ] || fail "r2's vote or its reason is missing"

check "a vote again is a no-op, a changed vote, a stale proposal and a vote on a closed proposal are refused"
if vote p1 r2 true "changed my mind" >out.txt 2>&1; then fail "a changed vote accepted"; fi
grep -q "already_voted" out.txt || fail "unclear refusal: $(cat out.txt)"
if propose p3 "$cid3" r3 "$cid0" "$later" >out.txt 2>&1; then fail "a stale proposal accepted"; fi
grep -q "rejected (stale)" out.txt || fail "unclear refusal: $(cat out.txt)"
if vote p2 r3 true "late" >out.txt 2>&1; then fail "a vote on a superseded proposal accepted"; fi
grep -q "proposal_closed" out.txt || fail "unclear refusal: $(cat out.txt)"

check "a proposal whose deadline passed expires; before it, expiry is refused"
propose p4 "$cid3" r3 "$cid1" 1000 >/dev/null # deadline: 1 µs after 1970
propose p5 "$cid2" r3 "$cid1" "$later" >/dev/null
topology_command '{"expire":{"proposal":"p4","nowNs":"2000"}}' | grep -q '"expired"' || fail "p4 did not expire"
if topology_command "{\"expire\":{\"proposal\":\"p5\",\"nowNs\":\"$(date +%s%N)\"}}" >out.txt 2>&1; then
  fail "p5 expired before its deadline"
fi
grep -q "rejected (not_due)" out.txt || fail "unclear refusal: $(cat out.txt)"
if vote p4 r1 true "too late" >out.txt 2>&1; then fail "a vote on an expired proposal accepted"; fi
[ "$(topo 'p["p4"]["status"] == "expired" and p["p5"]["status"] == "open" and s["epoch"] == 2')" = True ] ||
  fail "after expiry: $(sm topology status)"

check "a router announces the topology it routes by; status shows it against the agreed one"
send router r1 "{\"routerCommand\":{\"announce\":{\"cid\":\"$cid1\",\"epoch\":\"2\",\"atNs\":\"$(date +%s%N)\"}}}" >/dev/null
send router r2 "{\"routerCommand\":{\"announce\":{\"cid\":\"$cid0\",\"epoch\":\"1\",\"atNs\":\"$(date +%s%N)\"}}}" >/dev/null
[ "$(topo 'r["r1"]["on_agreed"], r["r2"]["on_agreed"], r["r2"]["active_cid"] == "'$cid0'", r["r3"]["active_cid"]')" = \
  "(True, False, True, None)" ] || fail "announcements not shown: $(sm topology status)"
sm topology status

check "a restarted daemon decides on the recovered state; the log audits clean"
kill "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=""
start_daemon
if vote p1 r2 true "changed my mind" >out.txt 2>&1; then fail "after a restart, a changed vote accepted"; fi
grep -q "already_voted" out.txt || fail "the restarted daemon lost r2's vote: $(cat out.txt)"
vote p5 r1 true "valid" >/dev/null # 1 accept of the 2 needed
vote p5 r2 true "valid" | grep -q '"agreed"' || fail "p5 not agreed after the restart"
[ "$(topo 's["agreed_cid"] == "'$cid2'" and s["epoch"] == 3')" = True ] || fail "p5 not agreed at epoch 3"
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit failed: $(cat audit.txt)"
grep -q "verdict.*OK" audit.txt || fail "audit verdict is not OK: $(cat audit.txt)"
echo "1 passed, 0 failed"
