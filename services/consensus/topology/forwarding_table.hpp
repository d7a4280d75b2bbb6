#pragma once
// forwarding_table: one router's longest-prefix-match table, built from a
// topology, and the lookup every datagram pays.
//
// Layout (DIR-16-8-8, after Gupta, Lin and McKeown's DIR-24-8): a first level
// of 2^16 cells indexed by the address's top 16 bits; a cell holds either the
// entry of the longest prefix of length <= 16 covering those 65536 addresses,
// or, when a longer prefix starts inside them, a block of 256 cells for the
// next 8 bits, and below that blocks of 256 for the last 8. A lookup is one to
// three dependent reads and no comparison of prefixes. Prefixes are expanded
// into the cells when the table is built (shortest first, so longer ones
// overwrite), so building costs O(cells touched) and memory is 256 KiB plus
// 1 KiB per block (a /17../24 opens one second-level block, a /25../32 one
// third-level block more). bench_route measures it against a plain hash map
// and against one hash probe per prefix length (longest first).
//
// Thread-safety: immutable once built; concurrent lookups are fine.

#include "services/consensus/topology/route_prefix.hpp"
#include "services/consensus/topology/topology.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

class forwarding_table {
public:
  /// A lookup's answer: an index into next_hops(), or deliver_here.
  using hop = std::uint16_t;
  /// The prefix is `at` this router: deliver the datagram, forward nothing.
  static constexpr hop deliver_here = 0xFFFF;
  /// Most distinct next hops a table holds (deliver_here excluded).
  static constexpr std::size_t max_next_hops = 0xFFFF;

  /// One prefix in the table, and where its traffic goes.
  struct entry {
    route_prefix prefix;
    hop next = deliver_here;
    std::size_t line = 0;  // the statement that chose it (its `route` or `prefix ... at` line), 0 if none
  };

  /// The table of `router`: every prefix `at` it is delivered here; for every
  /// other prefix it has routes for, the route with the lowest metric wins,
  /// equal metrics going to the next hop whose name sorts first. A prefix
  /// delivered here ignores this router's routes for it (check_topology
  /// reports them). Defined for any parsed topology, checked or not.
  [[nodiscard]] static forwarding_table build(const topology& t, std::string_view router);

  /// A table from entries directly (tests, the benchmark, the check's table of
  /// destinations). Prefixes must be distinct; each `next` is deliver_here or
  /// < names.size(), and names.size() <= max_next_hops.
  [[nodiscard]] static forwarding_table from_entries(std::vector<entry> entries, std::vector<std::string> names);

  /// The hop of the longest prefix containing `address`; nothing when no
  /// prefix does (no route).
  [[nodiscard]] std::optional<hop> lookup(std::uint32_t address) const noexcept {
    const std::uint32_t c = find(address);
    if (c == 0) return std::nullopt;
    return hops_[c - 1];
  }
  /// The same, with the whole entry (its prefix and line): nullptr when none.
  [[nodiscard]] const entry* lookup_entry(std::uint32_t address) const noexcept {
    const std::uint32_t c = find(address);
    return c == 0 ? nullptr : &entries_[c - 1];
  }

  /// The next hops' router names, sorted; a hop indexes them.
  [[nodiscard]] const std::vector<std::string>& next_hops() const noexcept { return names_; }
  /// Every entry, sorted by prefix.
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }
  /// The router it was built for ("" from from_entries).
  [[nodiscard]] const std::string& router() const noexcept { return router_; }
  /// Bytes of the cell levels (what the layout costs).
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
  forwarding_table() = default;  // only through build / from_entries: a table always has its first level

  // A cell: 0 = no route; with block_bit, the index of a 256-cell block of the
  // next level; otherwise 1 + the index of an entry.
  static constexpr std::uint32_t block_bit = 0x80000000u;

  [[nodiscard]] std::uint32_t find(std::uint32_t a) const noexcept {
    std::uint32_t c = level16_[a >> 16];
    if (c & block_bit) {
      c = level24_[((c & ~block_bit) << 8) | ((a >> 8) & 0xFF)];
      if (c & block_bit) c = level32_[((c & ~block_bit) << 8) | (a & 0xFF)];
    }
    return c;
  }
  void insert(std::uint32_t index);

  std::vector<std::uint32_t> level16_;  // 65536 cells
  std::vector<std::uint32_t> level24_;  // blocks of 256
  std::vector<std::uint32_t> level32_;  // blocks of 256
  std::vector<hop> hops_;               // per entry, compact for lookup()
  std::vector<entry> entries_;
  std::vector<std::string> names_;
  std::string router_;
};

} // namespace storemesh::services::consensus
