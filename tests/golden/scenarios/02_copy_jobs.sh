# Scenario 02, copy jobs without migration (schemas/copy_job.capnp): one that completes, one of each failure a
# real file system gives, and what the copy job entity refuses.
# Events: submitted, assigned, started, progressed, completed, failed (source_missing, source_changed,
# disk_full, path_escapes_datastore, destination_missing). Rejections: unknown_datastore, bad_path, no_host,
# invalid, already_submitted.
serve_flags=(--snapshot-every 5)

scenario() {
  mkdir -p src dst only outside
  mount_tmpfs full 1m
  sm host add copy-a --datastore "c.src=$PWD/src" --datastore "c.dst=$PWD/dst" --datastore "c.full=$PWD/full" >/dev/null
  sm host add copy-b --datastore "c.src=$PWD/src" --datastore "c.only=$PWD/only" >/dev/null
  head -c $((3 * MiB)) /dev/urandom >src/three.bin

  step "a copy that completes: 3 MiB in 256 KiB chunks at 2 MiB/s"
  sm copy submit --id plain --src c.src:three.bin --dst c.dst:plain.bin --chunk-size 256KiB --max-rate 2M \
    --host copy-a >/dev/null
  expect_end plain completed
  cmp -s src/three.bin dst/plain.bin || fail "plain: the copy differs from its source"

  step "failures"
  sm copy submit --id missing --src c.src:nothing-here.bin --dst c.dst:missing.bin --host copy-a >/dev/null
  expect_end missing failed source_missing

  head -c $((4 * MiB)) /dev/urandom >src/grows.bin
  sm copy submit --id grows --src c.src:grows.bin --dst c.dst:grows.bin --chunk-size 256KiB --max-rate 1M \
    --host copy-a >/dev/null
  wait_bytes grows $((512 * 1024))
  head -c 4096 /dev/urandom >>src/grows.bin  # the source changes under the copy
  expect_end grows failed source_changed

  sm copy submit --id full --src c.src:three.bin --dst c.full:three.bin --chunk-size 256KiB --host copy-a >/dev/null
  expect_end full failed disk_full  # a 1 MiB tmpfs takes no 3 MiB file

  head -c 4096 /dev/urandom >outside/secret.bin
  ln -s "$PWD/outside/secret.bin" src/link.bin
  sm copy submit --id escape --src c.src:link.bin --dst c.dst:escape.bin --host copy-a >/dev/null
  expect_end escape failed path_escapes_datastore

  sm copy submit --id nodir --src c.src:three.bin --dst c.dst:no/such/dir.bin --host copy-a >/dev/null
  expect_end nodir failed destination_missing

  step "refused by the copy job entity"
  expect_rejected unknown_datastore copy submit --id r1 --src c.nope:three.bin --dst c.dst:x.bin
  expect_rejected bad_path copy submit --id r2 --src c.src:../outside/secret.bin --dst c.dst:x.bin
  expect_rejected no_host copy submit --id r3 --src c.full:three.bin --dst c.only:x.bin  # no host mounts both
  expect_rejected invalid copy submit --id r4 --src c.src:three.bin --dst c.dst:x.bin --chunk-size 1024 --host copy-a
  expect_rejected already_submitted copy submit --id plain --src c.src:three.bin --dst c.dst:again.bin --host copy-a
}
