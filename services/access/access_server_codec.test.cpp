// The access server's messages survive their encoding: every command, every
// event and a state holding every kind of member; what a newer writer or a
// broken record holds is an error value.
#include "services/access/access_server_codec.hpp"
#include "services/codec_errc.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>

using namespace storemesh::services::access;
namespace codec = storemesh::services;

namespace {

policy full_policy() {
  policy p;
  p.mandatory = true;
  p.max_signature_age_h = 12;
  p.trusted_networks = {"10.0.0.0/8", "::1/128"};
  p.known_keys = {std::string(64, 'b')};
  p.shares = {{"inbox", share_mode::always}, {"public", share_mode::never}, {"data", share_mode::by_client}};
  p.scan_extensions = {"exe", ""};
  p.exclude_extensions = {"tmp"};
  p.max_scan_bytes = 1 << 20;
  p.oversize = oversize_action::allow;
  p.on_outage = outage_action::allow_and_mark;
  p.max_file_bytes = 1 << 30;
  return p;
}

const attributes attrs{{"av", "active"}, {"av.age_h", "3"}, {"addr", "10.0.0.7"}};
const protection decided{false, "trusted_network", "client address 10.0.0.7 in trusted network 10.0.0.0/8"};
const std::string session_id = "srv1:0123456789abcdef";
const std::string access_id(32, '7');

accessed an_access(verdict v, access_op op) {
  return accessed{access_id, session_id, op, "in/x.bin", 68, std::string(64, 'c'), v, "session_scanned",
                  "the session scans", v == verdict::infected ? "Eicar-Signature" : "", "daily-27", true,
                  v == verdict::infected ? "2026/x" : "", 99};
}

template <class Message>
void round_trip(const Message& m) {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<storemesh::schema::Envelope>();
  if constexpr (std::is_same_v<Message, event>) {
    entity::write_event(m, env);
    BOOST_TEST(entity::is_event(env.asReader()));
    auto back = entity::read_event(env.asReader());
    BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
    BOOST_TEST((back.value() == m));
    BOOST_TEST(!entity::read_command(env.asReader()));
  } else {
    entity::write_command(m, env);
    BOOST_TEST(entity::is_command(env.asReader()));
    auto back = entity::read_command(env.asReader());
    BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
    // Commands have no operator==: compare what they encode to.
    capnp::MallocMessageBuilder again;
    auto env2 = again.initRoot<storemesh::schema::Envelope>();
    entity::write_command(back.value(), env2);
    BOOST_TEST(env.asReader().getPayload().getAccessServerCommand().toString().flatten() ==
               env2.asReader().getPayload().getAccessServerCommand().toString().flatten());
    BOOST_TEST(back.value().index() == m.index());
    BOOST_TEST(!entity::read_event(env.asReader()));
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_server_codec)

BOOST_AUTO_TEST_CASE(every_event_survives_its_encoding) {
  std::vector<event> events{
      attached{"127.0.0.1:7300", {"data", "public"}, 1},
      policy_set{full_policy(), 3, 2},
      policy_set{policy{}, 1, 2},
      session_opened{session_id, "laptop-1", "data", attrs, decided, 3},
      client_updated{session_id, {}, protection{true, "no_client_av", "client reports no antivirus"}, 4},
      session_redecided{session_id, protection{true, "mandatory", "the policy makes scanning mandatory"}, 3, 5},
      session_closed{session_id, 6},
      rescanned{access_id, verdict::infected, "Eicar-Signature", "daily-28", "2026/y", 8},
      rescanned{access_id, verdict::clean, "", "daily-28", "", 8},
  };
  for (auto v : {verdict::clean, verdict::infected, verdict::not_scanned, verdict::deferred,
                 verdict::scanner_unavailable, verdict::too_large})
    for (auto op : {access_op::put, access_op::get})
      events.push_back(an_access(v, op));
  for (const auto& e : events)
    BOOST_TEST_CONTEXT("event " << e.index()) { round_trip(e); }
}

BOOST_AUTO_TEST_CASE(every_command_survives_its_encoding) {
  record_access r;
  r.access = access_id;
  r.session = session_id;
  r.op = access_op::get;
  r.path = "a/b.exe";
  r.bytes = 12345;
  r.sha256 = std::string(64, 'd');
  r.result = verdict::infected;
  r.signature = "Eicar-Signature";
  r.db_version = "daily-27";
  r.cached = true;
  r.quarantine = "q/1";
  r.at_ns = 77;
  const std::vector<command> commands{
      attach{"127.0.0.1:7300", {"data"}, 1},
      set_policy{full_policy(), 2},
      open_session{session_id, "laptop-1", "data", attrs, 3},
      update_client{session_id, {{"av", "inactive"}}, 4},
      close_session{session_id, 5},
      r,
      record_rescan{access_id, verdict::clean, "", "daily-28", "", 6},
  };
  for (const auto& c : commands)
    BOOST_TEST_CONTEXT("command " << c.index()) { round_trip(c); }
  // and the fields of one, read back one by one
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<storemesh::schema::Envelope>();
  entity::write_command(r, env);
  auto back = std::get<record_access>(entity::read_command(env.asReader()).value());
  BOOST_TEST((back.access == r.access && back.session == r.session && back.op == r.op && back.path == r.path &&
              back.bytes == r.bytes && back.sha256 == r.sha256 && back.result == r.result &&
              back.signature == r.signature && back.db_version == r.db_version && back.cached == r.cached &&
              back.quarantine == r.quarantine && back.at_ns == r.at_ns));
  entity::write_command(set_policy{full_policy(), 2}, env);
  BOOST_TEST((std::get<set_policy>(entity::read_command(env.asReader()).value()).policy == full_policy()));
}

BOOST_AUTO_TEST_CASE(a_state_with_every_member_survives_its_snapshot) {
  std::vector<event> history{attached{"127.0.0.1:7300", {"data", "public"}, 1}, policy_set{full_policy(), 1, 2},
                             session_opened{session_id, "laptop-1", "data", attrs, decided, 3},
                             session_opened{"srv1:0000000000000002", "laptop-2", "public", {}, decided, 3},
                             session_closed{"srv1:0000000000000002", 9}};
  for (auto v : {verdict::clean, verdict::infected, verdict::deferred, verdict::not_scanned})
    for (auto op : {access_op::put, access_op::get}) {
      auto a = an_access(v, op);
      a.access = std::string(31, '0') + std::to_string(history.size() % 10);
      history.push_back(a);
    }
  state s = initial;
  for (const auto& e : history)
    s = entity::evolve(std::move(s), e);
  BOOST_REQUIRE(!s.pending.empty());
  BOOST_REQUIRE(!s.quarantine.empty());
  BOOST_REQUIRE(s.counters.puts > 0);
  auto restored = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE_MESSAGE(restored, (restored ? "" : restored.error().message()));
  BOOST_TEST((restored.value() == s));
  auto empty = entity::read_state(entity::write_state(initial));
  BOOST_REQUIRE(empty);
  BOOST_TEST((empty.value() == initial));
}

BOOST_AUTO_TEST_CASE(what_a_newer_writer_or_a_broken_record_holds_is_an_error) {
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<storemesh::schema::Envelope>();
  // another kind's payload
  env.getPayload().initControlHostEvent().setEndpoint("127.0.0.1:1");
  BOOST_TEST((entity::read_event(env.asReader()).error().code == codec::codec_errc::wrong_payload));
  BOOST_TEST((entity::read_command(env.asReader()).error().code == codec::codec_errc::wrong_payload));
  // a verdict this build does not know
  entity::write_event(an_access(verdict::clean, access_op::put), env);
  env.getPayload().getAccessServerEvent().getAccessed().setResult(static_cast<storemesh::schema::access::Verdict>(42));
  BOOST_TEST((entity::read_event(env.asReader()).error().code == codec::codec_errc::unknown_variant));
  entity::write_command(set_policy{full_policy(), 2}, env);
  env.getPayload().getAccessServerCommand().getSetPolicy().getPolicy().setOnOutage(
      static_cast<storemesh::schema::access::OutageAction>(7));
  BOOST_TEST((entity::read_command(env.asReader()).error().code == codec::codec_errc::unknown_variant));
  // snapshot bytes that are not a message
  BOOST_TEST((entity::read_state("not a state").error().code == codec::codec_errc::malformed));
  BOOST_TEST((entity::read_state(std::string(16, '\xff')).error().code == codec::codec_errc::malformed));
}

BOOST_AUTO_TEST_SUITE_END()
