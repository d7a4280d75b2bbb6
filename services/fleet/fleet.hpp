#pragma once
// The fleet as deciders that span entities see it: which hosts exist, their
// state, the datastores they mount and the jobs running on them. A read model
// the runtime keeps from host and copy-job events and hands, as a value, to
// decide(); so placement stays a pure function of its inputs.

#include "services/decision.hpp"
#include "services/host/host.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace storemesh::services::fleet {

struct host_entry {
  host::host_state status = host::host_state::up;
  std::map<std::string, std::string> datastores;  ///< name -> mount path on that host
  std::set<std::string> jobs;                     ///< copy jobs running there
};

struct view {
  std::map<std::string, host_entry> hosts;
  /// Jobs stopped on one host whose hand-over found no host to take them:
  /// they wait for one to come up.
  std::set<std::string> waiting;

  /// Records a host's latest state.
  void put_host(const std::string& id, const host::state& s);
  /// Records where a job runs now; an empty host means nowhere (finished,
  /// or between two hosts).
  void put_job(const std::string& job, const std::string& host);
  /// Records whether a job waits between hosts for one that can take it.
  void put_waiting(const std::string& job, bool waits);
  [[nodiscard]] bool has_datastore(const std::string& name) const;
};

/// Why HOST cannot take a job copying between the two datastores, if it
/// cannot: unknown_host, host_unavailable (not up) or unreachable_datastore.
[[nodiscard]] std::optional<rejection> check_target(const view& v, const std::string& host,
                                                    const std::string& source_datastore,
                                                    const std::string& destination_datastore);

/// The placement policy: an up host that mounts both datastores, with the
/// fewest running jobs; ties go to the smallest id, so every daemon picks the
/// same one. None when no host qualifies.
[[nodiscard]] std::optional<std::string> choose_host(const view& v, const std::string& source_datastore,
                                                     const std::string& destination_datastore,
                                                     const std::string& exclude = {});

} // namespace storemesh::services::fleet
