#include "services/gateway/rebalance_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>

namespace storemesh::services::gateway {
namespace {

/// Scores are sums of doubles: comparisons allow for rounding.
constexpr double epsilon = 1e-9;
/// Partners tried per step when datastores rule the nearest ones out: bounds
/// a step's cost on a site where few gateways mount what a workload needs.
constexpr std::size_t partner_scan = 64;

/// How a planner picks each move's target and workload (see the header).
enum class strategy {
  heaviest,  ///< the heaviest workload that fits, to the least busy gateway: fewest moves
  lightest,  ///< the lightest workload, to the least busy gateway: sources keep their heaviest
  fill,      ///< fill one target up to the mean, best fit: packs near-equal workloads tightly
  fill_busiest,  ///< the same, the busiest target below the mean first
};

class planner {
public:
  planner(const plan_input& in, strategy how)
      : in_(in), n_(in.gateways.size()), fill_(how == strategy::fill || how == strategy::fill_busiest),
        busiest_first_(how == strategy::fill_busiest), lightest_(how == strategy::lightest) {
    score_.resize(n_);
    rank_.resize(n_);
    std::vector<std::size_t> by_id(n_);
    std::iota(by_id.begin(), by_id.end(), std::size_t{0});
    std::sort(by_id.begin(), by_id.end(),
              [&](std::size_t a, std::size_t b) { return in_.gateways[a].id < in_.gateways[b].id; });
    for (std::size_t r = 0; r < n_; ++r)
      rank_[by_id[r]] = r;
    movable_.resize(n_);
    for (std::size_t g = 0; g < n_; ++g) {
      const auto& gw = in_.gateways[g];
      score_[g] = gw.score;
      mean_ += gw.score / static_cast<double>(n_);
      low_.insert({gw.score, rank_[g], g});
      high_.insert({-gw.score, rank_[g], g});
      if (gw.cooling)
        continue;
      // Among equal weights the smallest id comes first when walking down.
      std::vector<std::size_t> ids(gw.workloads.size());
      std::iota(ids.begin(), ids.end(), std::size_t{0});
      std::sort(ids.begin(), ids.end(),
                [&](std::size_t a, std::size_t b) { return gw.workloads[a].id < gw.workloads[b].id; });
      for (std::size_t r = 0; r < ids.size(); ++r) {
        const auto& w = gw.workloads[ids[r]];
        if (w.movable && w.weight > epsilon)
          movable_[g].insert({w.weight, ids.size() - r, ids[r]});
      }
    }
  }

  plan run() {
    plan p;
    p.spread_before = spread();
    if (n_ == 0) {
      p.outcome = plan_outcome::no_gateways;
      p.reason = "no gateway of the site has a fresh load report";
      return p;
    }
    if (std::all_of(in_.gateways.begin(), in_.gateways.end(), [](const plan_gateway& g) { return g.overloaded; })) {
      p.outcome = plan_outcome::all_overloaded;
      p.reason = "every gateway of the site is overloaded (score >= " + number(in_.overload_threshold) +
                 "): moving load between them relieves none";
      finish(p);
      return p;
    }
    if (p.spread_before <= in_.spread_threshold + epsilon) {
      p.outcome = plan_outcome::balanced;
      finish(p);
      return p;
    }
    std::vector<bool> cannot_give(n_, false), cannot_take(n_, false);
    while (spread() > in_.spread_threshold + epsilon) {
      if (in_.max_moves != 0 && p.moves.size() >= in_.max_moves) {
        p.reason = "stopped at max_moves (" + std::to_string(in_.max_moves) + ")";
        break;
      }
      const std::size_t top = std::get<2>(*high_.begin());
      const std::size_t bottom = std::get<2>(*low_.begin());
      if (!cannot_give[top] && lower(top, p))
        continue;
      cannot_give[top] = true;
      if (!cannot_take[bottom] && raise(bottom, p))
        continue;
      cannot_take[bottom] = true;
      p.reason = why_stuck(top, bottom);
      break;
    }
    p.outcome = p.moves.empty() ? plan_outcome::blocked : plan_outcome::planned;
    finish(p);
    return p;
  }

private:
  using key = std::tuple<double, std::size_t, std::size_t>;  // (score or -score, id rank, gateway)
  using weight_key = std::tuple<double, std::size_t, std::size_t>;  // (weight, reverse id rank, workload)

  static std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return buf;
  }

  [[nodiscard]] double spread() const {
    if (n_ == 0)
      return 0;
    return relative_spread(-std::get<0>(*high_.begin()), std::get<0>(*low_.begin()));
  }

  [[nodiscard]] bool takes(std::size_t target, const plan_workload& w) const {
    const auto& ds = in_.gateways[target].datastores;
    return (w.source_datastore.empty() || ds.count(w.source_datastore) != 0) &&
           (w.destination_datastore.empty() || ds.count(w.destination_datastore) != 0);
  }

