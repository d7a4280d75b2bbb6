// The SCSI target: every command's data against SPC-4/SBC-3 layouts, every
// error class's sense, allocation lengths honoured.

#include "services/control_path/memory_luns.test.hpp"
#include "services/control_path/scsi_cdb.hpp"
#include "services/control_path/scsi_target.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::control_path;

namespace {

struct fixture {
  testing::memory_luns luns;
  scsi_target target{"array-1", luns};

  scsi_result run(std::array<std::uint8_t, 16> cdb, std::uint64_t lun = 0, bytes out = {}, std::uint32_t limit = 4096) {
    return target.execute({lun, cdb, std::move(out), limit});
  }
};

void expect_sense(const scsi_result& r, std::uint8_t key, asc_pair code, std::optional<std::uint16_t> field = {}) {
  BOOST_TEST(r.status == scsi_status::check_condition);
  const auto s = decode_sense(r.sense);
  BOOST_REQUIRE(s);
  BOOST_TEST(r.sense.size() == 18u);
  BOOST_TEST(r.sense[0] == 0x70);
  BOOST_TEST(s->key == key);
  BOOST_TEST(s->code.asc == code.asc);
  BOOST_TEST(s->code.ascq == code.ascq);
  if (field) {
    BOOST_REQUIRE(s->field);
    BOOST_TEST(s->field->byte == *field);
  }
  BOOST_TEST(r.data_in.empty());
}

std::array<std::uint8_t, 16> vendor(std::uint8_t op, std::uint32_t len) {
  std::array<std::uint8_t, 16> c{};
  c[0] = op;
  put_be(c.data() + 6, len, 4);
  return c;
}

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

} // namespace

BOOST_FIXTURE_TEST_CASE(test_unit_ready_is_good_on_a_lun_and_refused_on_a_missing_one, fixture) {
  BOOST_TEST(run({0x00}).status == scsi_status::good);
  expect_sense(run({0x00}, 7), sense_key::illegal_request, asc::logical_unit_not_supported);
}

BOOST_FIXTURE_TEST_CASE(standard_inquiry_has_spc4_fields_and_honours_the_allocation_length, fixture) {
  const auto r = run({0x12, 0, 0, 0, 36, 0});
  BOOST_REQUIRE(r.status == scsi_status::good);
  BOOST_REQUIRE_EQUAL(r.data_in.size(), 36u);
  BOOST_TEST(r.data_in[0] == 0x00);  // direct access block device
  BOOST_TEST(r.data_in[2] == 0x06);  // SPC-4
  BOOST_TEST((r.data_in[3] & 0x0F) == 2);
  BOOST_TEST(r.data_in[4] == 31);
  BOOST_TEST(std::string(r.data_in.begin() + 8, r.data_in.begin() + 16) == "STOREMSH");
  BOOST_TEST(run({0x12, 0, 0, 0, 5, 0}).data_in.size() == 5u);
  BOOST_TEST(run({0x12, 0, 0, 0, 255, 0}, 0, {}, 10).data_in.size() == 10u);  // FCP_DL caps it too
}

BOOST_FIXTURE_TEST_CASE(vpd_pages_list_0x00_and_0x83_and_the_naa_id_is_per_storage_and_lun, fixture) {
  const auto pages = run({0x12, 1, 0x00, 0, 255, 0});
  BOOST_TEST(pages.data_in == (bytes{0, 0x00, 0, 2, 0x00, 0x83}));
  const auto id = run({0x12, 1, 0x83, 0, 255, 0});
  BOOST_REQUIRE_EQUAL(id.data_in.size(), 16u);
  BOOST_TEST(id.data_in[1] == 0x83);
  BOOST_TEST(id.data_in[3] == 12);
  BOOST_TEST(id.data_in[4] == 0x01);         // binary code set
  BOOST_TEST((id.data_in[5] & 0x0F) == 3);   // designator type NAA
  BOOST_TEST((id.data_in[8] >> 4) == 3);     // NAA 3, locally assigned
  const auto other_lun = run({0x12, 1, 0x83, 0, 255, 0}, 1);
  BOOST_TEST(bytes(id.data_in.begin() + 8, id.data_in.end()) != bytes(other_lun.data_in.begin() + 8, other_lun.data_in.end()));
  testing::memory_luns same;
  scsi_target again{"array-1", same}, elsewhere{"array-2", same};
  BOOST_TEST((again.naa_designator(0) == target.naa_designator(0)));
  BOOST_TEST((elsewhere.naa_designator(0) != target.naa_designator(0)));
}

