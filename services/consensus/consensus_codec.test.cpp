// Router and topology messages survive their Cap'n Proto form; a malformed
// record is an error value.
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

namespace rt = storemesh::services::router;
namespace tp = storemesh::services::topology;
using storemesh::schema::Envelope;

namespace {

const std::string cid0 = "bafkreihpb36r7vjbea76wqwgcmctd7f2mopjh5cxfj2z6avey3aziswqcm";
const std::string cid1 = "bafkreib3oadtdvqdt2e32jy76aso5kxhkxy6rpph2k4uzyykeg4exny3uq";

/// Writes, reads back, writes again: the two payloads print the same (the
/// commands have no operator==) and the alternative is the same.
template <class Entity, class Payload>
void command_round_trip(const typename Entity::command_type& c, Payload payload) {
  capnp::MallocMessageBuilder m, m2;
  auto env = m.initRoot<Envelope>();
  Entity::write_command(c, env);
  BOOST_TEST(Entity::is_command(env.asReader()));
  BOOST_TEST(!Entity::is_event(env.asReader()));
  auto back = Entity::read_command(env.asReader());
  BOOST_REQUIRE(back.has_value());
  BOOST_REQUIRE(back.value().index() == c.index());
  auto env2 = m2.initRoot<Envelope>();
  Entity::write_command(back.value(), env2);
  BOOST_TEST(payload(env2.asReader()).toString().flatten() == payload(env.asReader()).toString().flatten());
}

template <class Entity>
void event_round_trip(const typename Entity::event_type& e) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  Entity::write_event(e, env);
  BOOST_TEST(Entity::is_event(env.asReader()));
  auto back = Entity::read_event(env.asReader());
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((back.value() == e));
}

} // namespace

BOOST_AUTO_TEST_SUITE(consensus_codec)

BOOST_AUTO_TEST_CASE(every_router_message_survives_its_capnp_form) {
  const rt::endpoints spec{"127.0.0.1:7001", "127.0.0.1:8001", "lab"};
  for (rt::command c : {rt::command{rt::register_router{spec}}, rt::command{rt::announce{cid0, 3, 42}}})
    command_round_trip<rt::entity>(c, [](Envelope::Reader r) { return r.getPayload().getRouterCommand(); });
  for (rt::event e : {rt::event{rt::registered{spec}}, rt::event{rt::announced{cid1, 7, 43}}})
    event_round_trip<rt::entity>(e);
  rt::state s;
  s.registered = true;
  s.spec = spec;
  s.active_cid = cid0;
  s.epoch = 3;
  s.announced_at_ns = 42;
  auto back = rt::entity::read_state(rt::entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((back.value() == s));
}

BOOST_AUTO_TEST_CASE(every_topology_message_survives_its_capnp_form) {
  for (tp::command c :
       {tp::command{tp::configure{tp::config{2, 5'000'000'000}}}, tp::command{tp::enroll{"r1"}},
        tp::command{tp::seed{cid0}}, tp::command{tp::propose{"p1", cid1, "r1", cid0, 99}},
        tp::command{tp::cast_vote{"p1", "r2", false, "loop: r1 -> r2 -> r1", 50}},
        tp::command{tp::expire{"p1", 100}}})
    command_round_trip<tp::entity>(c, [](Envelope::Reader r) { return r.getPayload().getTopologyCommand(); });
  for (tp::event e : {tp::event{tp::configured{tp::config{0, 7}}}, tp::event{tp::enrolled{"r1"}},
                      tp::event{tp::seeded{cid0, 1}}, tp::event{tp::proposed{"p1", cid1, "r1", cid0, 99}},
                      tp::event{tp::voted{"p1", "r2", true, "ok", 50}}, tp::event{tp::agreed{"p1", cid1, 2}},
                      tp::event{tp::refused{"p2", 2, 2, 3}}, tp::event{tp::expired{"p3", 100}},
                      tp::event{tp::superseded{"p4", "p1"}}})
    event_round_trip<tp::entity>(e);
}

BOOST_AUTO_TEST_CASE(a_topology_state_survives_its_snapshot) {
  tp::state s;
  s.configured = true;
  s.config = tp::config{2, 9};
  s.routers = {"r2", "r1"};  // enrolment order, not sorted
  s.agreed_cid = cid1;
  s.epoch = 2;
  s.agreed_by = "p1";
  tp::proposal p;
  p.id = "p1";
  p.number = 1;
  p.cid = cid1;
  p.proposer = "r1";
  p.base_cid = cid0;
  p.deadline_ns = 99;
  p.status = tp::proposal_status::agreed;
  p.votes = {{"r2", true, "ok", 5}, {"r1", false, "no", 6}};
  p.epoch = 2;
  s.proposals["p1"] = p;
  p.id = "p0";
  p.number = 2;  // ids sort before their log order: the order must come from number
  p.status = tp::proposal_status::superseded;
  p.closed_by = "p1";
  s.proposals["p0"] = p;
  auto back = tp::entity::read_state(tp::entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((back.value() == s));
}

BOOST_AUTO_TEST_CASE(the_wrong_payload_or_garbage_is_an_error_value) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  rt::entity::write_event(rt::announced{cid0, 1, 1}, env);
  BOOST_TEST(!tp::entity::read_event(env.asReader()).has_value());
  BOOST_TEST(!tp::entity::read_command(env.asReader()).has_value());
  BOOST_TEST(!rt::entity::read_command(env.asReader()).has_value());
  BOOST_TEST(!tp::entity::read_state("not a capnp message").has_value());
  BOOST_TEST(!rt::entity::read_state(std::string(16, '\xff')).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
