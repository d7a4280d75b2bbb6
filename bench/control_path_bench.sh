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

# Where a converted command's time goes, from the log's own timestamps (median and p90 over the run's exchanges):
#   issued       the client's issued_at (the convert command is signed at it)
#   at host      convert's atNs: a worker took the request, before recording convert
#   decided      the daemon's `converted` event (its timestamp: written when the daemon decided)
#   FC answered  answer's atNs: FCP_RSP came back (after the host saw the decision and ran the exchange)
#   recorded     the daemon's `answered` event
# and the daemon's commit batching: events per sealed batch in the storage events topic, how long an event waited
# from its decision to its batch's seal (the log writer's queue), and the time between two sealed batches.
echo
echo "-- where the time goes, per exchange, from the log (events tail --json)"
sm events tail --json --topic storemesh.commands --topic storemesh.events.storage >log.json
python3 - log.json <<'PY'
import json, statistics, sys
steps = {}  # request -> {step: ns}
events = seals = 0
pending, queued, rounds, last_seal = [], [], [], 0  # the daemon's group commits: seal stamped per round
def member(payload):
    for kind, v in payload.items():
        if isinstance(v, dict):
            for name, body in v.items():
                if isinstance(body, dict) and "requestId" in body:
                    return kind, name, body
    return None
for line in open(sys.argv[1]):
    rec = json.loads(line)
    env = rec.get("envelope") or {}
    payload = env.get("payload") or {}
    if rec["topic"] == "storemesh.events.storage":
        if "seal" in payload:
            seals += 1
            ts = int(env.get("timestampNs", 0))
            queued += [ts - t for t in pending]
            if last_seal: rounds.append(ts - last_seal)
            pending, last_seal = [], ts
        else:
            events += 1
            pending.append(int(env.get("timestampNs", 0)))
    m = member(payload)
    if not m: continue
    kind, name, body = m
    x = steps.setdefault(json.dumps(body["requestId"]), {})
    ts = int(env.get("timestampNs", 0))
    if name == "convert":
        x["issued"], x["at host"] = ts, int(body["atNs"])
    elif name == "converted": x["decided"] = ts
    elif name == "answer": x["FC answered"] = int(body["atNs"])
    elif name == "answered": x["recorded"] = ts
order = ["issued", "at host", "decided", "FC answered", "recorded"]
whole = [x for x in steps.values() if all(k in x for k in order)]
print(f"   {len(whole)} exchanges with every step; storage events topic: {events} events in {seals} sealed batches"
      + (f" ({events / seals:.1f} per batch)" if seals else ""))
def show(label, values):
    v = sorted(values)
    if not v: return
    print(f"   {label:<34} median {statistics.median(v) / 1e6:8.2f} ms   p90 {v[int(0.9 * (len(v) - 1))] / 1e6:8.2f} ms")
for a, b in zip(order, order[1:]):
    show(f"{a} -> {b}", [x[b] - x[a] for x in whole])
show("issued -> recorded (whole)", [x["recorded"] - x["issued"] for x in whole])
show("daemon: event decided -> its batch sealed", queued)
show("daemon: between two sealed batches", rounds)
PY
