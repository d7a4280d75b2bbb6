// The storage system in-process: every command through fc_initiator over the
// SEQPACKET link to the FC port, the exec log, and the link's faults.

#include "actors/agents/storage_system/storage_fixture.test.hpp"
#include "services/control_path/fc_errc.hpp"

#include <sys/socket.h>

using namespace storemesh::actors::storage_system;
using namespace storemesh::actors::storage_system::testing;
namespace cp = storemesh::services::control_path;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_command_runs_through_the_fc_port_and_is_logged_once) {
  storage_system s;
  BOOST_TEST(s.control("inquiry").text == "vendor STOREMSH product FC CONTROL LUN revision 0001 device type 0x00");
  BOOST_TEST(s.control("inquiry-vpd").text.find("naa.3") != std::string::npos);
  BOOST_TEST(s.control("inquiry-vpd", {"0x00"}).json == R"({"pages":[0,131]})");
  BOOST_TEST(s.control("report-luns").json == R"({"luns":[0,1]})");
  BOOST_TEST(s.control("test-unit-ready").text == "done");
  BOOST_TEST(s.control("read-capacity", {}, 1).json == R"({"last_lba":127,"block_length":512,"bytes":65536})");
  BOOST_TEST(s.control("mode-sense").text == "mode pages 0x0a block descriptor 8 bytes");
  BOOST_TEST(s.control("snapshot-create", {"before-upgrade"}).text == "done");
  BOOST_TEST(fs::exists(s.luns->snapshot_path(0, "before-upgrade")));
  BOOST_TEST(s.control("snapshot-list").text == "1 snapshots: before-upgrade (1048576 bytes)");
  BOOST_TEST(s.control("snapshot-delete", {"before-upgrade"}).text == "done");
  BOOST_TEST(s.control("replication-start", {"dr"}, 1).text == "done");
  BOOST_TEST(read_text(s.luns->replica_path(1, "dr")) == read_text(s.luns->lun_path(1)));
  BOOST_TEST(s.control("replication-status", {}, 1).text == "replication active to dr, 65536 bytes copied");
  BOOST_TEST(s.control("replication-stop", {}, 1).text == "done");
  BOOST_TEST(s.control("snapshot-delete", {"before-upgrade"}).text ==
             "CHECK CONDITION: ILLEGAL REQUEST: SNAPSHOT NOT FOUND (asc 80h ascq 02h)");
  BOOST_TEST(s.control("test-unit-ready", {}, 5).text ==
             "CHECK CONDITION: ILLEGAL REQUEST: LOGICAL UNIT NOT SUPPORTED (asc 25h ascq 00h)");
  auto o = s.host->execute(0x0777, 0, {0x28}, 0, std::chrono::seconds(5)).value();  // READ(10): not here
  BOOST_TEST(cp::describe_sense(*cp::decode_sense(o.sense)) ==
             "ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (asc 20h ascq 00h)");
  s.port->stop();
  const auto log = lines(read_text(s.dir / "exec.log"));
  BOOST_REQUIRE_EQUAL(log.size(), 16u);
  BOOST_TEST(log[0] == "0100 0003 010100 12 0 00");  // RX_IDs 1 and 2 went to PLOGI and PRLI  // OX_ID RX_ID S_ID OPCODE LUN STATUS
  BOOST_TEST(log[10].substr(0, 4) == "010a");
  BOOST_TEST(log[10].find(" c3 1 00") != std::string::npos, log[10]);
  BOOST_TEST(log[14].find(" 00 5 02") != std::string::npos, log[14]);
  BOOST_TEST(log[15] == "0777 0012 010100 28 0 02");
  const auto c = s.port->counters();
  BOOST_TEST(c.executed == 16u);
  BOOST_TEST(c.malformed == 0u);
}

BOOST_AUTO_TEST_CASE(bad_frames_are_dropped_and_nothing_runs) {
  storage_system s;
  auto link = connect_seqpacket(s.dir / "fc.sock").value();
  const auto cmd = cp::build_command("snapshot-create", {"x"}).value();
  cp::fc_initiator_session h{0x010100, 0x010200};
  auto wire = cp::encode_frame(h.start({1, 0, cmd.cdb, 0, cmd.data_out}).value()).value();
  auto flipped = wire;
  flipped[20] ^= 1;
  BOOST_REQUIRE(send_message(link.get(), flipped));                                  // bad CRC
  BOOST_REQUIRE(send_message(link.get(), bytes(wire.begin(), wire.begin() + 30)));   // short
  BOOST_REQUIRE(send_message(link.get(), bytes(cp::max_frame_bytes + 8, 0xBC)));     // oversize
  // a frame for another port
  cp::fc_initiator_session elsewhere{0x010100, 0x010300};
  BOOST_REQUIRE(send_message(link.get(), cp::encode_frame(elsewhere.start({2, 0, cmd.cdb, 0, cmd.data_out}).value()).value()));
  // then a good command on the same link still works
  BOOST_TEST(s.control("test-unit-ready").text == "done");
  const auto got = receive_message(link.get(), cp::max_frame_bytes, std::chrono::milliseconds(100)).value();
  BOOST_TEST(!got.message);  // nothing was answered on the raw link
  const auto c = s.port->counters();
  BOOST_TEST(c.malformed == 3u);
  BOOST_TEST(c.dropped == 1u);
  BOOST_TEST(c.executed == 1u);
  BOOST_TEST(s.luns->snapshot_list(0).value().empty());
}

