#!/usr/bin/env bash
# Proves the control path end to end with a real daemon, a real storage process (`storage serve`: FC-2 frames on
# a local socket, LUNs in files) and two hosts' interceptors (`host intercept`): host-b's FC port is coupled to the
# storage system, host-a has only TCP/IP. Every supported command is sent as a TCP/IP client at host-b and at
# host-a (which forwards it to host-b), answered as the storage executed it, and recorded in the log (converted,
# forwarded, answered); the storage's pcap (link type FC-2) decodes in tshark as FCP_CMND / FCP_RSP with the
# SCSI command names; pass-through traffic reaches the upstream byte-identical both ways; every bad input class is
# refused with nothing on the FC link; a request retried with its id is not executed again; host-b killed with
# SIGKILL mid-command: the client gets an error, the restarted host fails the exchange as "outcome unknown", the
# retry is refused, and the storage executed the command at most once (its exec log and the log's exchange ids
# show it). Run on the embedded log, and through tests/kafka/on_kafka.sh on a broker. Waits are for states.
set -euo pipefail
S=$(readlink -f "${1:?usage: control_path.sh path/to/storemesh}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../migration/daemon_lib.sh
. "$here/../migration/daemon_lib.sh"
# shellcheck source=../lib/wait.sh
. "$here/../lib/wait.sh"
enter_workspace

declare -A pid=()
extra_cleanup() { for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
fail() {
  echo "FAIL: $*" >&2
  for f in storage.log host-a.log host-b.log; do
    [ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 15 "$f" >&2; }
  done
  exit 1
}
# Loopback TCP ports below the ephemeral range (free when picked).
read -r -a ports <<<"$(python3 -c '
import random, socket
out = []
for p in random.sample(range(20000, 32000), 200):
    try:
        s = socket.socket(); s.bind(("127.0.0.1", p)); s.close(); out.append(p)
    except OSError:
        pass
    if len(out) == 3: break
print(*out)')"
A=127.0.0.1:${ports[0]} B=127.0.0.1:${ports[1]} UP=127.0.0.1:${ports[2]}

start_storage() {
  "$S" storage serve --name array1 --fc "$work/array1.fc" --luns luns --lun 0:8M --lun 1:4M \
    --pcap "fc$1.pcap" --exec-log exec.log --hold-while "$work/gate" >>storage.log 2>&1 &
  pid[storage]=$!
  wait_logged --alive "${pid[storage]}" 30 storage.log "storage array1 serving FC port" || fail "the storage system did not start"
}
start_host() { # NAME ADDR
  local before
  before=$(grep -c "intercepting on" "$1.log" 2>/dev/null || true)
  "$S" host intercept --name "$1" --listen "$2" --upstream "$UP" >>"$1.log" 2>&1 &
  pid[$1]=$!
  wait_logged --alive "${pid[$1]}" 60 "$1.log" "intercepting on" "${before:-0}" || fail "$1 did not start"
}
ctl() { sm storage control array1 "$@"; }
exchanges() { sm storage exchanges array1 --json; }
# A Python expression over the exchanges of array1 (x: by request id) and `storage status --json` (s: by name).
fab() {
  python3 - "$1" "$(exchanges)" "$(sm storage status --json)" <<'PY'
import json, sys
x = {e["request"]: e for e in map(json.loads, filter(None, sys.argv[2].splitlines()))}
s = {d.get("storage", d.get("host")): d for d in map(json.loads, filter(None, sys.argv[3].splitlines()))}
print(eval(sys.argv[1]))
PY
}
executed() { grep -c . exec.log 2>/dev/null || true; }

"$S" keygen --out op.key >/dev/null
start_daemon
mkdir -p upstream luns
python3 "$here/wire.py" upstream "${ports[2]}" upstream >upstream.log 2>&1 &
pid[upstream]=$!
wait_logged 10 upstream.log "upstream listening" || fail "the upstream did not start"
start_storage 1

check "topology in the log: the storage system, its FC link at host-b, two hosts attached"
sm storage add array1 --fc-port "$work/array1.fc" >/dev/null
sm host link host-b --fc array1 >/dev/null
start_host host-a "$A"
start_host host-b "$B"
wait_true 30 "hosts attached, link at host-b" fab 's["array1"]["host"] == "host-b" and s["host-a"]["endpoint"] == "'"$A"'" and s["host-b"]["endpoint"] == "'"$B"'"' ||
  fail "the topology is not in the log"
sm storage status | grep -q "array1 .*host-b" || fail "status does not show the link: $(sm storage status)"

check "every supported command, entered at host-b (the FC host)"
ctl inquiry --via host-b >out.txt || fail "inquiry: $(cat out.txt)"
grep -qi "storemsh\|storemesh" out.txt || fail "inquiry data: $(cat out.txt)"
ctl inquiry-vpd 0 0x83 --via host-b >out.txt || fail "inquiry-vpd: $(cat out.txt)"
grep -q "naa\." out.txt || fail "device identification: $(cat out.txt)"
ctl report-luns --via host-b >out.txt || fail "report-luns: $(cat out.txt)"
grep -Eq "\b0\b.*\b1\b" out.txt || fail "report-luns: $(cat out.txt)"
ctl test-unit-ready 1 --via host-b >out.txt || fail "test-unit-ready: $(cat out.txt)"
ctl read-capacity 0 --via host-b --json >out.txt || fail "read-capacity: $(cat out.txt)"
python3 -c 'import json,sys; d=json.load(open("out.txt"))["detail"]; assert (d["last_lba"]+1)*d["block_length"] == 8<<20, d' ||
  fail "read-capacity: $(cat out.txt)"
ctl mode-sense 0 --via host-b >out.txt || fail "mode-sense: $(cat out.txt)"
ctl snapshot create 0 snap1 --via host-b >out.txt || fail "snapshot create: $(cat out.txt)"
ctl snapshot list 0 --via host-b >out.txt || fail "snapshot list: $(cat out.txt)"
grep -q snap1 out.txt || fail "snapshot list: $(cat out.txt)"
ctl replication start 0 site2 --via host-b >out.txt || fail "replication start: $(cat out.txt)"
ctl replication status 0 --via host-b >out.txt || fail "replication status: $(cat out.txt)"
grep -q site2 out.txt || fail "replication status: $(cat out.txt)"
ctl replication stop 0 --via host-b >out.txt || fail "replication stop: $(cat out.txt)"
ctl snapshot delete 0 snap1 --via host-b >out.txt || fail "snapshot delete: $(cat out.txt)"
ctl snapshot list 0 --via host-b >out.txt || fail "snapshot list: $(cat out.txt)"
if grep -q snap1 out.txt; then fail "snap1 still listed after delete: $(cat out.txt)"; fi
[ "$(executed)" -eq 13 ] || fail "the storage executed $(executed) exchanges, not 13"

check "a command entering at host-a (no FC link) reaches the storage through host-b"
ctl inquiry --via host-a --json >out.txt || fail "inquiry via host-a: $(cat out.txt)"
python3 -c 'import json; d=json.load(open("out.txt")); assert d["path"] == ["host-a", "host-b"], d' || fail "path: $(cat out.txt)"
req=$(python3 -c 'import json; print(json.load(open("out.txt"))["request"])')
wait_true 30 "forwarded and answered in the log" fab "x['$req']['route'] == ['host-a', 'host-b'] and x['$req']['status'] == 'answered'" ||
  fail "the forwarded request is not in the log"

check "SCSI errors come back as CHECK CONDITION with their sense"
if ctl inquiry 9 --via host-a >out.txt 2>&1; then fail "a bad LUN was answered GOOD"; fi
grep -qi "LOGICAL UNIT NOT SUPPORTED" out.txt || fail "bad LUN sense: $(cat out.txt)"

check "bad input is refused and nothing reaches the FC link"
before=$(executed)
bytes_before=$(stat -c %s fc1.pcap)
if ctl frobnicate --via host-a >out.txt 2>&1; then fail "an unknown operation was accepted"; fi
grep -q "unknown_operation" out.txt || fail "unknown operation: $(cat out.txt)"
if sm storage control array9 inquiry --via host-b >out.txt 2>&1; then fail "an unknown storage system was accepted"; fi
grep -q "unknown_storage" out.txt || fail "unknown storage: $(cat out.txt)"
if ctl snapshot create 0 "Bad Name" --via host-b >out.txt 2>&1; then fail "a bad snapshot name was accepted"; fi
grep -q "unknown_operation\|bad" out.txt || fail "bad snapshot name: $(cat out.txt)"
# On the wire: a bad version, an unknown type, an oversize length, a body that is no message.
for frame in 534d43500901000000000000 534d43500109000000000004deadbeef 534d435001010000ffffffff \
  534d435001010000000000080102030405060708; do
  reply=$(python3 "$here/wire.py" raw "$B" "${frame}" 2>/dev/null || true)
  case "$reply" in 534d435001020000*) ;; *) fail "frame $frame: no error reply (got '${reply:0:40}')" ;; esac
