#include "services/delivery/planning/synthetic_history.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

namespace storemesh::services::delivery::planning {

namespace {

std::string padded(char prefix, std::size_t i, std::size_t count) {
  auto digits = std::to_string(std::max<std::size_t>(1, count - 1)).size();
  auto s = std::to_string(i);
  return std::string(1, prefix) + std::string(digits > s.size() ? digits - s.size() : 0, '0') + s;
}

/// Zipf(s) over 0..n-1 by inverse CDF (binary search): exact, and fast enough for 1M draws.
class zipf {
public:
  zipf(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
      cdf_[i] = sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    for (auto& c : cdf_)
      c /= sum;
  }
  template <class Rng> std::size_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
  }

private:
  std::vector<double> cdf_;
};

} // namespace

synthetic_fleet make_fleet(const synthetic_options& o) {
  synthetic_fleet f;
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::int64_t> coord(0, o.area_m);

  // -- contents
  f.contents.reserve(o.contents);
  const double lo = std::log(static_cast<double>(o.min_bytes)), hi = std::log(static_cast<double>(o.max_bytes));
  for (std::size_t i = 0; i < o.contents; ++i) {
    content_info c;
    c.name = padded('c', i, o.contents);
    c.geometry.bytes = static_cast<std::uint64_t>(std::exp(std::uniform_real_distribution<double>(lo, hi)(rng)));
    // a small content is one segment cut to its size (rounded so that its k slices need no
    // padding), not a mostly empty segment of the default size
    const std::uint64_t unit = slice_alignment * o.k;
    c.geometry.segment_bytes =
        std::min(o.segment_bytes, std::max(min_segment_bytes, (c.geometry.bytes + unit - 1) / unit * unit));
    c.geometry.k = o.k;
    c.geometry.m = o.m;
    const auto slices = segments(c.geometry) * pillars(c.geometry);
    c.slice_crc32c.resize(slices);
    for (auto& crc : c.slice_crc32c)
      crc = static_cast<std::uint32_t>(rng());
    f.contents.push_back(std::move(c));
  }

  // -- edges
  for (std::size_t i = 0; i < o.edges; ++i) {
    edge e;
    e.name = padded('e', i, o.edges);
    e.at = {coord(rng), coord(rng)};
    e.capacity_bytes = o.edge_capacity_bytes;
    e.free_bytes = o.edge_capacity_bytes / 2 +
                   std::uniform_int_distribution<std::uint64_t>(0, o.edge_capacity_bytes / 2)(rng);
    e.window_bytes = o.edge_window_bytes;
    e.up = std::uniform_real_distribution<double>(0, 1)(rng) >= o.down_fraction;
    f.edges.push_back(std::move(e));
  }

  // -- groups: place, home cluster, favourites
  const std::size_t clusters = std::max<std::size_t>(1, std::min(o.clusters, o.contents));
  const std::size_t per_cluster = (o.contents + clusters - 1) / clusters;
  const zipf global(o.contents, o.zipf_s), inside(per_cluster, o.zipf_s);
  auto in_cluster = [&](std::size_t cluster) {
    for (;;) {  // the last cluster may be short: draw again past its end
      const auto c = cluster + inside(rng) * clusters;
      if (c < o.contents)
        return c;
    }
  };
  std::vector<std::size_t> home(o.groups);
  std::vector<std::vector<std::size_t>> favourite(o.groups);
  for (std::size_t g = 0; g < o.groups; ++g) {
    group_info gi;
    gi.name = padded('g', g, o.groups);
    gi.at = {coord(rng), coord(rng)};
    gi.devices = 1 + static_cast<std::uint32_t>(rng() % 50);
    f.groups.push_back(std::move(gi));
    home[g] = rng() % clusters;
    for (std::uint32_t i = 0; i < o.favourites; ++i)
      favourite[g].push_back(in_cluster(home[g]));
  }

  // -- the history
  const double mean = o.groups == 0 ? 0 : static_cast<double>(o.requests) / static_cast<double>(o.groups);
  const std::int64_t span = o.days * ns_per_day;
  std::uniform_int_distribution<std::int64_t> when(o.start_ns, o.start_ns + span - 1);
  std::uniform_real_distribution<double> u(0, 1);
  f.history.reserve(o.requests + o.groups);
  for (std::size_t g = 0; g < o.groups; ++g) {
    const auto count = static_cast<std::size_t>(std::llround(mean * (0.5 + u(rng))));
    for (std::size_t r = 0; r < count; ++r) {
      const double p = u(rng);
      std::size_t c;
      if (p < o.repeat && !favourite[g].empty())
        c = favourite[g][rng() % favourite[g].size()];
      else if (p < o.repeat + (1 - o.repeat) * o.taste)
        c = in_cluster(home[g]);
      else
        c = global(rng);
      f.history.push_back({f.groups[g].name, f.contents[c].name, when(rng)});
    }
  }
  std::sort(f.history.begin(), f.history.end(), [](const request& a, const request& b) {
    return std::tie(a.at_ns, a.group, a.content) < std::tie(b.at_ns, b.group, b.content);
  });
  return f;
}

} // namespace storemesh::services::delivery::planning
