#!/usr/bin/env bash
# CIDs checked against an independent implementation: `storemesh cid` against
# tests/consensus/interop (Go: boxo's balanced importer and size chunker and
# go-cid, the libraries kubo's `ipfs add` runs), on files of every size where
# the layout changes: empty, 1 byte, one chunk -1/0/+1, two chunks, a full
# node of 174 leaves and one leaf more (depth 2), and random sizes. Any
# difference fails the test. Exit 77 (skipped) when Go is not installed.
# The Go modules come from the Go proxy (GOFLAGS=-mod=mod), cached under ~/go.
# STOREMESH_CID_INTEROP_BIG=1 adds a sparse file of 174*174 chunks + 1 byte
# (7.9 GB, depth 3: the one-link chain), which takes about a minute.
#   cid_interop.sh <storemesh binary> <scratch dir>
set -euo pipefail
STOREMESH=$1 WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
GO=$(command -v go || true)
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then echo "Go is not installed: skipped"; exit 77; fi
rm -rf "$WORK" && mkdir -p "$WORK"
export GOFLAGS=-mod=mod GOPATH=${GOPATH:-$HOME/go} GOTOOLCHAIN=local
(cd "$HERE/interop" && "$GO" build -o "$WORK/go_cid" .)

chunk=262144
sizes=(0 1 $((chunk - 1)) $chunk $((chunk + 1)) $((2 * chunk)) $((174 * chunk)) $((174 * chunk + 1)))
RANDOM=$$  # a few random sizes, different each run, printed on failure
for _ in 1 2 3; do sizes+=($(( (RANDOM * 32768 + RANDOM) % (3 * chunk) ))); done
sizes+=($(( (RANDOM * 32768 + RANDOM) % (20 * chunk) + 2 * chunk )))
files=()
for n in "${sizes[@]}"; do
  head -c "$n" /dev/urandom > "$WORK/f$n"
  files+=("$WORK/f$n")
done
if [ "${STOREMESH_CID_INTEROP_BIG:-}" = 1 ]; then
  truncate -s $((174 * 174 * chunk + 1)) "$WORK/sparse"  # zeros: the leaves repeat, the tree does not
  files+=("$WORK/sparse")
fi

"$STOREMESH" cid "${files[@]}" > "$WORK/ours"
"$WORK/go_cid" "${files[@]}" > "$WORK/theirs"
status=0
i=0
while read -r ours && read -r theirs <&3; do
  f=${files[$i]}
  if [ "$ours" = "$theirs" ]; then
    echo "ok   $(stat -c %s "$f") bytes  $ours"
  else
    echo "FAIL $(stat -c %s "$f") bytes  storemesh $ours  boxo $theirs"
    status=1
  fi
  i=$((i + 1))
done < "$WORK/ours" 3< "$WORK/theirs"
[ "$i" -eq "${#files[@]}" ] || { echo "FAIL: $i CIDs compared for ${#files[@]} files"; status=1; }
[ $status -eq 0 ] && rm -rf "$WORK"
exit $status
