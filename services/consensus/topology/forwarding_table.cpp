#include "services/consensus/topology/forwarding_table.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <tuple>

namespace storemesh::services::consensus {
namespace {

struct choice {
  bool deliver = false;
  std::uint32_t metric = 0;
  std::string via;
  std::size_t line = 0;
};

} // namespace

forwarding_table forwarding_table::build(const topology& t, std::string_view router) {
  std::map<route_prefix, choice> chosen;
  for (const auto& p : t.prefixes)
    if (p.at && *p.at == router) {
      auto& c = chosen[p.prefix];
      if (!c.deliver) c = choice{true, 0, {}, p.line};  // the first `at` line names it
    }
  for (const auto& r : t.routes) {
    if (r.owner != router) continue;
    auto [it, fresh] = chosen.try_emplace(r.prefix, choice{false, r.metric, r.via, r.line});
    auto& c = it->second;
    if (!fresh && !c.deliver && std::tie(r.metric, r.via) < std::tie(c.metric, c.via))
      c = choice{false, r.metric, r.via, r.line};
  }
  std::vector<std::string> names;
  for (const auto& [p, c] : chosen)
    if (!c.deliver) names.push_back(c.via);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<entry> entries;
  entries.reserve(chosen.size());
  for (const auto& [p, c] : chosen) {
    const hop h = c.deliver ? deliver_here
                            : static_cast<hop>(std::lower_bound(names.begin(), names.end(), c.via) - names.begin());
    entries.push_back(entry{p, h, c.line});
  }
  auto table = from_entries(std::move(entries), std::move(names));
  table.router_ = std::string(router);
  return table;
}

forwarding_table forwarding_table::from_entries(std::vector<entry> entries, std::vector<std::string> names) {
  // Both are programming errors of the caller (build cannot produce them).
  if (names.size() > max_next_hops) throw std::invalid_argument("forwarding_table: too many next hops");
  for (const auto& e : entries)
    if (e.next != deliver_here && e.next >= names.size())
      throw std::invalid_argument("forwarding_table: hop out of range for " + e.prefix.to_string());
  forwarding_table t;
  std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) { return a.prefix < b.prefix; });
  t.entries_ = std::move(entries);
  t.names_ = std::move(names);
  t.hops_.reserve(t.entries_.size());
  for (const auto& e : t.entries_) t.hops_.push_back(e.next);
  t.level16_.assign(std::size_t{1} << 16, 0);
  // Shortest first, so a longer prefix overwrites the cells of the shorter
  // ones that cover it, and a block is opened only after every prefix that
  // fills the cell above it was written there.
  std::vector<std::uint32_t> order(t.entries_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return t.entries_[a].prefix.length < t.entries_[b].prefix.length;
  });
  for (const auto i : order) t.insert(i);
  return t;
}

void forwarding_table::insert(std::uint32_t index) {
  const route_prefix p = entries_[index].prefix;
  const std::uint32_t value = index + 1;
  const auto fill = [&](std::vector<std::uint32_t>& cells, std::size_t from, std::size_t count) {
    std::fill(cells.begin() + static_cast<std::ptrdiff_t>(from), cells.begin() + static_cast<std::ptrdiff_t>(from + count),
              value);
  };
  // The block under `cell`, opened (filled with the cell's value) if need be.
  const auto block_under = [](std::uint32_t& cell, std::vector<std::uint32_t>& next) -> std::size_t {
    if (!(cell & block_bit)) {
      const auto block = static_cast<std::uint32_t>(next.size() >> 8);
      next.insert(next.end(), 256, cell);
      cell = block | block_bit;
    }
    return std::size_t{cell & ~block_bit} << 8;
  };
  if (p.length <= 16) {
    fill(level16_, p.address >> 16, std::size_t{1} << (16 - p.length));
    return;
  }
  const std::size_t b24 = block_under(level16_[p.address >> 16], level24_);
  const std::size_t i24 = b24 | ((p.address >> 8) & 0xFF);
  if (p.length <= 24) {
    fill(level24_, i24, std::size_t{1} << (24 - p.length));
    return;
  }
  const std::size_t b32 = block_under(level24_[i24], level32_);
  fill(level32_, b32 | (p.address & 0xFF), std::size_t{1} << (32 - p.length));
}

std::size_t forwarding_table::memory_bytes() const noexcept {
  return (level16_.size() + level24_.size() + level32_.size()) * sizeof(std::uint32_t) + hops_.size() * sizeof(hop);
}

} // namespace storemesh::services::consensus
