# Scenario 03, migration of running copy jobs between hosts (schemas/copy_job.capnp, schemas/migration.capnp):
# by hand, by a drain (the placement policy); a job that waits between hosts and is placed when one comes
# up; a job that fails while its migration is under way; and what a migration may not do.
# Events: migrationRequested, stopRequested, portionCompleted, assigned (request 3, and a re-target), the
# migration's begun, portionReceived, resumed, ended (failed). Rejections: same_host, unknown_host,
# host_unavailable, unreachable_datastore, already_migrating, finished, and the refused hand-over of a job
# whose target went away (no_host).
serve_flags=(--snapshot-every 3)  # a migration has 2 or 3 events: snapshots of them too

scenario() {
  mkdir -p src dst other
  sm host add mig-a --datastore "m.src=$PWD/src" --datastore "m.dst=$PWD/dst" >/dev/null
  sm host add mig-b --datastore "m.src=$PWD/src" --datastore "m.dst=$PWD/dst" >/dev/null
  sm host add mig-c --datastore "m.src=$PWD/src" --datastore "m.other=$PWD/other" >/dev/null
  sm host add mig-d --datastore "m.src=$PWD/src" --datastore "m.dst=$PWD/dst" >/dev/null
  sm host down mig-d --reason "kept down: a target that is unavailable" >/dev/null
  head -c $((2 * MiB)) /dev/urandom >src/two.bin

  submit() {  # ID [RATE] [CHUNK] [SOURCE]: from mig-a
    sm copy submit --id "$1" --src "m.src:${4:-two.bin}" --dst "m.dst:$1.bin" --max-rate "${2:-1M}" \
      --chunk-size "${3:-256KiB}" --host mig-a >/dev/null
  }
  hosts_of() { job "$1" '" ".join(h["host"] for h in d["hosts"])'; }

  step "migrate mid-way by hand: mig-a -> mig-b after 512 KiB of 2 MiB"
  submit moved
  wait_bytes moved $((512 * 1024))
  sm copy migrate moved --to mig-b --reason "by hand" >/dev/null
  expect_end moved completed
  [ "$(hosts_of moved)" = "mig-a mig-b" ] || fail "moved went $(hosts_of moved)"
  cmp -s src/two.bin dst/moved.bin || fail "moved: the copy differs from its source"
  expect_rejected finished copy migrate moved --to mig-a

  # (`copy migrate --auto` asks the same policy as a drain, and records the same events.)
  step "drain mig-a with a job running there: the placement policy moves it to mig-b (mig-d is down, mig-c lacks m.dst)"
  submit drained
  wait_bytes drained $((512 * 1024))
  sm host drain mig-a --reason "drain test" >/dev/null
  expect_end drained completed
  [ "$(hosts_of drained)" = "mig-a mig-b" ] || fail "drained went $(hosts_of drained)"
  sm host up mig-a >/dev/null

  step "a job whose target goes away before the hand-over waits between hosts, then is placed when one comes up"
  # A first chunk of 1 MiB at 256 KiB/s: the stop waits about 4 s for it, time for the two state changes
  # below to be decided before the portion is reported.
  head -c $((MiB + 64 * 1024)) /dev/urandom >src/waits.bin
  submit waits 256K 1MiB waits.bin
  wait_bytes waits $((32 * 1024))
  sm copy migrate waits --to mig-b >/dev/null
  sm host down mig-b --reason "gone before the hand-over" >/dev/null
  sm host drain mig-a --reason "no way back to the source either" >/dev/null
  refused_hand_over() {  # the hand-over's refusal is on storemesh.rejected
    sm events tail --json --topic storemesh.rejected | python3 -c '
import json, sys
envs = [json.loads(l)["envelope"] for l in sys.stdin]
print(any(e["entityId"] == "waits" and "can no longer take the job" in e["payload"]["rejection"]["reason"]
          for e in envs if "rejection" in e["payload"]))'
  }
  wait_true 60 "the hand-over of waits refused (no host can take it)" refused_hand_over
  [ "$(job waits 'd["state"], d["host"]')" = "('migrating', '')" ] ||
    fail "waits is not between hosts: $(sm copy status waits --json)"
  sm host up mig-b --reason "back" >/dev/null  # the placement policy places the waiting job here
  expect_end waits completed
  [ "$(hosts_of waits)" = "mig-a mig-b" ] || fail "waits went $(hosts_of waits)"
  cmp -s src/waits.bin dst/waits.bin || fail "waits: the copy differs from its source"
  sm host up mig-a >/dev/null

  step "what a migration may not do; a job that fails while it migrates: the migration ends as failed"
  # One chunk of 1 MiB at 32 KiB/s: the job runs, and a stop waits for the end of that chunk, long enough
  # for every refusal below; the source is cut before it ends.
  cp src/two.bin src/cut.bin
  submit cut 32K 1MiB cut.bin
  wait_bytes cut $((16 * 1024))
  expect_rejected same_host copy migrate cut --to mig-a
  expect_rejected unknown_host copy migrate cut --to mig-zz
  expect_rejected host_unavailable copy migrate cut --to mig-d
  expect_rejected unreachable_datastore copy migrate cut --to mig-c
  sm copy migrate cut --to mig-b --no-wait >/dev/null
  expect_rejected already_migrating copy migrate cut --to mig-b
  wait_true 30 "cut: its migration begun" job cut 'd["state"] == "migrating"'
  truncate -s $((64 * 1024)) src/cut.bin
  expect_end cut failed source_changed
}
