# Scenario 08, the control path (schemas/storage.capnp): storage system `array-g`, reachable only over FC, added
# and linked to host gh2 through the CLI; the rest by raw commands (`command send`: what `host intercept` sends
# as it converts, forwards and answers control commands), so neither a storage process nor an interceptor runs.
# storage events: added, linked (to gh2; then moved to gh1, previous gh2), forwarded (gh1 -> gh2; after the
# move gh2 -> gh1), converted (two requests at gh2: INQUIRY entered at gh1, READ CAPACITY(10) at gh2; the
# events assign their OX_IDs), answered (the INQUIRY: CHECK CONDITION with sense ILLEGAL REQUEST / INVALID FIELD
# IN CDB), failed (the READ CAPACITY, sent: outcome unknown). Commands: add, link, forward, convert, answer, fail.
# control_host events (the plain struct ControlHostEvent, `attached`): gh2 attached; gh1 attached three times
# (restarted on another port, then with another upstream). Command: ControlHostCommand.
# Rejections: invalid (a CDB of 3 bytes), not_linked (a convert at gh1 while the link is at gh2),
# unknown_exchange (the answer of an exchange already answered), already_added (array-g again on another port).
# Clock-free: the times are fields of the commands, taken once from the clock; nothing waits on it.
# Snapshots every 3 events: array-g's (at 3, 6 with an exchange still open, 9) and gh1's.
serve_flags=(--snapshot-every 3 --no-agents)

