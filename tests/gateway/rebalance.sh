#!/usr/bin/env bash
# Proves, through the CLI and a real `serve` daemon on the embedded log, that three replication gateways carrying
# twelve workloads skewed 10/1/1 are rebalanced: the gateways' own load reports (measured by the copy engine) show the
# skew; the dry run plans moves from the busiest and records nothing; `rebalance` carries every move out as a
# migration; afterwards the measured spread is under the threshold and scheduled evaluations plan nothing more (no
# oscillation); every workload completes with its SHA-256 equal to its source's; the log audits clean.
# The workloads copy at 64 KiB/s: 20 MiB take 320 s, longer than the test may run (its CTest timeout is 300 s),
# so no step has to land before they end; once the rebalancing is checked, the test lifts their throttle.
set -euo pipefail
S=$(readlink -f "${1:?usage: rebalance.sh path/to/storemesh}")
# shellcheck source=../migration/daemon_lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../migration/daemon_lib.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
enter_workspace


# A Python expression over every gateway's `gateway list --json` object, bound to g (a dict by id).
gateways() {
  sm gateway list --json | python3 -c '
import json, sys
g = {d["id"]: d for d in map(json.loads, sys.stdin)}
print(eval(sys.argv[1]))' "$1"
}
spread='(lambda s: (max(s) - min(s)) / max(s) if max(s) > 0 else 0)([g[x]["score"] for x in g])'
# A Python expression over the primary rebalancer's `rebalance status --json` object, bound to s.
rebalancer() { sm rebalance status --site primary --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
job() { sm copy status "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

# -- setup: three gateways of the primary site, twelve files -------------------------------------------------------
mkdir -p ds/src ds/dst
"$S" keygen --out op.key >/dev/null
start_daemon
for i in $(seq -w 1 12); do head -c $((20 * MiB)) /dev/urandom >"ds/src/w$i.bin"; done

check "configure the primary site's rebalancer: on demand only, reports every second, capacities for 64 KiB/s copies"
# rate 1 MiB/s and 16 workloads make a full score; a workload at 64 KiB/s weighs about 4.4 points.
sm rebalance configure --site primary --interval 0 --report-interval 1 --stale-after 10 --rate-capacity 1MiB \
  --queue-capacity 16 --spread-threshold 0.25 --cooldown-gateway 3 --cooldown-workload 60 --min-remaining 3 >/dev/null
[ "$(rebalancer 's["settings"]["rate_capacity"], s["settings"]["interval_seconds"]')" = "(1048576, 0)" ] ||
  fail "settings not recorded: $(sm rebalance status --site primary)"
for gw in gw-1 gw-2 gw-3; do
  sm gateway add "$gw" --site primary --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null
done
sm host add plain --datastore "src=$work/ds/src" --datastore "dst=$work/ds/dst" >/dev/null # a host, not a gateway
if sm gateway add bad --site tertiary --datastore "src=$work/ds/src" >/dev/null 2>&1; then fail "site tertiary accepted"; fi

check "twelve workloads skewed 10/1/1: 20 MiB each at 64 KiB/s, 64 KiB chunks"
for i in $(seq -w 1 12); do
  case $i in 11) gw=gw-2 ;; 12) gw=gw-3 ;; *) gw=gw-1 ;; esac
  sm copy submit --id "w$i" --src "src:w$i.bin" --dst "dst:w$i.bin" --chunk-size 64KiB --max-rate 64K --host "$gw" >/dev/null
done

check "the gateways' load reports show the skew (measured rates, queues)"
# Steady rates: a report whose interval the copies spent all of running (the first one covers their start).
wait_true 20 "reports showing 10/1/1" gateways \
  'g["gw-1"]["queue_depth"] == 10 and g["gw-2"]["queue_depth"] == 1 and g["gw-3"]["queue_depth"] == 1 and g["gw-1"]["bytes_per_second"] > 8.5 * 2**16 and g["gw-2"]["bytes_per_second"] > 0.85 * 2**16'
sm gateway list
[ "$(gateways '"plain" not in g')" = True ] || fail "a plain host is listed as a gateway"
[ "$(gateways 'g["gw-1"]["score"] > 5 * g["gw-2"]["score"]')" = True ] || fail "gw-1's score does not show its load"
before=$(gateways "$spread")
echo "   spread before: $before"

