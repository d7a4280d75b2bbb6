// FCP-4 information units byte by byte (FCP-4 tables 21, 23, 26), SAM-5 LUNs,
// and the refusals of the decoders.

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/fcp.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::control_path;

BOOST_AUTO_TEST_CASE(given_luns_when_encoded_then_sam5_peripheral_or_flat_addressing) {
  BOOST_TEST(encode_lun(5).value() == (fcp_lun{0x00, 0x05, 0, 0, 0, 0, 0, 0}));
  BOOST_TEST(encode_lun(300).value() == (fcp_lun{0x41, 0x2C, 0, 0, 0, 0, 0, 0}));
  BOOST_TEST(encode_lun(16384).error().code == make_error_code(fc_errc::bad_lun));
  for (std::uint64_t l : {0, 1, 255, 256, 16383}) BOOST_TEST(decode_lun(encode_lun(l).value()).value() == l);
  BOOST_TEST(!decode_lun(fcp_lun{0x80, 0x01, 0, 0, 0, 0, 0, 0}));  // logical unit addressing
  BOOST_TEST(!decode_lun(fcp_lun{0x00, 0x01, 0x00, 0x02, 0, 0, 0, 0}));  // second level
  BOOST_TEST(!decode_lun(fcp_lun{0x01, 0x01, 0, 0, 0, 0, 0, 0}));  // peripheral bus 1
}

BOOST_AUTO_TEST_CASE(given_an_fcp_cmnd_when_encoded_then_fields_at_fcp4_offsets) {
  fcp_cmnd c;
  c.lun = encode_lun(3).value();
  c.crn = 7;
  c.task_attribute = 2;  // ORDERED
  c.read_data = true;
  c.cdb = {0x12, 0x01, 0x83, 0x00, 0xFF, 0x00};
  c.data_length = 0x01020304;
  const auto b = encode_fcp_cmnd(c).value();
  BOOST_REQUIRE_EQUAL(b.size(), 32u);
  BOOST_TEST(b[1] == 3);
  BOOST_TEST(b[8] == 7);
  BOOST_TEST(b[9] == 2);
  BOOST_TEST(b[10] == 0);
  BOOST_TEST(b[11] == 0x02);  // RDDATA bit 1, no additional CDB
  BOOST_TEST(b[12] == 0x12);
  BOOST_TEST(b[14] == 0x83);
  BOOST_TEST(bytes(b.begin() + 28, b.end()) == (bytes{1, 2, 3, 4}));
  c.read_data = false, c.write_data = true;
  c.additional_cdb = {9, 9, 9, 9};
  const auto w = encode_fcp_cmnd(c).value();
  BOOST_TEST(w.size() == 36u);
  BOOST_TEST(w[11] == ((1 << 2) | 0x01));  // one additional word, WRDATA bit 0
  const auto back = decode_fcp_cmnd(w).value();
  BOOST_TEST(back.additional_cdb == c.additional_cdb);
  BOOST_TEST(back.write_data);
  BOOST_TEST(back.data_length == 0x01020304u);
}

BOOST_AUTO_TEST_CASE(given_bad_fcp_cmnd_bytes_then_refused) {
  fcp_cmnd c;
  auto b = encode_fcp_cmnd(c).value();
  BOOST_TEST(decode_fcp_cmnd(bytes(b.begin(), b.begin() + 31)).error().code == make_error_code(fc_errc::iu_short));
  auto extra = b;
  extra[11] = 1 << 2;  // announces an additional word that is not there
  BOOST_TEST(decode_fcp_cmnd(extra).error().code == make_error_code(fc_errc::iu_short));
  auto attr = b;
  attr[9] = 0x80;
  BOOST_TEST(decode_fcp_cmnd(attr).error().code == make_error_code(fc_errc::iu_bad_field));
  c.additional_cdb = {1, 2, 3};
  BOOST_TEST(encode_fcp_cmnd(c).error().code == make_error_code(fc_errc::iu_bad_field));
}

BOOST_AUTO_TEST_CASE(given_an_fcp_rsp_with_sense_and_residual_then_flags_and_lengths_at_fcp4_offsets) {
  fcp_rsp r;
  r.status = scsi_status::check_condition;
  r.residual_is = residual_kind::under;
  r.residual = 200;
  r.sense = bytes(18, 0xAB);
  const auto b = encode_fcp_rsp(r);
  BOOST_REQUIRE_EQUAL(b.size(), 24u + 18);
  BOOST_TEST(b[10] == (0x08 | 0x02));  // FCP_RESID_UNDER, FCP_SNS_LEN_VALID
  BOOST_TEST(b[11] == 0x02);
  BOOST_TEST(bytes(b.begin() + 12, b.begin() + 24) == (bytes{0, 0, 0, 200, 0, 0, 0, 18, 0, 0, 0, 0}));
  const auto back = decode_fcp_rsp(b).value();
  BOOST_TEST(back.sense == r.sense);
  BOOST_TEST(back.residual == 200u);
  BOOST_TEST((back.residual_is == residual_kind::under));

  fcp_rsp refusal;
  refusal.response_code = rsp_code::cmnd_fields_invalid;
  refusal.residual_is = residual_kind::over;
  refusal.residual = 4;
  const auto c = encode_fcp_rsp(refusal);
  BOOST_TEST(c.size() == 28u);
  BOOST_TEST(c[10] == (0x04 | 0x01));  // FCP_RESID_OVER, FCP_RSP_LEN_VALID
  BOOST_TEST(c[23] == 4);
  BOOST_TEST(c[27] == 0x02);
  BOOST_TEST(decode_fcp_rsp(c).value().response_code.value() == 0x02);
}

BOOST_AUTO_TEST_CASE(given_bad_fcp_rsp_bytes_then_refused) {
  fcp_rsp r;
  r.sense = bytes(18, 1);
  auto b = encode_fcp_rsp(r);
  BOOST_TEST(decode_fcp_rsp(bytes(b.begin(), b.end() - 1)).error().code == make_error_code(fc_errc::iu_short));
  BOOST_TEST(decode_fcp_rsp(bytes(10, 0)).error().code == make_error_code(fc_errc::iu_short));
  b[10] |= 0x0C;
  BOOST_TEST(decode_fcp_rsp(b).error().code == make_error_code(fc_errc::iu_bad_field));
  auto rl = encode_fcp_rsp(fcp_rsp{});
  rl[10] = 0x01;
  rl[23] = 5;
  BOOST_TEST(decode_fcp_rsp(rl).error().code == make_error_code(fc_errc::iu_bad_field));
}

BOOST_AUTO_TEST_CASE(given_an_xfer_rdy_then_offset_and_burst_length_big_endian) {
  const auto b = encode_fcp_xfer_rdy({0x10, 0x200});
  BOOST_TEST(b == (bytes{0, 0, 0, 0x10, 0, 0, 2, 0, 0, 0, 0, 0}));
  BOOST_TEST(decode_fcp_xfer_rdy(b).value().burst_length == 0x200u);
  BOOST_TEST(!decode_fcp_xfer_rdy(bytes(11, 0)));
}
