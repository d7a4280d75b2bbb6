#!/usr/bin/env bash
# What the per-session antivirus decision buys (issue 14): put/get throughput through an access server in unscanned
# and in scanned sessions on the same kind of files, beside a plain cp (and cp + fdatasync) on the same file system
# and a raw clamd INSTREAM of the same kind of bytes, all in the same run; with 1 and 4 concurrent clients, through
# keep-alive HTTP (the server's own rate) and through `storemesh put/get` (a process per file). Then the fixed cost of
# one access: 1 KiB unscanned puts, each recorded in the log (one command + one event, fsync'd) before its commit,
# beside the raw commit (write, fdatasync, rename, fsync of the directory) and the HTTP round trip alone, and where a
# tiny put's time goes, step by step, from the log's own timestamps (events tail --json) beside the client's clock.
#
# Builds nothing: give it the Release binary (ops/build Release storemesh). Sets up a workspace as
# tests/access/access.sh does, on the embedded log: keygen, serve --trust, ops/clamav start (our database: EICAR),
# access serve with one share, policy --trusted-net 127.0.0.0/8, 4 unscanned sessions (client AV active and fresh,
# on loopback: trusted_network) and 4 scanned ones (no attributes: no_client_av). The measuring is
# bench/access_bench.py (stdlib Python). Puts use --no-sha (no declared hash) so that the verdict cache cannot
# answer them; every row gets fresh random files (neither clamd's clean cache nor ours can hide a scan), except the
# "scanned, cached" gets, which read the bytes a scanned put has just scanned: what the cache buys.
#
# Measured at 24b00bb (2026-12-03, Release, 2 cores at load 20-35: two test suites beside it, 270 s): raw clamd
# INSTREAM of random bytes 7.6 MB/s (22 on a quieter machine); puts unscanned 48.7 MB/s vs scanned 5.3 (9.2x; 12.1x
# with 4 clients), gets 92.9 vs 7.0 (13.2x; 16.5x), a scanned get of bytes the cache knows 79.6 (0.86 of unscanned);
# per size the gain grows from 1.6x at 64 KiB to 23x (puts) / 45x (gets) at 16 MiB: the fixed cost of an access
# (its record in the log, ~7 ms over a raw fsync'd commit) against the scan's per-byte cost. Earlier runs found the
# endpoint reading 512 bytes at a time, writing gets 4 KiB at a time and without TCP_NODELAY (fixed in 12c028e).
#
# usage: bench/access_bench.sh STOREMESH [driver args: --files 64K:64,1M:32,16M:4 --clients 1,4 --cli 1,4 ...]
#   THREADS=N    the access server's threads (access serve --threads; default 8, as the CLI's default)
#   KEEP=1       keep the workspace (serve.log, server.log, clamav/, the data) for a look afterwards
set -euo pipefail
S=$(readlink -f "${1:?usage: access_bench.sh STOREMESH [driver args]}")
shift
[ -x "$S" ] || { echo "not executable: $S" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
clamav="$here/../ops/clamav"

# The workspace under $TMPDIR (default /tmp; on this machine the same disk as /work), not a tmpfs: the cp
# reference and the shares must be on the same one for the ratios to mean anything.
work=$(mktemp -d "${TMPDIR:-/tmp}/access_bench.XXXXXX")
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$clamav" stop --dir "$work/clamav" >/dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    for f in serve.log server.log; do
      [ -f "$work/$f" ] && { echo "--- last lines of $f:" >&2; tail -n 20 "$work/$f" >&2; }
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
port=$(python3 -c '
import random, socket
for p in random.sample(range(20000, 32000), 200):
    try:
        s = socket.socket(); s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        pass')
AT=127.0.0.1:$port

sm keygen --out op.key >/dev/null
"$S" serve --trust op.key.pub >serve.log 2>&1 &
pids+=($!)
until_logged 20 serve.log serving
mkdir -p docs clamav
sock=$("$clamav" start --dir "$work/clamav" | tail -n 1)
[ -S "$sock" ] || { echo "clamd did not start: $sock" >&2; exit 1; }
"$S" access serve --name fs1 --listen "$AT" --share docs="$work/docs" --clamd "$sock" --threads "${THREADS:-8}" \
  >server.log 2>&1 &
pids+=($!)
until_logged 60 server.log "serving on"
sm access policy set fs1 --trusted-net 127.0.0.0/8 --max-av-age 24 >/dev/null

open_session() { # CLIENT ATTRS... -> the session id (and checks its decision)
  local client=$1
  shift
  sm session open --server fs1 --client "$client" --share docs --json "$@" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["session"], d["protection"]["scan"], d["protection"]["rule"])'
}
{
  echo '{"unscanned": ['
  for i in 0 1 2 3; do
    read -r id scan rule <<<"$(open_session "builder-$i" --attr av=active --attr av.age_h=1 --attr addr=127.0.0.1)"
    [ "$scan" = False ] && [ "$rule" = trusted_network ] || { echo "session $id: scan=$scan rule=$rule" >&2; exit 1; }
    echo "\"$id\"$([ $i -lt 3 ] && echo ,)"
  done
  echo '], "scanned": ['
  for i in 0 1 2 3; do
    read -r id scan rule <<<"$(open_session "laptop-$i")"
    [ "$scan" = True ] && [ "$rule" = no_client_av ] || { echo "session $id: scan=$scan rule=$rule" >&2; exit 1; }
    echo "\"$id\"$([ $i -lt 3 ] && echo ,)"
  done
  echo ']}'
} >sessions.json

echo "-- access server put/get, unscanned vs scanned sessions ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(df -T "$work" | awk 'NR==2 {print $2}') at $work, clamd $(sm scan status --json --at "$AT" |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["scanner"]; print(s["engine"], "db", s["db_version"])'))"
python3 "$here/access_bench.py" --storemesh "$S" --at "$AT" --clamd "$sock" --sessions sessions.json --work "$work" "$@"

echo
echo "-- the server's own counters (GET /v1/status)"
sm scan status --json --at "$AT" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  ", "cache", s["cache"], "\n  ", "counters", s["counters"])'
echo "-- load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
