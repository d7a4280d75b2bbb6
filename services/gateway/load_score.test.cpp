#include "services/gateway/load_score.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::gateway;
namespace host = storemesh::services::host;

namespace {

host::load_report report(std::uint64_t rate, std::uint32_t queue, double cpu) {
  host::load_report r;
  r.at_ns = 1;
  r.interval_ns = 1;
  r.bytes_per_second = rate;
  r.queue_depth = queue;
  r.cpu = cpu;
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(load_score_formula)

BOOST_AUTO_TEST_CASE(an_idle_gateway_scores_0_and_one_at_every_capacity_100) {
  const settings s;
  BOOST_TEST(load_score(report(0, 0, 0), s) == 0.0);
  BOOST_TEST(load_score(report(s.rate_capacity, s.queue_capacity, 1.0), s) == 100.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(each_term_counts_by_its_weight) {
  settings s;
  s.weight_rate = 2;
  s.weight_queue = 1;
  s.weight_cpu = 1;
  s.rate_capacity = 1000;
  s.queue_capacity = 10;
  // 100 * (2 * 0.5 + 1 * 0.2 + 1 * 0.6) / 4 = 45
  BOOST_TEST(load_score(report(500, 2, 0.6), s) == 45.0, boost::test_tools::tolerance(1e-9));
  s.weight_cpu = 0;
  // 100 * (2 * 0.5 + 1 * 0.2) / 3 = 40
  BOOST_TEST(load_score(report(500, 2, 0.6), s) == 40.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_score_above_capacity_exceeds_100_and_is_overloaded_at_the_threshold) {
  settings s;
  s.overload_threshold = 85;
  BOOST_TEST(load_score(report(4 * s.rate_capacity, 4 * s.queue_capacity, 1.0), s) > 100.0);
  BOOST_TEST(overloaded(85, s));
  BOOST_TEST(!overloaded(84.99, s));
}

BOOST_AUTO_TEST_CASE(the_weights_of_a_gateways_workloads_add_up_to_its_score) {
  const settings s;
  const double rates[] = {10e6, 20e6, 30e6};
  const auto r = report(60'000'000, 3, 0.4);
  double sum = 0;
  for (double x : rates)
    sum += workload_weight(x, 60e6, 3, 0.4, s);
  BOOST_TEST(sum == load_score(r, s), boost::test_tools::tolerance(1e-9));
  // Nothing copied: the CPU is split evenly.
  BOOST_TEST(workload_weight(0, 0, 4, 0.4, s) * 4 == load_score(report(0, 4, 0.4), s),
             boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(settings_out_of_range_are_refused_with_a_reason) {
  BOOST_TEST(check_settings(settings{}).empty());
  auto bad = [](auto change) {
    settings s;
    change(s);
    return check_settings(s);
  };
  BOOST_TEST(!bad([](settings& s) { s.weight_rate = -1; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.weight_rate = s.weight_queue = s.weight_cpu = 0; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.rate_capacity = 0; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.queue_capacity = 0; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.overload_threshold = 0; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.spread_threshold = 0; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.spread_threshold = 1; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.interval_ns = -1; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.report_interval_ns = 1000; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.stale_after_ns = s.report_interval_ns; }).empty());
  BOOST_TEST(!bad([](settings& s) { s.move_timeout_ns = 0; }).empty());
}

BOOST_AUTO_TEST_SUITE_END()
