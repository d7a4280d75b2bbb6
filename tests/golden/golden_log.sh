#!/usr/bin/env bash
# The golden log test (README.md beside it): a log written by earlier builds, holding every event kind there
# is, must keep replaying with this one.
#
#   golden_log.sh STOREMESH GOLDEN_SNAPSHOTS [GOLDEN_DIR]             the test (CTest: golden_log)
#   golden_log.sh --record STOREMESH GOLDEN_SNAPSHOTS [GOLDEN_DIR]    (a)-(c) written to GOLDEN_DIR/expected
#                                                                     (generate.sh does this)
# On a copy of GOLDEN_DIR/data (default: this script's directory):
#   (a) `storemesh audit` with the checked-in public keys: verdict OK, and the counts recorded;
#   (b) every record decodes, and each kind of record (every union member of every schema, rejections by
#       code, seals, snapshots by entity kind) is there as many times as recorded in expected/manifest.txt,
#       each entity with as many events as in expected/entities.txt; every snapshot equals the state its
#       events fold to (golden_snapshots); and every union member the schemas (schemas/*.capnp) have now is
#       in the log (a mechanism that adds one must grow the log: a scenario; golden.py, NEVER_LOGGED);
#   (c) the CLI's read paths (host list, copy list, copy status of every job, gateway list, rebalance status,
#       all --json) print what expected/ holds (golden.py says which fields depend on the clock and are
#       left out; a field a newer CLI adds is not a difference);
#   (d) a daemon started on the copy recovers entities from their snapshots and events and decides new
#       commands on top of them: gw-1 drained, the primary rebalancer reconfigured, a finished job refused
#       a migration, a node added to cluster main and a fourth server refused; the log with those audits clean.
set -euo pipefail
record=""
if [ "${1:-}" = --record ]; then record=1; shift; fi
S=$(readlink -f "${1:?usage: golden_log.sh [--record] STOREMESH GOLDEN_SNAPSHOTS [GOLDEN_DIR]}")
SNAPSHOTS=$(readlink -f "${2:?usage: golden_log.sh [--record] STOREMESH GOLDEN_SNAPSHOTS [GOLDEN_DIR]}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
GOLDEN=$(readlink -f "${3:-$HERE}")
# The golden log is the embedded log under the default topic prefix, whatever the environment says.
unset STOREMESH_KAFKA STOREMESH_TOPIC_PREFIX STOREMESH_GROUP STOREMESH_KEY STOREMESH_DATA
unset STOREMESH_CLUSTER STOREMESH_DIRECTOR STOREMESH_TUNNEL_KEY  # quorum status: from the log, cluster main

sm() { timeout 60 "$S" "$@"; }
golden() { python3 "$HERE/golden.py" "$@"; }

work=$(mktemp -d)
daemon=""
leave() {
  local rc=$?
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] && [ -f "$work/serve.log" ]; then echo "--- serve.log:" >&2; tail -n 30 "$work/serve.log" >&2; fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap leave EXIT
[ -d "$GOLDEN/data/log" ] || fail "no golden log under $GOLDEN/data (tests/golden/generate.sh makes it)"
cp -a "$GOLDEN/data" "$work/data"
# Git keeps no empty directory: a partition that holds no record (the cluster
# and kv entities of one cluster live in one partition) comes back here.
for t in "$work"/data/log/*/; do
  n=$(cat "$t/partitions")
  for ((p = 0; p < n; p++)); do mkdir -p "$t/$p"; done
done
export STOREMESH_DATA=$work/data
cd "$work"
actual=$work/actual
mkdir -p "$actual"

# Every operator and daemon key that ever wrote to the golden log: one pair per generator session.
keys=()
serve_trust=()
for k in "$GOLDEN"/keys/operator-*.pub; do keys+=(--trust "$k"); serve_trust+=(--trust "$k"); done
for k in "$GOLDEN"/keys/daemon-*.pub; do keys+=(--trust-daemon "$k"); serve_trust+=(--trust "$k"); done
[ "${#keys[@]}" -ge 4 ] || fail "no keys under $GOLDEN/keys"
[ -z "$(find "$GOLDEN" -name '*.key' -print -quit)" ] || fail "a private key is checked in: $(find "$GOLDEN" -name '*.key')"

check "(a) audit with the checked-in public keys"
sm audit "${keys[@]}" --json >"$actual/audit.json" || fail "audit: $(cat "$actual/audit.json")"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["verdict"] == "ok", a; print("   verdict ok: %(records)d records, %(events)d events, %(seals)d seals, %(rejections)d rejections, %(snapshots)d snapshots" % a)' \
  "$actual/audit.json" || fail "audit verdict: $(cat "$actual/audit.json")"

check "(b) every record decodes; every kind and every entity is there as recorded; every snapshot equals its events"
sm events tail --json >records.jsonl
golden manifest <records.jsonl >"$actual/manifest.txt"
golden entities <records.jsonl >"$actual/entities.txt"
echo "   $(wc -l <"$actual/manifest.txt") kinds of record, $(wc -l <"$actual/entities.txt") entities"
"$SNAPSHOTS" "$work/data" | sed 's/^/   /' || fail "snapshots differ from their events (above)"
if [ -z "$record" ]; then  # (recording a log that lacks a kind is allowed; its test, run next, is not)
  schemas=$(readlink -f "$HERE/../../schemas")
  [ -f "$schemas/envelope.capnp" ] || fail "no schemas at $schemas"
  golden coverage "$schemas" "$actual/manifest.txt"
fi

check "(c) the read paths, rebuilt from the log"
sm host list --json >"$actual/host-list.jsonl"
sm copy list --json >"$actual/copy-list.jsonl"
: >"$actual/copy-status.jsonl"
for id in $(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' "$actual/copy-list.jsonl"); do
  sm copy status "$id" --json >>"$actual/copy-status.jsonl"
done
sm gateway list --json >"$actual/gateway-list.jsonl"
sm rebalance status --json >"$actual/rebalance-status.jsonl"

if [ -n "$record" ]; then
  if [ -d "$GOLDEN/expected" ]; then golden guard "$GOLDEN/expected" "$actual"; fi
  mkdir -p "$GOLDEN/expected"
  cp "$actual"/* "$GOLDEN/expected/"
  echo "recorded $GOLDEN/expected"
  exit 0
fi
golden compare "$GOLDEN/expected" "$actual"

check "(d) a daemon on the golden log: entities recover from snapshots and events, new commands are decided on top"
# The entities below recover from a snapshot (not only from events): the check would mean less otherwise.
golden snapshotted host/gw-1 rebalancer/primary copy_job/plain cluster/main <records.jsonl
"$S" keygen --out op.key >/dev/null
"$S" serve --trust op.key.pub "${serve_trust[@]}" --no-agents --snapshot-every 5 >>serve.log 2>&1 &
daemon=$!
wait_logged --alive "$daemon" 20 serve.log serving || fail "the daemon did not start"
export STOREMESH_KEY=$work/op.key
field() { python3 -c 'import json,sys; print(eval(sys.argv[2], {}, {"d": {json.loads(l)[sys.argv[1]]: json.loads(l) for l in sys.stdin}}))' "$@"; }

before=$(field id 'd["gw-1"]["events"]' <"$actual/host-list.jsonl")
sm host drain gw-1 --reason "golden test" >/dev/null || fail "host drain gw-1 refused"
[ "$(sm host list --json | field id '(d["gw-1"]["state"], d["gw-1"]["events"])')" = "('draining', $((before + 1)))" ] ||
  fail "gw-1 after the drain: $(sm host list --json | grep '"gw-1"')"
echo "   gw-1: draining, event $((before + 1)) on top of its $before"

read -r evaluations moves <<<"$(field site 'd["primary"]["evaluations"], d["primary"]["moves_done"] + d["primary"]["moves_dropped"]' <"$actual/rebalance-status.jsonl" | tr -d '(),')"
sm rebalance configure --site primary --spread-threshold 0.3 >/dev/null || fail "rebalance configure refused"
[ "$(sm rebalance status --site primary --json | field site '(d["primary"]["settings"]["spread_threshold"], d["primary"]["evaluations"], d["primary"]["moves_done"] + d["primary"]["moves_dropped"])')" = "(0.3, $evaluations, $moves)" ] ||
  fail "the primary rebalancer after configure: $(sm rebalance status --site primary --json)"
echo "   rebalancer primary: reconfigured, its $evaluations evaluations and $moves moves kept"

if out=$(sm copy migrate plain --to copy-b 2>&1); then fail "migrating the finished job plain was accepted"; fi
grep -q "(finished)" <<<"$out" || fail "migrating the finished job plain: $out"
echo "   copy job plain: a migration refused (finished)"

# The cluster (scenario 06) ended with three members (n1, m2, m3) at its target of three: a node is added on top,
# a fourth founding server is refused.
"$S" tunnel keygen --out late.key >/dev/null
"$S" tunnel keygen --out late-server.key >/dev/null
sm node add late --tunnel-pub late.key.pub >/dev/null || fail "node add late refused"
[ "$(sm quorum status --json | python3 -c 'import json,sys; q=json.load(sys.stdin); print(({p["id"]: p["role"] for p in q["peers"]}.get("late"), q["members"], q["target"]))')" = "('node', 3, 3)" ] ||
  fail "the cluster after node add late: $(sm quorum status)"
if out=$(sm node add late-server --server --tunnel-pub late-server.key.pub 2>&1); then fail "a fourth founding server was accepted"; fi
grep -q "(quorum_full)" <<<"$out" || fail "a fourth founding server: $out"
echo "   cluster main: node late added on top of its three members; a fourth server refused (quorum_full)"

kill -TERM "$daemon"
wait "$daemon" || fail "the daemon did not stop cleanly"
daemon=""
sm audit "${keys[@]}" --trust op.key.pub --trust-daemon data/state/daemon.key.pub >audit-after.txt ||
  fail "audit after the new commands: $(cat audit-after.txt)"
grep -q "verdict *OK" audit-after.txt || fail "audit after the new commands: $(cat audit-after.txt)"
echo "   the grown log audits clean"
echo "1 passed, 0 failed"