check "dry run: the plan moves workloads from gw-1 only, brings the spread under 0.25, and records nothing"
plan=$(sm rebalance --dry-run --site primary --json)
sm rebalance --dry-run --site primary
python3 - "$plan" <<'EOF' || fail "dry-run plan: $plan"
import json, sys
p = json.loads(sys.argv[1])
assert p["outcome"] == "planned", p["outcome"]
assert len(p["moves"]) >= 5, len(p["moves"])
assert all(m["from"] == "gw-1" for m in p["moves"]), p["moves"]
assert p["spread_after"] <= 0.25, p["spread_after"]
assert len(p["moves"]) >= p["lower_bound"], (len(p["moves"]), p["lower_bound"])
after = {g["id"]: g["after"] for g in p["gateways"]}
assert max(after.values()) - min(after.values()) <= 0.25 * max(after.values())
EOF
[ "$(rebalancer 's["evaluations"], s["plans"]')" = "(0, 0)" ] || fail "the dry run recorded something"

check "rebalance: the plan is carried out, every move a migration that hands the workload over"
sm rebalance --site primary --wait --wait-timeout 60 | tee rebalance.txt
grep -q "plan 1:" rebalance.txt || fail "no plan was made: $(cat rebalance.txt)"
moved=$(rebalancer 's["moves_done"]')
[ "$moved" -ge 5 ] || fail "only $moved moves were made: $(sm rebalance status --site primary)"
[ "$(rebalancer 's["moves_dropped"], len(s["pending"])')" = "(0, 0)" ] || fail "moves dropped or still under way"
for i in $(seq -w 1 12); do
  hosts=$(job "w$i" '" ".join(h["host"] for h in d["hosts"])')
  case $hosts in "gw-1" | "gw-2" | "gw-3" | "gw-1 gw-2" | "gw-1 gw-3") ;; *) fail "w$i went $hosts" ;; esac
done
echo "   $moved moves, each a migration from gw-1"

check "after the moves, the measured spread is under the threshold (fresh reports)"
wait_true 20 "queues 4/4/4 (or close) on fresh reports" gateways \
  'abs(g["gw-1"]["queue_depth"] - g["gw-2"]["queue_depth"]) <= 1 and abs(g["gw-1"]["queue_depth"] - g["gw-3"]["queue_depth"]) <= 1'
# Rates measured over windows without a hand-over gap in them: a report from every gateway sent two report
# intervals (2 s) or more after the moves settled.
settled=$(date +%s.%N)
wait_true 30 "every gateway reporting 2 s after the moves" gateways \
  'all(g[x]["report_age_seconds"] is not None and __import__("time").time() - g[x]["report_age_seconds"] >= '"$settled"' + 2 for x in g)'
wait_true 10 "spread under 0.25" gateways "$spread < 0.25"
sm gateway list
echo "   spread after: $(gateways "$spread") (before: $before)"

check "scheduled evaluations from now on find nothing to do: no second plan, no oscillation"
sm rebalance configure --site primary --interval 1 >/dev/null
wait_true 20 "two scheduled evaluations" rebalancer 's["last_trigger"] == "scheduled" and s["evaluations"] >= 3'
[ "$(rebalancer 's["plans"]')" = 1 ] || fail "a second plan was made: $(sm rebalance status --site primary)"
echo "   $(rebalancer 's["evaluations"], s["last_outcome"], s["spread_before"]')"

check "every workload completes once its throttle is lifted, its SHA-256 equal to its source's"
sm rebalance configure --site primary --interval 0 >/dev/null  # the copies' ends are no load to rebalance
for i in $(seq -w 1 12); do sm copy throttle "w$i" --max-rate 0 >/dev/null; done
for i in $(seq -w 1 12); do
  wait_true 60 "w$i completed" job "w$i" 'd["state"] == "completed"'
  a=$(sha256sum <"ds/src/w$i.bin" | cut -d' ' -f1)
  b=$(sha256sum <"ds/dst/w$i.bin" | cut -d' ' -f1)
  [ "$a" = "$b" ] || fail "w$i: sha256 differs"
done
[ -z "$(find ds/dst -name '*.part')" ] || fail "temp files left: $(find ds/dst -name '*.part')"

check "the decisions are events an auditor replays; the log audits clean"
sm events tail --json --topic "${STOREMESH_TOPIC_PREFIX:-storemesh}.events.rebalancer" | python3 -c '
import json, sys
kinds = [next(iter(json.loads(l)["envelope"]["payload"]["rebalancerEvent"])) for l in sys.stdin
         if "rebalancerEvent" in json.loads(l)["envelope"]["payload"]]
for k in ("configured", "evaluated", "planned", "moved"):
    assert k in kinds, (k, kinds)
' || fail "rebalancer events missing"
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit failed: $(cat audit.txt)"
grep -q "verdict.*OK" audit.txt || fail "audit verdict is not OK: $(cat audit.txt)"
echo "1 passed, 0 failed"
