// The control host entity: given / when / then for every rule.
#include "services/control_path/storage_system_codec.hpp"
#include "services/testing/decider_spec.hpp"

#include <capnp/message.h>

using namespace storemesh::services::control_host;
using storemesh::services::testing::spec;

BOOST_AUTO_TEST_SUITE(control_host_attach)

BOOST_AUTO_TEST_CASE(an_interceptor_attaches_its_host_and_may_move) {
  spec<entity>().when(attach{"127.0.0.1:7100", "127.0.0.1:7200", 1}).then({attached{"127.0.0.1:7100", "127.0.0.1:7200", 1}});
  spec<entity>().given({attached{"127.0.0.1:7100", "127.0.0.1:7200", 1}}).when(attach{"127.0.0.1:7100", "127.0.0.1:7200", 5}).then({});
  spec<entity>()
      .given({attached{"127.0.0.1:7100", "127.0.0.1:7200", 1}})
      .when(attach{"127.0.0.1:7101", "127.0.0.1:7200", 5})
      .then({attached{"127.0.0.1:7101", "127.0.0.1:7200", 5}});
}

BOOST_AUTO_TEST_CASE(both_endpoints_are_host_port_and_differ) {
  for (const auto& [e, u] : std::vector<std::pair<std::string, std::string>>{
           {"nowhere", "127.0.0.1:7200"}, {"127.0.0.1:7100", "127.0.0.1:0"}, {"127.0.0.1:7100", "127.0.0.1:7100"}})
    BOOST_TEST_CONTEXT(e << " " << u) { spec<entity>().when(attach{e, u, 1}).then_rejected("invalid"); }
}

BOOST_AUTO_TEST_CASE(its_messages_survive_their_encoding) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  const event e = attached{"127.0.0.1:7100", "127.0.0.1:7200", 9};
  entity::write_event(e, env);
  auto back = entity::read_event(env.asReader());
  BOOST_REQUIRE(back);
  BOOST_TEST((back.value() == e));
  const state s = entity::evolve(initial, e);
  auto restored = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(restored);
  BOOST_TEST((restored.value() == s));
}

BOOST_AUTO_TEST_SUITE_END()
