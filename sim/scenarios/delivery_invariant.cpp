#include "sim/scenarios/delivery_invariant.hpp"

#include "services/delivery/process_codec.hpp"

#include <set>

namespace storemesh::sim {
namespace {

namespace pr = services::delivery::process;
using none = std::optional<std::string>;

std::string slice_name(std::uint32_t segment, std::uint32_t pillar) {
  return "slice " + std::to_string(segment) + "." + std::to_string(pillar);
}

} // namespace

std::optional<std::string> delivery_invariant::advance(const log_view& log) {
  events_.poll(log, [&](const std::string& id, const pr::event& e) {
    if (violation_)
      return;  // the first one stands
    if (auto v = fold(deliveries_[id], e))
      violation_ = "delivery " + id + ": record " + std::to_string(events_.position()) + ": " + *v;
  });
  return violation_;
}

std::optional<std::string> delivery_invariant::dispersed(const delivery_view& d,
                                                         std::optional<std::uint32_t> segment) {
  std::map<std::uint32_t, std::uint32_t> per_segment;
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> per_edge;
  for (const auto& [key, s] : d.slots) {
    if (segment && key.first != *segment)
      continue;
    per_segment[key.first] += 1;
    if (++per_edge[{key.first, s.edge}] >= d.k)
      return "edge '" + s.edge + "' holds " + std::to_string(d.k) + " slices of segment " + std::to_string(key.first) +
             " (k = " + std::to_string(d.k) + "): it alone would rebuild it";
  }
  for (std::uint64_t s = segment ? *segment : 0; s < (segment ? *segment + 1ull : d.segments); ++s) {
    const auto it = per_segment.find(static_cast<std::uint32_t>(s));
    const auto n = it == per_segment.end() ? 0u : it->second;
    if (n < d.k)
      return "segment " + std::to_string(s) + " has " + std::to_string(n) + " placements, fewer than k = " +
             std::to_string(d.k) + ": not rebuildable";
  }
  return std::nullopt;
}

std::optional<std::string> delivery_invariant::fold(delivery_view& d, const pr::event& e) {
  return std::visit(
      services::overloaded{
          [&](const pr::planned& x) -> none {
            if (d.planned)
              return std::string("planned a second time");
            d.planned = true;
            d.k = x.geometry.k;
            d.pillars = x.geometry.k + x.geometry.m;
            d.segments = x.geometry.segment_bytes == 0
                             ? 0
                             : (x.geometry.bytes + x.geometry.segment_bytes - 1) / x.geometry.segment_bytes;
            if (d.k == 0 || d.segments == 0)
              return "planned with k = " + std::to_string(d.k) + " and " + std::to_string(d.segments) + " segments";
            const std::set<std::string> edges(x.edges.begin(), x.edges.end());
            for (const auto& p : x.placements) {
              if (p.segment >= d.segments || p.pillar >= d.pillars)
                return slice_name(p.segment, p.pillar) + " placed out of range";
              if (edges.count(p.edge) == 0)
                return slice_name(p.segment, p.pillar) + " placed on '" + p.edge + "', not one of the plan's edges";
              if (!d.slots.emplace(std::make_pair(p.segment, p.pillar), slot{p.edge, p.crc32c, false}).second)
                return slice_name(p.segment, p.pillar) + " placed twice";
            }
            return dispersed(d, std::nullopt);
          },
          [&](const pr::slice_confirmed& x) -> none {
            const auto name = slice_name(x.segment, x.pillar);
            const auto it = d.slots.find({x.segment, x.pillar});
            if (it == d.slots.end())
              return name + " confirmed but not placed";
            if (it->second.edge != x.edge)
              return name + " confirmed by '" + x.edge + "' but placed on '" + it->second.edge + "'";
            if (it->second.crc32c != x.crc32c)
              return name + " confirmed with CRC32C " + std::to_string(x.crc32c) + ", the plan's is " +
                     std::to_string(it->second.crc32c);
            if (it->second.confirmed)
              return name + " confirmed twice";
            it->second.confirmed = true;
            return std::nullopt;
          },
          [&](const pr::rescheduled& x) -> none {
            std::set<std::uint32_t> touched;
            for (const auto& m : x.moves) {
              const auto name = slice_name(m.segment, m.pillar);
              const auto it = d.slots.find({m.segment, m.pillar});
              if (it == d.slots.end())
                return name + " moved but not placed";
              if (m.from != x.edge || it->second.edge != x.edge)
                return name + " moved from '" + m.from + "' (placed on '" + it->second.edge +
                       "') by a reschedule of '" + x.edge + "'";
              if (it->second.confirmed)
                return name + " moved away from '" + x.edge + "' after it was confirmed there";
              it->second.edge = m.to;
              touched.insert(m.segment);
            }
            for (auto s : touched)
              if (auto why = dispersed(d, s))
                return "after the reschedule of '" + x.edge + "': " + *why;
            return std::nullopt;
          },
          [&](const pr::completed&) -> none {
            if (d.completed)
              return std::string("completed twice");
            if (!d.planned)
              return std::string("completed before it was planned");
            for (const auto& [key, s] : d.slots)
              if (!s.confirmed)
                return "completed with " + slice_name(key.first, key.second) + " on '" + s.edge + "' unconfirmed";
            d.completed = true;
            return dispersed(d, std::nullopt);  // every slot confirmed: >= k confirmed per segment, < k per edge
          },
      },
      e);
}

} // namespace storemesh::sim
