#include "services/delivery/planning/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace storemesh::services::delivery::planning {

std::string check_settings(const backtest_settings& s) {
  if (auto why = check_settings(s.model); !why.empty())
    return why;
  if (!(s.holdout > 0 && s.holdout < 1))
    return "holdout must be in (0, 1)";
  if (s.top_n < 1)
    return "top_n must be >= 1";
  return {};
}

namespace {

void finish(backtest_score& s) {
  s.precision = s.predicted == 0 ? 0 : static_cast<double>(s.hits) / static_cast<double>(s.predicted);
  s.recall = s.actual == 0 ? 0 : static_cast<double>(s.hits) / static_cast<double>(s.actual);
}

void score(backtest_score& s, const std::vector<prediction>& predicted, const std::set<std::string>& actual) {
  s.predicted += predicted.size();
  s.actual += actual.size();
  for (const auto& p : predicted)
    s.hits += actual.count(p.content);
}

} // namespace

backtest_report backtest(const std::vector<request>& history, const backtest_settings& s) {
  backtest_report r;
  if (r.refused = check_settings(s); !r.refused.empty())
    return r;
  std::vector<std::int64_t> times;
  times.reserve(history.size());
  for (const auto& q : history)
    times.push_back(q.at_ns);
  std::sort(times.begin(), times.end());
  if (times.size() < 2 || times.front() == times.back()) {
    r.refused = "the history needs requests at two different times at least to be split";
    return r;
  }
  auto first_held = static_cast<std::size_t>(std::floor(static_cast<double>(times.size()) * (1 - s.holdout)));
  first_held = std::clamp<std::size_t>(first_held, 1, times.size() - 1);
  r.split_ns = times[first_held];
  if (r.split_ns == times.front()) {
    // every request before it shares the first time: move the split to the next time
    r.split_ns = *std::upper_bound(times.begin(), times.end(), times.front());
  }

  std::vector<request> fit;
  std::map<std::string, std::set<std::string>> held;  // group -> contents
  for (const auto& q : history) {
    if (q.at_ns < r.split_ns) {
      fit.push_back(q);
    } else {
      held[q.group].insert(q.content);
      ++r.held_out_requests;
    }
  }
  r.fit_requests = fit.size();
  // now = the split minus one: what happened at the split itself is held out
  const preference_index model(fit, s.model, r.split_ns - 1);
  const auto baseline = model.popular(s.top_n);
  for (const auto& [group, actual] : held) {
    score(r.model, model.predict(group, s.top_n), actual);
    score(r.baseline, baseline, actual);
  }
  r.groups = held.size();
  finish(r.model);
  finish(r.baseline);
  return r;
}

} // namespace storemesh::services::delivery::planning
