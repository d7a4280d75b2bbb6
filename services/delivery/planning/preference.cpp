#include "services/delivery/planning/preference.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <unordered_map>

namespace storemesh::services::delivery::planning {

std::string check_settings(const model_settings& s) {
  if (s.half_life_ns <= 0)
    return "half-life must be > 0";
  if (s.horizon_ns <= 0)
    return "horizon must be > 0";
  if (!std::isfinite(s.co_weight) || s.co_weight < 0)
    return "co-request weight must be a finite number >= 0";
  if (!std::isfinite(s.prior_weight) || s.prior_weight < 0)
    return "prior weight must be a finite number >= 0";
  if (s.neighbours < 1)
    return "neighbours must be >= 1";
  return {};
}

namespace {

/// Interns names in order of first sight (one hash lookup per request), then renumbers them by name.
class interner {
public:
  std::uint32_t id(const std::string& name) {
    auto [it, fresh] = ids_.try_emplace(name, static_cast<std::uint32_t>(seen_.size()));
    if (fresh)
      seen_.push_back(&it->first);
    return it->second;
  }
  /// The names sorted; rank[first-sight id] = the name's index among them.
  std::vector<std::string> sorted(std::vector<std::uint32_t>& rank) const {
    std::vector<std::uint32_t> order(seen_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return *seen_[a] < *seen_[b]; });
    std::vector<std::string> names;
    names.reserve(order.size());
    rank.assign(order.size(), 0);
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      rank[order[i]] = i;
      names.push_back(*seen_[order[i]]);
    }
    return names;
  }

private:
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<const std::string*> seen_;  // node-based map: the keys do not move
};

std::string age(std::int64_t ns) {
  constexpr std::int64_t minute = 60'000'000'000;
  if (ns < ns_per_hour)
    return std::to_string(ns / minute) + " min";
  if (ns < 2 * ns_per_day)
    return std::to_string(ns / ns_per_hour) + " h";
  return std::to_string(ns / ns_per_day) + " d";
}

} // namespace

