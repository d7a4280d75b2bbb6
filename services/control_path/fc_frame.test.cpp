// FC-2 frames: the byte layout against FC-FS's header table, the CRC against
// the CRC-32 check value, and every refusal of decode_frame.

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/fc_frame.hpp"
#include "services/control_path/fcp.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::control_path;

namespace {

fc_frame sample(std::size_t payload = 5) {
  fc_frame f;
  f.sof = sof_delimiter::i3;
  f.eof = eof_delimiter::t;
  f.header = {0x06, 0x010203, 0x00, 0x0A0B0C, 0x08, 0x290000, 0x11, 0x00, 0x0102, 0x1234, 0xFFFF, 0xA1B2C3D4};
  for (std::size_t i = 0; i < payload; ++i) f.payload.push_back(static_cast<std::uint8_t>(0x40 + i));
  return f;
}

void refused(const bytes& b, fc_errc code) {
  const auto r = decode_frame(b);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(code), r.error().message());
}

} // namespace

BOOST_AUTO_TEST_CASE(crc_is_crc32_iso_hdlc_check_value) {
  const std::string nine = "123456789";
  BOOST_TEST(fc_crc32(reinterpret_cast<const std::uint8_t*>(nine.data()), nine.size()) == 0xCBF43926u);
}

BOOST_AUTO_TEST_CASE(given_a_frame_when_encoded_then_fields_sit_at_fc_fs_offsets) {
  const auto w = encode_frame(sample()).value();
  BOOST_REQUIRE_EQUAL(w.size(), 4u + 24 + 8 + 4 + 4);  // 5 payload bytes + 3 fill
  const bytes want_head{0xBC, 0xB5, 0x56, 0x56,                     // SOFi3
                        0x06, 0x01, 0x02, 0x03,                     // R_CTL, D_ID
                        0x00, 0x0A, 0x0B, 0x0C,                     // CS_CTL, S_ID
                        0x08, 0x29, 0x00, 0x03,                     // TYPE, F_CTL with 3 fill bytes
                        0x11, 0x00, 0x01, 0x02,                     // SEQ_ID, DF_CTL, SEQ_CNT
                        0x12, 0x34, 0xFF, 0xFF,                     // OX_ID, RX_ID
                        0xA1, 0xB2, 0xC3, 0xD4,                     // Parameter
                        0x40, 0x41, 0x42, 0x43, 0x44, 0x00, 0x00, 0x00};
  BOOST_TEST(bytes(w.begin(), w.begin() + 36) == want_head);
  const std::uint32_t crc = fc_crc32(w.data() + 4, 32);
  BOOST_TEST(w[36] == (crc & 0xFF));  // CRC least significant byte first
  BOOST_TEST(w[39] == (crc >> 24));
  BOOST_TEST(bytes(w.end() - 4, w.end()) == (bytes{0xBC, 0x95, 0x75, 0x75}));  // EOFt-
}

BOOST_AUTO_TEST_CASE(given_every_payload_size_when_round_tripped_then_equal) {
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 2111, 2112}) {
    auto f = sample(n);
    const auto wire = encode_frame(f).value();
    BOOST_TEST((wire[4 + 11] & 3u) == (4 - n % 4) % 4, "fill bytes of payload " << n);
    const auto back = decode_frame(wire).value();
    BOOST_TEST((back == f), "payload " << n);  // the fill count is not kept in memory
  }
}

BOOST_AUTO_TEST_CASE(given_an_oversize_payload_when_encoded_then_refused) {
  const auto r = encode_frame(sample(2113));
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(fc_errc::frame_too_large));
  auto f = sample();
  f.header.d_id = 0x1000000;
  BOOST_TEST(encode_frame(f).error().code == make_error_code(fc_errc::bad_header));
}

BOOST_AUTO_TEST_CASE(given_a_frame_cut_at_every_byte_when_decoded_then_refused) {
  const auto w = encode_frame(sample(8)).value();
  for (std::size_t n = 0; n < w.size(); ++n) BOOST_TEST(!decode_frame(bytes(w.begin(), w.begin() + n)), "cut at " << n);
}

BOOST_AUTO_TEST_CASE(given_a_flipped_bit_when_decoded_then_bad_crc) {
  const auto w = encode_frame(sample(8)).value();
  for (std::size_t at = 4; at < w.size() - 4; ++at) {
    auto b = w;
    b[at] ^= 0x10;
    const auto r = decode_frame(b);
    BOOST_REQUIRE(!r);
    // a flip in F_CTL's fill bits is caught as padding before or by the CRC
    BOOST_TEST((r.error().code == make_error_code(fc_errc::bad_crc)), "byte " << at << ": " << r.error().message());
  }
}

BOOST_AUTO_TEST_CASE(given_bad_delimiters_padding_or_size_then_each_refused_with_its_code) {
  const auto w = encode_frame(sample(4)).value();
  auto b = w;
  b[2] = 0x00;
  refused(b, fc_errc::bad_sof);
  b = w;
  b[b.size() - 2] = 0x00;
  refused(b, fc_errc::bad_eof);
  refused(bytes(w.begin(), w.begin() + 35), fc_errc::frame_short);
  b = w;
  b.insert(b.begin() + 30, 0x00);  // 5-byte data field: not whole words
  refused(b, fc_errc::bad_padding);
  refused(bytes(4 + 24 + 2116 + 8, 0), fc_errc::frame_too_large);
  // fill count 3 in a 4-byte field whose last bytes are not zero: bad padding (CRC recomputed)
  auto f = sample(4);
  auto content = encode_frame_content(f).value();
  content[11] |= 0x03;
  bytes forged{0xBC, 0xB5, 0x56, 0x56};
  forged.insert(forged.end(), content.begin(), content.end());
  const auto crc = fc_crc32(content.data(), content.size());
  for (int i = 0; i < 4; ++i) forged.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  forged.insert(forged.end(), {0xBC, 0x95, 0x75, 0x75});
  refused(forged, fc_errc::bad_padding);
}
