# Scenario 05, a copy job's throttle changed while it runs and its finalize (schemas/copy_job.capnp): a copy
# held at a point and released, a throttle that goes with a migration, every job verified before it completes,
# and what a throttle may not do.
# Events: throttled (with --until/--then, without, and to 0: unthrottled), finalizing (on the first host, and
# on the second after a migration), with the commands throttle and reportFinalizing. Rejections (of
# throttle): invalid (a rate out of bounds; an offset not below the source's size), stale (an offset the copy
# has passed), no_change, finished, unknown_job.
#
# Clock-free: a copy throttled to 1 KiB/s, the slowest, is held (a 256 KiB chunk takes 4 minutes); every step
# below waits for what the CLI shows (the source recorded, the copy at the hold, a stop recorded) and is
# decided the same whenever it lands; only raising the rate lets a copy move on. The finalize is not throttled
# and lasts milliseconds here, so nothing is done while a job is finalizing (a refusal `finalizing` would race
# the copy engine; see README.md).
# A snapshot after every event: of each job's every state, among them a pending throttle change (rate_until,
# rate_then), a stop with a throttle, and finalizing (State.status 5), whichever event number each falls on.
# Affordable because 256 KiB chunks keep the jobs to about 15 events each.
serve_flags=(--snapshot-every 1)

scenario() {
  mkdir -p src dst
  sm host add fin-a --datastore "f.src=$PWD/src" --datastore "f.dst=$PWD/dst" >/dev/null
  sm host add fin-b --datastore "f.src=$PWD/src" --datastore "f.dst=$PWD/dst" >/dev/null
  head -c "$MiB" /dev/urandom >src/one.bin
  KiB=1024

  submit() {  # ID HOST: 1 MiB in 256 KiB chunks, held from the start (1 KiB/s)
    sm copy submit --id "$1" --src f.src:one.bin --dst "f.dst:$1.bin" --chunk-size 256KiB --max-rate 1K \
      --host "$2" >/dev/null
  }
  source_recorded() { wait_true 30 "$1: its source recorded" job "$1" 'd["bytes_total"] > 0'; }
  throttle_is() {  # JOB "(max_rate, rate_until, rate_then)"
    [ "$(job "$1" '(d["max_rate"], d["rate_until"], d["rate_then"])')" = "$2" ] ||
      fail "$1: throttle $(job "$1" '(d["max_rate"], d["rate_until"], d["rate_then"])'), expected $2"
  }

  step "held: 1 MiB/s up to 512 KiB, then held there (1 KiB/s); refusals; released at 2 MiB/s"
  submit held fin-a
  source_recorded held
  sm copy throttle held --max-rate 1M --until 512KiB --then 1K >/dev/null
  wait_bytes held $((512 * KiB))
  throttle_is held "(1024, 0, 0)"  # the recorded progress reached 512 KiB: the rate from there is in force
  expect_rejected invalid copy throttle held --max-rate 100                         # below 1 KiB/s
  expect_rejected invalid copy throttle held --max-rate 1M --until 2MiB --then 1K   # beyond the 1 MiB source
  expect_rejected stale copy throttle held --max-rate 1M --until 256KiB --then 1K   # the copy is past 256 KiB
  expect_rejected no_change copy throttle held --max-rate 1K
  sm copy throttle held --max-rate 2M >/dev/null
  expect_end held completed
  cmp -s src/one.bin dst/held.bin || fail "held: the copy differs from its source"
  [ "$(job held 'd["finalize_started_ns"] > 0')" = True ] || fail "held: no finalize recorded: $(sm copy status held --json)"

  step "carried: migrated fin-a -> fin-b while held; its throttle goes with it; released unthrottled on fin-b"
  submit carried fin-a
  source_recorded carried
  sm copy migrate carried --to fin-b --no-wait >/dev/null
  wait_true 30 "carried: its stop recorded" job carried 'd["stop_requested"]'
  # fin-a finishes the chunk in flight at the new rate and hands over; fin-b copies on to 768 KiB and holds.
  sm copy throttle carried --max-rate 1M --until 768KiB --then 1K >/dev/null
  wait_bytes carried $((768 * KiB))
  [ "$(job carried '" ".join(h["host"] for h in d["hosts"]), d["host"]')" = "('fin-a fin-b', 'fin-b')" ] ||
    fail "carried is not held on fin-b: $(sm copy status carried --json)"
  throttle_is carried "(1024, 0, 0)"
  sm copy throttle carried --max-rate 0 >/dev/null
  expect_end carried completed
  cmp -s src/one.bin dst/carried.bin || fail "carried: the copy differs from its source"

  step "refused: the throttle of a finished job, of no job"
  expect_rejected finished copy throttle held --max-rate 1M
  expect_rejected unknown_job copy throttle nosuch --max-rate 1M
}