preference_index::preference_index(const std::vector<request>& history, const model_settings& s, std::int64_t now_ns)
    : s_(s), now_(now_ns) {
  error_ = check_settings(s);
  if (!error_.empty())
    return;
  auto counts = [&](const request& r) { return r.at_ns <= now_ && r.at_ns > now_ - s_.horizon_ns; };

  // -- names -> ids (sorted, so id order is name order and ties by id are ties by name)
  struct flat {
    std::uint32_t g, c;
    std::int64_t at;
  };
  std::vector<flat> rs;
  rs.reserve(history.size());
  {
    interner groups, contents;
    for (const auto& r : history)
      if (counts(r))
        rs.push_back({groups.id(r.group), contents.id(r.content), r.at_ns});
    std::vector<std::uint32_t> group_rank, content_rank;
    group_names_ = groups.sorted(group_rank);
    content_names_ = contents.sorted(content_rank);
    for (auto& r : rs) {
      r.g = group_rank[r.g];
      r.c = content_rank[r.c];
    }
  }
  const std::size_t C = content_names_.size();
  const double G = static_cast<double>(group_names_.size());

  // -- by group: own(g, c), its count and last request
  requests_ = rs.size();
  std::sort(rs.begin(), rs.end(), [](const flat& a, const flat& b) { return std::tie(a.g, a.c, a.at) < std::tie(b.g, b.c, b.at); });
  group_offset_.assign(group_names_.size() + 1, 0);
  requesters_.assign(C, 0);
  popularity_.assign(C, 0);
  const double h = static_cast<double>(s_.half_life_ns);
  std::uint32_t last_group = ~0u;  // rs is sorted by (group, content): a pair's requests are adjacent
  for (const auto& r : rs) {
    const double w = std::exp2(-static_cast<double>(now_ - r.at) / h);
    const bool same = !own_.empty() && last_group == r.g && own_.back().content == r.c;
    if (!same) {
      own_.push_back({r.c, 0, 0, 0});
      ++requesters_[r.c];
      last_group = r.g;
      ++group_offset_[r.g + 1];
    }
    auto& o = own_.back();
    o.weight += w;
    ++o.count;
    o.last_ns = std::max(o.last_ns, r.at);
    popularity_[r.c] += w;
  }
  std::partial_sum(group_offset_.begin(), group_offset_.end(), group_offset_.begin());

  // -- by content: the groups that requested it
  std::vector<std::uint32_t> content_offset(C + 1, 0), by_content(own_.size());
  for (const auto& o : own_)
    ++content_offset[o.content + 1];
  std::partial_sum(content_offset.begin(), content_offset.end(), content_offset.begin());
  {
    auto fill = content_offset;
    for (std::uint32_t g = 0; g < group_names_.size(); ++g)
      for (auto i = group_offset_[g]; i < group_offset_[g + 1]; ++i)
        by_content[fill[own_[i].content]++] = g;
  }

  // -- co-occurrence: for each c', count the other contents of its requesters; keep the top ones
  neighbour_offset_.assign(C + 1, 0);
  std::vector<std::uint32_t> counter(C, 0), touched;
  std::vector<std::pair<double, std::uint32_t>> ranked;  // (lift, content), positive lifts only
  for (std::uint32_t c1 = 0; c1 < C; ++c1) {
    touched.clear();
    for (auto i = content_offset[c1]; i < content_offset[c1 + 1]; ++i) {
      const auto g = by_content[i];
      for (auto j = group_offset_[g]; j < group_offset_[g + 1]; ++j) {
        const auto c = own_[j].content;
        if (c == c1)
          continue;
        if (counter[c]++ == 0)
          touched.push_back(c);
      }
    }
    // lift(c', c) = n(c', c) / n(c') - n(c) / G: how much likelier c's requesters are among c''s
    // than among all groups; a popular content follows every other one and would otherwise
    // crowd out what is particular to c''s requesters
    const double share = 1.0 / (content_offset[c1 + 1] - content_offset[c1]);  // 1 / n(c')
    ranked.clear();
    for (auto c : touched) {
      const double lift = counter[c] * share - static_cast<double>(requesters_[c]) / G;
      if (lift > 0)
        ranked.push_back({lift, c});
    }
    auto more = [](const std::pair<double, std::uint32_t>& a, const std::pair<double, std::uint32_t>& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    const auto keep = std::min<std::size_t>(ranked.size(), s_.neighbours);
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(), more);
    for (std::size_t i = 0; i < keep; ++i)
      neighbours_.push_back({ranked[i].second, counter[ranked[i].second], ranked[i].first});
    neighbour_offset_[c1 + 1] = static_cast<std::uint32_t>(neighbours_.size());
    for (auto c : touched)
      counter[c] = 0;
  }

  // -- global rankings: the prior's (requesters) and the baseline's (decayed popularity)
  by_requesters_.resize(C);
  std::iota(by_requesters_.begin(), by_requesters_.end(), 0u);
  by_popularity_ = by_requesters_;
  std::stable_sort(by_requesters_.begin(), by_requesters_.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return requesters_[a] > requesters_[b]; });
  std::stable_sort(by_popularity_.begin(), by_popularity_.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return popularity_[a] > popularity_[b]; });
}

