#include "services/tunnels/coordination/kv_space_codec.hpp"

#include "services/codec_errc.hpp"

#include <boost/test/unit_test.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>

using namespace storemesh::services::kv;
using storemesh::services::codec_errc;

namespace {

constexpr std::int64_t s = 1'000'000'000;

template <class T>
std::error_code code_of(const storemesh::result<T>& r) {
  return r ? std::error_code{} : r.error().code;
}

state sample_state() {
  state st;
  for (const event& e : {event{lease_granted{3, 10 * s, 20 * s}}, event{put_done{"a", std::string("\0\xff", 2), 3, 0}},
                         event{put_done{"b/\xc3\xa9", "v", 0, 0}}, event{put_done{"a", "w", 3, 2}},
                         event{lease_granted{9, s, 2 * s}}})
    st = evolve(st, e);
  return st;
}

} // namespace

BOOST_AUTO_TEST_SUITE(kv_codec)

BOOST_AUTO_TEST_CASE(every_command_survives_its_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  const std::vector<command> all{put{"k", std::string("a\0b", 3), 4, std::nullopt},
                                 put{"k", "", 0, revision{0}},
                                 put{"k", "v", 0, revision{17}},
                                 delete_key{"p/", true, std::nullopt},
                                 delete_key{"k", false, revision{5}},
                                 grant_lease{8, 10 * s, 100 * s},
                                 keep_alive{8, 101 * s},
                                 revoke_lease{8},
                                 expire_leases{200 * s}};
  for (const auto& c : all) {
    entity::write_command(c, env);
    auto back = entity::read_command(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_REQUIRE(back.value().index() == c.index());
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          const auto& y = std::get<T>(c);
          if constexpr (std::is_same_v<T, put>)
            BOOST_CHECK(x.key == y.key && x.value == y.value && x.lease == y.lease && x.expected == y.expected);
          else if constexpr (std::is_same_v<T, delete_key>)
            BOOST_CHECK(x.key == y.key && x.prefix == y.prefix && x.expected == y.expected);
          else if constexpr (std::is_same_v<T, grant_lease>)
            BOOST_CHECK(x.lease == y.lease && x.ttl_ns == y.ttl_ns && x.now_ns == y.now_ns);
          else if constexpr (std::is_same_v<T, keep_alive>)
            BOOST_CHECK(x.lease == y.lease && x.now_ns == y.now_ns);
          else if constexpr (std::is_same_v<T, revoke_lease>)
            BOOST_CHECK(x.lease == y.lease);
          else
            BOOST_CHECK(x.now_ns == y.now_ns);
        },
        back.value());
  }
}

BOOST_AUTO_TEST_CASE(every_event_survives_its_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  const std::vector<event> all{put_done{"k", std::string("\0\x01", 2), 4, 0},
                               put_done{"k", std::string(max_value_bytes, 'v'), 0, 9},
                               deleted{{"a", "b", "c"}},
                               lease_granted{3, 10 * s, 20 * s},
                               lease_renewed{3, 30 * s},
                               lease_revoked{3, {}},
                               lease_revoked{3, {"x", "y"}},
                               leases_expired{{1, 2, 9}, {"k1", "k2"}, 40 * s}};
  for (const auto& e : all) {
    entity::write_event(e, env);
    auto back = entity::read_event(env.asReader());
    BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message()));
    BOOST_CHECK(back.value() == e);
  }
}

BOOST_AUTO_TEST_CASE(the_state_survives_a_snapshot_with_its_derived_parts_rebuilt) {
  const auto st = sample_state();
  BOOST_REQUIRE(st.leases.at(3).keys.count("a") == 1u);
  auto back = entity::read_state(entity::write_state(st));
  BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message()));
  BOOST_CHECK(back.value() == st);
  auto empty = entity::read_state(entity::write_state(state{}));
  BOOST_REQUIRE(empty.has_value());
  BOOST_CHECK(empty.value() == state{});
}

BOOST_AUTO_TEST_CASE(an_event_is_not_a_command_and_another_kinds_payload_is_neither) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_event(deleted{{"a"}}, env);
  BOOST_CHECK(code_of(entity::read_command(env.asReader())) == codec_errc::wrong_payload);
  entity::write_command(revoke_lease{1}, env);
  BOOST_CHECK(code_of(entity::read_event(env.asReader())) == codec_errc::wrong_payload);
  env.getPayload().initHostCommand();
  BOOST_CHECK(code_of(entity::read_command(env.asReader())) == codec_errc::wrong_payload);
}

BOOST_AUTO_TEST_CASE(a_command_key_keeps_its_bytes_so_the_decider_refuses_it) {
  // A Text with a NUL inside: read by length, not up to the NUL.
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_command(put{std::string("ok\0evil", 7), "v", 0, std::nullopt}, env);
  auto back = entity::read_command(env.asReader());
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(std::get<put>(back.value()).key.size() == 7u);
  BOOST_TEST(decide(state{}, back.value()).why().code == "bad_key");
}

