# Scenario 04, gateways and rebalancing (schemas/host.capnp gateways and load reports,
# schemas/rebalancer.capnp): every outcome of an evaluation, a plan carried out, an alert raised and cleared,
# a move dropped.
# Events: gatewayRegistered, loadReported; configured, evaluated, belowThreshold, planned, moved,
# skippedAllOverloaded, alertRaised, alertCleared, moveDropped (both ways), unbalanceable.
#
# Workloads copy at 64 KiB/s in 64 KiB chunks (a hand-over within a second) and are ended, once their steps
# are done, by cutting their sources (the copies fail): a workload is there exactly as long as it is needed,
# whatever the machine's pace, and writes few progress events. With a rate capacity of 1 MiB/s and a queue
# capacity of 4 each weighs about 8 points (3 for its rate, 5 for its place in the queue), so the outcomes
# follow from the queues, which the agents measure exactly.
serve_flags=(--snapshot-every 10)  # gateways and the rebalancer have tens of events

scenario() {
  mkdir -p src dst
  for w in u1 u2 u3; do head -c $((2 * MiB)) /dev/urandom >"src/$w.bin"; done
  for w in s1 s2 s3; do head -c "$MiB" /dev/urandom >"src/$w.bin"; done

  # Python over `gateway list --json` (generate.sh's gateways, g by id): every gateway has reported; the
  # primary's queues. A gateway reports within a second of a change of its queue; an idle one repeats
  # itself every stale_after / 2 = 10 s.
  local reported='all(g[x]["report_age_seconds"] is not None for x in g)'
  local queues='[g[x]["queue_depth"] for x in ("gw-1", "gw-2", "gw-3")]'
  rate() { echo "g[\"$1\"][\"bytes_per_second\"] > 0"; }
  outcome() { rebalancer "$1" 'd["last_outcome"]'; }
  status() { sm rebalance status --site primary --json; }
  workload() {  # ID RATE CHUNK GATEWAY
    sm copy submit --id "$1" --src "g.src:$1.bin" --dst "g.dst:$1.bin" --max-rate "$2" --chunk-size "$3" --host "$4" >/dev/null
  }

  step "settings of both sites: on demand only, a report every second, no cool-downs"
  sm rebalance configure --interval 0 --report-interval 1 --stale-after 20 --rate-capacity 1MiB --queue-capacity 4 \
    --spread-threshold 0.25 --cooldown-gateway 0 --cooldown-workload 0 --min-remaining 0 >/dev/null
  for gw in gw-1 gw-2 gw-3; do
    sm gateway add "$gw" --site primary --datastore "g.src=$PWD/src" --datastore "g.dst=$PWD/dst" >/dev/null
  done
  sm gateway add gw-r1 --site recovery --datastore "g.src=$PWD/src" --datastore "g.dst=$PWD/dst" >/dev/null

  step "idle gateways: below the threshold (every score 0), at both sites"
  wait_true 30 "a report from every gateway" gateways "$reported"
  sm rebalance --site primary >/dev/null
  [ "$(outcome primary)" = below_threshold ] || fail "primary: $(status)"
  sm rebalance --site recovery >/dev/null
  [ "$(outcome recovery)" = below_threshold ] || fail "recovery: $(sm rebalance status --site recovery --json)"

  step "two workloads on gw-1: planned, the move carried out as a migration"
  workload u1 64K 64KiB gw-1
  workload u2 64K 64KiB gw-1
  wait_true 30 "gw-1 reports two workloads" gateways "$reported and $queues == [2, 0, 0] and $(rate gw-1)"
  sm rebalance --site primary --wait --wait-timeout 60 >/dev/null
  [ "$(rebalancer primary 'd["plans"], d["moves_done"], len(d["pending"])')" = "(1, 1, 0)" ] || fail "primary: $(status)"

  step "a workload on every primary gateway, overload threshold 1: all overloaded, skipped, alert raised"
  workload u3 64K 64KiB gw-3
  wait_true 30 "every primary gateway reports one workload" gateways "$queues == [1, 1, 1]"
  sm rebalance configure --site primary --overload-threshold 1 >/dev/null
  sm rebalance --site primary >/dev/null
  [ "$(rebalancer primary 'd["last_outcome"], d["alert"] is not None')" = "('skipped_all_overloaded', True)" ] ||
    fail "primary: $(status)"

  step "threshold back to 85: the alert is cleared"
  sm rebalance configure --site primary --overload-threshold 85 >/dev/null
  sm rebalance --site primary --wait --wait-timeout 60 >/dev/null
  [ "$(rebalancer primary 'd["alert"] is None')" = True ] || fail "primary: $(status)"
  truncate -s 0 src/u1.bin src/u2.bin src/u3.bin  # done with them
  for w in u1 u2 u3; do expect_end "$w" failed source_changed; done

  step "moves dropped: one whose job fails before it moves, one not handed over in time; then unbalanceable"
  # Three workloads on gw-2, each one chunk of 1 MiB at 16 KiB/s: a stop waits for the end of that chunk, a
  # minute away, while a move must be handed over within half a second. The plan moves two of them.
  sm rebalance configure --site primary --move-timeout 0.5 >/dev/null
  for w in s1 s2 s3; do workload "$w" 16K 1MiB gw-2; done
  wait_true 30 "gw-2 reports all three" gateways "$queues == [0, 3, 0] and $(rate gw-2)"
  sm rebalance --site primary >/dev/null
  [ "$(rebalancer primary 'd["last_outcome"], len(d["pending"])')" = "('planned', 2)" ] || fail "primary: $(status)"
  local first second
  first=$(rebalancer primary 'd["pending"][0]["job"]')
  second=$(rebalancer primary 'd["pending"][1]["job"]')
  wait_true 30 "$first migrating" job "$first" 'd["state"] == "migrating"'
  wait_true 30 "$second migrating" job "$second" 'd["state"] == "migrating"'
  truncate -s 0 "src/$first.bin"  # its copy fails while the stop waits: the move is dropped as such
  expect_end "$first" failed source_changed
  wait_true 30 "the move of $first dropped" rebalancer primary 'd["moves_dropped"] == 1'
  # Not a race: this waits for the clock itself, past the other move's timeout (0.5 s). The timeout is judged
  # against the wall clock at the next evaluation (below), so no state shows it passed before then; the hand-over
  # it must come before is still most of a minute away.
  sleep 0.6
  # Every workload now counts as ending: the evaluation that drops the other move finds nothing it may move
  # (one migrating, one ending) from the busiest gateway to the idle ones.
  sm rebalance configure --site primary --min-remaining 100000 >/dev/null
  sm rebalance --site primary >/dev/null
  [ "$(rebalancer primary 'd["moves_dropped"], len(d["pending"]), d["last_outcome"]')" = "(2, 0, 'unbalanceable')" ] ||
    fail "primary: $(status)"
  # Cut the other sources: the copies fail (the second mover's migration ends as failed) instead of running on.
  truncate -s 0 src/s1.bin src/s2.bin src/s3.bin
  for w in s1 s2 s3; do expect_end "$w" failed source_changed; done
}
