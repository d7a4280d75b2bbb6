#!/usr/bin/env bash
# Proves storage sessions with a per-session antivirus decision end to end: a real daemon, a real clamd
# (ops/clamav, a database built here: EICAR's MD5 and more), an access server (`access serve`) with two shares.
# Sessions are opened with their clients' attributes and decided by the server's policy; the EICAR test file is
# refused in a scanned session and lands in quarantine, passes in an unscanned one with the reason in its event;
# a policy change re-decides an open session; the verdict cache serves the same bytes under the same database
# and not after the database changed; clamd killed mid-stream: refused under `refuse` (nothing kept), committed
# and marked under `allow-and-mark` and scanned (and quarantined) once clamd is back; path escapes, oversize
# requests, unknown and closed sessions are refused; a crash between the record and the commit is finished at
# the next start. Run on the embedded log, and through tests/kafka/on_kafka.sh on a broker.
set -euo pipefail
S=$(readlink -f "${1:?usage: access.sh path/to/storemesh}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
clamav="$here/../../ops/clamav"
# shellcheck source=../migration/daemon_lib.sh
. "$here/../migration/daemon_lib.sh"
# shellcheck source=../lib/wait.sh
. "$here/../lib/wait.sh"
enter_workspace

server_pid=""
extra_cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  "$clamav" stop --dir "$work/clamav" >/dev/null 2>&1 || true
}
fail() {
  echo "FAIL: $*" >&2
  [ -f server.log ] && { echo "--- last lines of server.log:" >&2; tail -n 25 server.log >&2; }
  exit 1
}
port=$(python3 -c '
import random, socket
for p in random.sample(range(20000, 32000), 200):
    try:
        s = socket.socket(); s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        pass')
AT=127.0.0.1:$port

start_server() {
  local before
  before=$(grep -c "serving on" server.log 2>/dev/null || true)
  "$S" access serve --name fs1 --listen "$AT" --share docs="$work/docs" --share scratch="$work/scratch" \
    --clamd "$sock" --hold-before-commit "$work/gate" >>server.log 2>&1 &
  server_pid=$!
  wait_logged --alive "$server_pid" 60 server.log "serving on" "${before:-0}" || fail "the access server did not start"
}
# A Python expression over `scan status` (st), the audit (a: list of access records) and the sessions (ss: by id).
q() {
  python3 - "$1" "$(sm scan status --json --at "$AT")" "$(sm access audit fs1 --json)" "$(sm session list --all --json)" <<'PY'
import json, sys
st = json.loads(sys.argv[2])
a = [json.loads(l) for l in sys.argv[3].splitlines() if l.strip()]
ss = {d["session"]: d for d in map(json.loads, filter(None, sys.argv[4].splitlines()))}
print(eval(sys.argv[1]))
PY
}
is_true() { [ "$(q "$1")" = True ]; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
open_session() { # CLIENT SHARE ATTRS... -> prints the session id
  local client=$1 share=$2
  shift 2
  sm session open --server fs1 --client "$client" --share "$share" --json "$@" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])'
}
verdict_of() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["verdict"])'; }

"$S" keygen --out op.key >/dev/null
"$S" keygen --out client.key >/dev/null
start_daemon
mkdir -p docs scratch clamav
sock=$("$clamav" start --dir "$work/clamav" | tail -n 1)
[ -S "$sock" ] || fail "clamd did not start: $sock"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >eicar.com
head -c 3000000 /dev/urandom >clean.bin
head -c 70000 /dev/urandom >later.bin
start_server

check "the policy: trusted loopback, fresh AV within 24 h, a known key, the scratch share exempt"
sm access policy set fs1 --trusted-net 127.0.0.0/8 --max-av-age 24 --known-key client.key.pub \
  --share-mode scratch=never >/dev/null
sm access policy show fs1 | grep -q "127.0.0.0/8" || fail "policy show: $(sm access policy show fs1)"
sm access policy set fs1 --trusted-net 127.0.0.0/8 | grep -q unchanged || fail "the same policy again is not 'unchanged'"

