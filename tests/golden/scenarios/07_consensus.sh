# Scenario 07, routers and topology votes (schemas/consensus.capnp): three routers g1-g3 of network `golden`,
# registered through the CLI and enrolled by the daemon's reaction; the quorum configured; raw commands (`command
# send`: the router process that will send them comes later) for the rest.
# router events: registered (three), announced (g1: the seed, then the agreed topology). Commands: register, announce.
# topology events: enrolled (the reaction), configured, seeded, proposed (five), voted, agreed (gp1: g2 rejects
# with a reason, g1 and g3 accept), superseded (gp2, open when gp1 was agreed), refused (gp3: two rejects leave
# the quorum of 2 of 3 out of reach), expired (gp4, its deadline long past). Commands: enroll, configure, seed,
# propose, vote, expire. Rejections: invalid (an endpoint that is not host:port), stale (a proposal on the old
# topology), already_voted, not_due (gp5, open for an hour).
# Clock-free: deadlines are an hour ahead, or 1 µs after 1970 where a step needs one past.
# Snapshots every 3 events: g1's (registered, two announcements) and several of the topology's.
serve_flags=(--snapshot-every 3 --no-agents)

scenario() {
  topo() {
    sm topology status --network golden --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
r = {x["router"]: x for x in s["routers"]}
p = {x["proposal"]: x for x in s["proposals"]}
print(eval(sys.argv[1]))' "$1"
  }
  tcmd() { sm command send --kind topology --id golden --payload "{\"topologyCommand\":$1}"; }
  vote() {  # PROPOSAL ROUTER ACCEPT REASON
    tcmd "{\"vote\":{\"proposal\":\"$1\",\"router\":\"$2\",\"accept\":$3,\"reason\":\"$4\",\"atNs\":\"$(date +%s%N)\"}}"
  }
  propose() {  # PROPOSAL CID PROPOSER BASE DEADLINE_NS
    tcmd "{\"propose\":{\"proposal\":\"$1\",\"cid\":\"$2\",\"proposer\":\"$3\",\"baseCid\":\"$4\",\"deadlineNs\":\"$5\"}}"
  }
  local c0=bafkreigoldenaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
  local c1=bafkreigoldenbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
  local c2=bafkreigoldencccccccccccccccccccccccccccccccccccccccccccccc
  local c3=bafkreigoldendddddddddddddddddddddddddddddddddddddddddddddd
  local later
  later=$(($(date +%s) + 3600))000000000

  step "three routers registered and enrolled by the reaction; the quorum configured"
  for i in 1 2 3; do
    sm router add "g$i" --network golden --udp "127.0.0.1:720$i" --gateway "127.0.0.1:820$i" >/dev/null
  done
  wait_true 60 "three routers enrolled" topo 'sorted(x["router"] for x in s["routers"] if x["enrolled"]) == ["g1", "g2", "g3"]'
  expect_rejected invalid router add g4 --network golden --udp nowhere --gateway 127.0.0.1:8204
  sm topology configure --network golden --quorum 0 --window 45s >/dev/null

  step "seed; gp1 agreed (g2 rejects, g1 and g3 accept), gp2 superseded in the same decision"
  tcmd "{\"seed\":{\"cid\":\"$c0\"}}" >/dev/null
  propose gp1 "$c1" g1 "$c0" "$later" >/dev/null
  propose gp2 "$c2" g2 "$c0" "$later" >/dev/null
  vote gp1 g2 false "next hop g9 of 10.0.0.0/8 is not a known router" >/dev/null
  vote gp1 g1 true "valid: 3 prefixes, all reachable" >/dev/null
  vote gp1 g3 true "valid" >/dev/null
  [ "$(topo 's["epoch"] == 2 and p["gp1"]["status"] == "agreed" and p["gp2"]["status"] == "superseded"')" = True ] ||
    fail "gp1 not agreed: $(sm topology status --network golden)"
  expect_rejected already_voted command send --kind topology --id golden \
    --payload '{"topologyCommand":{"vote":{"proposal":"gp1","router":"g2","accept":true,"reason":"changed"}}}'
  expect_rejected stale command send --kind topology --id golden \
    --payload "{\"topologyCommand\":{\"propose\":{\"proposal\":\"gp9\",\"cid\":\"$c3\",\"proposer\":\"g1\",\"baseCid\":\"$c0\",\"deadlineNs\":\"$later\"}}}"

  step "gp3 refused by two rejects, gp4 expired past its deadline, gp5 not due"
  propose gp3 "$c3" g3 "$c1" "$later" >/dev/null
  vote gp3 g1 false "loop: g1 -> g2 -> g1 for 10.1.0.0/16" >/dev/null
  vote gp3 g2 false "prefix 10.2.0.0/16 unreachable" >/dev/null
  propose gp4 "$c2" g1 "$c1" 1000 >/dev/null
  tcmd '{"expire":{"proposal":"gp4","nowNs":"2000"}}' >/dev/null
  propose gp5 "$c0" g2 "$c1" "$later" >/dev/null
  expect_rejected not_due command send --kind topology --id golden \
    --payload '{"topologyCommand":{"expire":{"proposal":"gp5","nowNs":"2000"}}}'
  [ "$(topo 'p["gp3"]["status"] == "refused" and p["gp4"]["status"] == "expired" and p["gp5"]["status"] == "open"')" = True ] ||
    fail "gp3-gp5: $(sm topology status --network golden)"

  step "g1 announces the seed, then the agreed topology (its third event: a snapshot)"
  sm command send --kind router --id g1 \
    --payload "{\"routerCommand\":{\"announce\":{\"cid\":\"$c0\",\"epoch\":\"1\",\"atNs\":\"$(date +%s%N)\"}}}" >/dev/null
  sm command send --kind router --id g1 \
    --payload "{\"routerCommand\":{\"announce\":{\"cid\":\"$c1\",\"epoch\":\"2\",\"atNs\":\"$(date +%s%N)\"}}}" >/dev/null
  [ "$(topo 'r["g1"]["on_agreed"]')" = True ] || fail "g1's announcement not shown"
  sm topology status --network golden
}
