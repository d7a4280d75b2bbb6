#!/usr/bin/env bash
# tests/sim/seeds.sh STOREMESH: the CI's seed budget. Every scenario, then the
# mixed one, each over its own range of seeds with every fault, on two
# threads; at least 10,000 seeded runs in all. A failure prints its seed and
# the shortest schedule that still fails (storemesh sim), and fails the test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
storemesh=$1
budget=${SIM_SEEDS:-10000}
mixed=${SIM_SEEDS_MIXED:-2000}
steps=${SIM_STEPS:-200}
total=0
# The scenarios this build knows: the sim's own error names them.
scenarios=$( ("$storemesh" sim --scenario '?' 2>&1 || true) | sed -n 's/.*(known: \(.*\))/\1/p' | tr -d ',')
[ -n "$scenarios" ] || fail "cannot list the scenarios"
# The mechanisms share what the mixed scenario leaves of the budget.
count=$(($(echo "$scenarios" | wc -w) - 1))
per_scenario=$(((budget - mixed + count - 1) / count))
seed=1
for s in $scenarios; do
  n=$per_scenario
  [ "$s" = mixed ] && n=$mixed
  check "$s: $n seeds from $seed, $steps steps, every fault"
  "$storemesh" sim --scenario "$s" --seed "$seed" --seeds "$n" --steps "$steps" --faults all --jobs 2 ||
    fail "$s: an invariant failed (seed and schedule above)"
  total=$((total + n))
  seed=$((seed + n))
done
check "$total seeded runs passed"
[ "$total" -ge "$budget" ] || fail "only $total seeded runs: the budget is $budget"
