// The consensus reactions: a registered router is enrolled in its network.
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/reactions.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

namespace rt = storemesh::services::router;
namespace tp = storemesh::services::topology;
namespace cs = storemesh::services::consensus;
using storemesh::schema::Envelope;
using storemesh::services::issued_command;

namespace {

template <class Entity>
std::vector<issued_command> reaction(const std::string& id, const typename Entity::event_type& e) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  Entity::write_event(e, env);
  return cs::react(Entity::kind, id, env.asReader());
}

tp::command decode(const issued_command& c) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  c.write(env);
  auto back = tp::entity::read_command(env.asReader());
  BOOST_REQUIRE(back.has_value());
  return back.value();
}

} // namespace

BOOST_AUTO_TEST_SUITE(consensus_reactions)

BOOST_AUTO_TEST_CASE(a_registered_router_is_enrolled_in_its_network) {
  auto out = reaction<rt::entity>("r7", rt::registered{rt::endpoints{"127.0.0.1:1", "127.0.0.1:2", "lab"}});
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].kind == "topology");
  BOOST_TEST(out[0].id == "lab");
  auto c = decode(out[0]);
  BOOST_REQUIRE(std::holds_alternative<tp::enroll>(c));
  BOOST_TEST(std::get<tp::enroll>(c).router == "r7");
}

BOOST_AUTO_TEST_CASE(announcements_and_other_kinds_call_for_nothing) {
  BOOST_TEST(reaction<rt::entity>("r7", rt::announced{"bafkreiaaaaaaaa", 1, 1}).empty());
  BOOST_TEST(reaction<tp::entity>("lab", tp::enrolled{"r7"}).empty());
  const auto& inputs = cs::reaction_inputs();
  BOOST_TEST((inputs == std::vector<std::string_view>{"router"}));
}

BOOST_AUTO_TEST_SUITE_END()