check "sessions are decided from their clients' attributes"
scanned=$(open_session laptop docs)
trusted=$(open_session builder docs --attr av=active --attr av.age_h=2 --attr addr=127.0.0.1)
stale=$(open_session old-pc docs --attr av=active --attr av.age_h=30 --attr addr=127.0.0.1)
keyed=$(open_session signer docs --attr av=active --attr av.age_h=1 --attr addr=10.9.9.9 --client-key client.key)
exempt=$(open_session anyone scratch)
sm session open --server fs1 --client laptop --share docs | grep -q "SCANNED (no_client_av)" ||
  fail "session open does not print the decision: $(sm session open --server fs1 --client laptop --share docs)"
is_true "ss['$scanned']['protection']['rule'] == 'no_client_av' and ss['$scanned']['protection']['scan']" ||
  fail "scanned session: $(sm session list --json)"
is_true "ss['$trusted']['protection']['rule'] == 'trusted_network' and not ss['$trusted']['protection']['scan']" ||
  fail "trusted session: $(sm session list --json)"
is_true "ss['$stale']['protection']['rule'] == 'client_av_stale' and ss['$stale']['protection']['scan']" ||
  fail "stale session: $(sm session list --json)"
is_true "ss['$keyed']['protection']['rule'] == 'known_key' and not ss['$keyed']['protection']['scan']" ||
  fail "keyed session: $(sm session list --json)"
is_true "ss['$exempt']['protection']['rule'] == 'share_exempt'" || fail "exempt session: $(sm session list --json)"
if sm session open --server fs1 --client x --share docs --attr av=maybe >out.txt 2>&1; then
  fail "a malformed attribute was accepted"
fi
grep -q "av" out.txt || fail "bad attribute error: $(cat out.txt)"

check "EICAR is refused in a scanned session and lands in quarantine"
if sm put --session "$scanned" --at "$AT" eicar.com docs/eicar.com >out.txt 2>&1; then fail "EICAR was stored"; fi
grep -q "infected" out.txt || fail "EICAR refusal: $(cat out.txt)"
[ ! -e docs/eicar.com ] || fail "EICAR reached the share"
is_true "any(r['path'] == 'eicar.com' and r['verdict'] == 'infected' and r['signature'].startswith('Storemesh.Test.EICAR') for r in a)" ||
  fail "no infected record: $(sm access audit fs1)"
qfile=$(q "[r['quarantine'] for r in a if r['verdict'] == 'infected'][0]")
cmp eicar.com "$(q "st['quarantine_dir']")/$qfile" || fail "the quarantined data is not EICAR"
is_true "len(st['quarantine']) == 1 and st['quarantine'][0]['path'] == 'eicar.com'" || fail "scan status: $(sm scan status --at "$AT")"

check "in an unscanned session it passes, and the event says why"
sm put --session "$trusted" eicar.com docs/in/eicar-trusted.com >/dev/null || fail "trusted put refused"
cmp eicar.com docs/in/eicar-trusted.com || fail "trusted put: wrong bytes"
is_true "any(r['path'] == 'in/eicar-trusted.com' and r['verdict'] == 'not_scanned' and r['rule'] == 'trusted_network' and '127.0.0.0/8' in r['reason'] and r['sha256'] == '$(sha eicar.com)' for r in a)" ||
  fail "the unscanned put's record: $(sm access audit fs1 --json)"
sm put --session "$exempt" eicar.com scratch/e.com >/dev/null || fail "exempt put refused"
sm access audit fs1 --unscanned | grep -q "e.com" || fail "audit --unscanned: $(sm access audit fs1 --unscanned)"

check "the stale client is scanned; the known key is not"
if sm put --session "$stale" eicar.com docs/stale.com >/dev/null 2>&1; then fail "stale client's EICAR stored"; fi
sm put --session "$keyed" eicar.com docs/keyed.com >/dev/null || fail "keyed put refused"

check "clean data in a scanned session: stored; read back scanned, from the cache the second time"
sm put --session "$scanned" clean.bin docs/clean.bin --json >out.txt || fail "clean put: $(cat out.txt)"
[ "$(verdict_of <out.txt)" = clean ] || fail "clean put: $(cat out.txt)"
cmp clean.bin docs/clean.bin || fail "clean put: wrong bytes"
sm get --session "$scanned" docs/clean.bin back.bin --json >out.txt || fail "get: $(cat out.txt)"
cmp clean.bin back.bin || fail "get: wrong bytes"
python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["verdict"] == "clean" and d["cached"], d' ||
  fail "the second scan of the same bytes was not a cache hit: $(cat out.txt)"

