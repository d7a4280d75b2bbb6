// The SMDG datagram: byte layout, round trips, and every decode error.

#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/topology_errc.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::consensus;

namespace {

forwarding_datagram sample(std::size_t payload = 5) {
  forwarding_datagram d;
  d.ttl = 17;
  d.flags = 0x80;
  d.destination = 0x0A010203;
  d.source = 0xC0A80001;
  d.flow = 0xDEADBEEF;
  d.sequence = 0x0102030405060708ull;
  d.epoch = topology_epoch{0x11223344};
  d.hop_count = 3;
  for (std::size_t i = 0; i < payload; ++i) d.payload.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return d;
}

void refused(const std::vector<std::uint8_t>& bytes, topology_errc code, const std::string& what) {
  const auto r = decode_datagram(bytes);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(code), r.error().message());
  BOOST_TEST(r.error().detail.find(what) != std::string::npos, r.error().detail);
}

} // namespace

BOOST_AUTO_TEST_CASE(the_layout_is_byte_for_byte_the_documented_one) {
  const auto w = encode_datagram(sample()).value();
  const std::vector<std::uint8_t> want{
      'S',  'M',  'D',  'G',                          // magic
      1,                                              // version
      17,                                             // ttl
      0x80,                                           // flags
      0x0A, 0x01, 0x02, 0x03,                         // destination 10.1.2.3
      0xC0, 0xA8, 0x00, 0x01,                         // source 192.168.0.1
      0xDE, 0xAD, 0xBE, 0xEF,                         // flow
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // sequence
      0x11, 0x22, 0x33, 0x44,                         // epoch
      3,                                              // hop count
      0x00, 0x05,                                     // payload length
      'a',  'b',  'c',  'd',  'e'};
  BOOST_TEST(w == want);
  BOOST_TEST(w.size() == datagram_header_bytes + 5);
}

BOOST_AUTO_TEST_CASE(datagrams_round_trip_at_every_payload_size_edge) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{256}, max_payload_bytes}) {
    const auto d = sample(n);
    const auto w = encode_datagram(d).value();
    BOOST_TEST(w.size() <= max_datagram_bytes);
    const auto back = decode_datagram(w);
    BOOST_REQUIRE(back);
    BOOST_TEST((back.value() == d));
  }
}

BOOST_AUTO_TEST_CASE(a_payload_too_large_is_not_encoded) {
  const auto r = encode_datagram(sample(max_payload_bytes + 1));
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(topology_errc::datagram_too_large));
}

BOOST_AUTO_TEST_CASE(every_decode_error_is_refused_clearly) {
  const auto good = encode_datagram(sample()).value();
  // too short: every cut inside the header
  for (std::size_t cut = 0; cut < datagram_header_bytes; ++cut)
    refused({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)}, topology_errc::datagram_short,
            std::to_string(cut) + " bytes, a header alone is 34");
  // too large
  refused(std::vector<std::uint8_t>(max_datagram_bytes + 1, 0), topology_errc::datagram_too_large, "1401 bytes");
  // wrong magic
  auto bad = good;
  bad[3] = 'X';
  refused(bad, topology_errc::datagram_bad_magic, "SMDG");
  // unknown version
  bad = good;
  bad[4] = 2;
  refused(bad, topology_errc::datagram_bad_version, "format version 2");
  // length field and bytes disagree: a byte cut from the payload, a byte added, the field altered
  refused({good.begin(), good.end() - 1}, topology_errc::datagram_length_mismatch,
          "payload length 5 but 4 bytes follow");
  bad = good;
  bad.push_back(0);
  refused(bad, topology_errc::datagram_length_mismatch, "payload length 5 but 6 bytes follow");
  bad = good;
  bad[32] = 0x01;
  refused(bad, topology_errc::datagram_length_mismatch, "payload length 261 but 5");
}