  enum class fit { moved, too_heavy, no_datastores };

  /// Moves one of SOURCE's workloads that TARGET can take under the rules:
  /// the heaviest that fits; when filling, the heaviest that fits TARGET's
  /// deficit (up to the mean), else, when every one overshoots it, the
  /// lightest (it overshoots least).
  fit try_move(std::size_t source, std::size_t target, plan& p) {
    if (in_.gateways[target].cooling)
      return fit::too_heavy;
    // target + w <= (source - w) * (1 + tolerance), and target + w < overload.
    const double s = score_[source], t = score_[target];
    const double limit = std::min((s * (1 + tolerance_) - t) / (2 + tolerance_) + epsilon,
                                  in_.overload_threshold - t - epsilon);
    auto& candidates = movable_[source];
    const auto end = candidates.upper_bound({limit, std::numeric_limits<std::size_t>::max(), 0});
    if (end == candidates.begin())
      return fit::too_heavy;
    if (lightest_) {
      for (auto it = candidates.begin(); it != end; ++it)
        if (takes(target, in_.gateways[source].workloads[std::get<2>(*it)]))
          return make(source, target, it, p);
      return fit::no_datastores;
    }
    const double deficit = std::max(mean_ - t, 0.0) + epsilon;
    const double cap = fill_ ? std::min(deficit, limit) : limit;
    auto within = candidates.upper_bound({cap, std::numeric_limits<std::size_t>::max(), 0});
    // Heaviest first below the deficit, then upwards from it.
    for (auto it = within; it != candidates.begin();) {
      --it;
      if (takes(target, in_.gateways[source].workloads[std::get<2>(*it)]))
        return make(source, target, it, p);
    }
    for (auto it = within; it != end; ++it)
      if (takes(target, in_.gateways[source].workloads[std::get<2>(*it)]))
        return make(source, target, it, p);
    return fit::no_datastores;
  }

  fit make(std::size_t source, std::size_t target, std::set<weight_key>::iterator it, plan& p) {
    const auto& w = in_.gateways[source].workloads[std::get<2>(*it)];
    p.moves.push_back({w.id, in_.gateways[source].id, in_.gateways[target].id, w.weight});
    movable_[source].erase(it);
    shift(source, -w.weight);
    shift(target, w.weight);
    return fit::moved;
  }

  /// Lowers TOP: to the gateway being filled, else to the least busy one that
  /// can take one of its workloads.
  bool lower(std::size_t top, plan& p) {
    if (in_.gateways[top].cooling || movable_[top].empty())
      return false;
    // A target is filled up to the mean before the next one gets anything:
    // switching to whichever is lowest after every move scatters the heavier
    // workloads over all targets, and the last moves then find each target
    // too close to the source to take one without inverting the pair (seen
    // with measured rates a few percent apart). Filling one at a time puts
    // them together while the source is still high.
    if (fill_ && filling_ && *filling_ != top && score_[*filling_] < mean_ && try_move(top, *filling_, p) == fit::moved) {
      if (score_[*filling_] >= mean_)
        filling_.reset();
      return true;
    }
    filling_.reset();
    if (busiest_first_) {
      // The target that is already the busiest ends up the highest after
      // its last workload: filled while the source is still high, that last
      // move need not invert the pair (measured rates a few percent apart:
      // filling the least busy first left the busiest for the end, too close
      // to the source to take one more).
      std::vector<std::size_t> below_mean;
      for (auto it = low_.begin(); it != low_.end() && below_mean.size() < partner_scan; ++it) {
        const std::size_t target = std::get<2>(*it);
        if (score_[target] >= mean_ || score_[target] >= score_[top])
          break;
        if (target != top && !in_.gateways[target].cooling)
          below_mean.push_back(target);
      }
      for (auto t = below_mean.rbegin(); t != below_mean.rend(); ++t)
        if (try_move(top, *t, p) == fit::moved) {
          filling_ = *t;
          return true;
        }
    }
    std::size_t tried = 0;
    for (auto it = low_.begin(); it != low_.end() && tried < partner_scan; ++it) {
      const std::size_t target = std::get<2>(*it);
      if (target == top || score_[target] >= score_[top])
        break;
      if (in_.gateways[target].cooling)
        continue;
      ++tried;
      switch (try_move(top, target, p)) {
        case fit::moved:
          if (fill_ && score_[target] < mean_)
            filling_ = target;
          return true;
        case fit::too_heavy: return false;  // busier targets leave even less room
        case fit::no_datastores: break;
      }
    }
    return false;
  }