check "a new signature database: the cache is not reused"
sm put --session "$scanned" later.bin docs/later.bin >/dev/null || fail "later.bin refused"
db_before=$(q "st['scanner']['db_version']")
"$clamav" add-signature --dir "$work/clamav" --name Storemesh.Test.Later later.bin >/dev/null
if sm get --session "$scanned" docs/later.bin got.bin >out.txt 2>&1; then
  fail "later.bin was served after the database learned it: $(cat out.txt)"
fi
grep -q "Storemesh.Test.Later" out.txt || fail "later.bin refusal: $(cat out.txt)"
[ ! -e docs/later.bin ] || fail "later.bin not quarantined"
is_true "[r for r in a if r['path'] == 'later.bin' and r['op'] == 'get'][-1]['db_version'] != '$db_before' and not [r for r in a if r['path'] == 'later.bin' and r['op'] == 'get'][-1]['cached']" ||
  fail "the verdict after the reload: $(sm access audit fs1 --json)"

check "a policy change re-decides the open sessions it touches"
sm access policy set fs1 --mandatory on >/dev/null
is_true "ss['$trusted']['protection']['rule'] == 'mandatory' and ss['$exempt']['protection']['rule'] == 'share_exempt'" ||
  fail "re-decision: $(sm session list --json)"
if sm put --session "$trusted" eicar.com docs/after.com >/dev/null 2>&1; then fail "EICAR stored after mandatory on"; fi
sm access policy set fs1 --mandatory off >/dev/null
sm session update "$stale" --attr av=active --attr av.age_h=1 --attr addr=127.0.0.1 | grep -q "NOT SCANNED" ||
  fail "the updated client was not re-decided"

check "clamd killed mid-stream, policy refuse: 503, nothing reaches the share"
python3 - "$port" "$scanned" "$work/clamav" "$clamav" >out.txt <<'PY' || fail "mid-stream: $(cat out.txt)"
import os, signal, socket, subprocess, sys, time
port, session, cdir, clamav = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
body = os.urandom(4 << 20)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(f"PUT /v1/files/docs/midstream.bin HTTP/1.1\r\nHost: x\r\nX-Storemesh-Session: {session}\r\n"
          f"Content-Length: {len(body)}\r\n\r\n".encode())
s.sendall(body[: 1 << 20])
# Not a wait for a state: it only makes "mid-stream" likely (the first MiB on its way to clamd). Killed before
# that, clamd is just as unavailable, and the answer (503) and the record (scanner_unavailable) are the same.
time.sleep(0.5)
pid = int(open(os.path.join(cdir, "clamd.pid")).read())
os.kill(pid, signal.SIGKILL)
s.sendall(body[1 << 20 :])
print(s.recv(65536).decode(errors="replace"))
PY
grep -q "503" out.txt || fail "mid-stream answer: $(cat out.txt)"
[ ! -e docs/midstream.bin ] || fail "unscanned data reached a scanned share"
[ -z "$(ls -A docs/.storemesh-incoming)" ] || fail "the refused put left its incoming file"
is_true "any(r['path'] == 'midstream.bin' and r['verdict'] == 'scanner_unavailable' for r in a)" ||
  fail "no scanner_unavailable record"
is_true "st['scanner']['up'] == False" || fail "scan status says the scanner is up"

check "policy allow-and-mark: committed and marked; scanned and quarantined once clamd is back"
sm access policy set fs1 --on-outage allow-and-mark >/dev/null
sm put --session "$scanned" --json eicar.com docs/deferred.com >out.txt || fail "deferred put refused: $(cat out.txt)"
[ "$(verdict_of <out.txt)" = deferred ] || fail "deferred put: $(cat out.txt)"
[ -e docs/deferred.com ] || fail "the deferred put is not in the share"
is_true "st['pending_scans'] == 1" || fail "not pending: $(sm scan status --at "$AT")"
"$clamav" start --dir "$work/clamav" >/dev/null
wait_true 30 "the deferred access rescanned" q "st['pending_scans'] == 0" || fail "scan status: $(sm scan status --at "$AT")"
[ ! -e docs/deferred.com ] || fail "the deferred EICAR is still in the share after its rescan"
sm access audit fs1 | grep -q "rescan of .*infected" || fail "no rescan in the audit: $(sm access audit fs1)"
sm access policy set fs1 --on-outage refuse >/dev/null

