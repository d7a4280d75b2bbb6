#!/usr/bin/env bash
# storemesh apply FILE: many commands signed by the batch, each appended to
# its entity's partition, every outcome reported. A file with a bad line
# appends nothing; a refused command is named by its line; the log of batched
# and single commands audits clean.
set -euo pipefail
S=${1:?usage: apply.sh path/to/storemesh}
# shellcheck source=../lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
# shellcheck source=../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
work=$(mktemp -d)
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export STOREMESH_DATA="$work/data" STOREMESH_KEY="$work/op.key"
"$S" keygen --out op.key >/dev/null
"$S" serve --trust op.key.pub >serve.log 2>&1 &
daemon=$!
wait_until --alive "$daemon" 30 "the daemon's key" test -f data/state/daemon.key.pub || fail "daemon did not start: $(cat serve.log)"
mkdir -p shared
reg() { echo "host $1 {\"hostCommand\":{\"register\":[{\"name\":\"shared\",\"path\":\"$work/shared\"}]}}"; }
drain() { echo "host $1 {\"hostCommand\":{\"setState\":{\"state\":\"draining\",\"reason\":\"$2\"}}}"; }

check "a file with a bad line is refused whole: nothing appended"
{ reg h1; echo "host h2 {\"hostCommand\":{\"registr\":[]}}"; } >bad.cmds
if out=$("$S" apply bad.cmds 2>&1); then fail "a file with a misspelt payload was applied: $out"; fi
grep -q "bad.cmds:2:" <<<"$out" || fail "the error does not name line 2: $out"
{ reg h1; echo "hots h2 {}"; } >bad_kind.cmds
if out=$("$S" apply bad_kind.cmds 2>&1); then fail "a file with an unknown kind was applied: $out"; fi
grep -q "bad_kind.cmds:2: no entity kind 'hots'" <<<"$out" || fail "the error does not name the kind: $out"
[ "$("$S" host list | grep -c '^h[0-9]')" = 0 ] || fail "hosts registered from a refused file: $("$S" host list)"

check "40 registrations in batches of 16: all accepted, 3 signatures"
{ echo "# forty hosts"; for i in $(seq 1 40); do reg "h$i"; done; } >hosts.cmds
out=$("$S" apply hosts.cmds --batch 16)
grep -q "^40 accepted, 0 rejected, 40 commands under 3 signature(s)" <<<"$out" || fail "unexpected: $out"
[ "$("$S" host list | grep -c '^h[0-9]')" = 40 ] || fail "expected 40 hosts: $("$S" host list)"

check "a refused command is named by its line, the rest decided, exit 1"
{ drain h1 "rack 4"; reg h2; drain h3 "rack 4"; } >mixed.cmds
if out=$("$S" apply mixed.cmds 2>&1); then fail "apply exited 0 though h2 is already registered: $out"; fi
grep -q "mixed.cmds:2: host h2: rejected (already_registered)" <<<"$out" || fail "refusal not reported: $out"
grep -q "^2 accepted, 1 rejected" <<<"$out" || fail "counts wrong: $out"
"$S" host list | grep -q "^h1 .*draining" || fail "h1 is not draining"
"$S" host list | grep -q "^h3 .*draining" || fail "h3 is not draining"

check "a single command beside them; the audit checks proofs and roots"
"$S" host drain h5 --reason single >/dev/null
"$S" audit --trust op.key.pub >audit.txt || fail "audit failed: $(cat audit.txt)"
grep -q "OK" audit.txt || fail "audit verdict: $(cat audit.txt)"
echo "OK: apply signs by the batch, refuses bad files whole, reports refusals by line"
