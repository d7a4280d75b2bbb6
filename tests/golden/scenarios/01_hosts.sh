# Scenario 01, hosts (schemas/host.capnp): registration and every state change, and what the host entity and
# the intake refuse.
# Events: registered, stateChanged. Rejections: already_registered, unknown_host, no_change, bad_transition
# (decider); unknown_key (intake).
serve_flags=(--snapshot-every 3)  # hosts here have 3 events or fewer: snapshots of them too

scenario() {
  mkdir -p src dst
  step "three hosts (datastores h.*: no later scenario places work on them)"
  sm host add host-a --datastore "h.src=$PWD/src" --datastore "h.dst=$PWD/dst" >/dev/null
  sm host add host-b --datastore "h.src=$PWD/src" --datastore "h.dst=$PWD/dst" >/dev/null
  sm host add host-c --datastore "h.src=$PWD/src" >/dev/null

  step "state changes: drain and back up, down and back up"
  sm host drain host-b --reason "maintenance window" >/dev/null
  sm host up host-b >/dev/null
  sm host down host-c --reason "powered off" >/dev/null
  expect_rejected bad_transition host drain host-c
  sm host up host-c --reason "powered on" >/dev/null

  step "refused by the host entity"
  expect_rejected already_registered host add host-a --datastore "h.src=$PWD/src"
  expect_rejected unknown_host host drain host-zz
  expect_rejected no_change host up host-a

  step "refused at intake: signed by a key the daemon does not trust"
  expect_rejected unknown_key host add host-x --datastore "h.src=$PWD/src" --key "$WS/stranger.key"
}