done
[ "$(executed)" -eq "$before" ] || fail "bad input reached the storage system"
[ "$(stat -c %s fc1.pcap)" -eq "$bytes_before" ] || fail "frames went on the FC link on bad input"

check "pass-through traffic reaches the upstream byte-identical, both ways, at both hosts"
for at in "$A" "$B"; do
  read -r sent got echo <<<"$(python3 "$here/wire.py" passthrough "$at" $((3 << 20)))"
  [ "$sent" = "$got" ] && [ "$echo" = echo-ok ] || fail "pass-through at $at: sent $sent, upstream saw $got, $echo"
done
python3 "$here/wire.py" raw "$A" 534d >out.txt # fewer than 4 bytes, a prefix of "SMCP": not control, passed on
expected=$(python3 -c 'import hashlib; print((hashlib.sha256(b"SM").hexdigest() + "\nSM").encode().hex())')
[ "$(cat out.txt)" = "$expected" ] || fail "a 2-byte stream was not passed through: $(cat out.txt)"

check "a request retried with its id is not executed again"
id=00112233445566778899aabbccddeeff
ctl test-unit-ready 0 --via host-a --request-id $id >/dev/null || fail "first attempt"
n=$(executed)
if ctl test-unit-ready 0 --via host-b --request-id $id >out.txt 2>&1; then fail "a retry was executed again"; fi
grep -q already_converted out.txt || fail "retry: $(cat out.txt)"
[ "$(executed)" -eq "$n" ] || fail "the retry reached the storage system"