BOOST_AUTO_TEST_CASE(a_port_that_went_away_is_not_sent_to_and_the_initiator_reconnects) {
  storage_system s;
  BOOST_TEST(s.control("test-unit-ready").text == "done");
  s.port->stop();
  auto down = s.host->execute(0x0200, 0, {0x00}, 0, std::chrono::seconds(1));
  BOOST_REQUIRE(!down);
  BOOST_TEST(down.error().code == make_error_code(cp::fc_errc::not_sent), down.error().message());
  port_server_options o;
  o.socket_path = s.dir / "fc.sock";
  o.storage_name = "array-1";
  o.exec_log_path = s.dir / "exec.log";
  s.port = fc_port_server::start(o, *s.luns).value();
  BOOST_TEST(s.control("test-unit-ready").text == "done");
}

BOOST_AUTO_TEST_CASE(a_silent_port_is_a_timeout_and_a_late_answer_is_ignored) {
  temp_dir d;
  auto listener = listen_seqpacket(d / "silent.sock").value();
  fc_initiator host({d / "silent.sock", 0x010100, 0x010200, /*login=*/false});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = host.execute(0x0300, 0, {0x00}, 0, std::chrono::milliseconds(200));
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(cp::fc_errc::timeout), r.error().message());
  BOOST_TEST((std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(200)));
  // The port answers late; the next exchange must get its own answer, not that one.
  unique_fd port(::accept(listener.get(), nullptr, nullptr));
  BOOST_REQUIRE(port);
  BOOST_REQUIRE(receive_message(port.get(), cp::max_frame_bytes, std::chrono::seconds(1)).value().message);
  auto answer = [&](std::uint16_t ox_id, std::uint16_t rx_id, std::uint8_t status) {
    cp::fc_frame f;
    f.header = {cp::r_ctl::command_status, 0x010100, 0, 0x010200, cp::fc_type_fcp,
                cp::f_ctl::exchange_responder | cp::f_ctl::last_sequence, 0, 0, 0, ox_id, rx_id, 0};
    cp::fcp_rsp rsp;
    rsp.status = status;
    f.payload = cp::encode_fcp_rsp(rsp);
    BOOST_REQUIRE(send_message(port.get(), cp::encode_frame(f).value()));
  };
  answer(0x0300, 0x0042, 0x02);  // late, for the abandoned exchange
  std::thread responder([&] {
    auto cmnd = receive_message(port.get(), cp::max_frame_bytes, std::chrono::seconds(5)).value();
    if (cmnd.message) answer(cp::decode_frame(*cmnd.message).value().header.ox_id, 0x0043, 0x00);
  });
  auto next = host.execute(0x0301, 0, {0x00}, 0, std::chrono::seconds(5));
  responder.join();
  BOOST_REQUIRE(next);
  BOOST_TEST(next.value().rx_id == 0x0043);
  BOOST_TEST(next.value().status == 0);
}

BOOST_AUTO_TEST_CASE(a_retry_with_the_same_ox_id_does_not_run_twice) {
  storage_system s;
  const auto cmd = cp::build_command("snapshot-create", {"once"}).value();
  auto first = s.host->execute(0x0400, 0, cmd.cdb, 0, std::chrono::seconds(5), cmd.data_out).value();
  BOOST_TEST(first.status == 0);
  s.host->disconnect();  // as if the link dropped before the answer arrived
  auto retry = s.host->execute(0x0400, 0, cmd.cdb, 0, std::chrono::seconds(5), cmd.data_out).value();
  BOOST_TEST(retry.status == 0);  // the kept answer, not SNAPSHOT EXISTS
  BOOST_TEST(retry.rx_id == first.rx_id);
  s.port->stop();
  BOOST_TEST(lines(read_text(s.dir / "exec.log")).size() == 1u);
  BOOST_TEST(s.port->counters().replayed == 1u);
}

BOOST_AUTO_TEST_CASE(commands_from_several_threads_each_complete) {
  storage_system s;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  std::atomic<std::uint16_t> ox{0x1000};
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i)
        if (auto o = s.host->execute(ox++, 0, {0x00}, 0, std::chrono::seconds(5)); o && o.value().status == 0) ++good;
    });
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(good.load() == 1000);
  // A figure, not a check: exchanges (FCP_CMND -> FCP_RSP, exec log written) per second.
  BOOST_TEST_MESSAGE("1000 TEST UNIT READY exchanges from 4 threads in " << seconds << " s: " << 1000 / seconds << "/s");
  s.port->stop();
  BOOST_TEST(lines(read_text(s.dir / "exec.log")).size() == 1000u);
}

BOOST_AUTO_TEST_CASE(a_port_requiring_login_serves_only_initiators_that_logged_in) {
  port_server_options o;
  o.port.require_login = true;
  storage_system s(o);
  BOOST_TEST(s.control("test-unit-ready").text == "done");  // fc_initiator logs in on connect
  fc_initiator rude({s.dir / "fc.sock", 0x010101, 0x010200, /*login=*/false});
  auto r = rude.execute(0x0500, 0, {0x00}, 0, std::chrono::milliseconds(300));
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(cp::fc_errc::timeout), r.error().message());
  BOOST_TEST(s.port->counters().dropped == 1u);
  BOOST_TEST(s.port->counters().executed == 1u);
}
