#include "services/gateway/load_meter.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::gateway;

namespace {
constexpr std::int64_t s = 1'000'000'000;
}

BOOST_AUTO_TEST_SUITE(load_meter_reports)

BOOST_AUTO_TEST_CASE(rates_are_the_bytes_of_the_interval_over_its_length) {
  load_meter m(10 * s);
  m.observe("j1", 4 << 20, 0);
  m.observe("j2", 2 << 20, 0);
  auto r = m.report(12 * s, 2, 2);
  BOOST_TEST(r.at_ns == 12 * s);
  BOOST_TEST(r.interval_ns == 2 * s);
  BOOST_TEST(r.bytes_per_second == (3u << 20));
  BOOST_TEST(r.queue_depth == 2u);
  BOOST_REQUIRE_EQUAL(r.workloads.size(), 2u);
  BOOST_TEST(r.workloads[0].job == "j1");
  BOOST_TEST(r.workloads[0].bytes_per_second == (2u << 20));
  // The next interval counts only what came after.
  m.observe("j1", 8 << 20, 0);
  m.observe("j2", 2 << 20, 0);
  r = m.report(14 * s, 2, 2);
  BOOST_TEST(r.bytes_per_second == (2u << 20));
  BOOST_TEST(r.workloads[1].bytes_per_second == 0u);
}

BOOST_AUTO_TEST_CASE(a_new_run_counts_from_zero) {
  load_meter m(0);
  m.observe("j", 10 << 20, 0);
  (void)m.report(s, 1, 1);
  m.observe("j", 1 << 20, 0);  // resumed elsewhere and back: a new run
  BOOST_TEST(m.report(2 * s, 1, 1).bytes_per_second == (1u << 20));
}

BOOST_AUTO_TEST_CASE(cpu_is_the_copies_cpu_time_over_the_interval_and_the_cores) {
  load_meter m(0);
  m.observe("j1", 0, s / 2);
  m.observe("j2", 0, s / 2);
  BOOST_TEST(m.report(s, 2, 2).cpu == 0.5);
  m.observe("j1", 0, 10 * s);  // more than the machine has: clamped
  BOOST_TEST(m.report(2 * s, 2, 2).cpu == 1.0);
}

BOOST_AUTO_TEST_CASE(a_workload_not_seen_for_an_interval_is_forgotten) {
  load_meter m(0);
  m.observe("j", 1 << 20, 0);
  BOOST_TEST(m.report(s, 1, 1).workloads.size() == 1u);
  BOOST_TEST(m.report(2 * s, 0, 1).workloads.empty());
}

BOOST_AUTO_TEST_SUITE_END()
