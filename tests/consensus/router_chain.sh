#!/usr/bin/env bash
# The data plane under a topology switch by consensus, with real processes: a daemon and four `router run`
# processes forward SMDG datagrams over loopback UDP. A host (`datagram send`) streams one flow into r1 for
# 10.4.0.9, delivered at r4; under v1 the path is r1 > r2 > r4. Mid-stream, r1 proposes v2 (r1 sends 10.4/16 via r3);
# the routers fetch it by CID, review it, vote, and on agreement each installs it (phase 1) and announces it; r1
# stamps new datagrams with epoch 2 only once every router announced it (phase 2). The routers' receive logs then
# show that every datagram stamped before the switch went r1 > r2 > r4, every one after it r1 > r3 > r4, that
# the switch is one point in the sequence, and that none was lost, doubled or dropped.
# Run on the embedded log, and through tests/kafka/on_kafka.sh on a broker.
set -euo pipefail
S=$(readlink -f "${1:?usage: router_chain.sh path/to/storemesh}")
# shellcheck source=../migration/daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../migration/daemon_lib.sh"
enter_workspace

sender=""
# shellcheck source=router_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/router_lib.sh"

# Four routers, each delivering its /16; r1 reaches 10.4/16 via r2 (v1) or via r3 (v2).
net() { # VERSION VIA
  cat <<EOF
topology $1
prefix 10.1.0.0/16 at r1
prefix 10.2.0.0/16 at r2
prefix 10.3.0.0/16 at r3
prefix 10.4.0.0/16 at r4
route r1 10.2.0.0/16 via r2 metric 10
route r1 10.3.0.0/16 via r3 metric 10
route r1 10.4.0.0/16 via $2 metric 10
route r2 10.1.0.0/16 via r1 metric 10
route r2 10.3.0.0/16 via r1 metric 20
route r2 10.4.0.0/16 via r4 metric 10
route r3 10.1.0.0/16 via r1 metric 10
route r3 10.2.0.0/16 via r1 metric 20
route r3 10.4.0.0/16 via r4 metric 10
route r4 10.1.0.0/16 via r2 metric 10
route r4 10.2.0.0/16 via r2 metric 10
route r4 10.3.0.0/16 via r3 metric 10
EOF
}
net 1 r2 >v1.topo
net 2 r3 >v2.topo
cid1=$(sm cid v1.topo)
cid2=$(sm cid v2.topo)
batch=500
rate=${CHAIN_RATE:-1000}

"$S" keygen --out op.key >/dev/null
start_daemon

check "four routers registered, run, seeded with v1 and routing by it"
for i in 1 2 3 4; do sm router add "r$i" --udp "$(udp $i)" --gateway "$(gateway $i)" >/dev/null; done
wait_true 30 "four routers enrolled" topo 'sorted(x["router"] for x in s["routers"] if x["enrolled"]) == ["r1", "r2", "r3", "r4"]' || fail_with_topology
for i in 1 2 3 4; do start_router "$i" --topology v1.topo; done
wait_true 60 "v1 agreed and announced by every router" topo \
  's["agreed_cid"] == "'"$cid1"'" and s["epoch"] == 1 and all(x["on_agreed"] for x in s["routers"])' || fail_with_topology
wait_logged 30 router1.log "stamping epoch 1" || fail_with_topology
[ "$(sm route r1 10.4.0.9 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_hop"])')" = r2 ] ||
  fail "r1 does not route 10.4.0.9 via r2 under v1: $(sm route r1 10.4.0.9)"

