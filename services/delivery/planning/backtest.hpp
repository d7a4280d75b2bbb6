#pragma once
// The back-test: does the preference model predict what groups ask for next,
// and better than plain global popularity? Pure.
//
//   split: the history sorted by time; the split time is that of the first
//          request of the last `holdout` fraction (requests at the split time
//          and later are held out; those before it fit the model, at now = split)
//   per group that requested anything in the held-out part:
//     predicted = the model's top_n at the split (the baseline: popular(top_n))
//     actual    = the distinct contents it requested in the held-out part
//     hits      = |predicted & actual|
//   precision = sum hits / sum |predicted|, recall = sum hits / sum |actual|
//   (micro-averaged: every prediction and every held-out content weighs the same)

#include "services/delivery/planning/preference.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::services::delivery::planning {

struct backtest_settings {
  model_settings model;
  double holdout = 0.2;     ///< the fraction of requests (the latest) held out, in (0, 1)
  std::uint32_t top_n = 5;  ///< predictions per group
};
/// "" when usable, else why not.
[[nodiscard]] std::string check_settings(const backtest_settings& s);

struct backtest_score {
  std::uint64_t hits = 0, predicted = 0, actual = 0;
  double precision = 0, recall = 0;
};

struct backtest_report {
  std::string refused;  ///< "" when run, else why not (bad settings, too little history to split)
  std::int64_t split_ns = 0;
  std::size_t fit_requests = 0, held_out_requests = 0;
  std::size_t groups = 0;  ///< groups scored (with held-out requests)
  backtest_score model, baseline;
};

[[nodiscard]] backtest_report backtest(const std::vector<request>& history, const backtest_settings& s);

} // namespace storemesh::services::delivery::planning
