#include "sim/shrink.hpp"

namespace storemesh::sim {

shrunk shrink(const run_options& options, const run_result& failure, std::uint32_t budget) {
  shrunk best;
  best.options = options;
  best.options.steps = std::max<std::uint64_t>(failure.failed_step, 1);
  best.options.keep_trace = false;
  best.result = failure;
  std::vector<fault_event> faults;
  for (const auto& e : failure.schedule)
    if (e.step <= failure.failed_step)
      faults.push_back(e);
  auto fails = [&](const std::vector<fault_event>& candidate, run_result& out) {
    if (best.runs >= budget)
      return false;
    ++best.runs;
    auto o = best.options;
    o.schedule = candidate;
    out = run(o);
    return !out.ok;
  };
  run_result r;
  if (!fails(faults, r)) {
    // The schedule alone does not fail (the drawn run depended on more than
    // its faults): the original run is the shortest known.
    best.options.schedule = failure.schedule;
    best.options.steps = options.steps;
    return best;
  }
  best.result = r;
  for (std::size_t chunk = std::max<std::size_t>(faults.size() / 2, 1); !faults.empty();) {
    bool cut = false;
    for (std::size_t at = 0; at < faults.size();) {
      std::vector<fault_event> candidate(faults.begin(), faults.begin() + static_cast<std::ptrdiff_t>(at));
      const auto end = std::min(faults.size(), at + chunk);
      candidate.insert(candidate.end(), faults.begin() + static_cast<std::ptrdiff_t>(end), faults.end());
      if (fails(candidate, r)) {
        faults = std::move(candidate);
        best.result = r;
        cut = true;
      } else {
        at = end;
      }
    }
    if (chunk == 1 && !cut)
      break;
    if (!cut)
      chunk = std::max<std::size_t>(chunk / 2, 1);
    if (best.runs >= budget)
      break;
  }
  // The steps stay those every candidate ran with: a shorter run is a
  // different run (its quiet phase starts sooner).
  best.options.schedule = faults;
  return best;
}

} // namespace storemesh::sim
