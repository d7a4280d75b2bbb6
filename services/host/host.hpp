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
//
// A replication gateway is a host registered with a site (primary or
// recovery). Its agent reports its load periodically (report_load); the
// gateway module (services/gateway) scores those reports and rebalances.

#include "services/decision.hpp"

#include <cstdint>
#include <optional>
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

/// Which side of replication a gateway serves; none for a plain host (and for
/// every host registered before gateways existed).
enum class site : std::uint8_t { none, primary, recovery };

/// One workload's part of a gateway's replication over a report's interval.
struct workload_rate {
  std::string job;
  std::uint64_t bytes_per_second = 0;
  friend bool operator==(const workload_rate& a, const workload_rate& b) {
    return a.job == b.job && a.bytes_per_second == b.bytes_per_second;
  }
};

/// What a gateway's agent measured over one interval.
struct load_report {
  std::int64_t at_ns = 0;               ///< end of the interval: Unix ns, the agent's clock
  std::int64_t interval_ns = 0;         ///< its length
  std::uint64_t bytes_per_second = 0;   ///< copied by all its workloads
  std::uint32_t queue_depth = 0;        ///< copy jobs assigned to it, running or waiting to run
  double cpu = 0;                       ///< fraction of the machine's CPU its copies used, 0..1
  std::vector<workload_rate> workloads; ///< the rate of each workload that copied
  bool operator==(const load_report& o) const;
};

struct registered {
  std::vector<datastore> datastores;
  host::site site = host::site::none;
  friend bool operator==(const registered& a, const registered& b) {
    return a.datastores == b.datastores && a.site == b.site;
  }
};

struct state_changed {
  host_state from = host_state::up;
  host_state to = host_state::up;
  std::string reason;
  friend bool operator==(const state_changed& a, const state_changed& b) {
    return a.from == b.from && a.to == b.to && a.reason == b.reason;
  }
};

struct load_reported {
  load_report report;
  friend bool operator==(const load_reported& a, const load_reported& b) { return a.report == b.report; }
};

using event = std::variant<registered, state_changed, load_reported>;

// -- state ----------------------------------------------------------------------

struct state {
  bool registered = false;
  host_state status = host_state::up;
  std::vector<datastore> datastores;
  host::site site = host::site::none;
  std::optional<load_report> load;  ///< a gateway's latest report
  friend bool operator==(const state& a, const state& b) {
    return a.registered == b.registered && a.status == b.status && a.datastores == b.datastores &&
           a.site == b.site && a.load == b.load;
  }
  [[nodiscard]] bool gateway() const { return site != host::site::none; }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct register_host {
  std::vector<datastore> datastores;
  host::site site = host::site::none;  ///< set: a replication gateway
};

struct set_state {
  host_state to = host_state::up;
  std::string reason;
};

/// From a gateway's agent. Reports of one gateway come in time order: one not
/// later than the last is stale.
struct report_load {
  load_report report;
};

using command = std::variant<register_host, set_state, report_load>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- helpers shared with the CLI and the codec -------------------------------------

[[nodiscard]] std::string_view to_string(host_state s);
[[nodiscard]] bool parse_host_state(std::string_view text, host_state& out);
[[nodiscard]] std::string_view to_string(site s);
/// "primary" or "recovery" (a gateway's site; "none" is not one).
[[nodiscard]] bool parse_site(std::string_view text, site& out);
/// Empty when the report is well formed, otherwise why not.
[[nodiscard]] std::string check_load_report(const load_report& r);
/// Empty when valid, otherwise why not.
[[nodiscard]] std::string check_datastore_name(std::string_view name);
[[nodiscard]] std::string check_datastore_path(std::string_view path);

} // namespace storemesh::services::host

namespace storemesh::services::host {
inline std::ostream& operator<<(std::ostream& os, host_state s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, site s) { return os << to_string(s); }
} // namespace storemesh::services::host
