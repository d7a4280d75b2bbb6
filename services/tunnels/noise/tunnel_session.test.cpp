// The tunnel transport, sans-IO: handshake over frames, data both ways with
// fragments and rekeys, and the bounded reader refusing garbled input.

#include "services/tunnels/noise/noise_errc.hpp"
#include "services/tunnels/noise/tunnel_handshake.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::tunnels::noise;
using namespace std::chrono_literals;

namespace {

const auto t0 = tunnel_clock::time_point{} + 1h;

struct pair_of_sessions {
  tunnel_session a, b;  // a connected (initiator), b accepted
};

// Runs a handshake through frames; optional extra bytes the initiator sends
// right behind message 3 (they must reach the responder's session).
pair_of_sessions connect(const tunnel_identity& ia, const tunnel_identity& ib, rekey_policy pol = {},
                         const bytes& behind_m3 = {}) {
  auto ha = tunnel_handshake::create(true, ia);
  auto hb = tunnel_handshake::create(false, ib);
  BOOST_REQUIRE(ha && hb);
  for (int round = 0; round < 4 && !(ha.value().finished() && hb.value().finished()); ++round) {
    auto oa = ha.value().output();
    BOOST_REQUIRE(oa);
    if (ha.value().finished()) oa.value().insert(oa.value().end(), behind_m3.begin(), behind_m3.end());
    BOOST_REQUIRE(hb.value().feed(oa.value().data(), oa.value().size()));
    auto ob = hb.value().output();
    BOOST_REQUIRE(ob);
    BOOST_REQUIRE(ha.value().feed(ob.value().data(), ob.value().size()));
  }
  BOOST_REQUIRE(ha.value().finished() && hb.value().finished());
  auto sa = ha.value().into_session(pol, t0);
  auto sb = hb.value().into_session(pol, t0);
  BOOST_REQUIRE(sa && sb);
  return {std::move(sa).value(), std::move(sb).value()};
}

tunnel_identity id(std::string cluster = "c1") { return {generate_keypair(), std::move(cluster), {}}; }

std::vector<incoming> deliver(tunnel_session& to, const bytes& wire) {
  std::vector<incoming> in;
  auto r = to.open(wire.data(), wire.size(), in);
  BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  return in;
}

} // namespace

BOOST_AUTO_TEST_CASE(messages_both_ways_with_fragments) {
  auto [a, b] = connect(id(), id());
  BOOST_TEST(a.handshake_hash() == b.handshake_hash());
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, max_fragment, max_fragment + 1, std::size_t{65536}, std::size_t{200000}}) {
    bytes msg(size);
    for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i * 7);
    bytes wire;
    BOOST_REQUIRE(a.seal(msg.data(), msg.size(), t0, wire));
    // Fed one byte at a time: the reader must reassemble frames and fragments.
    std::vector<incoming> got;
    for (auto byte : wire) BOOST_REQUIRE(b.open(&byte, 1, got));
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    BOOST_TEST((got[0].data == msg));
    bytes back;
    BOOST_REQUIRE(b.seal(msg.data(), msg.size(), t0, back));
    auto got2 = deliver(a, back);
    BOOST_REQUIRE_EQUAL(got2.size(), 1u);
    BOOST_TEST((got2[0].data == msg));
  }
}

BOOST_AUTO_TEST_CASE(bytes_sent_right_behind_message_3_reach_the_session) {
  // The initiator may send data in the same write as message 3.
  auto ia = id(), ib = id();
  auto ha = tunnel_handshake::create(true, ia).value();
  auto hb = tunnel_handshake::create(false, ib).value();
  auto m1 = ha.output().value();
  BOOST_REQUIRE(hb.feed(m1.data(), m1.size()));
  auto m2 = hb.output().value();
  BOOST_REQUIRE(ha.feed(m2.data(), m2.size()));
  auto m3 = ha.output().value();
  auto sa = ha.into_session({}, t0).value();
  bytes msg{'h', 'i'};
  BOOST_REQUIRE(sa.seal(msg.data(), msg.size(), t0, m3));
  BOOST_REQUIRE(hb.feed(m3.data(), m3.size()));
  BOOST_REQUIRE(hb.finished());
  auto sb = hb.into_session({}, t0).value();
  auto got = deliver(sb, {});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST((got[0].data == msg));
}

BOOST_AUTO_TEST_CASE(rekeys_every_n_messages_and_every_t_seconds_in_step) {
  rekey_policy pol{10, 30s};
  auto [a, b] = connect(id(), id(), pol);
  bytes msg{1, 2, 3};
  int rekeys_seen = 0;
  auto now = t0;
  for (int i = 0; i < 100; ++i) {
    bytes wire;
    BOOST_REQUIRE(a.seal(msg.data(), msg.size(), now, wire));
    for (auto& in : deliver(b, wire)) {
      if (in.what == incoming::kind::rekeyed) ++rekeys_seen;
      else BOOST_TEST((in.data == msg));
    }
  }
  BOOST_TEST(a.rekeys_sent() == 9u);  // after messages 10, 20, ... 90 (each key seals 10 data messages)
  BOOST_TEST(b.rekeys_received() == 9u);
  BOOST_TEST(rekeys_seen == 9);
  // Time: one message 31 s later rekeys first, whatever the count.
  now += 31s;
  bytes wire;
  BOOST_REQUIRE(a.seal(msg.data(), msg.size(), now, wire));
  deliver(b, wire);
  BOOST_TEST(a.rekeys_sent() == 10u);
  BOOST_TEST(b.rekeys_received() == 10u);
  // The other direction has its own schedule.
  BOOST_TEST(b.rekeys_sent() == 0u);
}

