#!/usr/bin/env bash
# Interoperability: an independent Noise implementation (github.com/flynn/noise,
# tests/tunnels/peer/go_peer.go, written from WIRE.md) opens a tunnel to our
# listener and ours opens one to it; data both ways with fragments and rekeys;
# both ends must report the same handshake hash and each other's static key.
# A Go peer whose key is not on our allow-list is refused.
# Needs Debian's golang-go and golang-github-flynn-noise-dev (ops/deps);
# exit 77 (skipped) when they are missing.
#   tunnel_interop.sh <tunnel_peer binary> <scratch dir>
set -euo pipefail
PEER=$1 WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/wait.sh"
GO=/usr/lib/go/bin/go
if [ ! -x "$GO" ] || [ ! -d /usr/share/gocode/src/github.com/flynn/noise ]; then
  echo "Debian's golang-go / golang-github-flynn-noise-dev missing (ops/deps installs them): skipped"; exit 77
fi
rm -rf "$WORK" && mkdir -p "$WORK"
# GOPATH mode on Debian's packaged sources: no module download, nothing but Debian.
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK.gocache" GOFLAGS= GOTOOLCHAIN=local \
  "$GO" build -o "$WORK/go_peer" "$HERE/go_peer.go"

key() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
OURS=$(key) THEIRS=$(key) STRANGER=$(key)
OURS_PUB=$("$PEER" pubkey "$OURS") THEIRS_PUB=$("$PEER" pubkey "$THEIRS")
fail() { echo "FAIL: $*"; for f in "$WORK"/*.out "$WORK"/*.err; do echo "--- $f"; cat "$f"; done; exit 1; }
field() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$2"; }
has_port() { [ -n "$(field port "$1" 2>/dev/null || true)" ]; }
wait_port() { wait_until 10 "a port in $1" has_port "$1" || fail "no port in $1"; field port "$1"; }
check_pair() {  # <connector out> <listener out> <connector pub> <listener pub>
  [ "$(field hash "$1")" = "$(field hash "$2")" ] && [ -n "$(field hash "$1")" ] || fail "handshake hashes differ"
  [ "$(field peer "$1")" = "$4" ] || fail "connector saw the wrong peer key"
  [ "$(field peer "$2")" = "$3" ] || fail "listener saw the wrong peer key"
  for f in "$1" "$2"; do
    [ "$(awk '$1 == "rekeys" { print ($3 > 0 && $5 > 0) }' "$f")" = 1 ] || fail "no rekeys both ways in $f"
  done
  grep -q "^closed .*done" "$2" || fail "listener did not see the close reason"
}

echo "1. the Go peer connects to our listener"
"$PEER" listen --key "$OURS" --allow "$THEIRS_PUB" --cluster interop > "$WORK/ours1.out" 2> "$WORK/ours1.err" &
ours=$!
port=$(wait_port "$WORK/ours1.out")
timeout 60 "$WORK/go_peer" connect -port "$port" -key "$THEIRS" -allow "$OURS_PUB" -cluster interop -messages 100 \
  > "$WORK/go1.out" 2> "$WORK/go1.err" || fail "go peer (connect) failed"
wait $ours || fail "our listener failed"
check_pair "$WORK/go1.out" "$WORK/ours1.out" "$THEIRS_PUB" "$OURS_PUB"
echo "   ok: hash $(field hash "$WORK/go1.out" | cut -c1-16)..., $(grep rekeys "$WORK/go1.out")"

echo "2. we connect to the Go peer's listener"
"$WORK/go_peer" listen -key "$THEIRS" -allow "$OURS_PUB" -cluster interop > "$WORK/go2.out" 2> "$WORK/go2.err" &
theirs=$!
port=$(wait_port "$WORK/go2.out")
timeout 60 "$PEER" connect --port "$port" --key "$OURS" --allow "$THEIRS_PUB" --cluster interop --messages 100 \
  > "$WORK/ours2.out" 2> "$WORK/ours2.err" || fail "our connect failed"
wait $theirs || fail "go peer (listen) failed"
check_pair "$WORK/ours2.out" "$WORK/go2.out" "$OURS_PUB" "$THEIRS_PUB"
echo "   ok: hash $(field hash "$WORK/ours2.out" | cut -c1-16)..., $(grep rekeys "$WORK/ours2.out")"

echo "3. a Go peer with a key not on our allow-list is refused"
"$PEER" listen --key "$OURS" --allow "$THEIRS_PUB" --cluster interop > "$WORK/ours3.out" 2> "$WORK/ours3.err" &
ours=$!
port=$(wait_port "$WORK/ours3.out")
timeout 30 "$WORK/go_peer" connect -port "$port" -key "$STRANGER" -allow "$OURS_PUB" -cluster interop -messages 1 \
  > "$WORK/go3.out" 2> "$WORK/go3.err" && fail "a stranger's tunnel worked"
wait_until 5 "the refusal in ours3.out" grep -q "^refused .*not allowed.*$("$PEER" pubkey "$STRANGER")" "$WORK/ours3.out" ||
  fail "no refusal recorded"
kill $ours 2>/dev/null || true; wait $ours 2>/dev/null || true
echo "   ok: $(grep refused "$WORK/ours3.out" | cut -c1-90)..."

echo "4. a Go peer of another cluster fails the handshake"
"$PEER" listen --key "$OURS" --allow "$THEIRS_PUB" --cluster interop > "$WORK/ours4.out" 2> "$WORK/ours4.err" &
ours=$!
port=$(wait_port "$WORK/ours4.out")
timeout 30 "$WORK/go_peer" connect -port "$port" -key "$THEIRS" -allow "$OURS_PUB" -cluster other -messages 1 \
  > "$WORK/go4.out" 2> "$WORK/go4.err" && fail "a tunnel across clusters worked"
kill $ours 2>/dev/null || true; wait $ours 2>/dev/null || true
echo "   ok: $(cat "$WORK/go4.err")"
echo "interop: 4 passed, 0 failed"
