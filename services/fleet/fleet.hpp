#pragma once
// The fleet as deciders that span entities see it: which hosts exist, their
// state, the datastores they mount and the jobs running on them; for
// gateways their site and latest load report, and each site's rebalancer as
// far as reactions and agents need it. A read model the runtime keeps from
// host, copy-job and rebalancer events and hands, as a value, to decide(); so
// placement and rebalancing stay pure functions of their inputs.

#include "services/decision.hpp"
#include "services/gateway/settings.hpp"
#include "services/host/host.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace storemesh::services::fleet {

struct host_entry {
  host::host_state status = host::host_state::up;
  std::map<std::string, std::string> datastores;  ///< name -> mount path on that host
  std::set<std::string> jobs;                     ///< copy jobs running there
  host::site site = host::site::none;             ///< set: a replication gateway
  std::optional<host::load_report> load;          ///< a gateway's latest load report
};

/// What the rebalancer needs of a copy job that has not finished.
struct job_entry {
  std::string source_datastore, destination_datastore;
  bool migrating = false;      ///< a migration is under way: it cannot move again yet
  bool started = false;        ///< its size is known
  std::uint64_t remaining = 0; ///< bytes left to copy, once started
};

/// What reactions and agents need of one site's rebalancer.
struct rebalancer_entry {
  gateway::settings config;
  std::uint64_t evaluations = 0;
  std::int64_t last_evaluated_ns = 0;
  std::set<std::string> pending;  ///< jobs whose planned move is under way
};

struct view {
  std::map<std::string, host_entry> hosts;
  /// Jobs stopped on one host whose hand-over found no host to take them:
  /// they wait for one to come up.
  std::set<std::string> waiting;
  /// Every copy job that has not finished.
  std::map<std::string, job_entry> job_details;
  /// By site; a site without one has never been configured or evaluated.
  std::map<std::string, rebalancer_entry> rebalancers;
  /// Where each running job is (put_job's): moving a job touches two hosts,
  /// not every host (a walk of 100,000 hosts per job was 1.7 ms,
  /// bench_sim_scale).
  std::map<std::string, std::string> job_hosts;
  /// How many hosts mount each datastore (put_host's), so that a placement
  /// check does not walk the fleet.
  std::map<std::string, std::size_t> mounts;

  /// Records a host's latest state.
  void put_host(const std::string& id, const host::state& s);
  /// Records where a job runs now; an empty host means nowhere (finished,
  /// or between two hosts).
  void put_job(const std::string& job, const std::string& host);
  /// Records whether a job waits between hosts for one that can take it.
  void put_waiting(const std::string& job, bool waits);
  /// Records a job's details; none: it has finished (or never existed).
  void put_job_details(const std::string& job, std::optional<job_entry> details);
  /// Records a site's rebalancer.
  void put_rebalancer(const std::string& site, rebalancer_entry entry);
  /// The settings of SITE's rebalancer: the defaults before it is configured.
  [[nodiscard]] const gateway::settings& settings_for(const std::string& site) const;
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
