#include "services/host/host_codec.hpp"
#include "services/testing/decider_spec.hpp"

#include <capnp/message.h>

using namespace storemesh::services::host;
using storemesh::services::testing::spec;

namespace {
const datastore shared{"shared", "/srv/shared"};
const datastore local{"local", "/srv/local"};
auto host() { return spec<entity>(); }
} // namespace

BOOST_AUTO_TEST_SUITE(host_decider)

BOOST_AUTO_TEST_CASE(registering_a_new_host_records_its_datastores) {
  host().when(register_host{{shared, local}}).then({registered{{shared, local}}});
}

BOOST_AUTO_TEST_CASE(registering_twice_is_rejected) {
  host().given({registered{{shared}}}).when(register_host{{shared}}).then_rejected("already_registered");
}

BOOST_AUTO_TEST_CASE(a_host_without_datastores_is_rejected) {
  host().when(register_host{{}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(duplicate_datastore_names_are_rejected) {
  host().when(register_host{{shared, {"shared", "/other"}}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(bad_datastore_names_are_rejected) {
  for (const char* name : {"", "Upper", "-lead", "sp ace", "a/b"})
    host().when(register_host{{{name, "/srv/x"}}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(relative_or_unnormalised_paths_are_rejected) {
  for (const char* path : {"", "srv/x", "/srv/../etc", "/srv/./x", "/srv//x", "/srv/x/"})
    host().when(register_host{{{"ds", path}}}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(the_root_directory_is_a_valid_path) {
  host().when(register_host{{{"root", "/"}}}).then({registered{{{"root", "/"}}}});
}

BOOST_AUTO_TEST_CASE(an_unregistered_host_cannot_change_state) {
  host().when(set_state{host_state::draining, ""}).then_rejected("unknown_host");
}

BOOST_AUTO_TEST_CASE(an_up_host_can_drain) {
  host()
      .given({registered{{shared}}})
      .when(set_state{host_state::draining, "maintenance"})
      .then({state_changed{host_state::up, host_state::draining, "maintenance"}});
}

BOOST_AUTO_TEST_CASE(a_draining_host_can_come_back_up_or_go_down) {
  const std::vector<event> draining{registered{{shared}}, state_changed{host_state::up, host_state::draining, ""}};
  host().given(draining).when(set_state{host_state::up, ""}).then(
      {state_changed{host_state::draining, host_state::up, ""}});
  host().given(draining).when(set_state{host_state::down, ""}).then(
      {state_changed{host_state::draining, host_state::down, ""}});
}

BOOST_AUTO_TEST_CASE(a_down_host_must_come_up_before_draining) {
  const std::vector<event> down{registered{{shared}}, state_changed{host_state::up, host_state::down, ""}};
  host().given(down).when(set_state{host_state::draining, ""}).then_rejected("bad_transition");
  host().given(down).when(set_state{host_state::up, ""}).then({state_changed{host_state::down, host_state::up, ""}});
}

BOOST_AUTO_TEST_CASE(setting_the_current_state_is_rejected) {
  host().given({registered{{shared}}}).when(set_state{host_state::up, ""}).then_rejected("no_change");
}

BOOST_AUTO_TEST_CASE(registration_brings_the_host_up_with_its_datastores) {
  auto s = host().given({registered{{shared, local}}}).current();
  BOOST_TEST(s.registered);
  BOOST_TEST(s.status == host_state::up);
  BOOST_TEST(s.datastores.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gateway_host)

namespace {
load_report report_at(std::int64_t at) {
  load_report r;
  r.at_ns = at;
  r.interval_ns = 1'000'000'000;
  r.bytes_per_second = 8 << 20;
  r.queue_depth = 2;
  r.cpu = 0.25;
  r.workloads = {{"j1", 6 << 20}, {"j2", 2 << 20}};
  return r;
}
} // namespace

BOOST_AUTO_TEST_CASE(a_gateway_is_a_host_registered_with_a_site) {
  host().when(register_host{{shared}, site::primary}).then({registered{{shared}, site::primary}});
  auto s = host().given({registered{{shared}, site::recovery}}).current();
  BOOST_TEST(s.gateway());
  BOOST_CHECK(s.site == site::recovery);
  BOOST_TEST(!host().given({registered{{shared}}}).current().gateway());
}

BOOST_AUTO_TEST_CASE(a_gateway_records_its_load_reports_in_time_order) {
  const std::vector<event> gw{registered{{shared}, site::primary}};
  host().given(gw).when(report_load{report_at(100)}).then({load_reported{report_at(100)}});
  auto s = host().given({gw[0], load_reported{report_at(100)}}).current();
  BOOST_REQUIRE(s.load.has_value());
  BOOST_CHECK(*s.load == report_at(100));
  host().given({gw[0], load_reported{report_at(100)}}).when(report_load{report_at(100)}).then_rejected("stale");
  host().given({gw[0], load_reported{report_at(100)}}).when(report_load{report_at(99)}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(only_a_registered_gateway_reports_load) {
  host().when(report_load{report_at(100)}).then_rejected("unknown_host");
  host().given({registered{{shared}}}).when(report_load{report_at(100)}).then_rejected("not_a_gateway");
}

BOOST_AUTO_TEST_CASE(a_malformed_load_report_is_refused) {
  const std::vector<event> gw{registered{{shared}, site::primary}};
  auto bad = [](auto change) {
    auto r = report_at(100);
    change(r);
    return report_load{r};
  };
  host().given(gw).when(bad([](load_report& r) { r.at_ns = 0; })).then_rejected("invalid");
  host().given(gw).when(bad([](load_report& r) { r.interval_ns = 0; })).then_rejected("invalid");
  host().given(gw).when(bad([](load_report& r) { r.cpu = 1.5; })).then_rejected("invalid");
  host().given(gw).when(bad([](load_report& r) { r.cpu = -0.1; })).then_rejected("invalid");
  host().given(gw).when(bad([](load_report& r) { r.workloads.push_back({"j1", 1}); })).then_rejected("invalid");
  host().given(gw).when(bad([](load_report& r) { r.workloads.push_back({"", 1}); })).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(sites_read_and_print) {
  site out = site::none;
  BOOST_TEST(parse_site("primary", out));
  BOOST_CHECK(out == site::primary);
  BOOST_TEST(parse_site("recovery", out));
  BOOST_CHECK(out == site::recovery);
  BOOST_TEST(!parse_site("none", out));
  BOOST_TEST(!parse_site("Primary", out));
  BOOST_TEST(to_string(site::recovery) == "recovery");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(host_codec)

BOOST_AUTO_TEST_CASE(commands_events_and_state_survive_their_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  for (command c : {command{register_host{{shared, local}}}, command{set_state{host_state::down, "power"}},
                    command{register_host{{shared}, site::recovery}}, command{report_load{load_report{1, 2, 3, 4, 0.5, {{"j", 3}}}}}}) {
    entity::write_command(c, env);
    auto back = entity::read_command(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back.value().index() == c.index());
  }
  for (event e : {event{registered{{shared}}}, event{state_changed{host_state::up, host_state::down, "x"}},
                  event{registered{{shared}, site::primary}},
                  event{load_reported{load_report{1, 2, 3, 4, 0.5, {{"j", 3}}}}}}) {
    entity::write_event(e, env);
    auto back = entity::read_event(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == e);
  }
  state s{true, host_state::draining, {shared, local}, site::none, std::nullopt};
  auto back = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == s);
  state g{true, host_state::up, {shared}, site::primary, load_report{1, 2, 3, 4, 0.5, {{"j", 3}}}};
  back = entity::read_state(entity::write_state(g));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == g);
}

BOOST_AUTO_TEST_CASE(a_plain_host_keeps_the_original_record_form_and_old_records_read_as_plain_hosts) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  // What every build before gateways wrote: `registered` is a bare list.
  {
    auto list = env.getPayload().initHostEvent().initRegistered(1);
    list[0].setName("shared");
    list[0].setPath("/srv/shared");
  }
  auto old = entity::read_event(env.asReader());
  BOOST_REQUIRE(old.has_value());
  BOOST_CHECK((old.value() == event{registered{{shared}, site::none}}));
  entity::write_event(registered{{shared}}, env);
  BOOST_CHECK(env.asReader().getPayload().getHostEvent().isRegistered());
  entity::write_command(register_host{{shared}}, env);
  BOOST_CHECK(env.asReader().getPayload().getHostCommand().isRegister());
  entity::write_event(registered{{shared}, site::primary}, env);
  BOOST_CHECK(env.asReader().getPayload().getHostEvent().isGatewayRegistered());
}

BOOST_AUTO_TEST_CASE(an_event_is_not_a_command) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_event(registered{{shared}}, env);
  BOOST_CHECK(!entity::read_command(env.asReader()).has_value());
}

BOOST_AUTO_TEST_CASE(garbage_state_bytes_are_an_error_not_a_crash) {
  BOOST_CHECK(!entity::read_state("1234567").has_value());
  BOOST_CHECK(!entity::read_state(std::string(64, '\xff')).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