check "path escapes, oversize requests, unknown and closed sessions are refused"
for bad in 'docs/../x' 'docs/a/../../x' 'docs/.storemesh-incoming/x' 'nosuch/x'; do
  if sm put --session "$trusted" eicar.com "$bad" >out.txt 2>&1; then fail "put to $bad accepted"; fi
done
code=$(curl -s -o out.txt -w '%{http_code}' -X PUT -H "X-Storemesh-Session: $trusted" --data-binary @eicar.com \
  "http://$AT/v1/files/docs/%2e%2e/escape")
[ "$code" = 400 ] || fail "an encoded .. was answered $code: $(cat out.txt)"
mkdir -p outside && ln -s "$work/outside" docs/link
if sm put --session "$trusted" eicar.com docs/link/planted >out.txt 2>&1; then fail "a put through a symlink left the share"; fi
[ ! -e outside/planted ] || fail "data planted outside the share"
sm access policy set fs1 --max-file-size 1000000 >/dev/null
if sm put --session "$trusted" clean.bin docs/big.bin >out.txt 2>&1; then fail "oversize put accepted"; fi
grep -q "413" out.txt || fail "oversize: $(cat out.txt)"
[ ! -e docs/big.bin ] || fail "oversize data kept"
sm access policy set fs1 --max-file-size 68719476736 >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Storemesh-Session: $trusted" -H "X-Pad: $(head -c 9000 /dev/zero | tr '\0' a)" \
  "http://$AT/v1/files/docs/clean.bin")
[ "$code" = 400 ] || fail "an oversize request head was answered $code"
if sm put --session "fs1:0123456789abcdef" eicar.com docs/u.com >out.txt 2>&1; then fail "unknown session accepted"; fi
grep -q "404" out.txt || fail "unknown session: $(cat out.txt)"
sm session close "$keyed" >/dev/null
sm session close "$keyed" | grep -q "closed already" || fail "closing twice"
if sm put --session "$keyed" eicar.com docs/closed.com >out.txt 2>&1; then fail "closed session accepted"; fi
grep -q "session_closed" out.txt || fail "closed session: $(cat out.txt)"

check "a crash between the record and the commit: finished at the next start as the log says"
touch gate
sm put --session "$trusted" clean.bin docs/crash.bin >held.txt 2>&1 &
wait_true 30 "the held put recorded" q "any(r.get('path') == 'crash.bin' for r in a)" || fail "the held put: $(cat held.txt)"
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
rm -f gate
[ ! -e docs/crash.bin ] || fail "committed before the crash?"
[ -n "$(ls -A docs/.storemesh-incoming)" ] || fail "the crash left no incoming file"
start_server
cmp clean.bin docs/crash.bin || fail "the recorded put was not committed at restart"
[ -z "$(ls -A docs/.storemesh-incoming)" ] || fail "incoming files left after recovery"
sm get --session "$trusted" docs/clean.bin back2.bin >/dev/null || fail "get after restart"
cmp clean.bin back2.bin || fail "get after restart: wrong bytes"
sm get --session "$scanned" docs/clean.bin back3.bin >/dev/null || fail "scanned get after restart"
sm get --session "$scanned" docs/clean.bin back3.bin >/dev/null || fail "scanned get after restart"

check "scan status: scanner, cache hits, quarantine"
is_true "st['scanner']['up'] and st['cache']['hits'] >= 1 and len(st['quarantine']) >= 3" ||
  fail "status: $(sm scan status --at "$AT")"
sm scan status --server fs1 >out.txt || fail "scan status --server"
grep -q "scanner    UP" out.txt || fail "scan status: $(cat out.txt)"
echo "access: all checks passed"
