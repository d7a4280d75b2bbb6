#pragma once
// The migration scenario (make_migration_scenario): 3-6 hosts sharing a
// source and a destination datastore, a handful of copy jobs of a few KiB,
// the hosts' copy agents on a simulated disk (sim_copy_agent.hpp), and an
// operator who submits the jobs, moves them between hosts, drains hosts and
// brings them back, and now and then sends a command that must be refused.
// The migrations' own steps (request_stop, hand_over, observe_*) are the
// reactions' (services/migration/reactions.hpp), which the simulator runs.
//
// Invariants (check), from the events alone and the simulated disk:
//   - a job is submitted once; its epochs go 1, 2, ...; a new host is
//     assigned only after the previous one completed its portion (never two
//     hosts at once), from exactly that portion's offset;
//   - a portion's offset is one its host reported durable (its progress, or
//     where it started);
//   - the chunk hashes recorded are the source's, in order, none twice, and
//     nothing is recorded while no host holds the job or after it ended;
//   - a completed job has every chunk recorded, the digest SHA-256 over the
//     source's chunk hashes, and a destination byte-identical to its source;
//   - a failed job has a code and a reason; nothing follows an end;
//   - a migration's portion is the job's; no range written (fsynced) twice,
//     by one host or two, differs.

#include "services/migration/copy_job.hpp"
#include "sim/scenario.hpp"
#include "sim/scenarios/sim_copy_agent.hpp"
#include "sim/scenarios/sim_disk.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace storemesh::sim {

class migration_scenario final : public scenario {
public:
  explicit migration_scenario(sim_copy_agent::options agents = {}) : options_(agents) {}
  [[nodiscard]] std::string_view name() const override { return "migration"; }
  void setup(step_context& ctx, std::vector<services::issued_command>& out) override;
  void step(step_context& ctx, std::vector<services::issued_command>& out) override;
  [[nodiscard]] std::optional<std::string> check(const log_view& log) override;

  /// The simulated disk: tests put sources on it and damage copies.
  [[nodiscard]] sim_disk& disk() { return disk_; }

private:
  struct planned_job {
    std::string id;
    services::copy_job::location source, destination;
    std::uint64_t chunk_size = 0;
    std::string host;
    std::uint64_t due_step = 0;
    std::uint64_t sent_step = 0;
    std::uint64_t resends = 0;
    bool sent = false;
  };
  /// What check() knows of one job, folded from its events.
  struct tracked {
    bool submitted = false, ended = false, started = false, between = false;
    services::copy_job::location source, destination;
    std::uint64_t chunk_size = 0, source_size = 0, size = 0, offset = 0, portion = 0;
    std::size_t chunks = 0;
    std::vector<services::copy_job::chunk_hash> expected;  ///< the source's chunk hashes
    std::string host;
    std::uint32_t epoch = 0;
    std::set<std::uint64_t> durable;  ///< offsets the current host reported (and where it began)
    std::map<std::uint32_t, std::uint64_t> portions;  ///< migration -> its portion
  };

  [[nodiscard]] std::optional<std::string> check_job(const std::string& id, const services::copy_job::event& e);
  [[nodiscard]] std::optional<std::string> check_portion(const std::string& migration, std::uint64_t offset);
  [[nodiscard]] std::optional<std::string> check_writes();
  void operate(step_context& ctx, std::vector<services::issued_command>& out);
  void hostile(step_context& ctx, std::vector<services::issued_command>& out);

  sim_copy_agent::options options_;
  sim_disk disk_;
  std::vector<std::string> hosts_;
  std::vector<planned_job> jobs_;
  std::optional<sim_copy_agent> agents_;

  std::size_t checked_ = 0;
  std::size_t writes_checked_ = 0;
  std::map<std::string, tracked> tracked_;
  std::map<std::tuple<std::string, std::uint64_t, std::uint64_t>, std::pair<services::copy_job::chunk_hash, std::string>>
      ranges_;
};

} // namespace storemesh::sim
