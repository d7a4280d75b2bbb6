#pragma once
// A user group (id: its name): devices at one place whose requests are the
// history the preference model learns from.
//
//   add --> added                 (again with the same: accepted, no event; different: already_added)
//   record_request --> requested  (a known group; a valid content name; at_ns > 0)
//
// Whether the content exists is not this entity's to know: the CLI checks it
// against its view before sending. The state keeps counts only: the history
// itself is the events, which the read model (planning/) folds.

#include "services/decision.hpp"
#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace storemesh::services::delivery::user_group {

struct added {
  delivery::location at;
  std::uint32_t devices = 0;
  std::int64_t at_ns = 0;
  bool operator==(const added& o) const;
};
struct requested {
  std::string content;
  std::int64_t at_ns = 0;  ///< when the group asked for it (the history's time)
  bool operator==(const requested& o) const;
};
using event = std::variant<added, requested>;

struct state {
  bool exists = false;
  delivery::location at;
  std::uint32_t devices = 0;
  std::uint64_t requests = 0;
  std::int64_t last_request_ns = 0;
  bool operator==(const state& o) const;
};
inline const state initial{};
[[nodiscard]] state evolve(state s, const event& e);

struct add {
  delivery::location at;
  std::uint32_t devices = 0;  ///< >= 1
  std::int64_t at_ns = 0;
};
struct record_request {
  std::string content;
  std::int64_t at_ns = 0;
};
using command = std::variant<add, record_request>;

/// Codes: invalid, already_added, unknown_group.
[[nodiscard]] decision<event> decide(const state& s, const command& c);

} // namespace storemesh::services::delivery::user_group
