// The four delivery kinds' messages survive their encoding: every command,
// every event and a state holding every kind of member; what a newer writer
// or a broken record holds is an error value.
#include "services/codec_errc.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

namespace d = storemesh::services::delivery;
namespace codec = storemesh::services;
using storemesh::schema::Envelope;

namespace {

/// An event reads back equal; a command (no operator==) reads back to what encodes the same.
template <class Entity>
void event_round_trip(const typename Entity::event_type& m) {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  Entity::write_event(m, env);
  BOOST_TEST(Entity::is_event(env.asReader()));
  BOOST_TEST(!Entity::is_command(env.asReader()));
  auto back = Entity::read_event(env.asReader());
  BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
  BOOST_TEST((back.value() == m));
  BOOST_TEST(!Entity::read_command(env.asReader()));
}

template <class Entity>
void command_round_trip(const typename Entity::command_type& m) {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  Entity::write_command(m, env);
  BOOST_TEST(Entity::is_command(env.asReader()));
  BOOST_TEST(!Entity::is_event(env.asReader()));
  auto back = Entity::read_command(env.asReader());
  BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
  capnp::MallocMessageBuilder again;
  auto env2 = again.initRoot<Envelope>();
  Entity::write_command(back.value(), env2);
  BOOST_TEST(env.asReader().getPayload().toString().flatten() == env2.asReader().getPayload().toString().flatten());
  BOOST_TEST(back.value().index() == m.index());
  BOOST_TEST(!Entity::read_event(env.asReader()));
}

template <class Entity>
void state_round_trip(const std::vector<typename Entity::event_type>& history) {
  auto s = typename Entity::state_type{};
  for (const auto& e : history)
    s = Entity::evolve(std::move(s), e);
  auto restored = Entity::read_state(Entity::write_state(s));
  BOOST_REQUIRE_MESSAGE(restored, (restored ? "" : restored.error().message()));
  BOOST_TEST((restored.value() == s));
  auto empty = Entity::read_state(Entity::write_state(typename Entity::state_type{}));
  BOOST_REQUIRE(empty);
  BOOST_TEST((empty.value() == typename Entity::state_type{}));
  BOOST_TEST((Entity::read_state("not a state").error().code == codec::codec_errc::malformed));
  BOOST_TEST((Entity::read_state(std::string(16, '\xff')).error().code == codec::codec_errc::malformed));
}

/// Another kind's payload is wrong_payload for both reads.
template <class Entity>
void refuses_other_payloads() {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  env.getPayload().initControlHostEvent().setEndpoint("127.0.0.1:1");
  BOOST_TEST((Entity::read_event(env.asReader()).error().code == codec::codec_errc::wrong_payload));
  BOOST_TEST((Entity::read_command(env.asReader()).error().code == codec::codec_errc::wrong_payload));
}

const d::geometry g{10000, 4096, 3, 2};
const d::location far{-120000, 4500000000};

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_codecs)

BOOST_AUTO_TEST_CASE(user_group_messages_and_state) {
  using namespace d::user_group;
  BOOST_TEST(entity::kind == "user_group");
  for (const command& c : std::vector<command>{add{far, 40, 1}, record_request{"film.a", 5}, add{}, record_request{}})
    BOOST_TEST_CONTEXT("command " << c.index()) { command_round_trip<entity>(c); }
  for (const event& e : std::vector<event>{added{far, 40, 1}, requested{"film.a", -5}, added{}})
    BOOST_TEST_CONTEXT("event " << e.index()) { event_round_trip<entity>(e); }
  state_round_trip<entity>({added{far, 40, 1}, requested{"film.a", 5}, requested{"film.b", 9}});
  refuses_other_payloads<entity>();
}

BOOST_AUTO_TEST_CASE(content_messages_and_state) {
  using namespace d::content;
  BOOST_TEST(entity::kind == "content");
  std::vector<std::uint32_t> crcs(15);
  for (std::size_t i = 0; i < crcs.size(); ++i)
    crcs[i] = 0xffffffffu - static_cast<std::uint32_t>(i);
  const added a{g, std::string(64, 'a'), "films/a.mkv", crcs, 3};
  command_round_trip<entity>(add{g, std::string(64, 'a'), "films/a.mkv", crcs, 3});
  command_round_trip<entity>(add{});
  event_round_trip<entity>(a);
  event_round_trip<entity>(added{});
  state_round_trip<entity>({a});
  refuses_other_payloads<entity>();
  // the placeholder member a newer writer might leave, and an unset union
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  env.getPayload().initContentEvent().setUnknown();
  BOOST_TEST((entity::read_event(env.asReader()).error().code == codec::codec_errc::unknown_variant));
  env.getPayload().initContentCommand().setUnknown();
  BOOST_TEST((entity::read_command(env.asReader()).error().code == codec::codec_errc::unknown_variant));
}

