#pragma once
// An edge unit (id: its name): a process that stores slices in its own
// directory and serves them on a loopback endpoint, or the origin (role
// origin: it serves whole contents, and the planner never picks it).
//
//   attach --> attached      (first time, or any field changed; an edge that
//                             was down and attaches again also comes back up:
//                             attached carries up = true)
//            --> accepted, no event when attached, up, and nothing changed
//   report --> reported      (health: up/down, free bytes, why) when it changes
//                             anything; else accepted, no event
//
// Capacity is what the operator gives the edge to hold; free bytes are what
// its last report said (the planner subtracts what deliveries already assign).

#include "services/decision.hpp"
#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace storemesh::services::delivery::edge_unit {

enum class role : std::uint8_t { edge = 0, origin = 1 };
[[nodiscard]] std::string_view to_string(role r);

struct attached {
  std::string endpoint;  ///< host:port (check_endpoint)
  edge_unit::role role = role::edge;
  delivery::location at;
  std::uint64_t capacity_bytes = 0;  ///< > 0 for an edge
  std::uint64_t window_bytes = 0;    ///< the most it receives in one window (off-peak bandwidth); > 0 for an edge
  std::int64_t at_ns = 0;
  bool operator==(const attached& o) const;
};
struct reported {
  bool up = true;
  std::uint64_t free_bytes = 0;
  std::string reason;  ///< why (e.g. "connection refused at 127.0.0.1:4100")
  std::int64_t at_ns = 0;
  bool operator==(const reported& o) const;
};
using event = std::variant<attached, reported>;

struct state {
  bool attached = false;
  std::string endpoint;
  edge_unit::role role = role::edge;
  delivery::location at;
  std::uint64_t capacity_bytes = 0, window_bytes = 0;
  bool up = false;
  std::uint64_t free_bytes = 0;
  std::string reason;
  std::int64_t changed_ns = 0;
  bool operator==(const state& o) const;
};
inline const state initial{};
[[nodiscard]] state evolve(state s, const event& e);

struct attach {
  std::string endpoint;
  edge_unit::role role = role::edge;
  delivery::location at;
  std::uint64_t capacity_bytes = 0, window_bytes = 0;
  std::int64_t at_ns = 0;
};
struct report {
  bool up = true;
  std::uint64_t free_bytes = 0;
  std::string reason;
  std::int64_t at_ns = 0;
};
using command = std::variant<attach, report>;

/// Whether a command would change nothing (the decider accepts it with no
/// event; a sender that waits for an outcome checks this first).
[[nodiscard]] bool changes_nothing(const state& s, const command& c);

/// Codes: invalid, not_attached (report before attach).
[[nodiscard]] decision<event> decide(const state& s, const command& c);

} // namespace storemesh::services::delivery::edge_unit
