// The storage system entity: given / when / then for every rule; decider_spec's
// then() checks that each accepted command, decided again, yields nothing new.
#include "services/control_path/storage_system_codec.hpp"
#include "services/testing/decider_spec.hpp"

#include <capnp/message.h>

using namespace storemesh::services::storage;
using storemesh::services::testing::spec;

namespace {

const std::string port = "/run/storemesh/array-1.fc";
const std::string inquiry_cdb("\x12\x00\x00\x00\x60\x00", 6);

request_id req(char n) { return std::string(15, '\x01') + n; }

auto storage() { return spec<entity>(); }
auto linked_to_b() { return std::vector<event>{added{port}, linked{"host-b", ""}}; }

convert convert_at_b(char n) { return convert{req(n), "host-b", "host-a", "inquiry", 0, inquiry_cdb, 100}; }
converted converted_at_b(char n, std::uint16_t ox) {
  return converted{req(n), ox, "host-b", "host-a", "inquiry", 0, inquiry_cdb, 100};
}

} // namespace

BOOST_AUTO_TEST_SUITE(storage_topology)

BOOST_AUTO_TEST_CASE(a_storage_system_is_added_once_with_its_fc_port) {
  storage().when(add{port}).then({added{port}});
  storage().given({added{port}}).when(add{port}).then({});
  storage().given({added{port}}).when(add{"/elsewhere.fc"}).then_rejected("already_added");
}

BOOST_AUTO_TEST_CASE(the_fc_port_is_an_absolute_socket_path) {
  for (const std::string& bad : {std::string(), std::string("relative.fc"), "/" + std::string(107, 'x')})
    BOOST_TEST_CONTEXT(bad) { storage().when(add{bad}).then_rejected("invalid"); }
}

