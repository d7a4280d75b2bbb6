# Scenario 09, access (schemas/access.capnp): access server `acc-g` with shares docs, public and scratch. Its
# policy and its sessions go through the CLI (`access policy set`, `session open|update|close`); what an
# `access serve` process reports as it attaches and as clients put and get files, through raw commands
# (`command send`: attach, recordAccess, recordRescan), so neither an access server process nor clamd runs.
# access_server events: attached; policySet (#1: trusted network 10.9.0.0/16, scans up to 4096 bytes, oversize
# and outage refused; #2: outage allowed and marked; #3: 192.0.2.0/24 trusted too, which re-decides carol's open
# session); sessionOpened (alice: trusted_network, bob: client_av_inactive, carol: untrusted_client, dave:
# known_key, his key proved by --client-key); clientUpdated (carol's antivirus turns inactive); sessionRedecided
# (carol, by policy #3); sessionClosed (alice); accessed: in bob's scanned session put clean, get clean
# (cached), put infected (quarantined), put scanner_unavailable, put too_large (refused, with its sha256), put
# not_scanned of an excluded extension (*.log); in alice's unscanned session put not_scanned and get not_scanned
# (unhashed); put deferred twice, bob's and carol's (no scanner, policy #2); rescanned (one clean, one infected). Commands: attach, setPolicy, openSession, updateClient, closeSession, recordAccess,
# recordRescan.
# Rejections: not_attached (a session opened before the server attached), unknown_share, already_open (an id
# opened again), invalid (a session id of the wrong shape; a sha256 of 63 digits), scan_required (not_scanned
# in a scanned session; deferred while the policy refuses on outage), not_pending (a rescan of an access
# rescanned already), unknown_session, session_closed.
# Session ids are minted at random by `session open`: expected/ is recorded from the log itself, so it holds
# whichever ids the run minted. Access ids and request times are fields of the commands (times taken once from
# the clock): nothing waits on it.
# Snapshots every 5 events: acc-g's (with sessions open, accesses pending a scan and a quarantine).
serve_flags=(--snapshot-every 5 --no-agents)

