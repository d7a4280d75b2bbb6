// The initiator's commands: each operation's CDB, run through the target and
// rendered, and the refusals of the builder and the decoders.

#include "services/control_path/fc_errc.hpp"
#include "services/control_path/memory_luns.test.hpp"
#include "services/control_path/scsi_commands.hpp"
#include "services/control_path/scsi_target.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::control_path;

namespace {

struct fixture {
  testing::memory_luns luns;
  scsi_target target{"array-1", luns};

  rendering run(const std::string& op, std::vector<std::string> args = {}, std::uint64_t lun = 0) {
    const auto cmd = build_command(op, args).value();
    const auto r = target.execute({lun, cmd.cdb, cmd.data_out, cmd.data_in_length});
    return render_outcome(cmd, r.status, r.sense, r.data_in).value();
  }
};

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

BOOST_FIXTURE_TEST_CASE(every_operation_round_trips_through_the_target, fixture) {
  BOOST_TEST(run("inquiry").text == "vendor STOREMSH product FC CONTROL LUN revision 0001 device type 0x00");
  BOOST_TEST(run("inquiry").json == R"({"vendor":"STOREMSH","product":"FC CONTROL LUN","revision":"0001","device_type":0})");
  BOOST_TEST(has(run("inquiry-vpd").text, "device identification naa.3"));
  BOOST_TEST(run("inquiry-vpd", {"0x00"}).json == R"({"pages":[0,131]})");
  BOOST_TEST(run("report-luns").json == R"({"luns":[0,1]})");
  BOOST_TEST(run("test-unit-ready").text == "done");
  BOOST_TEST(run("read-capacity", {}, 1).json == R"({"last_lba":7,"block_length":512,"bytes":4096})");
  BOOST_TEST(run("mode-sense").text == "mode pages 0x0a block descriptor 8 bytes");
  BOOST_TEST(run("snapshot-create", {"s1"}).text == "done");
  BOOST_TEST(run("snapshot-list").text == "1 snapshots: s1 (1048576 bytes)");
  BOOST_TEST(has(run("snapshot-list").json, R"("name":"s1")"));
  BOOST_TEST(run("snapshot-delete", {"s1"}).text == "done");
  BOOST_TEST(run("replication-start", {"dr"}).text == "done");
  BOOST_TEST(run("replication-status").text == "replication active to dr, 1048576 bytes copied");
  BOOST_TEST(run("replication-stop").text == "done");
  BOOST_TEST(run("replication-status").json == R"({"state":"stopped","target":"dr","bytes_copied":1048576})");
  BOOST_TEST(operation_names().size() == 12u);
}

BOOST_FIXTURE_TEST_CASE(errors_render_with_the_sense_decoded, fixture) {
  BOOST_TEST(run("snapshot-delete", {"nope"}).text ==
             "CHECK CONDITION: ILLEGAL REQUEST: SNAPSHOT NOT FOUND (asc 80h ascq 02h)");
  const auto missing = run("test-unit-ready", {}, 9);
  BOOST_TEST(missing.text == "CHECK CONDITION: ILLEGAL REQUEST: LOGICAL UNIT NOT SUPPORTED (asc 25h ascq 00h)");
  BOOST_TEST(has(missing.json, R"("asc":37)"));
  built_command raw{"raw", {0x28}, {}, 0};
  const auto r = target.execute({0, raw.cdb, {}, 0});
  BOOST_TEST(render_outcome(raw, r.status, r.sense, r.data_in).value().text ==
             "CHECK CONDITION: ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (asc 20h ascq 00h)");
}

BOOST_AUTO_TEST_CASE(the_builder_refuses_unknown_operations_and_bad_arguments) {
  BOOST_TEST(build_command("format-unit", {}).error().code == make_error_code(fc_errc::unknown_operation));
  BOOST_TEST(build_command("snapshot-create", {}).error().code == make_error_code(fc_errc::bad_argument));
  BOOST_TEST(build_command("snapshot-create", {"Bad Name"}).error().code == make_error_code(fc_errc::bad_argument));
  BOOST_TEST(build_command("snapshot-create", {std::string(64, 'a')}).error().code == make_error_code(fc_errc::bad_argument));
  BOOST_TEST(build_command("inquiry", {"x"}).error().code == make_error_code(fc_errc::bad_argument));
  BOOST_TEST(build_command("inquiry-vpd", {"0x80"}).error().code == make_error_code(fc_errc::bad_argument));
  const auto c = build_command("snapshot-create", {"daily.1"}).value();
  BOOST_TEST(c.cdb[0] == 0xC0);
  BOOST_TEST(c.cdb[9] == 7);  // parameter list length, big-endian at 6-9
  BOOST_TEST(std::string(c.data_out.begin(), c.data_out.end()) == "daily.1");
}

BOOST_AUTO_TEST_CASE(decoders_refuse_short_or_inconsistent_data) {
  BOOST_TEST(decode_inquiry(bytes(35, 0)).error().code == make_error_code(fc_errc::bad_data_in));
  BOOST_TEST(!decode_lun_list(bytes{0, 0, 0, 7, 0, 0, 0, 0}));
  BOOST_TEST(!decode_vpd_device_id(bytes{0, 0x83, 0, 12, 1, 3, 0, 8}));
  BOOST_TEST(!decode_snapshot_list(bytes{0, 0, 0, 81, 0, 0, 0, 0}));
  BOOST_TEST(!decode_replication_status(bytes(79, 0)));
  auto bad_state = bytes(80, 0);
  bad_state[0] = 9;
  BOOST_TEST(!decode_replication_status(bad_state));
  BOOST_TEST(decode_snapshot_list(bytes{0, 0, 0, 80, 0, 0, 0, 0}).value().truncated);
  BOOST_TEST(json_string("a\"b\\\n\x01") == R"("a\"b\\\n\u0001")");
}