check "a flow into r1 for 10.4.0.9; v2 proposed by r1 and agreed mid-stream"
# The host sends in runs of $batch at $rate/s, sequences continuing, until told to stop: however long the vote
# takes on a busy machine, the stream runs on both sides of the switch.
stream() {
  local next=1
  until [ -f stop-sending ]; do
    "$S" datagram send --to "$(udp 1)" --destination 10.4.0.9 --flow 7 --count "$batch" --rate "$rate" \
      --first-sequence "$next" >>sent.json || exit 1
    next=$((next + batch))
    echo $((next - 1)) >sent.count.new && mv sent.count.new sent.count
  done
}
stream &
sender=$!
# Bounded below CTest's 300 s only: how long the sending takes is not what is tested.
sent_at_least() { [ "$(cat sent.count 2>/dev/null || echo 0)" -ge "$1" ]; }
wait_until --alive "$sender" 240 "$((2 * batch)) datagrams sent" sent_at_least $((2 * batch)) ||
  fail "the host stopped sending: $(tail -n 2 sent.json)"
sm topology propose r1 v2.topo --wait >proposed.txt || fail "v2 was not agreed: $(cat proposed.txt)"
wait_true 60 "v2 announced by every router" topo \
  's["agreed_cid"] == "'"$cid2"'" and s["epoch"] == 2 and all(x["on_agreed"] for x in s["routers"])' || fail_with_topology
wait_logged 30 router1.log "stamping epoch 2" || fail_with_topology
switched_at=$(cat sent.count)
wait_until --alive "$sender" 240 "$((2 * batch)) datagrams sent after the switch" sent_at_least $((switched_at + 2 * batch)) ||
  fail "the host stopped sending: $(tail -n 2 sent.json)"
touch stop-sending
wait "$sender" || fail "datagram send failed: $(tail -n 2 sent.json)"
sender=""
count=$(cat sent.count)
echo "   $count datagrams sent in runs of $batch; r1 stamped epoch 2 from about datagram $switched_at"
[ "$(sm route r1 10.4.0.9 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_hop"])')" = r3 ] ||
  fail "r1 does not route 10.4.0.9 via r3 under v2: $(sm route r1 10.4.0.9)"

check "the receive logs: every datagram delivered once, by the old path before the switch and the new one after"
wait_logged 30 received/r4.log "7 $count 2 2 deliver" || fail_with_topology # the last datagram crossed loopback
for i in 1 2 3 4; do
  stop_router "$i"
done
sm datagram check received/r1.log received/r2.log received/r3.log received/r4.log --flow 7 --count "$count" >check.json ||
  fail "datagram check: $(cat check.json)"
cat check.json
python3 - "$count" <<'PY' || fail "the paths do not show one clean switch"
import json, sys
count = int(sys.argv[1])
rep = json.load(open("check.json"))
assert rep["ok"], rep
def records(router):
    out = {}
    for line in open(f"received/{router}.log"):
        f = line.split()
        if f[0] == "-":
            raise SystemExit(f"{router}: a malformed datagram: {line}")
        if f[0] != "7":
            continue
        out.setdefault(int(f[1]), []).append((int(f[2]), int(f[3]), f[4]))
    return out
r = {n: records(n) for n in ("r1", "r2", "r3", "r4")}
old = new = 0
last_old, first_new = 0, None
for seq in range(1, count + 1):
    (epoch, hops, action), = r["r1"][seq]          # received once at r1
    via = "r2" if epoch == 1 else "r3"
    other = "r3" if epoch == 1 else "r2"
    assert epoch in (1, 2), (seq, epoch)
    assert action == f"forward:{via}", (seq, epoch, action)
    assert r[via][seq] == [(epoch, 1, "forward:r4")], (seq, r[via].get(seq))
    assert seq not in r[other], (seq, "also at", other)
    assert r["r4"][seq] == [(epoch, 2, "deliver")], (seq, r["r4"].get(seq))
    if epoch == 1:
        old += 1; last_old = seq
        assert first_new is None, f"seq {seq} stamped epoch 1 after seq {first_new} was stamped 2"
    else:
        new += 1
        first_new = first_new or seq
assert old > 0 and new > 0, (old, new)
print(f"   {old} datagrams r1>r2>r4 under epoch 1 (1..{last_old}), {new} r1>r3>r4 under epoch 2 ({first_new}..{count}); none lost, doubled or dropped")
PY
grep -h "drop:" received/*.log && fail "a router dropped datagrams"
echo "OK"
