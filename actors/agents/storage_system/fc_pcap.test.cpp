// A capture of the FC link, read back by Wireshark's tshark: FCP_CMND,
// FCP_DATA and FCP_RSP with the right SCSI command names, no malformed
// packet, good CRCs with frame delimiters. Skipped (with a message) only
// when tshark is not installed.

#include "actors/agents/storage_system/storage_fixture.test.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>

using namespace storemesh::actors::storage_system;
using namespace storemesh::actors::storage_system::testing;
namespace cp = storemesh::services::control_path;

namespace {

bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(p);
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
  BOOST_TEST(::pclose(p) == 0, command);
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The session every capture holds: the standard commands, a vendor write, an error.
void session(storage_system& s) {
  for (const char* op : {"inquiry", "report-luns", "test-unit-ready", "read-capacity", "mode-sense", "inquiry-vpd", "snapshot-list"})
    s.control(op);
  s.control("snapshot-create", {"cap"});
  s.control("test-unit-ready", {}, 9);  // CHECK CONDITION with sense
  s.port->stop();
}

} // namespace

BOOST_AUTO_TEST_CASE(tshark_decodes_the_fc2_capture_as_fcp_with_scsi_command_names) {
  if (!have_tshark()) {
    BOOST_TEST_MESSAGE("tshark is not installed (ops/deps installs it): capture test skipped");
    return;
  }
  port_server_options o;
  temp_dir out;
  o.pcap_path = out / "fc2.pcap";
  o.pcap_link = cp::pcap_link_type::fc2;
  storage_system s(o);
  session(s);
  const auto summary = run("tshark -r " + o.pcap_path + " 2>/dev/null");
  const auto detail = run("tshark -r " + o.pcap_path + " -V 2>/dev/null");
  BOOST_TEST_MESSAGE(summary);
  BOOST_TEST(count(summary, "\n") == 4u /* PLOGI, PRLI and their LS_ACC */ + 9 * 2 + 6 /* data-in frames */ + 2 /* XFER_RDY, data-out */);
  for (const char* name : {"SCSI: Inquiry", "SCSI: Report LUNs", "SCSI: Test Unit Ready", "SCSI: Service Action In(16)", "READCAPACITY16",
                           "SCSI: Mode Sense(6)", "SCSI: Data In", "SCSI: Response", "XFER_RDY", "SCSI Command: 0xc0", "SCSI Command: 0xc1", "FC ELS 140 PLOGI", "ACC (PLOGI)", "FC ELS 44 PRLI", "ACC (PRLI)"})
    BOOST_TEST(summary.find(name) != std::string::npos, name);
  BOOST_TEST(count(detail, "FCP: FCP_CMND") == 9u);
  BOOST_TEST(count(detail, "FCP: FCP_RSP") == 9u);
  BOOST_TEST(detail.find("Check Condition") != std::string::npos);
  BOOST_TEST(detail.find("Malformed") == std::string::npos);
  BOOST_TEST(detail.find("Expert Info (Error") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(tshark_checks_the_crc_of_the_capture_with_frame_delimiters) {
  if (!have_tshark()) {
    BOOST_TEST_MESSAGE("tshark is not installed (ops/deps installs it): capture test skipped");
    return;
  }
  port_server_options o;
  temp_dir out;
  o.pcap_path = out / "fc2-delims.pcap";
  o.pcap_link = cp::pcap_link_type::fc2_with_frame_delims;
  storage_system s(o);
  session(s);
  const auto detail = run("tshark -r " + o.pcap_path + " -V 2>/dev/null");
  const auto frames = count(run("tshark -r " + o.pcap_path + " 2>/dev/null"), "\n");
  BOOST_TEST(frames == 30u);
  BOOST_TEST(count(detail, "[CRC Status: Good]") == frames);
  BOOST_TEST(detail.find("SOFi3 - SOF Initiate Class 3") != std::string::npos);
  BOOST_TEST(detail.find("EOFt- - EOF Terminate") != std::string::npos);
  BOOST_TEST(count(detail, "FCP: FCP_CMND") == 9u);
  BOOST_TEST(detail.find("Malformed") == std::string::npos);
  BOOST_TEST(detail.find("Bad checksum") == std::string::npos);
}