scenario() {
  acmd() { sm command send --kind access_server --id acc-g --payload "{\"accessServerCommand\":$1}"; }
  # ACCESS SESSION OP PATH BYTES SHA256 RESULT SIGNATURE DB CACHED QUARANTINE AT_NS: a recordAccess as JSON
  record() {
    printf '{"recordAccess":{"access":"%s","session":"%s","op":"%s","path":"%s","bytes":"%s","sha256":"%s","result":"%s","signature":"%s","dbVersion":"%s","cached":%s,"quarantine":"%s","atNs":"%s"}}' \
      "$@"
  }
  # ACCESS RESULT SIGNATURE DB QUARANTINE AT_NS: a recordRescan as JSON
  rescan() {
    printf '{"recordRescan":{"access":"%s","result":"%s","signature":"%s","dbVersion":"%s","quarantine":"%s","atNs":"%s"}}' \
      "$@"
  }
  open_session() {  # CLIENT SHARE [ARGS...]: opens a session through the CLI, prints its id
    local client=$1 share=$2
    shift 2
    sm session open --server acc-g --client "$client" --share "$share" --json "$@" | py_json 'd["session"]'
  }
  sessions() {  # EXPR over s: every session of acc-g (`session list --all --json`) by client
    sm session list --server acc-g --all --json | python3 -c '
import json, sys
s = {d["client"]: d for d in map(json.loads, filter(str.strip, sys.stdin))}
print(eval(sys.argv[1]))' "$1"
  }
  accesses() {  # EXPR over a: acc-g's accesses (`access audit --json`) by access id, r: its rescans by access id
    sm access audit acc-g --json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
a = {d["access"]: d for d in rows if "access" in d}
r = {d["rescanned"]: d for d in rows if "rescanned" in d}
print(eval(sys.argv[1]))' "$1"
  }
  sha() { sha256sum "$1" | cut -d' ' -f1; }
  local t0
  t0=$(date +%s%N)
  at() { echo $((t0 + $1 * 1000000)); }  # t0 + N ms
  local db=27812/Thu-Dec-3-06:00:00-2026  # a signature database version, as clamd names it
  # The files the clients put: real bytes, their real SHA-256.
  printf 'minutes of the meeting\n' >minutes.txt
  printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n' >eicar.com
  head -c 10000 /dev/zero | tr '\0' 'z' >big.bin
  printf 'build output\n' >build.log
  printf 'draft, written while clamd was down\n' >draft.txt
  printf 'a macro, written while clamd was down\n' >macro.doc
  # Access ids: 32 hex digits chosen by the data plane.
  local a1=acce0000000000000000000000000001 a2=acce0000000000000000000000000002 a3=acce0000000000000000000000000003
  local a4=acce0000000000000000000000000004 a5=acce0000000000000000000000000005 a6=acce0000000000000000000000000006
  local a7=acce0000000000000000000000000007 a8=acce0000000000000000000000000008 a9=acce0000000000000000000000000009
  local a10=acce0000000000000000000000000010 ax=acce00000000000000000000000000ff

  step "a session before the server attached (not_attached); acc-g attaches with docs, public, scratch"
  expect_rejected not_attached session open --server acc-g --client early --share docs --attr av=active
  acmd "{\"attach\":{\"endpoint\":\"127.0.0.1:7401\",\"shares\":[\"docs\",\"public\",\"scratch\"],\"atNs\":\"$(at 1)\"}}" >/dev/null

  step "policy #1 (CLI): 10.9.0.0/16 trusted, dave's key known, scans up to 4096 bytes, oversize and outage refused"
  sm keygen --out dave.key >/dev/null
  sm access policy set acc-g --trusted-net 10.9.0.0/16 --known-key dave.key.pub --share-mode public=never \
    --share-mode scratch=always --exclude-ext log --max-scan-size 4096 --oversize refuse --on-outage refuse >/dev/null
  [ "$(sm access policy show acc-g --json | py_json 'd["policy_no"] == 1 and d["max_scan_bytes"] == 4096 and d["on_outage"] == "refuse"')" = True ] ||
    fail "acc-g's policy #1: $(sm access policy show acc-g --json)"

  step "sessions (CLI): alice trusted by her network, bob's antivirus inactive, carol untrusted, dave by his key"
  local s1 s2 s3 s4
  s1=$(open_session alice docs --attr av=active --attr av.age_h=2 --attr addr=10.9.1.5)
  s2=$(open_session bob docs --attr av=inactive --attr addr=10.9.1.6)
  s3=$(open_session carol docs --attr av=active --attr av.age_h=2 --attr addr=192.0.2.7)
  s4=$(open_session dave docs --attr av=active --attr av.age_h=3 --attr addr=198.51.100.4 --client-key dave.key)
  echo "   alice $s1, bob $s2, carol $s3, dave $s4"
  [ "$(sessions '[(s[c]["protection"]["scan"], s[c]["protection"]["rule"]) for c in ("alice", "bob", "carol", "dave")]')" = \
    "[(False, 'trusted_network'), (True, 'client_av_inactive'), (True, 'untrusted_client'), (False, 'known_key')]" ] ||
    fail "the sessions' protection: $(sm session list --server acc-g --json)"
  expect_rejected unknown_share session open --server acc-g --client erin --share nope --attr av=active
  expect_rejected already_open command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":{\"openSession\":{\"session\":\"$s1\",\"client\":\"mallory\",\"share\":\"docs\",\"attrs\":[{\"key\":\"av\",\"value\":\"active\"}],\"atNs\":\"$(at 5)\"}}}"
  expect_rejected invalid command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":{\"openSession\":{\"session\":\"acc-g:1234\",\"client\":\"mallory\",\"share\":\"docs\",\"atNs\":\"$(at 6)\"}}}"

  step "bob's scanned session: put clean, get clean (cached), infected, scanner_unavailable, too_large; a *.log not_scanned"
  local m e b
  m=$(sha minutes.txt) e=$(sha eicar.com) b=$(sha big.bin)
  acmd "$(record $a1 "$s2" put minutes.txt "$(stat -c %s minutes.txt)" "$m" clean "" "$db" false "" "$(at 10)")" >/dev/null
  acmd "$(record $a2 "$s2" get minutes.txt "$(stat -c %s minutes.txt)" "$m" clean "" "$db" true "" "$(at 11)")" >/dev/null
  acmd "$(record $a3 "$s2" put eicar.com "$(stat -c %s eicar.com)" "$e" infected Eicar-Test-Signature "$db" false "acc-g/$a3" "$(at 12)")" >/dev/null
  acmd "$(record $a4 "$s2" put minutes.txt "$(stat -c %s minutes.txt)" "$m" scannerUnavailable "" "" false "" "$(at 13)")" >/dev/null
  acmd "$(record $a5 "$s2" put big.bin "$(stat -c %s big.bin)" "$b" tooLarge "" "" false "" "$(at 14)")" >/dev/null
  # not_scanned in a scanned session: only for what the policy does not scan (*.log is excluded)
  acmd "$(record $a10 "$s2" put build.log "$(stat -c %s build.log)" "$(sha build.log)" notScanned "" "" false "" "$(at 15)")" >/dev/null
  expect_rejected scan_required command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(record $ax "$s2" put minutes.txt "$(stat -c %s minutes.txt)" "$m" notScanned "" "" false "" "$(at 15)")}"
  expect_rejected scan_required command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(record $ax "$s2" put minutes.txt "$(stat -c %s minutes.txt)" "$m" deferred "" "" false "" "$(at 16)")}"
  expect_rejected invalid command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(record $ax "$s2" put minutes.txt "$(stat -c %s minutes.txt)" "${m:1}" clean "" "$db" false "" "$(at 17)")}"

  step "alice's unscanned session: put not_scanned, get not_scanned (unhashed)"
  acmd "$(record $a6 "$s1" put build.log "$(stat -c %s build.log)" "$(sha build.log)" notScanned "" "" false "" "$(at 20)")" >/dev/null
  acmd "$(record $a7 "$s1" get build.log "$(stat -c %s build.log)" "" notScanned "" "" false "" "$(at 21)")" >/dev/null

  step "policy #2 (CLI): on outage allow and mark; two puts deferred, rescanned clean and infected"
  sm access policy set acc-g --on-outage allow-and-mark >/dev/null
  acmd "$(record $a8 "$s2" put draft.txt "$(stat -c %s draft.txt)" "$(sha draft.txt)" deferred "" "" false "" "$(at 30)")" >/dev/null
  acmd "$(record $a9 "$s3" put macro.doc "$(stat -c %s macro.doc)" "$(sha macro.doc)" deferred "" "" false "" "$(at 31)")" >/dev/null
  acmd "$(rescan $a8 clean "" "$db" "" "$(at 32)")" >/dev/null
  acmd "$(rescan $a9 infected W97M.Golden-Test "$db" "acc-g/$a9" "$(at 33)")" >/dev/null
  expect_rejected not_pending command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(rescan $a8 clean "" "$db" "" "$(at 34)")}"
  [ "$(accesses 'a["'$a3'"]["verdict"] == "infected" and a["'$a8'"]["verdict"] == "deferred" and r["'$a9'"]["verdict"] == "infected" and len(a) == 10')" = True ] ||
    fail "acc-g's accesses: $(sm access audit acc-g --json)"

  step "policy #3 (CLI): 192.0.2.0/24 trusted too: carol's open session re-decided; her antivirus then turns inactive"
  sm access policy set acc-g --trusted-net 192.0.2.0/24 >/dev/null
  [ "$(sessions '(s["carol"]["protection"]["scan"], s["carol"]["protection"]["rule"])')" = "(False, 'trusted_network')" ] ||
    fail "carol's session after policy #3: $(sm session list --server acc-g --json)"
  sm session update "$s3" --attr av=inactive --attr addr=192.0.2.7 >/dev/null
  [ "$(sessions '(s["carol"]["protection"]["scan"], s["carol"]["protection"]["rule"])')" = "(True, 'client_av_inactive')" ] ||
    fail "carol's session after her update: $(sm session list --server acc-g --json)"

  step "alice's session closed; an access in it (session_closed) and in a session never opened (unknown_session)"
  sm session close "$s1" >/dev/null
  expect_rejected session_closed command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(record $ax "$s1" get build.log "$(stat -c %s build.log)" "" notScanned "" "" false "" "$(at 40)")}"
  expect_rejected unknown_session command send --kind access_server --id acc-g --payload \
    "{\"accessServerCommand\":$(record $ax acc-g:00000000000000ff get build.log "$(stat -c %s build.log)" "" notScanned "" "" false "" "$(at 41)")}"
  [ "$(sessions '[s[c]["open"] for c in ("alice", "bob", "carol", "dave")]')" = "[False, True, True, True]" ] ||
    fail "acc-g's sessions at the end: $(sm session list --server acc-g --all --json)"
  sm session list --server acc-g --all
  sm access audit acc-g
}
