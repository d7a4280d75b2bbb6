#include "services/consensus/topology/forwarding_step.hpp"

#include "services/consensus/topology/route_prefix.hpp"

namespace storemesh::services::consensus {

const char* to_string(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::malformed: return "malformed";
    case drop_reason::unknown_epoch: return "unknown epoch";
    case drop_reason::no_route: return "no route";
    case drop_reason::ttl_expired: return "ttl expired";
  }
  return "?";
}

step_outcome forwarding_step(const std::uint8_t* bytes, std::size_t size, std::string_view router,
                             const tables_by_epoch& tables) {
  auto decoded = decode_datagram(bytes, size);
  if (!decoded) return drop_decision{drop_reason::malformed, decoded.error().message()};
  forwarding_datagram d = std::move(decoded).value();
  const std::string at = " at " + std::string(router);
  const forwarding_table* table = tables ? tables(d.epoch) : nullptr;
  if (!table) return drop_decision{drop_reason::unknown_epoch, "no table for epoch " + std::to_string(d.epoch.value) + at};
  const auto hop = table->lookup(d.destination);
  if (!hop)
    return drop_decision{drop_reason::no_route, "no route for " + format_ipv4(d.destination) + " in epoch " +
                                                    std::to_string(d.epoch.value) + at};
  if (*hop == forwarding_table::deliver_here) return deliver_decision{std::move(d)};
  if (d.ttl <= 1)
    return drop_decision{drop_reason::ttl_expired, "ttl " + std::to_string(d.ttl) + " for " +
                                                       format_ipv4(d.destination) + at};
  d.ttl = static_cast<std::uint8_t>(d.ttl - 1);
  if (d.hop_count < 255) ++d.hop_count;
  // Cannot fail: the payload came in a datagram of at most max_datagram_bytes.
  auto wire = encode_datagram(d).value();
  return forward_decision{table->next_hops()[*hop], std::move(d), std::move(wire)};
}

} // namespace storemesh::services::consensus
