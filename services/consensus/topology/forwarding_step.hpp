#pragma once
// forwarding_step: what one router does with one received datagram, pure
// (bytes and tables in, a decision out; the router process does the socket).
//
//   decode ----------------------- malformed ----------------> drop
//     | the table of the datagram's epoch  (none: unknown_epoch -> drop)
//     | lookup(destination)                (none: no_route -> drop)
//     | deliver_here -----------------------------------------> deliver
//     | ttl <= 1 -------------------- ttl_expired ------------> drop
//     +-> forward{next hop, the datagram with ttl - 1, hop count + 1}
//
// A datagram is routed by the table of the epoch it carries, never by the
// router's newest one, so a datagram in flight during an activation follows
// one topology from ingress to delivery. Delivery ignores the ttl (like IP,
// the ttl limits forwarding, not arrival). The hop count saturates at 255.

#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/forwarding_table.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace storemesh::services::consensus {

/// Send `wire` to the router `next_hop`.
struct forward_decision {
  std::string next_hop;
  forwarding_datagram datagram;    // rewritten: ttl - 1, hop count + 1
  std::vector<std::uint8_t> wire;  // its encoding, ready to send
};

/// The destination is a prefix `at` this router.
struct deliver_decision {
  forwarding_datagram datagram;  // as received
};

enum class drop_reason {
  malformed,      // decode_datagram refused it
  unknown_epoch,  // this router has no table for the datagram's epoch
  no_route,       // no prefix of that table contains the destination
  ttl_expired,    // it would be forwarded with ttl <= 1
};
[[nodiscard]] const char* to_string(drop_reason r) noexcept;

struct drop_decision {
  drop_reason reason;
  std::string detail;  // e.g. the decoder's error, "epoch 9", the destination
};

using step_outcome = std::variant<forward_decision, deliver_decision, drop_decision>;

/// The table this router routes an epoch's datagrams by; nullptr when it has
/// none (it never activated that epoch, or has forgotten it).
using tables_by_epoch = std::function<const forwarding_table*(topology_epoch)>;

/// One step at `router` (its name appears in the details). Tables from
/// tables_by_epoch are expected to be `router`'s own.
[[nodiscard]] step_outcome forwarding_step(const std::uint8_t* bytes, std::size_t size, std::string_view router,
                                           const tables_by_epoch& tables);

} // namespace storemesh::services::consensus