std::vector<prediction> preference_index::predict(std::string_view group, std::size_t top_n) const {
  if (top_n == 0 || content_names_.empty())
    return {};
  const double G = static_cast<double>(group_names_.size());
  struct cand {
    std::uint32_t content = 0;
    double own = 0, co = 0, best = 0;  // best: the largest single co contribution
    std::uint32_t count = 0, from = 0, both = 0;
    std::int64_t last_ns = 0;
  };
  std::vector<cand> cs;
  auto it = std::lower_bound(group_names_.begin(), group_names_.end(), group);
  if (it != group_names_.end() && *it == group) {
    const auto g = static_cast<std::uint32_t>(it - group_names_.begin());
    double interest = 0;  // sum of own(g, .)
    for (auto i = group_offset_[g]; i < group_offset_[g + 1]; ++i)
      interest += own_[i].weight;
    for (auto i = group_offset_[g]; i < group_offset_[g + 1]; ++i) {
      const auto& o = own_[i];
      cs.push_back({o.content, o.weight, 0, 0, o.count, 0, 0, o.last_ns});
      for (auto j = neighbour_offset_[o.content]; j < neighbour_offset_[o.content + 1]; ++j) {
        const auto& nb = neighbours_[j];
        const double contribution = interest > 0 ? o.weight / interest * nb.lift : 0;
        cs.push_back({nb.content, 0, contribution, contribution, 0, o.content, nb.both, 0});
      }
    }
    // merge by content; among equal contributions the first (the smaller c') names the why
    std::vector<std::uint64_t> order(cs.size());  // content << 32 | position: a sort of plain integers
    for (std::size_t i = 0; i < cs.size(); ++i)
      order[i] = static_cast<std::uint64_t>(cs[i].content) << 32 | i;
    std::sort(order.begin(), order.end());
    std::vector<cand> merged;
    merged.reserve(order.size());
    for (auto key : order) {
      const auto& c = cs[key & 0xffffffffu];
      if (!merged.empty() && merged.back().content == c.content) {
        auto& m = merged.back();
        m.own += c.own;
        m.count += c.count;
        m.last_ns = std::max(m.last_ns, c.last_ns);
        m.co += c.co;
        if (c.best > m.best) {
          m.best = c.best;
          m.from = c.from;
          m.both = c.both;
        }
      } else {
        merged.push_back(c);
      }
    }
    cs = std::move(merged);
  }
  const auto in_cs = cs.size();
  // contents with the prior alone: the most requested that are not candidates already
  if (s_.prior_weight > 0) {
    std::size_t added = 0;
    for (auto c : by_requesters_) {
      if (added == top_n)
        break;
      auto at = std::lower_bound(cs.begin(), cs.begin() + static_cast<std::ptrdiff_t>(in_cs), c,
                                 [](const cand& a, std::uint32_t v) { return a.content < v; });
      if (at != cs.begin() + static_cast<std::ptrdiff_t>(in_cs) && at->content == c)
        continue;
      cand p;
      p.content = c;
      cs.push_back(p);
      ++added;
    }
  }
  std::vector<std::pair<double, std::uint32_t>> ranked;  // (score, index into cs)
  ranked.reserve(cs.size());
  for (std::uint32_t i = 0; i < cs.size(); ++i) {
    const auto& c = cs[i];
    ranked.push_back({c.own + s_.co_weight * c.co + s_.prior_weight * requesters_[c.content] / G, i});
  }
  const auto keep = std::min(top_n, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                    [&](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : cs[a.second].content < cs[b.second].content;
                    });
  std::vector<prediction> result;
  result.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i) {
    const auto& c = cs[ranked[i].second];
    if (ranked[i].first <= 0)
      break;
    std::string why;
    if (c.own > 0 && c.own >= s_.co_weight * c.co)
      why = "requested " + std::to_string(c.count) + "x, last " + age(now_ - c.last_ns) + " ago";
    else if (c.co > 0)
      why = "co-requested with " + content_names_[c.from] + " by " + std::to_string(c.both) + " groups";
    else
      why = "requested by " + std::to_string(requesters_[c.content]) + " of " +
            std::to_string(group_names_.size()) + " groups";
    result.push_back({content_names_[c.content], ranked[i].first, std::move(why)});
  }
  return result;
}

std::vector<prediction> preference_index::popular(std::size_t top_n) const {
  std::vector<prediction> result;
  const double G = static_cast<double>(std::max<std::size_t>(1, group_names_.size()));
  for (std::size_t i = 0; i < std::min(top_n, by_popularity_.size()); ++i) {
    const auto c = by_popularity_[i];
    result.push_back({content_names_[c], popularity_[c] / G,
                      "popular: requested by " + std::to_string(requesters_[c]) + " of " +
                          std::to_string(group_names_.size()) + " groups"});
  }
  return result;
}

} // namespace storemesh::services::delivery::planning
