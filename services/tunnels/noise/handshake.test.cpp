// What the handshake refuses: tampered messages, replays, keys not on the
// allow-list, messages out of turn; and the cipher state's Rekey and reserved
// nonce.

#include "services/tunnels/noise/handshake_state.hpp"
#include "services/tunnels/noise/noise_errc.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>
#include <set>

using namespace storemesh::tunnels::noise;

namespace {

handshake_config xx(bool initiator, const keypair& s, allow_fn allow = {}) {
  handshake_config c;
  c.initiator = initiator;
  c.prologue = {'p'};
  c.s = s;
  c.allow = std::move(allow);
  return c;
}

bytes write(handshake_state& hs, std::string_view payload = {}) {
  auto m = hs.write_message(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
  BOOST_REQUIRE(m);
  return m.value();
}

std::error_code read_error(handshake_state& hs, const bytes& m) {
  auto r = hs.read_message(m.data(), m.size());
  BOOST_REQUIRE(!r);
  return r.error().code;
}

handshake_state make(handshake_config c) {
  auto r = handshake_state::create(std::move(c));
  BOOST_REQUIRE(r);
  return std::move(r).value();
}

} // namespace

BOOST_AUTO_TEST_CASE(xx_completes_and_both_sides_agree) {
  const keypair a = generate_keypair(), b = generate_keypair();
  auto i = make(xx(true, a)), r = make(xx(false, b));
  auto m1 = write(i, "hello");
  BOOST_REQUIRE(r.read_message(m1.data(), m1.size()));
  auto m2 = write(r);
  BOOST_REQUIRE(i.read_message(m2.data(), m2.size()));
  auto m3 = write(i);
  BOOST_REQUIRE(r.read_message(m3.data(), m3.size()));
  BOOST_TEST(i.finished());
  BOOST_TEST(r.finished());
  BOOST_TEST(i.handshake_hash() == r.handshake_hash());
  BOOST_TEST(*i.remote_static() == b.pub);
  BOOST_TEST(*r.remote_static() == a.pub);
}

BOOST_AUTO_TEST_CASE(every_tampered_byte_of_messages_2_and_3_is_refused) {
  const keypair a = generate_keypair(), b = generate_keypair();
  // Message 2 and 3 are authenticated (message 1 is a bare ephemeral key: a
  // change to it makes every later message fail instead).
  for (int which : {1, 2, 3}) {
    for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{40}, std::size_t{1000}}) {
      auto i = make(xx(true, a)), r = make(xx(false, b));
      auto m1 = write(i);
      if (which == 1 && at < m1.size()) m1[at] ^= 0x01;
      auto p1 = r.read_message(m1.data(), m1.size());
      BOOST_REQUIRE(p1);
      auto m2 = write(r);
      if (which == 2 && at < m2.size()) m2[at] ^= 0x01;
      auto p2 = i.read_message(m2.data(), m2.size());
      if (which == 1 || which == 2) {
        if (at < (which == 1 ? m1.size() : m2.size())) {
          BOOST_TEST(!p2);
          BOOST_TEST(i.failed());
          BOOST_TEST(!i.write_message(nullptr, 0));  // a failed handshake stays failed
        }
        continue;
      }
      BOOST_REQUIRE(p2);
      auto m3 = write(i);
      if (at >= m3.size()) continue;
      m3[at] ^= 0x01;
      BOOST_TEST(read_error(r, m3) == noise_errc::decrypt_failed);
      BOOST_TEST(!r.finished());
    }
  }
}

BOOST_AUTO_TEST_CASE(message_1_fed_twice_is_refused) {
  const keypair a = generate_keypair(), b = generate_keypair();
  auto i = make(xx(true, a)), r = make(xx(false, b));
  auto m1 = write(i);
  BOOST_REQUIRE(r.read_message(m1.data(), m1.size()));
  BOOST_TEST(read_error(r, m1) == noise_errc::out_of_order);
}