check "host-b killed with SIGKILL mid-command: error to the client, executed at most once, never twice"
id2=ffeeddccbbaa99887766554433221100
touch gate # the storage holds what it receives while the gate exists
ctl snapshot create 1 held --via host-a --request-id $id2 --timeout 120 >held.txt 2>&1 &
client=$!
wait_true 60 "the held command converted" fab "x.get('$id2', {}).get('status') == 'open'" || fail "no open exchange"
wait_logged 30 storage.log "holding" || fail "the storage system holds nothing"
kill -9 "${pid[host-b]}"
wait "${pid[host-b]}" 2>/dev/null || true
if wait "$client"; then fail "the client saw success with host-b killed: $(cat held.txt)"; fi
grep -q "forward_failed\|connection" held.txt || fail "unclear client error: $(cat held.txt)"
rm gate
start_host host-b "$B"
wait_true 60 "the open exchange failed as unknown" fab "x['$id2']['status'] == 'failed' and 'unknown' in x['$id2']['outcome']" ||
  fail "the restarted host did not fail the exchange"
if ctl snapshot create 1 held --via host-a --request-id $id2 >out.txt 2>&1; then fail "the retry was executed"; fi
grep -q already_converted out.txt || fail "retry after the kill: $(cat out.txt)"
ox=$(fab "x['$id2']['ox_id']")
python3 - "$ox" <<'PY' || fail "exec log: $(cat exec.log)"
import sys
ox = int(sys.argv[1])
lines = [l.split() for l in open("exec.log") if l.strip()]
oxes = [int(l[0], 16) for l in lines]
assert oxes.count(ox) <= 1, f"exchange {ox:#06x} executed {oxes.count(ox)} times"
assert len(oxes) == len(set(oxes)), f"an exchange id executed twice: {sorted(oxes)}"
PY
ctl snapshot list 1 --via host-a >out.txt || fail "list after the kill"

check "the log holds every exchange with a unique exchange id, each answered or failed; audit passes"
# A host replies once its answer command is durable; the daemon decides it a moment later.
wait_true 60 "every exchange closed" fab "all(e['status'] in ('answered', 'failed') for e in x.values() if e['ox_id'] is not None)" ||
  fail "exchanges left open"
python3 - "$(exchanges)" <<'PY' || fail "exchanges: $(exchanges)"
import json, sys
xs = [json.loads(l) for l in sys.argv[1].splitlines() if l]
oxes = [x["ox_id"] for x in xs if x["ox_id"] is not None]
assert len(oxes) == len(set(oxes)), "an OX_ID was assigned twice"
assert len(oxes) >= 17, f"only {len(oxes)} exchanges converted"
PY
sm audit --trust op.key.pub >audit.txt 2>&1 || fail "audit: $(tail -n 8 audit.txt)"
grep -q "verdict.*OK" audit.txt || fail "audit verdict is not OK: $(tail -n 8 audit.txt)"

check "the FC link's pcap decodes in tshark as FCP with the SCSI command names"
if command -v tshark >/dev/null; then
  kill -TERM "${pid[storage]}"; wait "${pid[storage]}" 2>/dev/null || true; unset "pid[storage]"
  tshark -r fc1.pcap -V 2>/dev/null >decoded.txt
  for name in "Inquiry" "Report LUNs" "Test Unit Ready" "Mode Sense(6)"; do
    grep -q "$name" decoded.txt || fail "tshark did not name '$name'"
  done
  grep -q "FCP_CMND\|FCP CMND\|Cmd" decoded.txt || fail "no FCP_CMND in the decode"
  if grep -q "Malformed" decoded.txt; then fail "tshark found malformed frames"; fi
else
  echo "(tshark absent: the decode is checked by agents_storage_system's test only)"
fi
echo "PASS"