  /// Raises BOTTOM: from the busiest gateway that can give it a workload.
  bool raise(std::size_t bottom, plan& p) {
    if (in_.gateways[bottom].cooling)
      return false;
    std::size_t tried = 0;
    for (auto it = high_.begin(); it != high_.end() && tried < partner_scan; ++it) {
      const std::size_t source = std::get<2>(*it);
      if (source == bottom || score_[source] <= score_[bottom])
        break;
      if (in_.gateways[source].cooling || movable_[source].empty())
        continue;
      ++tried;
      if (try_move(source, bottom, p) == fit::moved)
        return true;
    }
    return false;
  }

  void shift(std::size_t g, double by) {
    low_.erase({score_[g], rank_[g], g});
    high_.erase({-score_[g], rank_[g], g});
    score_[g] += by;
    low_.insert({score_[g], rank_[g], g});
    high_.insert({-score_[g], rank_[g], g});
  }

  [[nodiscard]] std::string why_stuck(std::size_t top, std::size_t bottom) const {
    const auto& t = in_.gateways[top];
    const auto& b = in_.gateways[bottom];
    std::string out;
    if (t.cooling)
      out = "the busiest gateway, " + t.id + ", is cooling down after a move";
    else if (movable_[top].empty())
      out = "the busiest gateway, " + t.id + ", has no workload that may move (cooling down, migrating or ending)";
    else
      out = "no workload of the busiest gateway, " + t.id +
            ", fits anywhere without making its target busier than " + t.id +
            " or overloaded, or no target mounts its datastores";
    if (b.cooling)
      out += "; the least busy, " + b.id + ", is cooling down after a move";
    return out;
  }

  void finish(plan& p) const {
    p.spread_after = spread();
    for (std::size_t g = 0; g < n_; ++g)
      p.after[in_.gateways[g].id] = score_[g];
  }

  const plan_input& in_;
  std::size_t n_;
  bool fill_;
  bool busiest_first_;
  bool lightest_;
  std::vector<double> score_;
  std::vector<std::size_t> rank_;
  std::set<key> low_;   // least busy first; ties: smallest id
  std::set<key> high_;  // busiest first (score negated); ties: smallest id
  std::vector<std::set<weight_key>> movable_;
  double mean_ = 0;                     // moves keep it
  double tolerance_ = equal_within(in_.spread_threshold);
  std::optional<std::size_t> filling_;  // the target being filled up to the mean
};

} // namespace

double equal_within(double spread_threshold) { return spread_threshold / 4; }

double relative_spread(double highest, double lowest) { return highest <= 0 ? 0 : (highest - lowest) / highest; }

plan make_plan(const plan_input& in) {
  auto best = planner(in, strategy::heaviest).run();
  if (best.outcome != plan_outcome::planned && best.outcome != plan_outcome::blocked)
    return best;
  // Until one reaches the threshold, the next strategy; keep whichever plan
  // leaves the smallest spread (on a tie, the one with fewer moves).
  for (auto how : {strategy::lightest, strategy::fill, strategy::fill_busiest}) {
    if (best.spread_after <= in.spread_threshold + epsilon)
      break;
    auto other = planner(in, how).run();
    if (other.spread_after < best.spread_after - epsilon ||
        (other.spread_after <= best.spread_after + epsilon && other.moves.size() < best.moves.size()))
      best = std::move(other);
  }
  return best;
}

std::size_t lower_bound_moves(const plan_input& in) {
  const auto n = in.gateways.size();
  if (n == 0)
    return 0;
  double total = 0, heaviest = 0;
  for (const auto& g : in.gateways) {
    total += g.score;
    for (const auto& w : g.workloads)
      if (w.movable)
        heaviest = std::max(heaviest, w.weight);
  }
  const double mean = total / static_cast<double>(n);
  const double t = in.spread_threshold;
  const double ceiling = mean / (1 - t);
  const double floor = (1 - t) * mean;
  std::size_t out = 0, in_moves = 0;
  for (const auto& g : in.gateways) {
    if (g.score > ceiling + epsilon) {
      std::vector<double> weights;
      for (const auto& w : g.workloads)
        if (w.movable && w.weight > 0)
          weights.push_back(w.weight);
      std::sort(weights.rbegin(), weights.rend());
      double shed = 0;
      std::size_t k = 0;
      while (k < weights.size() && shed + epsilon < g.score - ceiling)
        shed += weights[k++];
      out += k;
    }
    if (g.score + epsilon < floor && heaviest > 0)
      in_moves += static_cast<std::size_t>(std::ceil((floor - g.score) / heaviest - epsilon));
  }
  return std::max(out, in_moves);
}

const char* to_string(plan_outcome o) {
  switch (o) {
    case plan_outcome::no_gateways: return "no_gateways";
    case plan_outcome::all_overloaded: return "all_overloaded";
    case plan_outcome::balanced: return "balanced";
    case plan_outcome::blocked: return "blocked";
    case plan_outcome::planned: return "planned";
  }
  return "?";
}

} // namespace storemesh::services::gateway
