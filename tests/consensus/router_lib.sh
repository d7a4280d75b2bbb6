# What the router scripts share (sourced after daemon_lib.sh and enter_workspace): `router run` processes started
# and stopped by number (rN, logs routerN.log, receive logs received/rN.log: `datagram check` names a router by
# its log's stem), their loopback endpoints, and `topology status --json` as a Python expression (the waits on
# it and on a router's log: tests/lib/wait.sh).
# shellcheck shell=bash
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"

declare -A router_pid=()
extra_cleanup() {
  for pid in "${router_pid[@]}" ${sender:-}; do kill -9 "$pid" 2>/dev/null || true; done
}

fail() {
  echo "FAIL: $*" >&2
  for f in router*.log; do
    [ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 15 "$f" >&2; }
  done
  exit 1
}
# After a wait that timed out (tests/lib/wait.sh said what for): the topology as the log has it, the routers' last lines.
fail_with_topology() { fail "topology now: $(sm topology status 2>&1)"; }

# A Python expression over `topology status --json`, bound to s (routers and proposals also by name: r, p).
topo() {
  sm topology status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
r = {x["router"]: x for x in s["routers"]}
p = {x["proposal"]: x for x in s["proposals"]}
print(eval(sys.argv[1]))' "$1"
}
# Loopback ports of this run, a UDP and a TCP one per router (udp N, gateway N): free when picked, and below the
# ephemeral range, where any outgoing connection (a Kafka client's, a curl's) could take one between the pick and
# the router's bind.
read -r -a router_ports <<<"$(python3 - <<'PY'
import random, socket
picked = []
for port in random.sample(range(20000, 32000), 400):
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", port))
            s.close()
    except OSError:
        continue
    picked.append(port)
    if len(picked) == 20:
        break
print(" ".join(map(str, picked)))
PY
)"
udp() { echo "127.0.0.1:${router_ports[$1]}"; }
gateway() { echo "127.0.0.1:${router_ports[$((10 + $1))]}"; }

start_router() { # N [ARGS...]: runs router rN in the background, waits for its "running" line
  local n=$1 before
  shift
  before=$(grep -c " running in network " "router$n.log" 2>/dev/null || true)
  mkdir -p received
  "$S" router run --name "r$n" --store "store$n" --receive-log "received/r$n.log" "$@" >>"router$n.log" 2>&1 &
  router_pid[$n]=$!
  wait_logged --alive "${router_pid[$n]}" 30 "router$n.log" " running in network " "${before:-0}" ||
    fail "router r$n did not start"
}
stop_router() { # N [SIGNAL]
  kill "-${2:-TERM}" "${router_pid[$1]}"
  wait "${router_pid[$1]}" 2>/dev/null || true
  unset "router_pid[$1]"
}
