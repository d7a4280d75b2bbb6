#!/usr/bin/env bash
# The management quorum's costs, each beside its reference in the same run:
#   kv operations/s through the director (client tunnel, director, server tunnel, a management server's replica,
#   and back; puts also through the log and the deciding daemon) against the same gets on a replica alone;
#   tunnels: XX handshakes/s against raw X25519, tunnel seal/open against raw ChaCha20-Poly1305 (bench_tunnel).
# usage: bench/coordination_bench.sh BUILD_DIR [--ops N] [--threads T]   (BUILD_DIR: a Release build with benchmarks)
set -euo pipefail
B=$(readlink -f "${1:?usage: coordination_bench.sh BUILD_DIR [--ops N] [--threads T]}")
shift
S=$B/ops/storemesh
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
export STOREMESH_DATA=$work/data STOREMESH_KEY=$work/op.key
"$S" keygen --out op.key >/dev/null
"$S" serve --trust op.key.pub >serve.log 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q serving serve.log && break; sleep 0.05; done
for k in director m1 m2 m3 cli; do "$S" tunnel keygen --out "$k.key" >/dev/null; done
"$S" quorum configure --target 3 --director-key director.key.pub >/dev/null
for m in m1 m2 m3; do "$S" node add "$m" --server --tunnel-pub "$m.key.pub" >/dev/null; done
"$S" node add cli --client --tunnel-pub cli.key.pub >/dev/null
"$S" director --listen 127.0.0.1:0 --tunnel-key director.key >director.log 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "^listening on" director.log && break; sleep 0.05; done
export STOREMESH_DIRECTOR=$(sed -n 's/^listening on //p' director.log | head -1) STOREMESH_TUNNEL_KEY=$work/cli.key
for m in m1 m2 m3; do "$S" peer --id "$m" --tunnel-key "$m.key" >"$m.log" 2>&1 & pids+=($!); done
for _ in $(seq 100); do "$S" kv put warmup 1 >/dev/null 2>&1 && break; sleep 0.2; done
echo "-- kv through the director vs a replica alone ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
"$S" kv bench b/ "$@"
if [ -x "$B/bench/bench_tunnel" ]; then
  echo "-- tunnels (bench_tunnel)"
  "$B/bench/bench_tunnel" --benchmark_min_time=0.5
fi