scenario() {
  scmd() { sm command send --kind storage --id array-g --payload "{\"storageCommand\":$1}"; }
  attach() {  # HOST ENDPOINT UPSTREAM AT_NS
    sm command send --kind control_host --id "$1" \
      --payload "{\"controlHostCommand\":{\"endpoint\":\"$2\",\"upstream\":\"$3\",\"atNs\":\"$4\"}}" >/dev/null
  }
  convert() {  # REQUEST HOST ENTRY_HOST OPERATION CDB AT_NS
    printf '{"convert":{"requestId":"%s","host":"%s","entryHost":"%s","operation":"%s","lun":"0","cdb":"%s","atNs":"%s"}}' \
      "$@"
  }
  storage() {  # EXPR over s (array-g's `storage status --json` object) and x (its exchanges by request id)
    local st ex
    st=$(sm storage status --json)
    ex=$(sm storage exchanges array-g --json)
    python3 -c '
import json, sys
s = next(d for d in map(json.loads, sys.argv[2].splitlines()) if d.get("storage") == "array-g")
x = {d["request"]: d for d in map(json.loads, sys.argv[3].splitlines())}
print(eval(sys.argv[1]))' "$1" "$st" "$ex"
  }
  # Request ids: the 16 bytes a client chose, as hex (the JSON codec's Data).
  local r1=601d0000000000000000000000000001 r2=601d0000000000000000000000000002 r3=601d0000000000000000000000000003
  local t0
  t0=$(date +%s%N)
  at() { echo $((t0 + $1 * 1000000)); }  # t0 + N ms

  step "array-g added and linked to gh2 (CLI); hosts gh2 and gh1 attached, gh1 restarted twice"
  sm storage add array-g --fc-port /run/golden/array-g.fc >/dev/null
  sm host link gh2 --fc array-g >/dev/null
  attach gh2 127.0.0.1:7302 127.0.0.1:8302 "$(at 1)"
  attach gh1 127.0.0.1:7301 127.0.0.1:8301 "$(at 2)"
  attach gh1 127.0.0.1:7311 127.0.0.1:8301 "$(at 3)"
  attach gh1 127.0.0.1:7311 127.0.0.1:8311 "$(at 4)"

  step "an INQUIRY entered at gh1 is forwarded to gh2 and converted there; a READ CAPACITY converted at gh2"
  scmd "{\"forward\":{\"requestId\":\"$r1\",\"fromHost\":\"gh1\",\"toHost\":\"gh2\",\"operation\":\"inquiry\",\"atNs\":\"$(at 10)\"}}" >/dev/null
  scmd "$(convert "$r1" gh2 gh1 inquiry 120000006000 "$(at 11)")" >/dev/null
  scmd "$(convert "$r2" gh2 gh2 read-capacity 25000000000000000000 "$(at 12)")" >/dev/null
  [ "$(storage 's["converted"] == 2 and s["forwarded"] == 1 and s["open"] == 2')" = True ] ||
    fail "array-g after two converts: $(sm storage status --json) $(sm storage exchanges array-g --json)"
  local ox1 ox2
  ox1=$(sm storage exchanges array-g --json | py_json_lines "d['$r1']['ox_id']")
  ox2=$(sm storage exchanges array-g --json | py_json_lines "d['$r2']['ox_id']")
  [ "$ox1" != "$ox2" ] || fail "two open exchanges share OX_ID $ox1"
  echo "   $r1 OX_ID $ox1, $r2 OX_ID $ox2"

  step "refusals: a CDB of 3 bytes (invalid), a convert at gh1 while the link is at gh2 (not_linked)"
  expect_rejected invalid command send --kind storage --id array-g \
    --payload "{\"storageCommand\":$(convert "$r3" gh2 gh2 inquiry 120000 "$(at 13)")}"
  expect_rejected not_linked command send --kind storage --id array-g \
    --payload "{\"storageCommand\":$(convert "$r3" gh1 gh1 inquiry 120000006000 "$(at 14)")}"

  step "the INQUIRY answered with CHECK CONDITION (ILLEGAL REQUEST, INVALID FIELD IN CDB); the READ CAPACITY failed after it was sent"
  scmd "{\"answer\":{\"requestId\":\"$r1\",\"oxId\":$ox1,\"scsi\":{\"status\":2,\"senseKey\":5,\"asc\":36,\"ascq\":0,\"dataLength\":0,\"rxId\":256},\"atNs\":\"$(at 20)\"}}" >/dev/null
  scmd "{\"fail\":{\"requestId\":\"$r2\",\"oxId\":$ox2,\"sent\":true,\"reason\":\"no FCP_RSP within 10 s: the FC port closed after the FCP_CMND\",\"atNs\":\"$(at 21)\"}}" >/dev/null
  [ "$(storage 's["answered"] == 1 and s["failed"] == 1 and s["open"] == 0 and x["'$r1'"]["status"] == "answered" and x["'$r2'"]["status"] == "failed"')" = True ] ||
    fail "array-g after the answer and the failure: $(sm storage exchanges array-g --json)"
  expect_rejected unknown_exchange command send --kind storage --id array-g \
    --payload "{\"storageCommand\":{\"answer\":{\"requestId\":\"$r1\",\"oxId\":$ox1,\"scsi\":{\"status\":0},\"atNs\":\"$(at 22)\"}}}"
  expect_rejected already_added storage add array-g --fc-port /run/golden/array-g2.fc

  step "the FC link moves to gh1; gh2 forwards to it"
  sm host link gh1 --fc array-g >/dev/null
  scmd "{\"forward\":{\"requestId\":\"$r3\",\"fromHost\":\"gh2\",\"toHost\":\"gh1\",\"operation\":\"test-unit-ready\",\"atNs\":\"$(at 30)\"}}" >/dev/null
  [ "$(storage 's["host"] == "gh1" and s["host_endpoint"] == "127.0.0.1:7311" and s["forwarded"] == 2')" = True ] ||
    fail "array-g after the move: $(sm storage status --json)"
  sm storage status
  sm storage exchanges array-g
}

# A JSON object per line, by its "request": `py_json_lines EXPR < lines` (d: the objects by request id).
py_json_lines() {
  python3 -c '
import json, sys
d = {o["request"]: o for o in map(json.loads, filter(str.strip, sys.stdin))}
print(eval(sys.argv[1]))' "$1"
}