BOOST_AUTO_TEST_CASE(an_old_message_3_replayed_into_a_new_handshake_is_refused) {
  const keypair a = generate_keypair(), b = generate_keypair();
  bytes m1_old, m3_old;
  {
    auto i = make(xx(true, a)), r = make(xx(false, b));
    m1_old = write(i);
    BOOST_REQUIRE(r.read_message(m1_old.data(), m1_old.size()));
    auto m2 = write(r);
    BOOST_REQUIRE(i.read_message(m2.data(), m2.size()));
    m3_old = write(i);
    BOOST_REQUIRE(r.read_message(m3_old.data(), m3_old.size()));
  }
  // An attacker replays the recorded message 1 and then message 3 to the
  // responder: the responder's fresh ephemeral key changes every key after
  // message 1, so the recorded message 3 no longer authenticates.
  auto r = make(xx(false, b));
  BOOST_REQUIRE(r.read_message(m1_old.data(), m1_old.size()));
  (void)write(r);
  BOOST_TEST(read_error(r, m3_old) == noise_errc::decrypt_failed);
  BOOST_TEST(!r.remote_static());
}

BOOST_AUTO_TEST_CASE(a_static_key_not_allowed_is_refused_on_either_side) {
  const keypair a = generate_keypair(), b = generate_keypair();
  const std::set<public_key> allowed_by_b{};  // b knows nobody
  auto i = make(xx(true, a)), r = make(xx(false, b, [&](const public_key& k) { return allowed_by_b.count(k) > 0; }));
  auto m1 = write(i);
  BOOST_REQUIRE(r.read_message(m1.data(), m1.size()));
  auto m2 = write(r);
  BOOST_REQUIRE(i.read_message(m2.data(), m2.size()));
  auto m3 = write(i);
  auto e = r.read_message(m3.data(), m3.size());
  BOOST_REQUIRE(!e);
  BOOST_TEST(e.error().code == noise_errc::peer_not_allowed);
  BOOST_TEST(e.error().detail == to_hex(a.pub));
  BOOST_TEST(!r.split());

  // The initiator refuses a responder it does not know, at message 2.
  auto i2 = make(xx(true, a, [](const public_key&) { return false; })), r2 = make(xx(false, b));
  auto n1 = write(i2);
  BOOST_REQUIRE(r2.read_message(n1.data(), n1.size()));
  auto n2 = write(r2);
  BOOST_TEST(read_error(i2, n2) == noise_errc::peer_not_allowed);
}

BOOST_AUTO_TEST_CASE(ik_round_trip_and_prologue_mismatch) {
  const keypair a = generate_keypair(), b = generate_keypair();
  handshake_config ci = xx(true, a), cr = xx(false, b);
  ci.pat = cr.pat = pattern::ik;
  ci.rs = b.pub;
  auto i = make(ci), r = make(cr);
  auto m1 = write(i, "x");
  BOOST_REQUIRE(r.read_message(m1.data(), m1.size()));
  auto m2 = write(r);
  BOOST_REQUIRE(i.read_message(m2.data(), m2.size()));
  BOOST_TEST(i.finished());
  BOOST_TEST(i.handshake_hash() == r.handshake_hash());

  cr.prologue = {'q'};
  auto i2 = make(ci), r2 = make(cr);
  auto n1 = write(i2);
  BOOST_TEST(read_error(r2, n1) == noise_errc::decrypt_failed);
}

BOOST_AUTO_TEST_CASE(rekey_changes_the_key_on_both_sides_and_keeps_the_nonce) {
  key k;
  k.b.fill(7);
  cipher_state tx(k), rx(k);
  bytes c1, p1;
  BOOST_REQUIRE(tx.encrypt_with_ad(nullptr, 0, k.data(), 5, c1));
  tx.rekey();
  bytes c2;
  BOOST_REQUIRE(tx.encrypt_with_ad(nullptr, 0, k.data(), 5, c2));
  BOOST_TEST(tx.nonce() == 2u);
  BOOST_REQUIRE(rx.decrypt_with_ad(nullptr, 0, c1.data(), c1.size(), p1));
  cipher_state stale = rx;
  bytes p2;
  BOOST_TEST(!stale.decrypt_with_ad(nullptr, 0, c2.data(), c2.size(), p2));
  BOOST_TEST(stale.nonce() == 1u);  // a failed decrypt does not consume the nonce
  rx.rekey();
  BOOST_REQUIRE(rx.decrypt_with_ad(nullptr, 0, c2.data(), c2.size(), p2));
}

BOOST_AUTO_TEST_CASE(the_reserved_nonce_is_never_used) {
  key k;
  cipher_state cs(k);
  cs.set_nonce(std::numeric_limits<std::uint64_t>::max());
  bytes out;
  auto r = cs.encrypt_with_ad(nullptr, 0, nullptr, 0, out);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == noise_errc::nonce_exhausted);
  BOOST_TEST(out.empty());
}
