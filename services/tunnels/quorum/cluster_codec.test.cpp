#include "services/tunnels/quorum/cluster_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

using namespace storemesh::services::cluster;

namespace {

public_key key(std::uint8_t n) {
  public_key k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i)
    k.bytes[i] = static_cast<std::uint8_t>(n + i);
  return k;
}

const peer_spec a{"a", key(1), "dc-a", "10.0.0.1:7001"};
const peer_spec n1{"n1", key(2), "", "[::1]:7002"};
const config cfg{3, 5'000'000'000, 10, 8.5, 1'000'000'000, true};
const candidate c1{"n1", true, 90, 100, "dc-b"};
const candidate c2{"n2", false, 0, 100, ""};
const std::vector<verdict> verdicts{{c1, true, "eligible: lag 10"}, {c2, false, "unhealthy"}};

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_codec)

BOOST_AUTO_TEST_CASE(every_command_survives_its_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  for (command c : {command{configure{cfg}}, command{add_server{a}}, command{add_node{n1}},
                    command{remove_node{"n1", 42}}, command{report_lost{"a", "director", 9.25, 100, 200}},
                    command{promote{3, {c1, c2}, 300}}, command{report_ready{"n1", 99, 100, 400}},
                    command{report_failed{"n1", "killed", 500}}, command{report_back{"a", 600}}}) {
    entity::write_command(c, env);
    BOOST_TEST(entity::is_command(env.asReader()));
    auto back = entity::read_command(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_REQUIRE(back.value().index() == c.index());
    // Compare through a second write: the commands have no operator==.
    capnp::MallocMessageBuilder m2;
    auto env2 = m2.initRoot<storemesh::schema::Envelope>();
    entity::write_command(back.value(), env2);
    BOOST_CHECK(env2.asReader().getPayload().getClusterCommand().toString().flatten() ==
                env.asReader().getPayload().getClusterCommand().toString().flatten());
  }
}

BOOST_AUTO_TEST_CASE(every_event_survives_its_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  for (event e : {event{configured{cfg}}, event{server_added{a}}, event{node_added{n1}},
                  event{peer_removed{"n1", role::promoting, 42}},
                  event{server_lost{1, "a", "director", 9.25, 100, 200, "phi"}},
                  event{promotion_started{2, 1, "n1", 300, 90, 100, "dc-b", verdicts, "chosen because"}},
                  event{promotion_ready{2, "n1", 99, 100, 400}}, event{promotion_failed{2, "n1", "killed", 500}},
                  event{server_returned{"a", 1, role::node, 600}}}) {
    entity::write_event(e, env);
    BOOST_TEST(entity::is_event(env.asReader()));
    auto back = entity::read_event(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == e);
  }
}

BOOST_AUTO_TEST_CASE(the_state_survives_a_snapshot) {
  state s;
  s.configured = true;
  s.config = cfg;
  s.peers["a"] = peer{a, role::lost};
  s.peers["n1"] = peer{n1, role::promoting};
  loss l;
  l.id = 1;
  l.server = "a";
  l.at_ns = 200;
  l.reason = "phi";
  l.observer = "director";
  l.phi = 9.25;
  l.last_heartbeat_ns = 100;
  s.losses[1] = l;
  l.id = 2;
  l.status = loss_status::filled;
  l.filled_by = 7;
  l.closed_at_ns = 900;
  s.losses[2] = l;
  promotion p;
  p.id = 2;
  p.node = "n1";
  p.loss = 1;
  p.at_ns = 300;
  p.applied_offset = 90;
  p.head_offset = 100;
  p.domain = "dc-b";
  p.verdicts = verdicts;
  p.why = "chosen";
  s.promotions[2] = p;
  p.id = 1;
  p.state = promotion_state::failed;
  p.closed_at_ns = 250;
  p.failure = "killed";
  s.promotions[1] = p;
  auto back = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == s);
  auto empty = entity::read_state(entity::write_state(state{}));
  BOOST_REQUIRE(empty.has_value());
  BOOST_CHECK(empty.value() == state{});
}

BOOST_AUTO_TEST_CASE(a_key_that_is_not_32_bytes_is_an_error) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  for (std::size_t size : {0, 31, 33}) {
    entity::write_event(node_added{n1}, env);
    const std::string bytes(size, '\x07');
    env.getPayload().getClusterEvent().getNodeAdded().setPublicKey(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
    auto back = entity::read_event(env.asReader());
    BOOST_CHECK(!back.has_value());
    entity::write_command(add_server{a}, env);
    env.getPayload().getClusterCommand().getAddServer().setPublicKey(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
    BOOST_CHECK(!entity::read_command(env.asReader()).has_value());
  }
}

BOOST_AUTO_TEST_CASE(an_event_is_not_a_command_nor_another_kind) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_event(node_added{n1}, env);
  BOOST_CHECK(!entity::read_command(env.asReader()).has_value());
  entity::write_command(add_node{n1}, env);
  BOOST_CHECK(!entity::read_event(env.asReader()).has_value());
  env.getPayload().initHostEvent();
  BOOST_CHECK(!entity::read_event(env.asReader()).has_value());
  BOOST_CHECK(!entity::is_event(env.asReader()));
}

BOOST_AUTO_TEST_CASE(garbage_state_bytes_are_an_error_not_a_crash) {
  BOOST_CHECK(!entity::read_state("1234567").has_value());
  BOOST_CHECK(!entity::read_state(std::string(64, '\xff')).has_value());
  const auto good = entity::write_state(state{});
  for (std::size_t cut = 0; cut < good.size(); cut += 8)
    (void)entity::read_state(good.substr(0, cut));  // must not crash; may or may not decode
}

BOOST_AUTO_TEST_CASE(keys_print_and_parse_as_hex) {
  const auto k = key(0xf0);
  const auto hex = to_hex(k);
  BOOST_TEST(hex.size() == 64u);
  BOOST_TEST(hex.substr(0, 6) == "f0f1f2");
  public_key back;
  BOOST_TEST(parse_key_hex(hex, back));
  BOOST_CHECK(back == k);
  BOOST_TEST(!parse_key_hex(hex.substr(1), back));
  BOOST_TEST(!parse_key_hex(std::string(64, 'g'), back));
}

BOOST_AUTO_TEST_SUITE_END()
