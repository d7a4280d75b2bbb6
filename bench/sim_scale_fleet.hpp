#pragma once
// The simulated fleet of bench_sim_scale: who exists and, for each entity,
// the commands its life brings, in the order each decider accepts them.
// Pure functions of (entity, step): both paths of the bench get the same
// commands, and a run replays from its seed.
//
//   host      register (2 datastores shared by its group), drain, up
//   gateway   a host with a site: register, then one load report per round
//   rebalancer one per site: configure, then a scheduled evaluation every
//             `evaluate_every` rounds (after that round's reports)
//   copy_job  submit (on a named host), started, progress, progress,
//             finalizing, finished; every `migrate_every`-th job is moved
//             mid-copy to another host of its group: migrate, request_stop,
//             report_stopped, hand_over, then progress, finalizing, finished
//             under epoch 2
//   router    register, then `announces` announcements of new topologies

#include "services/consensus/router_node.hpp"
#include "services/gateway/rebalancer.hpp"
#include "services/host/host.hpp"
#include "services/migration/copy_job.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::bench::sim_scale {

struct fleet_sizes {
  std::uint32_t hosts = 100'000;
  std::uint32_t gateways = 1'000;
  std::uint32_t jobs = 1'000'000;
  std::uint32_t routers = 10'000;
  std::uint32_t groups = 100;          ///< datastore groups: a group's hosts mount the same two
  std::uint32_t report_rounds = 120;   ///< load reports per gateway, 5 s apart: 10 minutes
  std::uint32_t evaluate_every = 6;    ///< rounds between two evaluations: the default 30 s
  std::uint32_t announces = 20;        ///< topologies each router announces
  std::uint32_t migrate_every = 10;    ///< every n-th job migrates
  std::uint64_t seed = 1;
};

/// The full-size fleet times `fraction` (at least a few of each; hosts a
/// multiple of the groups, so that a job's migration target shares its group).
[[nodiscard]] fleet_sizes scaled(double fraction, std::uint64_t seed);

inline constexpr std::uint32_t host_steps = 3;
inline constexpr std::uint32_t job_steps = 10;  ///< the most a job has (a migrating one)
inline constexpr std::int64_t report_interval_ns = 5'000'000'000;

[[nodiscard]] std::vector<std::string> host_ids(std::uint32_t n);
[[nodiscard]] std::vector<std::string> gateway_ids(std::uint32_t n);
[[nodiscard]] std::vector<std::string> job_ids(std::uint32_t n);
[[nodiscard]] std::vector<std::string> router_ids(std::uint32_t n);
[[nodiscard]] std::vector<std::string> sites();

/// Host i's command at step (< host_steps).
[[nodiscard]] services::host::command host_command(const fleet_sizes& f, std::uint32_t i, std::uint32_t step);
/// Gateway i's command at round r: its registration at 0, its load report after.
[[nodiscard]] services::host::command gateway_command(std::uint32_t i, std::uint32_t round);
/// Site s's rebalancer at round r: configure at 0; an evaluation when one is due, else none.
[[nodiscard]] std::optional<services::rebalancer::command> rebalancer_command(const fleet_sizes& f, std::uint32_t s,
                                                                              std::uint32_t round);
/// Job i's command at step, none once its life is over.
[[nodiscard]] std::optional<services::copy_job::command> job_command(const fleet_sizes& f, std::uint32_t i,
                                                                     std::uint32_t step);

/// What routers announce: one CID per topology, made once.
struct topologies {
  std::vector<std::string> cids;
};
[[nodiscard]] topologies make_topologies(const fleet_sizes& f);
/// Router i's command at step (0: register, then announce).
[[nodiscard]] services::router::command router_command(const fleet_sizes& f, const topologies& t, std::uint32_t i,
                                                       std::uint32_t step);

} // namespace storemesh::bench::sim_scale
