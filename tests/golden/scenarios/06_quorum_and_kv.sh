# Scenario 06, the management quorum and its coordination keyspace (schemas/cluster.capnp, schemas/kv.capnp):
# a cluster `main` of three management servers (m1-m3), two nodes (n1; n2, held behind the kv log) and a client,
# run by real processes (`storemesh director`, `storemesh peer`) over Noise tunnels on loopback; kv requests go
# through the director to the servers, which append them to the log; failures are kill -9.
# cluster events: configured (twice: the detector held off, then on), serverAdded, nodeAdded, clientAdded (the CLI); tunnelOpened and tunnelClosed (the
# director records every tunnel of a peer or a kv CLI call); serverLost (m1 killed), promotionStarted and
# promotionReady (n1 promoted, caught up), promotionStarted and promotionFailed (m2 killed: n2, which holds its
# replica at offset 0, is the only node and is promoted; killed before it could catch up: the director's
# report_failed), serverReturned as member (m2 restarted: its loss still open, the quorum below target) and as
# node (m1 restarted, the quorum full: demoted), peerRemoved (n2, a dead node; m1, a live node: its tunnel closes).
# Commands: configure, addServer, addNode, addClient, recordTunnel, reportLost, promote, reportReady,
# reportFailed, reportBack, removeNode. Rejections: key_taken (a second peer with m1's key), quorum_full (a fourth founding server), already_removed (n2 twice), and whatever
# the director's repeated reports run into while the log catches up (no_eligible_node while n2 lies dead).
# kv events: putDone (plain, with a lease, compare-and-swap), deleted, leaseGranted, leaseRenewed, leaseRevoked
# (with its key), leasesExpired (a lease of 1 s never kept alive: the director's lease keeper expires it, with its
# key); commands put, delete, grantLease, keepAlive, revokeLease, expireLeases. Rejection: compare_failed (a put
# at a stale revision).
#
# Clock-free: every step waits for what the log shows (`quorum status --json` and `tunnel list --json` read the
# log, not the director: polling the director would open a tunnel, recorded, per poll) or for what a process
# answers. The only timers are the director's (failure detection, lease expiry), and each step waits on their
# outcome, however long they take.
# Snapshots every 8 events: the kv keyspace's 12 events give one, the cluster's (~60, most of them tunnels) several;
# a cluster's state holds up to 64 closed tunnels, so its snapshots are the largest records here. No agents: the
# scenario places no copies, and the agents' load reports of scenario 04's gateways (one per gateway every 10 s)
# would only grow the log.
serve_flags=(--snapshot-every 8 --no-agents)