BOOST_FIXTURE_TEST_CASE(inquiry_with_a_bad_page_or_reserved_bits_points_at_the_field, fixture) {
  expect_sense(run({0x12, 1, 0x80, 0, 255, 0}), sense_key::illegal_request, asc::invalid_field_in_cdb, 2);
  expect_sense(run({0x12, 0, 0x83, 0, 255, 0}), sense_key::illegal_request, asc::invalid_field_in_cdb, 2);
  expect_sense(run({0x12, 2, 0, 0, 255, 0}), sense_key::illegal_request, asc::invalid_field_in_cdb, 1);
}

BOOST_FIXTURE_TEST_CASE(report_luns_lists_every_lun_even_when_addressed_to_a_missing_one, fixture) {
  luns.sizes[300] = 512;
  auto cdb = std::array<std::uint8_t, 16>{0xA0};
  put_be(cdb.data() + 6, 4096, 4);
  const auto r = run(cdb, 9);
  BOOST_REQUIRE(r.status == scsi_status::good);
  BOOST_TEST(r.data_in == (bytes{0, 0, 0, 24, 0, 0, 0, 0,                // list length, reserved
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,  // 0, 1: peripheral
                                 0x41, 0x2C, 0, 0, 0, 0, 0, 0}));              // 300: flat space
  put_be(cdb.data() + 6, 8, 4);
  expect_sense(run(cdb), sense_key::illegal_request, asc::invalid_field_in_cdb, 6);  // below 16
  put_be(cdb.data() + 6, 16, 4);
  BOOST_TEST(run(cdb).data_in.size() == 16u);
}

BOOST_FIXTURE_TEST_CASE(read_capacity_16_gives_the_last_lba_and_512_byte_blocks, fixture) {
  std::array<std::uint8_t, 16> cdb{0x9E, 0x10};
  put_be(cdb.data() + 10, 32, 4);
  const auto r = run(cdb);
  BOOST_REQUIRE_EQUAL(r.data_in.size(), 32u);
  BOOST_TEST(get_be(r.data_in.data(), 8) == (1u << 20) / 512 - 1);
  BOOST_TEST(get_be(r.data_in.data() + 8, 4) == 512u);
  cdb[1] = 0x11;
  expect_sense(run(cdb), sense_key::illegal_request, asc::invalid_field_in_cdb, 1);
}

BOOST_FIXTURE_TEST_CASE(mode_sense_6_and_10_return_the_control_page, fixture) {
  const auto six = run({0x1A, 0, 0x3F, 0, 255, 0});
  BOOST_REQUIRE_EQUAL(six.data_in.size(), 4u + 8 + 12);
  BOOST_TEST(six.data_in[0] == 23);  // mode data length excludes itself
  BOOST_TEST(six.data_in[3] == 8);   // one block descriptor
  BOOST_TEST(get_be(six.data_in.data() + 4 + 5, 3) == 512u);
  BOOST_TEST(six.data_in[12] == 0x0A);
  BOOST_TEST(six.data_in[13] == 0x0A);
  const auto dbd = run({0x1A, 0x08, 0x0A, 0, 255, 0});
  BOOST_TEST(dbd.data_in.size() == 16u);
  BOOST_TEST(dbd.data_in[4] == 0x0A);
  const auto ten = run({0x5A, 0, 0x0A, 0, 0, 0, 0, 0, 255, 0});
  BOOST_REQUIRE_EQUAL(ten.data_in.size(), 8u + 8 + 12);
  BOOST_TEST(get_be(ten.data_in.data(), 2) == 26u);
  BOOST_TEST(get_be(ten.data_in.data() + 6, 2) == 8u);
  expect_sense(run({0x1A, 0, 0x08, 0, 255, 0}), sense_key::illegal_request, asc::invalid_field_in_cdb, 2);
  expect_sense(run({0x1A, 0, 0xCA, 0, 255, 0}), sense_key::illegal_request, asc::saving_parameters_not_supported, 2);
  BOOST_TEST(run({0x1A, 0, 0x3F, 0, 4, 0}).data_in.size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(an_unknown_opcode_is_invalid_command_operation_code, fixture) {
  for (std::uint8_t op : {0x28, 0x2A, 0xC6, 0xFF}) expect_sense(run({op}), sense_key::illegal_request, asc::invalid_command_operation_code);
}

BOOST_FIXTURE_TEST_CASE(snapshots_are_created_listed_and_deleted_by_name, fixture) {
  BOOST_TEST(run(vendor(0xC0, 5), 0, text("daily")).status == scsi_status::good);
  BOOST_TEST(run(vendor(0xC0, 6), 0, text("hourly")).status == scsi_status::good);
  expect_sense(run(vendor(0xC0, 5), 0, text("daily")), sense_key::illegal_request, asc::snapshot_exists);
  const auto list = run(vendor(0xC1, 4096));
  BOOST_REQUIRE_EQUAL(list.data_in.size(), 8u + 160);
  BOOST_TEST(get_be(list.data_in.data(), 4) == 160u);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(list.data_in.data() + 8)) == "daily");
  BOOST_TEST(get_be(list.data_in.data() + 8 + 64, 8) == 1u << 20);
  BOOST_TEST(run(vendor(0xC1, 8 + 80)).data_in.size() == 88u);  // truncated, length still says 160
  BOOST_TEST(run(vendor(0xC2, 5), 0, text("daily")).status == scsi_status::good);
  expect_sense(run(vendor(0xC2, 5), 0, text("daily")), sense_key::illegal_request, asc::snapshot_not_found);
  BOOST_TEST(luns.snapshots[0] == (std::set<std::string>{"hourly"}));
}

