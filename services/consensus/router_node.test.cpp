// The router entity: given / when / then for every rule; decider_spec's then()
// checks that each accepted command, decided again, yields nothing new.
#include "services/consensus/router_node_codec.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::router;
using storemesh::services::testing::spec;

namespace {

const endpoints r1{"127.0.0.1:7001", "127.0.0.1:8001", "default"};
const std::string cid0 = "bafkreihpb36r7vjbea76wqwgcmctd7f2mopjh5cxfj2z6avey3aziswqcm";
const std::string cid1 = "bafkreib3oadtdvqdt2e32jy76aso5kxhkxy6rpph2k4uzyykeg4exny3uq";

auto router() { return spec<entity>(); }

endpoints with_udp(std::string udp) {
  auto e = r1;
  e.udp = std::move(udp);
  return e;
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_registration)

BOOST_AUTO_TEST_CASE(a_router_registers_its_endpoints_and_network) {
  router().when(register_router{r1}).then({registered{r1}});
  const endpoints other{"[::1]:7002", "localhost:8002", "lab-2"};
  router().when(register_router{other}).then({registered{other}});
}

BOOST_AUTO_TEST_CASE(the_network_defaults_to_default) {
  router().when(register_router{endpoints{r1.udp, r1.gateway, ""}}).then({registered{r1}});
}

BOOST_AUTO_TEST_CASE(the_same_registration_again_is_a_no_op_another_is_refused) {
  router().given({registered{r1}}).when(register_router{r1}).then({});
  router().given({registered{r1}}).when(register_router{with_udp("127.0.0.1:7999")}).then_rejected("already_registered");
}

BOOST_AUTO_TEST_CASE(endpoints_must_be_host_port) {
  for (const char* bad : {"", "7001", ":7001", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:70a1",
                          "my host:7001", "http://h:1"})
    BOOST_TEST_CONTEXT(bad) { router().when(register_router{with_udp(bad)}).then_rejected("invalid"); }
  auto bad_gateway = r1;
  bad_gateway.gateway = "nowhere";
  router().when(register_router{bad_gateway}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(the_two_endpoints_must_differ) {
  router().when(register_router{endpoints{r1.udp, r1.udp, "default"}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(the_network_must_be_a_name) {
  router().when(register_router{endpoints{r1.udp, r1.gateway, "Lab 2"}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_announcements)

BOOST_AUTO_TEST_CASE(a_router_announces_the_topology_it_routes_by) {
  router().given({registered{r1}}).when(announce{cid0, 1, 42}).then({announced{cid0, 1, 42}});
  const auto s = router().given({registered{r1}, announced{cid0, 1, 42}}).current();
  BOOST_TEST(s.active_cid == cid0);
  BOOST_TEST(s.epoch == 1u);
  BOOST_TEST(s.announced_at_ns == 42);
}

BOOST_AUTO_TEST_CASE(the_same_announcement_again_is_a_no_op) {
  router().given({registered{r1}, announced{cid0, 1, 42}}).when(announce{cid0, 1, 99}).then({});
}

BOOST_AUTO_TEST_CASE(a_new_topology_or_epoch_is_recorded_an_older_one_too) {
  router().given({registered{r1}, announced{cid0, 1, 42}}).when(announce{cid1, 2, 50}).then({announced{cid1, 2, 50}});
  router().given({registered{r1}, announced{cid1, 2, 42}}).when(announce{cid0, 1, 50}).then({announced{cid0, 1, 50}});
}

BOOST_AUTO_TEST_CASE(an_unknown_router_cannot_announce) {
  router().when(announce{cid0, 1, 42}).then_rejected("unknown_router");
}

BOOST_AUTO_TEST_CASE(an_announcement_needs_a_cid) {
  router().given({registered{r1}}).when(announce{"", 0, 42}).then_rejected("invalid");
  router().given({registered{r1}}).when(announce{"QmNotACidV1inBase32xx", 0, 42}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()
