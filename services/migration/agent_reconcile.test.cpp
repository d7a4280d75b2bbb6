// The copy agent's decision table (agent_reconcile.hpp): given a job's
// durable state and what runs on the agent's host, then what it does.

#include "services/migration/agent_reconcile.hpp"

#include <boost/test/unit_test.hpp>

namespace storemesh::services::copy_job {
namespace {

state job_on(const std::string& host, job_status status, std::uint32_t epoch = 1) {
  state s;
  s.host = host;
  s.status = status;
  s.epoch = epoch;
  return s;
}

agent_here serving(std::optional<std::uint32_t> run = std::nullopt, std::optional<std::uint32_t> reported = {}) {
  return agent_here{true, run, reported};
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_agent_reconcile)

BOOST_AUTO_TEST_CASE(a_running_job_with_nothing_running_here_starts_a_run) {
  BOOST_TEST((reconcile(job_on("a", job_status::running), serving()) == agent_action::start_run));
  BOOST_TEST((reconcile(job_on("a", job_status::finalizing), serving()) == agent_action::start_run));
}

BOOST_AUTO_TEST_CASE(a_job_of_a_host_not_served_here_is_none_of_its_business) {
  BOOST_TEST((reconcile(job_on("a", job_status::running), agent_here{}) == agent_action::none));
}

BOOST_AUTO_TEST_CASE(a_run_of_a_job_that_moved_on_is_abandoned) {
  BOOST_TEST((reconcile(job_on("a", job_status::running, 2), serving(1)) == agent_action::abandon));
  BOOST_TEST((reconcile(job_on("", job_status::stopping), serving(1)) == agent_action::abandon));
  BOOST_TEST((reconcile(job_on("a", job_status::completed), serving(1)) == agent_action::abandon));
}

BOOST_AUTO_TEST_CASE(a_stop_request_hands_a_running_copy_over_and_is_answered_when_nothing_runs) {
  auto s = job_on("a", job_status::stopping);
  s.stop_sent = true;
  BOOST_TEST((reconcile(s, serving(1)) == agent_action::hand_over));
  BOOST_TEST((reconcile(s, serving()) == agent_action::report_stopped));
  BOOST_TEST((reconcile(s, serving(std::nullopt, 1)) == agent_action::none));  // already on its way
  s.portion_done = true;
  BOOST_TEST((reconcile(s, serving(1)) == agent_action::retune));
}

BOOST_AUTO_TEST_CASE(an_epoch_whose_end_was_reported_is_not_run_again) {
  BOOST_TEST((reconcile(job_on("a", job_status::running, 3), serving(std::nullopt, 3)) == agent_action::none));
  BOOST_TEST((reconcile(job_on("a", job_status::running, 4), serving(std::nullopt, 3)) == agent_action::start_run));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace storemesh::services::copy_job
