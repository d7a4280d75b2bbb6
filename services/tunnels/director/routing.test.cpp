#include "services/tunnels/director/routing.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::director;

namespace {

std::vector<server_view> three() {
  return {{"m1", true, true, 100}, {"m2", true, true, 90}, {"m3", true, true, 98}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(director_routing)

BOOST_AUTO_TEST_CASE(writes_go_to_the_least_lagging_healthy_member_first) {
  auto order = route(three(), request_class::write, 100, {});
  BOOST_TEST((order == std::vector<std::string>{"m1", "m3", "m2"}));
}

BOOST_AUTO_TEST_CASE(an_unhealthy_server_or_a_node_is_never_chosen) {
  auto s = three();
  s[0].healthy = false;
  s.push_back({"n1", false, true, 100});
  auto order = route(s, request_class::write, 100, {});
  BOOST_TEST((order == std::vector<std::string>{"m3", "m2"}));
}

BOOST_AUTO_TEST_CASE(a_linearizable_read_goes_only_to_a_replica_at_the_head) {
  auto order = route(three(), request_class::linearizable_read, 100, {});
  BOOST_TEST((order == std::vector<std::string>{"m1"}));
  BOOST_TEST(route(three(), request_class::linearizable_read, 101, {}).empty());
}

BOOST_AUTO_TEST_CASE(a_plain_read_tolerates_the_configured_lag_and_no_more) {
  routing_policy p;
  p.max_read_lag = 5;
  auto order = route(three(), request_class::read, 100, p);
  BOOST_TEST((order == std::vector<std::string>{"m1", "m3"}));
}

BOOST_AUTO_TEST_CASE(a_retry_skips_the_servers_already_tried) {
  auto order = route(three(), request_class::write, 100, {}, {"m1"});
  BOOST_TEST((order == std::vector<std::string>{"m3", "m2"}));
}

BOOST_AUTO_TEST_SUITE_END()
