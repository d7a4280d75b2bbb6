#!/usr/bin/env bash
# The full control path's cost, beside its references in the same run (bench_control_path --remote): control
# commands/s entered at a host whose FC port is coupled to an FC-only storage system (convert recorded in the log,
# decided by the daemon, FCP_CMND on the FC link, FCP_RSP, answer recorded, reply) against a plain TCP echo of the
# same sizes on loopback, and against the FC link alone (in-process). Builds nothing: give it the Release binaries
# (ops/build Release storemesh bench_control_path). Sets up a workspace as tests/control_path/control_path.sh does,
# on the embedded log: keygen, serve --trust, storage serve, storage add, host link, host intercept on a free port.
# Prints the table, then how the host's time splits (from the log's exchanges), and tears everything down.
#
# usage: bench/control_path_bench.sh STOREMESH BENCH_CONTROL_PATH [bench args: --in-flight 1,16 --seconds 5 ...]
#   WORKERS=N    the host's worker threads (host intercept --workers; default 4, as the CLI's default)
#   KEEP=1       keep the workspace (serve.log, host.log, storage.log, the data) for a look afterwards
set -euo pipefail
S=$(readlink -f "${1:?usage: control_path_bench.sh STOREMESH BENCH_CONTROL_PATH [bench args]}")
BENCH=$(readlink -f "${2:?usage: control_path_bench.sh STOREMESH BENCH_CONTROL_PATH [bench args]}")
shift 2
[ -x "$S" ] && [ -x "$BENCH" ] || { echo "not executable: $S or $BENCH" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    for f in serve.log storage.log host.log; do
      [ -f "$work/$f" ] && { echo "--- last lines of $f:" >&2; tail -n 15 "$work/$f" >&2; }
    done
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"
export STOREMESH_DATA=$work/data STOREMESH_KEY=$work/op.key
sm() { timeout 60 "$S" "$@"; }
until_logged() { # SECONDS FILE TEXT
  local deadline=$((SECONDS + $1))
  until grep -qF "$3" "$2" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "'$3' not in $2 within $1 s" >&2; exit 1; }
    sleep 0.05
  done
}

# Two loopback ports below the ephemeral range, free when picked: the host's listener and its (idle) upstream.
read -r listen_port upstream_port <<<"$(python3 -c '
import random, socket
out = []
for p in random.sample(range(20000, 32000), 200):
    try:
        s = socket.socket(); s.bind(("127.0.0.1", p)); s.close(); out.append(p)
    except OSError:
        pass
    if len(out) == 2: break
print(*out)')"
H=127.0.0.1:$listen_port

sm keygen --out op.key >/dev/null
"$S" serve --trust op.key.pub >serve.log 2>&1 &
pids+=($!)
until_logged 20 serve.log serving
mkdir -p luns
"$S" storage serve --name array1 --fc "$work/array1.fc" --luns luns --lun 0:8M >storage.log 2>&1 &
pids+=($!)
until_logged 30 storage.log "storage array1 serving FC port"
sm storage add array1 --fc-port "$work/array1.fc" >/dev/null
sm host link host-b --fc array1 >/dev/null
"$S" host intercept --name host-b --listen "$H" --upstream "127.0.0.1:$upstream_port" --workers "${WORKERS:-4}" \
  >host.log 2>&1 &
pids+=($!)
until_logged 60 host.log "intercepting on"
# The link is in the log once the host answers a command through it.
for _ in $(seq 100); do sm storage control array1 test-unit-ready 0 --via host-b >/dev/null 2>&1 && break; sleep 0.1; done
sm storage control array1 test-unit-ready 0 --via host-b >/dev/null

echo "-- the full control path on the embedded log ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)," \
  "host workers ${WORKERS:-4})"
"$BENCH" --remote "$H" --storage array1 "$@"

# Where a converted command's time goes, from the log: issued (client) -> convert recorded (host) -> answered
# (host, after the FC exchange), per exchange of the run.
echo
echo "-- per exchange, from the log (storage exchanges array1 --json): medians over $(sm storage exchanges array1 --json | grep -c .) exchanges"
sm storage exchanges array1 --json | python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print("   fields of an exchange:", ", ".join(sorted(rows[-1].keys())) if rows else "none")
'