BOOST_FIXTURE_TEST_CASE(a_bad_snapshot_name_or_length_is_refused_before_the_backend_runs, fixture) {
  expect_sense(run(vendor(0xC0, 5), 0, text("Daily")), sense_key::illegal_request, asc::invalid_field_in_parameter_list, 0);
  expect_sense(run(vendor(0xC0, 0)), sense_key::illegal_request, asc::invalid_field_in_cdb, 6);
  expect_sense(run(vendor(0xC0, 64), 0, bytes(64, 'a')), sense_key::illegal_request, asc::invalid_field_in_cdb, 6);
  expect_sense(run(vendor(0xC0, 5), 0, text("dai")), sense_key::illegal_request, asc::parameter_list_length_error);
  auto reserved = vendor(0xC0, 5);
  reserved[3] = 1;
  expect_sense(run(reserved, 0, text("daily")), sense_key::illegal_request, asc::invalid_field_in_cdb, 3);
  expect_sense(run(vendor(0xC0, 5), 4, text("daily")), sense_key::illegal_request, asc::logical_unit_not_supported);
  BOOST_TEST(luns.mutations == 0);
}

BOOST_FIXTURE_TEST_CASE(replication_starts_reports_and_stops_once, fixture) {
  const auto none = run(vendor(0xC5, 80));
  BOOST_REQUIRE_EQUAL(none.data_in.size(), 80u);
  BOOST_TEST(none.data_in[0] == 0);
  BOOST_TEST(run(vendor(0xC3, 4), 0, text("dr-1")).status == scsi_status::good);
  expect_sense(run(vendor(0xC3, 4), 0, text("dr-1")), sense_key::illegal_request, asc::replication_active);
  const auto active = run(vendor(0xC5, 80));
  BOOST_TEST(active.data_in[0] == 1);
  BOOST_TEST(get_be(active.data_in.data() + 8, 8) == 1u << 20);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(active.data_in.data() + 16)) == "dr-1");
  BOOST_TEST(run(vendor(0xC4, 0)).status == scsi_status::good);
  expect_sense(run(vendor(0xC4, 0)), sense_key::illegal_request, asc::replication_not_active);
  expect_sense(run(vendor(0xC4, 4)), sense_key::illegal_request, asc::invalid_field_in_cdb, 6);
  BOOST_TEST(run(vendor(0xC5, 80)).data_in[0] == 2);
}

BOOST_FIXTURE_TEST_CASE(a_failing_backend_is_a_hardware_error, fixture) {
  luns.fail_io = true;
  expect_sense(run(vendor(0xC0, 5), 0, text("daily")), sense_key::hardware_error, asc::internal_target_failure);
}

BOOST_AUTO_TEST_CASE(sense_is_described_as_the_cli_prints_it) {
  const auto s = decode_sense(encode_sense({sense_key::illegal_request, asc::invalid_command_operation_code, {}}));
  BOOST_TEST(describe_sense(*s) == "ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (asc 20h ascq 00h)");
  const auto f = decode_sense(encode_sense({sense_key::illegal_request, asc::invalid_field_in_cdb, field_pointer{true, 2, 5}}));
  BOOST_TEST(describe_sense(*f) == "ILLEGAL REQUEST: INVALID FIELD IN CDB (asc 24h ascq 00h), field: CDB byte 2 bit 5");
  const auto raw = encode_sense({sense_key::illegal_request, asc::invalid_field_in_cdb, field_pointer{true, 2, 5}});
  BOOST_TEST(raw[15] == (0x80 | 0x40 | 0x08 | 5));  // SKSV, C/D, BPV, bit 5
  BOOST_TEST(!decode_sense(bytes{0x10, 0, 0, 0}));
}
