// The published Noise test vectors (tests/tunnels/vectors/, from the
// cacophony and snow suites) for the two protocols we implement: every
// handshake and transport message, byte for byte, and the handshake hash.

#include "services/tunnels/noise/handshake_state.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace storemesh::tunnels::noise;

namespace {

bytes unhex(const std::string& s) {
  bytes b;
  if (s == "-") return b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

struct vector_case {
  std::map<std::string, std::string> fields;
  std::vector<std::pair<bytes, bytes>> messages;  // payload, ciphertext
};

std::vector<vector_case> load() {
  std::ifstream in(STOREMESH_SOURCE_DIR "/tests/tunnels/vectors/noise_vectors.txt");
  BOOST_REQUIRE(in);
  std::vector<vector_case> out;
  vector_case cur;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string k, a, b;
    ls >> k >> a >> b;
    if (k == "end") {
      out.push_back(cur);
      cur = {};
    } else if (k == "message") {
      cur.messages.emplace_back(unhex(a), unhex(b));
    } else if (k != "vector") {
      cur.fields[k] = a;
    }
  }
  return out;
}

keypair pair_of(const std::string& hex) {
  auto b = unhex(hex);
  BOOST_REQUIRE_EQUAL(b.size(), 32u);
  return keypair_from_private(b.data());
}

handshake_config side(vector_case& v, bool initiator) {
  const std::string p = initiator ? "init_" : "resp_";
  handshake_config c;
  c.pat = v.fields["protocol_name"] == protocol_name(pattern::ik) ? pattern::ik : pattern::xx;
  c.initiator = initiator;
  c.prologue = unhex(v.fields[p + "prologue"]);
  c.s = pair_of(v.fields[p + "static"]);
  c.fixed_e = pair_of(v.fields[p + "ephemeral"]);
  if (v.fields.count(p + "remote_static")) {
    auto rs = unhex(v.fields[p + "remote_static"]);
    public_key k;
    std::copy(rs.begin(), rs.end(), k.begin());
    c.rs = k;
  }
  return c;
}

} // namespace

BOOST_AUTO_TEST_CASE(published_vectors_match_byte_for_byte) {
  auto cases = load();
  BOOST_REQUIRE_GE(cases.size(), 4u);
  int checked = 0;
  for (auto& v : cases) {
    BOOST_TEST_CONTEXT(v.fields["protocol_name"]) {
      auto init = handshake_state::create(side(v, true));
      auto resp = handshake_state::create(side(v, false));
      BOOST_REQUIRE(init && resp);
      std::size_t i = 0;
      for (; !init.value().finished(); ++i) {
        BOOST_REQUIRE_LT(i, v.messages.size());
        auto [sender, receiver] = i % 2 == 0 ? std::tie(init.value(), resp.value()) : std::tie(resp.value(), init.value());
        auto msg = sender.write_message(v.messages[i].first.data(), v.messages[i].first.size());
        BOOST_REQUIRE(msg);
        BOOST_TEST(to_hex(msg.value()) == to_hex(v.messages[i].second));
        auto pt = receiver.read_message(msg.value().data(), msg.value().size());
        BOOST_REQUIRE(pt);
        BOOST_TEST(pt.value() == v.messages[i].first);
      }
      BOOST_REQUIRE(resp.value().finished());
      if (v.fields.count("handshake_hash")) {
        BOOST_TEST(to_hex(init.value().handshake_hash()) == v.fields["handshake_hash"]);
        BOOST_TEST(to_hex(resp.value().handshake_hash()) == v.fields["handshake_hash"]);
      }
      BOOST_TEST(init.value().handshake_hash() == resp.value().handshake_hash());
      auto ti = init.value().split();
      auto tr = resp.value().split();
      BOOST_REQUIRE(ti && tr);
      for (; i < v.messages.size(); ++i) {
        auto [tx, rx] = i % 2 == 0 ? std::tie(ti.value().send, tr.value().recv) : std::tie(tr.value().send, ti.value().recv);
        bytes ct, pt;
        BOOST_REQUIRE(tx.encrypt_with_ad(nullptr, 0, v.messages[i].first.data(), v.messages[i].first.size(), ct));
        BOOST_TEST(to_hex(ct) == to_hex(v.messages[i].second));
        BOOST_REQUIRE(rx.decrypt_with_ad(nullptr, 0, ct.data(), ct.size(), pt));
        BOOST_TEST(pt == v.messages[i].first);
      }
      ++checked;
    }
  }
  BOOST_TEST(checked == static_cast<int>(cases.size()));
}