BOOST_AUTO_TEST_CASE(close_carries_its_reason_and_ends_both_directions) {
  auto [a, b] = connect(id(), id());
  bytes wire;
  BOOST_REQUIRE(a.seal_close("demoted", wire));
  BOOST_TEST(!a.seal(nullptr, 0, t0, wire));
  auto got = deliver(b, wire);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST((got[0].what == incoming::kind::closed));
  BOOST_TEST(got[0].reason == "demoted");
  std::vector<incoming> more;
  BOOST_TEST(!b.open(wire.data(), wire.size(), more));
}

BOOST_AUTO_TEST_CASE(a_tampered_or_replayed_frame_closes_the_session) {
  for (int kind = 0; kind < 3; ++kind) {
    auto [a, b] = connect(id(), id());
    bytes m{9, 9, 9}, w1, w2;
    BOOST_REQUIRE(a.seal(m.data(), m.size(), t0, w1));
    BOOST_REQUIRE(a.seal(m.data(), m.size(), t0, w2));
    std::vector<incoming> in;
    if (kind == 0) w1[5] ^= 0x80;                    // a flipped bit
    if (kind == 1) BOOST_REQUIRE(b.open(w1.data(), w1.size(), in));  // then w1 again: a replay
    if (kind == 2) std::swap(w1, w2);                // reordered
    auto r = b.open(w1.data(), w1.size(), in);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == noise_errc::decrypt_failed);
    BOOST_TEST(b.receive_closed());
    BOOST_TEST(!b.open(w2.data(), w2.size(), in));  // nothing after a failure
  }
}

BOOST_AUTO_TEST_CASE(garbled_frames_and_oversize_messages_are_refused) {
  {
    auto [a, b] = connect(id(), id());
    const bytes tiny{0x00, 0x03, 1, 2, 3};  // a frame shorter than a tag
    std::vector<incoming> in;
    auto r = b.open(tiny.data(), tiny.size(), in);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == noise_errc::bad_frame);
  }
  {
    auto ia = id(), ib = id();
    auto ha = tunnel_handshake::create(true, ia).value(), hb = tunnel_handshake::create(false, ib).value();
    auto m1 = ha.output().value();
    (void)hb.feed(m1.data(), m1.size());
    auto m2 = hb.output().value();
    (void)ha.feed(m2.data(), m2.size());
    auto m3 = ha.output().value();
    (void)hb.feed(m3.data(), m3.size());
    auto a = ha.into_session({}, t0).value();
    auto b = hb.into_session({}, t0, 1000).value();  // b accepts 1000 bytes at most
    bytes big(1001), wire;
    BOOST_REQUIRE(a.seal(big.data(), big.size(), t0, wire));
    std::vector<incoming> in;
    auto r = b.open(wire.data(), wire.size(), in);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == noise_errc::bad_frame);
  }
}

BOOST_AUTO_TEST_CASE(another_cluster_or_version_fails_the_handshake) {
  auto ha = tunnel_handshake::create(true, id("c1")).value();
  auto hb = tunnel_handshake::create(false, id("c2")).value();
  auto m1 = ha.output().value();
  BOOST_REQUIRE(hb.feed(m1.data(), m1.size()));
  auto m2 = hb.output().value();
  auto r = ha.feed(m2.data(), m2.size());
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == noise_errc::decrypt_failed);
  BOOST_TEST(tunnel_prologue("c1") == (bytes{'s', 't', 'o', 'r', 'e', 'm', 'e', 's', 'h', '-', 't', 'u', 'n', 'n', 'e', 'l', '/', '1', 0, 'c', '1'}));
}

BOOST_AUTO_TEST_CASE(a_forbidden_key_never_gets_a_session) {
  auto ia = id();
  tunnel_identity ib{generate_keypair(), "c1", [](const public_key&) { return false; }};
  auto ha = tunnel_handshake::create(true, ia).value(), hb = tunnel_handshake::create(false, ib).value();
  auto m1 = ha.output().value();
  BOOST_REQUIRE(hb.feed(m1.data(), m1.size()));
  auto m2 = hb.output().value();
  BOOST_REQUIRE(ha.feed(m2.data(), m2.size()));
  auto m3 = ha.output().value();
  auto r = hb.feed(m3.data(), m3.size());
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == noise_errc::peer_not_allowed);
  BOOST_TEST(!hb.into_session({}, t0));
}