BOOST_AUTO_TEST_CASE(a_link_couples_it_to_one_host_and_moves) {
  storage().when(link_host{"host-b"}).then_rejected("unknown_storage");
  storage().given({added{port}}).when(link_host{"host-b"}).then({linked{"host-b", ""}});
  storage().given(linked_to_b()).when(link_host{"host-b"}).then({});
  storage().given(linked_to_b()).when(link_host{"host-c"}).then({linked{"host-c", "host-b"}});
  storage().given({added{port}}).when(link_host{"Host B"}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(storage_exchanges)

BOOST_AUTO_TEST_CASE(the_linked_host_converts_and_the_event_assigns_the_ox_id) {
  storage().given(linked_to_b()).when(convert_at_b('1')).then({converted_at_b('1', 0)});
  storage().given({added{port}, linked{"host-b", ""}, converted_at_b('1', 0)})
      .when(convert_at_b('2'))
      .then({converted_at_b('2', 1)});
}

BOOST_AUTO_TEST_CASE(only_the_linked_host_converts) {
  auto at_a = convert_at_b('1');
  at_a.host = "host-a";
  storage().given(linked_to_b()).when(at_a).then_rejected("not_linked");
  storage().given({added{port}}).when(convert_at_b('1')).then_rejected("not_linked");
  storage().when(convert_at_b('1')).then_rejected("unknown_storage");
}

BOOST_AUTO_TEST_CASE(a_request_open_is_not_converted_again) {
  storage().given({added{port}, linked{"host-b", ""}, converted_at_b('1', 0)})
      .when(convert_at_b('1'))
      .then_rejected("already_converted");
}

BOOST_AUTO_TEST_CASE(a_convert_needs_a_cdb_an_operation_and_a_16_byte_request_id) {
  auto c = convert_at_b('1');
  for (std::size_t n : {0u, 5u, 17u}) {
    c.cdb = std::string(n, '\0');
    BOOST_TEST_CONTEXT(n) { storage().given(linked_to_b()).when(c).then_rejected("invalid"); }
  }
  c = convert_at_b('1');
  c.operation.clear();
  storage().given(linked_to_b()).when(c).then_rejected("invalid");
  c = convert_at_b('1');
  c.request = "short";
  storage().given(linked_to_b()).when(c).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(ox_ids_skip_the_unassigned_value_and_ids_still_open) {
  // next is 0xFFFE: it is used, then 0xFFFF is skipped and the count wraps to 0.
  auto s = storage().given(linked_to_b());
  auto history = linked_to_b();
  auto high = converted_at_b('1', 0xFFFE);
  history.push_back(high);
  storage().given(history).when(convert_at_b('2')).then({converted_at_b('2', 0)});
  // 0 still open (request 2), next would be 0 after a wrap: it moves on to 1.
  history.push_back(converted_at_b('2', 0));
  history.push_back(answered{req('1'), 0xFFFE, {}, 110});
  history.push_back(converted_at_b('3', 0xFFFE));
  storage().given(history).when(convert_at_b('4')).then({converted_at_b('4', 1)});
}

BOOST_AUTO_TEST_CASE(an_answer_or_a_failure_closes_the_open_exchange_with_that_ox_id) {
  const scsi_answer good{0, 0, 0, 0, 96, 0x0101};
  auto history = linked_to_b();
  history.push_back(converted_at_b('1', 7));
  storage().given(history).when(answer{req('1'), 7, good, 120}).then({answered{req('1'), 7, good, 120}});
  storage().given(history).when(fail{req('1'), 7, true, "link down", 120}).then({failed{req('1'), 7, true, "link down", 120}});
  storage().given(history).when(answer{req('1'), 8, good, 120}).then_rejected("unknown_exchange");
  storage().given(history).when(answer{req('2'), 7, good, 120}).then_rejected("unknown_exchange");
  history.push_back(answered{req('1'), 7, good, 120});
  storage().given(history).when(fail{req('1'), 7, false, "late", 130}).then_rejected("unknown_exchange");
  const auto s = storage().given(history).current();
  BOOST_TEST(s.open.empty());
  BOOST_TEST(s.converted == 1u);
  BOOST_TEST(s.answered == 1u);
}

BOOST_AUTO_TEST_CASE(a_forward_goes_to_the_linked_host_from_another_each_time) {
  storage().given(linked_to_b())
      .when(forward{req('1'), "host-a", "host-b", "inquiry", 5})
      .then_each_time({forwarded{req('1'), "host-a", "host-b", "inquiry", 5}});
  storage().given(linked_to_b()).when(forward{req('1'), "host-a", "host-c", "inquiry", 5}).then_rejected("not_linked");
  storage().given(linked_to_b()).when(forward{req('1'), "host-b", "host-b", "inquiry", 5}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(storage_codec)

BOOST_AUTO_TEST_CASE(every_command_event_and_the_state_survive_their_encoding) {
  const scsi_answer sense{2, 5, 0x20, 0, 0, 3};
  const std::vector<command> commands{add{port}, link_host{"host-b"}, forward{req('1'), "a", "b", "inquiry", 1},
                                      convert_at_b('1'), answer{req('1'), 9, sense, 2}, fail{req('1'), 9, true, "x", 3}};
  for (const auto& c : commands) {
    capnp::MallocMessageBuilder m;
    auto env = m.initRoot<storemesh::schema::Envelope>();
    entity::write_command(c, env);
    auto back = entity::read_command(env.asReader());
    BOOST_REQUIRE(back);
    BOOST_TEST((back.value().index() == c.index()));
  }
  std::vector<event> history = linked_to_b();
  history.push_back(forwarded{req('1'), "host-a", "host-b", "inquiry", 5});
  history.push_back(converted_at_b('1', 4));
  history.push_back(converted_at_b('2', 5));
  history.push_back(answered{req('1'), 4, sense, 9});
  history.push_back(failed{req('3'), 6, false, "why", 10});
  state s = initial;
  for (const auto& e : history) {
    capnp::MallocMessageBuilder m;
    auto env = m.initRoot<storemesh::schema::Envelope>();
    entity::write_event(e, env);
    auto back = entity::read_event(env.asReader());
    BOOST_REQUIRE(back);
    BOOST_TEST((back.value() == e));
    s = entity::evolve(std::move(s), e);
  }
  auto restored = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(restored);
  BOOST_TEST((restored.value() == s));
  BOOST_TEST(s.open.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
