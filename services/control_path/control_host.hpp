#pragma once
// Control host: a host on the TCP/IP network that runs an interceptor (id: its
// name). Its interceptor attaches it when it starts, saying where it listens
// and where traffic that is not control goes; a client's command may enter at
// any attached host, and a host without the FC link forwards it to the
// endpoint of the host that has it (services/control_path/storage_system.hpp).
//
//   attach --> attached --attach(elsewhere)--> attached (moved)
//
// Rules: both endpoints host:port and different. The same endpoints again
// change nothing (accepted, no event: an interceptor attaches on every
// start); other endpoints are recorded (a restarted host may listen elsewhere).

#include "services/decision.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace storemesh::services::control_host {

// -- events (the storage format: add alternatives, never change one) ----------

struct attached {
  std::string endpoint, upstream;
  std::int64_t at_ns = 0;
  bool operator==(const attached& o) const {
    return endpoint == o.endpoint && upstream == o.upstream && at_ns == o.at_ns;
  }
};

using event = std::variant<attached>;

// -- state ----------------------------------------------------------------------

struct state {
  bool attached = false;
  std::string endpoint, upstream;
  std::int64_t at_ns = 0;
  bool operator==(const state& o) const {
    return attached == o.attached && endpoint == o.endpoint && upstream == o.upstream && at_ns == o.at_ns;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct attach {
  std::string endpoint, upstream;
  std::int64_t at_ns = 0;
};

using command = std::variant<attach>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

} // namespace storemesh::services::control_host
