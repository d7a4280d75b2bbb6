// The audit beside a running daemon (issue 10): the daemon decides a command
// between the audit's reading of the commands topic and of the events topics,
// so the audit meets an event whose cause is newer than the commands it read.
// A hooked_log runs that decision exactly there: no race, no timing.

#include "tests/runtime/runtime_fixture.hpp"

#include "events/replay/test_log.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh;
using namespace storemesh::testing::runtime;
using storemesh::events::replay::testing::hooked_log;
using storemesh::services::host::host_state;

BOOST_AUTO_TEST_SUITE(runtime_live_audit)

BOOST_FIXTURE_TEST_CASE(an_audit_finds_the_cause_of_a_decision_taken_between_its_reads, runtime_fixture) {
  start_daemon();
  BOOST_REQUIRE(submit("h1", register_cmd()).accepted);
  const auto events_prefix = names().events("");
  bool decided = false;
  const auto report = audit([&](events::event_log& read_only) {
    return std::make_unique<hooked_log>(
        read_only, [&](std::string_view topic) { return topic.substr(0, events_prefix.size()) == events_prefix; },
        [&] { decided = submit("h1", set_state_cmd(host_state::draining)).accepted; });
  });
  BOOST_TEST(decided);
  std::string violations;
  for (const auto& v : report.violations)
    violations += v + "\n";
  BOOST_TEST(report.ok(), violations);
  BOOST_TEST(report.commands == 2u);  // the drain's read after the events
  BOOST_TEST(report.commands_signed_ok == 2u);
  BOOST_TEST(report.events == 2u);
  BOOST_TEST(report.entities.at("host") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
