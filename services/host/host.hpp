#pragma once
// Host: a machine that mounts datastores and runs a data-plane agent (its copy
// engine). Hosts are registered once with their datastores, then move between
// up, draining and down:
//
//            drain              down
//     up ------------> draining ----> down
//     ^ <------------          |        |
//     |      up                |        |
//     +------------------------+--------+   up
//     up -------------------------------> down
//
// Draining takes no new work; running work is moved away (the migration
// module reacts to state_changed). A down host must come up before draining.

#include "services/decision.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace storemesh::services::host {

// -- events (the storage format: add alternatives, never change one) ----------

enum class host_state { up, draining, down };

struct datastore {
  std::string name;  ///< unique per host, [a-z0-9][a-z0-9_.-]{0,62}
  std::string path;  ///< absolute, normalised mount path on the host
  friend bool operator==(const datastore& a, const datastore& b) { return a.name == b.name && a.path == b.path; }
};

struct registered {
  std::vector<datastore> datastores;
  friend bool operator==(const registered& a, const registered& b) { return a.datastores == b.datastores; }
};

struct state_changed {
  host_state from = host_state::up;
  host_state to = host_state::up;
  std::string reason;
  friend bool operator==(const state_changed& a, const state_changed& b) {
    return a.from == b.from && a.to == b.to && a.reason == b.reason;
  }
};

using event = std::variant<registered, state_changed>;

// -- state ----------------------------------------------------------------------

struct state {
  bool registered = false;
  host_state status = host_state::up;
  std::vector<datastore> datastores;
  friend bool operator==(const state& a, const state& b) {
    return a.registered == b.registered && a.status == b.status && a.datastores == b.datastores;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct register_host {
  std::vector<datastore> datastores;
};

struct set_state {
  host_state to = host_state::up;
  std::string reason;
};

using command = std::variant<register_host, set_state>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- helpers shared with the CLI and the codec -------------------------------------

[[nodiscard]] std::string_view to_string(host_state s);
[[nodiscard]] bool parse_host_state(std::string_view text, host_state& out);
/// Empty when valid, otherwise why not.
[[nodiscard]] std::string check_datastore_name(std::string_view name);
[[nodiscard]] std::string check_datastore_path(std::string_view path);

} // namespace storemesh::services::host

namespace storemesh::services::host {
inline std::ostream& operator<<(std::ostream& os, host_state s) { return os << to_string(s); }
} // namespace storemesh::services::host