BOOST_AUTO_TEST_CASE(events_no_decision_could_have_made_are_malformed) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  const auto malformed = [&](const event& e) {
    entity::write_event(e, env);
    return code_of(entity::read_event(env.asReader())) == codec_errc::malformed;
  };
  BOOST_CHECK(malformed(put_done{"", "v", 0, 0}));
  BOOST_CHECK(malformed(put_done{"\xff", "v", 0, 0}));
  BOOST_CHECK(malformed(put_done{std::string(max_key_bytes + 1, 'k'), "v", 0, 0}));
  BOOST_CHECK(malformed(put_done{"k", std::string(max_value_bytes + 1, 'v'), 0, 0}));
  BOOST_CHECK(malformed(deleted{{}}));
  BOOST_CHECK(malformed(deleted{{"b", "a"}}));
  BOOST_CHECK(malformed(deleted{{"a", "a"}}));
  BOOST_CHECK(malformed(lease_granted{0, s, 2 * s}));
  BOOST_CHECK(malformed(lease_granted{1, 0, 2 * s}));
  BOOST_CHECK(malformed(lease_revoked{1, {"z", "a"}}));
  BOOST_CHECK(malformed(lease_revoked{0, {}}));
  BOOST_CHECK(malformed(lease_renewed{0, s}));
  BOOST_CHECK(malformed(leases_expired{{0, 1}, {}, s}));
  BOOST_CHECK(malformed(leases_expired{{}, {}, s}));
  BOOST_CHECK(malformed(leases_expired{{2, 1}, {}, s}));
  BOOST_CHECK(malformed(leases_expired{{1}, {"k", ""}, s}));
}

BOOST_AUTO_TEST_CASE(a_put_event_written_by_hand_with_a_nul_in_its_key_is_malformed) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  const std::string key("a\0b", 3);
  env.getPayload().initKvEvent().initPutDone().setKey(kj::StringPtr(key.c_str(), key.size()));
  BOOST_CHECK(code_of(entity::read_event(env.asReader())) == codec_errc::malformed);
}

BOOST_AUTO_TEST_CASE(snapshots_no_history_could_have_made_are_malformed) {
  using storemesh::schema::kv::State;
  const auto read = [](auto fill) {
    capnp::MallocMessageBuilder m;
    fill(m.initRoot<State>());
    auto words = capnp::messageToFlatArray(m);
    auto bytes = words.asBytes();
    return code_of(entity::read_state(std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size())));
  };
  const auto one_key = [](State::Builder root, const char* key, std::uint64_t create, std::uint64_t mod,
                          std::uint64_t version, std::uint64_t lease) {
    root.setRevision(5);
    auto k = root.initKeys(1)[0];
    k.setKey(key);
    k.setCreateRevision(create);
    k.setModRevision(mod);
    k.setVersion(version);
    k.setLease(lease);
  };
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 1, 5, 1, 0); }) == std::error_code{});
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "", 1, 5, 1, 0); }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 1, 6, 1, 0); }) == codec_errc::malformed);  // beyond rev
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 3, 2, 1, 0); }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 0, 2, 1, 0); }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 1, 2, 0, 0); }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) { one_key(r, "k", 1, 2, 1, 4); }) == codec_errc::malformed);  // no lease 4
  BOOST_CHECK(read([&](State::Builder r) {
                auto keys = r.initKeys(2);
                r.setRevision(2);
                keys[0].setKey("b");
                keys[1].setKey("a");
                for (auto k : keys) {
                  k.setCreateRevision(1);
                  k.setModRevision(1);
                  k.setVersion(1);
                }
              }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) {
                auto leases = r.initLeases(2);
                leases[0].setId(2);
                leases[1].setId(1);
                leases[0].setTtlNs(1);
                leases[1].setTtlNs(1);
              }) == codec_errc::malformed);
  BOOST_CHECK(read([&](State::Builder r) { r.initLeases(1)[0].setTtlNs(1); }) == codec_errc::malformed);  // id 0
}

BOOST_AUTO_TEST_CASE(garbage_state_bytes_are_an_error_not_a_crash) {
  BOOST_CHECK(code_of(entity::read_state("1234567")) == codec_errc::malformed);
  BOOST_CHECK(code_of(entity::read_state(std::string(64, '\xff'))) == codec_errc::malformed);
  const auto good = entity::write_state(sample_state());
  // Every truncation to whole words, and every single flipped byte: an error
  // value or a state, never a crash (ASan runs this too).
  for (std::size_t n = 0; n < good.size(); n += 8)
    (void)entity::read_state(good.substr(0, n));
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    (void)entity::read_state(bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
