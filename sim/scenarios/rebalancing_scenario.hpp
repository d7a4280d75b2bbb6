#pragma once
// The rebalancing scenario (make_rebalancing_scenario): 3-5 replication
// gateways of site primary and one of site recovery, a handful of long copy
// jobs piled onto one or two of them, the gateways' copy agents
// (sim_copy_agent.hpp) and their load reports, an operator who configures
// the primary site, asks for evaluations, drains and brings back gateways,
// and now and then sends a command that must be refused. Scheduled
// evaluations and the moves' migrations are the reactions' (the simulator's).
//
// Invariants (check), recomputed from the reported loads, not from
// rebalance_plan:
//   - every score an evaluation lists is the score of one of that gateway's
//     fresh reports (load_score's formula, computed here), of its own site;
//   - skipped_all_overloaded only when every scored gateway is overloaded;
//     below_threshold only when (max - min) / max <= the spread threshold;
//   - planned only when not all are overloaded and the spread exceeds the
//     threshold; every move goes from the busier to the idler of its pair
//     (scores predicted along the plan, each move carrying its weight), from
//     a gateway that held the workload, each workload once;
//   - a job is never assigned to a second gateway before the first completed
//     its portion; moved names a gateway the job was handed to.
// The daemons' fleet view may lag the log: a plan may see a workload where
// it was a moment ago, and a moved event may be decided after the job moved
// on. Neither is a wrong decision, so the holders are "ever", not "now".

#include "services/gateway/rebalancer.hpp"
#include "services/gateway/settings.hpp"
#include "services/host/host.hpp"
#include "sim/scenario.hpp"
#include "sim/scenarios/sim_copy_agent.hpp"
#include "sim/scenarios/sim_disk.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace storemesh::sim {

class rebalancing_scenario final : public scenario {
public:
  [[nodiscard]] std::string_view name() const override { return "rebalancing"; }
  void setup(step_context& ctx, std::vector<services::issued_command>& out) override;
  void step(step_context& ctx, std::vector<services::issued_command>& out) override;
  [[nodiscard]] std::optional<std::string> check(const log_view& log) override;

  /// The settings the operator configures, for a step of STEP_NS.
  [[nodiscard]] static services::gateway::settings settings_for_step(std::int64_t step_ns);
  /// The load score, computed here from a report and the settings.
  [[nodiscard]] static double score(const services::host::load_report& r, const services::gateway::settings& s);

private:
  struct planned_job {
    std::string id, host;
    std::uint64_t rate = 0;  ///< bytes/s its gateway reports for it
    std::uint64_t sent_step = 0;
    std::uint64_t resends = 0;
    bool sent = false;
  };
  struct gateway_model {
    std::string id, site;
    std::int64_t last_at_ns = 0;
  };
  /// What check() knows, folded from the events.
  struct gateway_seen {
    std::string site;
    services::host::host_state status = services::host::host_state::up;
    std::vector<services::host::load_report> reports;  ///< in time order
  };
  struct job_seen {
    std::string host;
    std::set<std::string> holders;  ///< every gateway it was ever assigned to
    std::uint32_t epoch = 0;
    bool between = false, ended = false;
  };
  struct evaluation {
    std::string site;
    std::int64_t at_ns = 0;
    std::map<std::string, double> scores;  ///< recomputed from the reports
  };

  void report_loads(step_context& ctx, std::vector<services::issued_command>& out);
  void operate(step_context& ctx, std::vector<services::issued_command>& out);
  [[nodiscard]] std::optional<std::string> check_host(const std::string& id, const services::host::event& e);
  [[nodiscard]] std::optional<std::string> check_job(const std::string& id, const services::copy_job::event& e);
  [[nodiscard]] std::optional<std::string> check_rebalancer(const std::string& site,
                                                            const services::rebalancer::event& e);
  [[nodiscard]] std::optional<std::string> check_plan(const std::string& site,
                                                      const services::rebalancer::planned& p);
  [[nodiscard]] const services::gateway::settings& settings_of(const std::string& site) const;

  sim_disk disk_;
  std::vector<gateway_model> gateways_;
  std::vector<planned_job> jobs_;
  std::optional<sim_copy_agent> agents_;
  std::int64_t first_ns_ = 0;
  bool configured_ = false;
  bool overload_ = false;  ///< every gateway reports a load past the overload threshold for a while

  std::size_t checked_ = 0;
  std::map<std::string, gateway_seen> seen_gateways_;
  std::map<std::string, job_seen> seen_jobs_;
  std::map<std::string, services::gateway::settings> seen_settings_;
  std::map<std::string, evaluation> last_evaluation_;  ///< by site
};

} // namespace storemesh::sim