scenario() {
  unset STOREMESH_DIRECTOR STOREMESH_TUNNEL_KEY STOREMESH_CLUSTER
  declare -gA coord_pid=()
  # On failure too (generate.sh's exit calls it): no process of this scenario outlives it.
  scenario_cleanup() { local p; for p in "${coord_pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }

  # A Python expression over the cluster as the log has it (quorum status without --director): q, peers by id
  # in q["p"], their roles in q["r"].
  cluster() {
    sm quorum status --json | python3 -c '
import json, sys
q = json.load(sys.stdin)
q["p"] = {p["id"]: p for p in q["peers"]}
q["r"] = {p["id"]: p["role"] for p in q["peers"]}
print(eval(sys.argv[1]))' "$1"
  }
  # Whether PEER has a tunnel open with the director, as the log records it.
  tunnel_open() { sm tunnel list --json | python3 -c '
import json, sys
print(any(json.loads(l)["peer"] == sys.argv[1] and not json.loads(l)["closed_at_ns"] for l in sys.stdin))' "$1"; }
  start_peer() {  # ID [peer flags]
    local id=$1
    shift
    "$S" peer --id "$id" --tunnel-key "$id.key" --director "$DIRECTOR" "$@" >>"$id.log" 2>&1 &
    coord_pid[$id]=$!
  }
  kill_peer() { kill -9 "${coord_pid[$1]}"; wait "${coord_pid[$1]}" 2>/dev/null || true; unset "coord_pid[$1]"; }
  kv() { sm kv "$@" --director "$DIRECTOR" --tunnel-key cli.key; }
  kv_absent() {  # KEY: True once a get through the director answers "key not found" (exit 3)
    local rc=0
    kv get "$1" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 3 ] && echo True || echo False
  }
  tunnel_closed() { [ "$(tunnel_open "$1")" = False ] && echo True || echo False; }
  no_tunnel_open() { [ -z "$(sm tunnel list --json)" ] && echo True || echo False; }

  step "keys; configure (target 3); three servers, two nodes, a client; a key already on the allow-list refused"
  for k in director m1 m2 m3 n1 n2 cli; do sm tunnel keygen --out "$k.key" >/dev/null; done
  # max-lag 1000: n2, held at offset 0, stays eligible (its lag is the kv log's length) but never catches up.
  # The director counts a peer it has not heard from since its own start as silent from then (Akka's
  # bootstrap): a server slow to start on a busy machine would be reported lost before it ever connected. So
  # the detector is held off until every peer's tunnel is recorded: a threshold of 1e300 no silence reaches
  # (phi grows like the cube of the silence), then 12 (configured again, below).
  # Heartbeats every second and a threshold of 12: a loss needs about 5 s of silence (the director adds a pause
  # of 1 s for a busy machine), so a peer or the director itself stalled by the load of a shared 2-core machine
  # is not taken for dead; a kill -9 is still seen within seconds.
  configure() { sm quorum configure --target 3 --grace 3600 --max-lag 1000 --heartbeat-ms 1000 --phi "$1" \
    --director-key director.key.pub >/dev/null; }
  configure 1e300
  local i=0 m
  for m in m1 m2 m3; do
    i=$((i + 1))
    sm node add "$m" --server --tunnel-pub "$m.key.pub" --domain "d$i" --address "127.0.0.1:$((7460 + i))" >/dev/null
  done
  sm node add n1 --tunnel-pub n1.key.pub --domain d1 >/dev/null
  sm node add n2 --tunnel-pub n2.key.pub --domain d2 >/dev/null
  sm node add cli --client --tunnel-pub cli.key.pub >/dev/null
  expect_rejected key_taken node add dup --tunnel-pub m1.key.pub
  sm tunnel keygen --out m4.key >/dev/null
  expect_rejected quorum_full node add m4 --server --tunnel-pub m4.key.pub

  step "the director and every peer (n2 holds its kv replica at offset 0); every tunnel recorded open"
  "$S" director --listen 127.0.0.1:0 --tunnel-key director.key >director.log 2>&1 &
  coord_pid[director]=$!
  wait_until --alive "${coord_pid[director]}" 20 "the director listening" grep -q "^listening on" director.log ||
    fail "the director did not start: $(cat director.log)"
  DIRECTOR=$(sed -n 's/^listening on //p' director.log | head -1)
  [ -n "$DIRECTOR" ] || fail "the director did not start: $(cat director.log)"
  for m in m1 m2 m3 n1; do start_peer "$m"; done
  start_peer n2 --hold-apply-at 0
  for m in m1 m2 m3 n1 n2; do wait_true 60 "$m's tunnel recorded" tunnel_open "$m"; done
  configure 12
  # A request needs a member that serves; the first may come before one has heard it is one.
  wait_true 60 "a kv request answered" kv_absent nothing-here

  step "kv: put, compare-and-swap (and one refused), delete, a lease granted, renewed, revoked with its key"
  kv put app/a 1 >/dev/null
  local rev
  rev=$(kv put app/a 2 --json | py_json 'd["revision"]')
  kv put app/a 3 --expect-revision "$rev" >/dev/null
  expect_rejected compare_failed kv put app/a 4 --expect-revision "$rev" --director "$DIRECTOR" --tunnel-key cli.key
  kv put app/b x >/dev/null
  kv del app/b >/dev/null
  kv lease grant 7 --ttl 600 >/dev/null
  kv put app/leased y --lease 7 >/dev/null
  kv lease keep-alive 7 >/dev/null
  kv lease revoke 7 >/dev/null
  [ "$(kv get app/ --prefix | tr '\n' ' ')" = "app/a=3 " ] || fail "kv after the revoke: $(kv get app/ --prefix)"

  step "kv: a lease of 1 s never kept alive: the director's lease keeper expires it and its key"
  kv lease grant 8 --ttl 1 >/dev/null
  kv put app/ephemeral z --lease 8 >/dev/null
  wait_true 60 "app/ephemeral expired with lease 8" kv_absent app/ephemeral

  step "kill -9 m1: lost; n1 (caught up) promoted and ready"
  kill_peer m1
  wait_true 90 "m1 lost, n1 promoted and ready" cluster \
    'q["r"]["m1"] == "lost" and q["r"]["n1"] == "member" and [p["state"] for p in q["promotions"]] == ["ready"]'

  step "kill -9 m2: lost; n2, the only node, promoted; killed before it catches up: its promotion fails"
  kill_peer m2
  wait_true 90 "m2 lost, n2 promoting" cluster \
    'q["r"]["m2"] == "lost" and q["r"]["n2"] == "promoting"'
  kill_peer n2
  wait_true 90 "n2's promotion failed" cluster \
    '[p["state"] for p in q["promotions"]] == ["ready", "failed"] and q["r"]["n2"] == "node"'

  step "m2 restarted: back as a member (its loss open, none filling it); m1 restarted: back as a node (quorum full)"
  start_peer m2
  wait_true 90 "m2 back as a member" cluster 'q["r"]["m2"] == "member" and q["members"] == 3'
  start_peer m1
  wait_true 90 "m1 back as a node" cluster 'q["r"]["m1"] == "node"'
  [ "$(cluster '[l["status"] for l in q["losses"]]')" = "['filled', 'returned']" ] || fail "losses: $(sm quorum status)"

  step "node remove n2 (dead) and m1 (connected: its tunnel closes)"
  wait_true 60 "m1's new tunnel recorded" tunnel_open m1
  sm node remove n2 >/dev/null
  expect_rejected already_removed node remove n2
  sm node remove m1 >/dev/null
  wait_true 60 "m1's tunnel closed" tunnel_closed m1
  [ "$(cluster '(q["r"]["n2"], q["r"]["m1"], q["members"])')" = "('removed', 'removed', 3)" ] ||
    fail "after the removals: $(sm quorum status)"

  step "stop the peers, then the director (it records their tunnels closed)"
  for m in m2 m3 n1 m1; do
    [ -n "${coord_pid[$m]:-}" ] || continue
    kill -TERM "${coord_pid[$m]}"
    wait "${coord_pid[$m]}" 2>/dev/null || true
    unset "coord_pid[$m]"
  done
  wait_true 60 "every tunnel recorded closed" no_tunnel_open
  kill -TERM "${coord_pid[director]}"
  wait "${coord_pid[director]}" || echo "   the director exited with $?: $(tail -n 3 director.log)"
  unset "coord_pid[director]"
  sm quorum status
}
