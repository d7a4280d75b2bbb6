#pragma once
// Router: one packet router (id: its name). It is registered once with its
// two endpoints and its network, then reports the topology it routes by.
//
//   register --> registered --announce(cid, epoch)--> registered (routing by cid)
//                    ^                                    |
//                    +------------- announce -------------+
//
// Rules:
//  - register: both endpoints host:port, the network a name (default
//    "default"). The same registration again changes nothing (accepted, no
//    event); a different one is refused (already_registered): a router's
//    endpoints are what the others dial, so changing them is a new router.
//  - announce: only a registered router; the cid is a CIDv1 text ('b...');
//    the epoch is the agreed epoch of that topology (0: its own file, not
//    agreed by a vote). The same cid and epoch again changes nothing
//    (accepted, no event: a router may announce on every start); anything
//    else is recorded as reported, an older epoch included (a router that
//    comes back after a vote still routes by its old file, and says so).
//
// A command that changes nothing produces no event, so its sender sees no
// outcome in the log: the router process does not wait on its announcements.

#include "services/decision.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace storemesh::services::router {

// -- events (the storage format: add alternatives, never change one) ----------

struct endpoints {
  std::string udp;      ///< where it takes datagrams, host:port
  std::string gateway;  ///< its HTTP endpoint (GET /ipfs/<cid>), host:port
  std::string network;  ///< the topology entity it votes in
  bool operator==(const endpoints& o) const { return udp == o.udp && gateway == o.gateway && network == o.network; }
  bool operator!=(const endpoints& o) const { return !(*this == o); }
};

struct registered {
  endpoints spec;
  bool operator==(const registered& o) const { return spec == o.spec; }
};

struct announced {
  std::string cid;
  std::uint64_t epoch = 0;
  std::int64_t at_ns = 0;
  bool operator==(const announced& o) const { return cid == o.cid && epoch == o.epoch && at_ns == o.at_ns; }
};

using event = std::variant<registered, announced>;

// -- state ----------------------------------------------------------------------

struct state {
  bool registered = false;
  endpoints spec;
  std::string active_cid;  ///< empty: announced nothing yet
  std::uint64_t epoch = 0;
  std::int64_t announced_at_ns = 0;
  bool operator==(const state& o) const {
    return registered == o.registered && spec == o.spec && active_cid == o.active_cid && epoch == o.epoch &&
           announced_at_ns == o.announced_at_ns;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

/// `register` is a C++ keyword: the command is register_router.
struct register_router {
  endpoints spec;  ///< an empty network means "default"
};

struct announce {
  std::string cid;
  std::uint64_t epoch = 0;
  std::int64_t at_ns = 0;  ///< the router's clock
};

using command = std::variant<register_router, announce>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

} // namespace storemesh::services::router