BOOST_AUTO_TEST_CASE(edge_unit_messages_and_state) {
  using namespace d::edge_unit;
  BOOST_TEST(entity::kind == "edge_unit");
  const std::vector<command> commands{attach{"127.0.0.1:4100", role::edge, far, 1ull << 40, 1 << 20, 1},
                                      attach{"127.0.0.1:4000", role::origin, {}, 0, 0, 1},
                                      report{false, 77, "connection refused", 2}, report{true, 0, "", 3}};
  for (const auto& c : commands)
    BOOST_TEST_CONTEXT("command " << c.index()) { command_round_trip<entity>(c); }
  const std::vector<event> events{attached{"127.0.0.1:4100", role::edge, far, 1ull << 40, 1 << 20, 1},
                                  attached{"127.0.0.1:4000", role::origin, {}, 0, 0, 1},
                                  reported{false, 77, "connection refused", 2}, reported{true, 5, "", 3}};
  for (const auto& e : events)
    BOOST_TEST_CONTEXT("event " << e.index()) { event_round_trip<entity>(e); }
  state_round_trip<entity>({events[0], events[2]});
  state_round_trip<entity>({events[1]});
  refuses_other_payloads<entity>();
  // a role this build does not know
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  entity::write_event(events[0], env);
  env.getPayload().getEdgeUnitEvent().getAttached().setRole(static_cast<storemesh::schema::delivery::EdgeRole>(9));
  BOOST_TEST((entity::read_event(env.asReader()).error().code == codec::codec_errc::unknown_variant));
  entity::write_command(commands[0], env);
  env.getPayload().getEdgeUnitCommand().getAttach().setRole(static_cast<storemesh::schema::delivery::EdgeRole>(9));
  BOOST_TEST((entity::read_command(env.asReader()).error().code == codec::codec_errc::unknown_variant));
}

BOOST_AUTO_TEST_CASE(delivery_messages_and_state) {
  using namespace d::process;
  BOOST_TEST(entity::kind == "delivery");
  std::vector<placement> ps;
  const std::vector<std::string> edges{"e1", "e2", "e3", "e4", "e5"};
  for (std::uint32_t seg = 0; seg < 3; ++seg)
    for (std::uint32_t p = 0; p < 5; ++p)
      ps.push_back(placement{seg, p, edges[p], seg, 0x80000000u + seg * 10 + p});
  const planned plan_event{"city.north", "film.a", g, edges, ps, "score 0.9, rank 1", 10};
  const rescheduled moved{"e1", "connection refused", {move{0, 0, "e1", "e6", 4}, move{1, 0, "e1", "e7", 4}}, {{2, 0}}, 30};
  const std::vector<command> commands{
      plan{"city.north", "film.a", g, edges, ps, "score 0.9, rank 1", 10},
      confirm{1, 3, "e4", 0x80000000u + 13, 20},
      reschedule{"e1", "connection refused", {"e6", "e7"}, 4, 30},
      reschedule{"e1", "", {}, 0, 0},
      plan{}};
  for (const auto& c : commands)
    BOOST_TEST_CONTEXT("command " << c.index()) { command_round_trip<entity>(c); }
  const std::vector<event> events{plan_event, slice_confirmed{1, 3, "e4", 0x80000000u + 13, 20}, moved,
                                  rescheduled{"e1", "", {}, {}, 0}, completed{99}, planned{}};
  for (const auto& e : events)
    BOOST_TEST_CONTEXT("event " << e.index()) { event_round_trip<entity>(e); }
  // a state with every member: confirmed and moved slots, added edges, completion
  std::vector<event> history{plan_event, moved};
  for (const auto& p : ps)
    if (p.edge != "e1")
      history.push_back(slice_confirmed{p.segment, p.pillar, p.edge, p.crc32c, 40});
  history.push_back(slice_confirmed{0, 0, "e6", ps[0].crc32c, 41});
  history.push_back(completed{42});
  state_round_trip<entity>(history);
  refuses_other_payloads<entity>();
}

BOOST_AUTO_TEST_CASE(a_message_of_one_delivery_kind_is_not_read_as_another) {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<Envelope>();
  d::user_group::entity::write_event(d::user_group::added{far, 1, 1}, env);
  BOOST_TEST((d::content::entity::read_event(env.asReader()).error().code == codec::codec_errc::wrong_payload));
  BOOST_TEST((d::edge_unit::entity::read_event(env.asReader()).error().code == codec::codec_errc::wrong_payload));
  BOOST_TEST((d::process::entity::read_event(env.asReader()).error().code == codec::codec_errc::wrong_payload));
}

BOOST_AUTO_TEST_SUITE_END()
