#!/usr/bin/env bash
# tests/sim/planted.sh STOREMESH BUG: a bug planted through the simulator's
# test-only switch (events/planted_bugs.hpp; no code edited) must be found
# within the CI's seed budget, with its seed and a shrunk schedule that still
# fails -- and the same seeds must pass without it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
storemesh=$1
bug=$2
case $bug in
  skip_dedup | skip_fencing) scenario=runtime ;;
  promote_lagging) scenario=quorum ;;
  *) fail "no planted bug $bug" ;;
esac
seeds=${SIM_PLANTED_SEEDS:-1000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
check "$bug planted: some seed of $seeds ($scenario) must fail"
"$storemesh" sim --plant "$bug" --scenario "$scenario" --seeds "$seeds" --faults all --jobs 2 --expect-failure | tee "$out" ||
  fail "$bug was not found in $seeds seeds"
seed=$(sed -n 's/^seed \([0-9]*\) .*FAILED.*/\1/p' "$out" | head -1)
[ -n "$seed" ] || fail "no failing seed printed"
replay=$(sed -n "s/^shortest failing schedule.*: \(storemesh sim .*\)$/\1/p" "$out" | head -1)
[ -n "$replay" ] || fail "no shrunk schedule printed"
check "the shrunk schedule replays the failure: $replay"
eval "\"$storemesh\" ${replay#storemesh } --plant $bug --expect-failure --no-shrink" ||
  fail "the shrunk schedule does not fail again"
check "without the bug, seed $seed passes"
"$storemesh" sim --scenario "$scenario" --seed "$seed" --faults all --no-shrink || fail "seed $seed fails without the bug"
