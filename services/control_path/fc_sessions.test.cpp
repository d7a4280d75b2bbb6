// The sans-IO FC port and initiator, wired back to back: exchanges and their
// ids, data both ways in frames, and every refusal of the port.

#include "services/control_path/fc_els.hpp"
#include "services/control_path/fc_errc.hpp"
#include "services/control_path/fc_initiator_session.hpp"
#include "services/control_path/fc_target_session.hpp"
#include "services/control_path/memory_luns.test.hpp"
#include "services/control_path/scsi_commands.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::control_path;

namespace {

constexpr std::uint32_t host_id = 0x010100, port_id = 0x010200;

struct fixture {
  testing::memory_luns luns;
  scsi_target target{"array-1", luns};
  target_port_config config;
  fc_target_session port{config, target};
  fc_initiator_session host{host_id, port_id};
  std::vector<fc_frame> wire;  // every frame the port sent
  std::vector<executed_exchange> executed;

  // Runs one exchange to its outcome, each frame through encode/decode.
  scsi_outcome exchange(std::uint16_t ox_id, const std::string& op, std::vector<std::string> args = {}, std::uint64_t lun = 0) {
    const auto cmd = build_command(op, args).value();
    std::vector<fc_frame> to_port{host.start({ox_id, lun, cmd.cdb, cmd.data_in_length, cmd.data_out}).value()};
    for (int rounds = 0; rounds < 10; ++rounds) {
      std::vector<fc_frame> to_host;
      for (auto& f : to_port) {
        auto out = port.on_frame(decode_frame(encode_frame(f).value()).value(), 0);
        BOOST_TEST(out.dropped.empty(), out.dropped);
        if (out.executed) executed.push_back(*out.executed);
        for (auto& g : out.frames) to_host.push_back(g), wire.push_back(g);
      }
      to_port.clear();
      for (auto& f : to_host) {
        auto step = host.on_frame(decode_frame(encode_frame(f).value()).value()).value();
        if (step.outcome) return *step.outcome;
        for (auto& s : step.send) to_port.push_back(s);
      }
    }
    BOOST_FAIL("no outcome");
    return {};
  }

  fc_frame command_frame(std::uint16_t ox_id, std::array<std::uint8_t, 16> cdb = {0x00}) {
    fc_initiator_session h{host_id, port_id};
    return h.start({ox_id, 0, cdb, 0, {}}).value();
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_read_exchange_is_data_then_rsp_with_the_assigned_rx_id, fixture) {
  const auto o = exchange(0x0100, "inquiry");
  BOOST_TEST(o.status == 0);
  BOOST_TEST(o.data.size() == 36u);
  BOOST_REQUIRE_EQUAL(wire.size(), 2u);
  const auto& data = wire[0].header;
  const auto& rsp = wire[1].header;
  BOOST_TEST(data.r_ctl == r_ctl::solicited_data);
  BOOST_TEST(rsp.r_ctl == r_ctl::command_status);
  BOOST_TEST(data.rx_id == o.rx_id);
  BOOST_TEST(o.rx_id != 0xFFFF);
  BOOST_TEST(data.ox_id == 0x0100);
  BOOST_TEST(data.s_id == port_id);
  BOOST_TEST(data.d_id == host_id);
  BOOST_TEST(data.f_ctl == (f_ctl::exchange_responder | f_ctl::end_sequence | f_ctl::relative_offset));
  BOOST_TEST(rsp.f_ctl == (f_ctl::exchange_responder | f_ctl::last_sequence | f_ctl::end_sequence | f_ctl::sequence_initiative));
  BOOST_TEST(data.seq_id != rsp.seq_id);
  BOOST_TEST((wire[1].sof == sof_delimiter::i3 && wire[1].eof == eof_delimiter::t));
  const auto rsp_iu = decode_fcp_rsp(wire[1].payload).value();
  BOOST_TEST((rsp_iu.residual_is == residual_kind::under));
  BOOST_TEST(rsp_iu.residual == 255u - 36);
  BOOST_REQUIRE_EQUAL(executed.size(), 1u);
  BOOST_TEST(executed[0].opcode == 0x12);
  BOOST_TEST(executed[0].rx_id == o.rx_id);
}

BOOST_FIXTURE_TEST_CASE(rx_ids_differ_per_exchange_and_never_ffff, fixture) {
  const auto a = exchange(1, "test-unit-ready"), b = exchange(2, "test-unit-ready");
  BOOST_TEST(a.rx_id != b.rx_id);
  BOOST_TEST(executed.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_write_exchange_waits_for_xfer_rdy_and_runs_when_the_data_is_in, fixture) {
  const auto o = exchange(0x0200, "snapshot-create", {"nightly"});
  BOOST_TEST(o.status == 0);
  BOOST_TEST(luns.snapshots[0].count("nightly") == 1u);
  BOOST_REQUIRE_EQUAL(wire.size(), 2u);
  BOOST_TEST(wire[0].header.r_ctl == r_ctl::data_descriptor);
  BOOST_TEST((wire[0].header.f_ctl & f_ctl::sequence_initiative) != 0u);
  BOOST_TEST(decode_fcp_xfer_rdy(wire[0].payload).value().burst_length == 7u);
  BOOST_TEST(port.open_exchanges() == 0u);
}

BOOST_FIXTURE_TEST_CASE(data_in_larger_than_a_frame_is_one_sequence_of_frames, fixture) {
  for (int i = 0; i < 60; ++i) BOOST_REQUIRE(luns.snapshot_create(0, "s" + std::to_string(i)));
  const auto o = exchange(7, "snapshot-list");
  BOOST_TEST(o.data.size() == 8u + 60 * 80);
  const auto l = decode_snapshot_list(o.data).value();
  BOOST_TEST(l.snapshots.size() == 60u);
  BOOST_REQUIRE_EQUAL(wire.size(), 4u);  // 4808 bytes: 2048 + 2048 + 712, then FCP_RSP
  for (std::uint16_t i = 0; i < 3; ++i) {
    BOOST_TEST(wire[i].header.seq_cnt == i);
    BOOST_TEST(wire[i].header.parameter == i * 2048u);
    BOOST_TEST(wire[i].header.seq_id == wire[0].header.seq_id);
  }
  BOOST_TEST((wire[0].sof == sof_delimiter::i3 && wire[1].sof == sof_delimiter::n3));
  BOOST_TEST((wire[1].eof == eof_delimiter::n && wire[2].eof == eof_delimiter::t));
  BOOST_TEST((wire[1].header.f_ctl & f_ctl::end_sequence) == 0u);
}

BOOST_FIXTURE_TEST_CASE(frames_not_for_the_port_or_not_fcp_are_dropped_with_a_reason, fixture) {
  auto f = command_frame(9);
  f.header.d_id = 0x010300;
  BOOST_TEST(port.on_frame(f, 0).dropped.find("not this port") != std::string::npos);
  f = command_frame(9);
  f.header.type = 0x05;
  BOOST_TEST(port.on_frame(f, 0).dropped.find("neither FCP nor ELS") != std::string::npos);
  f = command_frame(9);
  f.header.r_ctl = 0x02;
  BOOST_TEST(!port.on_frame(f, 0).dropped.empty());
  f = command_frame(9);
  f.header.r_ctl = r_ctl::solicited_data;
  BOOST_TEST(port.on_frame(f, 0).dropped.find("no open exchange") != std::string::npos);
  BOOST_TEST(luns.mutations == 0);
}

BOOST_FIXTURE_TEST_CASE(a_malformed_or_task_management_iu_gets_a_response_code_and_runs_nothing, fixture) {
  auto f = command_frame(10);
  f.payload.resize(20);
  auto out = port.on_frame(f, 0);
  BOOST_REQUIRE_EQUAL(out.frames.size(), 1u);
  BOOST_TEST(decode_fcp_rsp(out.frames[0].payload).value().response_code.value() == rsp_code::cmnd_fields_invalid);
  BOOST_TEST(!out.executed);
  f = command_frame(11);
  f.payload[10] = 0x20;  // LUN RESET
  out = port.on_frame(f, 0);
  BOOST_TEST(decode_fcp_rsp(out.frames[0].payload).value().response_code.value() == rsp_code::tmf_not_supported);
  f = command_frame(12);
  f.payload[0] = 0xC0;  // extended LUN addressing
  out = port.on_frame(f, 0);
  BOOST_TEST(decode_fcp_rsp(out.frames[0].payload).value().status == scsi_status::check_condition);
  BOOST_TEST(!out.executed);
}

BOOST_FIXTURE_TEST_CASE(a_retried_command_gets_the_kept_answer_and_runs_once, fixture) {
  const auto cmd = build_command("snapshot-create", {"once"}).value();
  fc_initiator_session h{host_id, port_id};
  const auto cmnd = h.start({0x0300, 0, cmd.cdb, 0, cmd.data_out}).value();
  auto xfer = port.on_frame(cmnd, 0);
  auto data = h.on_frame(xfer.frames.at(0)).value().send.at(0);
  auto done = port.on_frame(data, 0);
  BOOST_REQUIRE(done.executed);
  auto again = port.on_frame(cmnd, 0);  // the initiator retries the same exchange
  BOOST_TEST(again.replayed);
  BOOST_TEST(!again.executed);
  BOOST_TEST((again.frames == done.frames));
  BOOST_TEST(luns.mutations == 1);
  BOOST_TEST(port.on_frame(cmnd, 0).replayed);
}

BOOST_FIXTURE_TEST_CASE(open_exchanges_are_bounded_and_expire, fixture) {
  const auto cmd = build_command("snapshot-create", {"x"}).value();
  for (std::uint16_t i = 0; i < config.max_open_exchanges; ++i) {
    fc_initiator_session h{host_id, port_id};
    BOOST_TEST(port.on_frame(h.start({i, 0, cmd.cdb, 0, cmd.data_out}).value(), 100).frames.at(0).header.r_ctl ==
               r_ctl::data_descriptor);
  }
  fc_initiator_session h{host_id, port_id};
  auto full = port.on_frame(h.start({999, 0, cmd.cdb, 0, cmd.data_out}).value(), 100);
  BOOST_TEST(decode_fcp_rsp(full.frames.at(0).payload).value().status == scsi_status::task_set_full);
  BOOST_TEST(port.on_frame(command_frame(3), 100).dropped.find("open exchange") != std::string::npos);
  BOOST_TEST(port.expire(99, 100) == 0u);  // a clock read before the exchanges opened expires none
  BOOST_TEST(port.expire(150, 100) == 0u);
  BOOST_TEST(port.expire(201, 100) == config.max_open_exchanges);
  BOOST_TEST(port.open_exchanges() == 0u);
  BOOST_TEST(luns.mutations == 0);
}

BOOST_FIXTURE_TEST_CASE(the_initiator_ignores_other_exchanges_and_fails_on_a_wrong_port, fixture) {
  BOOST_TEST(host.start({5, 0, {0x00}, 0, {}}).has_value());
  BOOST_TEST(host.start({6, 0, {0x00}, 0, {}}).error().code == make_error_code(fc_errc::bad_state));
  fc_frame late;
  late.header = {r_ctl::command_status, host_id, 0, port_id, fc_type_fcp, f_ctl::exchange_responder, 0, 0, 0, 4, 1, 0};
  late.payload = encode_fcp_rsp({});
  auto step = host.on_frame(late);
  BOOST_TEST((step.has_value() && !step.value().outcome));
  late.header.ox_id = 5;
  late.header.s_id = 0x010999;
  BOOST_TEST(host.on_frame(late).error().code == make_error_code(fc_errc::unexpected_frame));
  BOOST_TEST(!host.busy());
  BOOST_TEST(host.start({7, 0, {0x00}, 16, {1}}).error().code == make_error_code(fc_errc::bad_argument));
}

BOOST_AUTO_TEST_CASE(plogi_and_prli_payloads_sit_at_fc_ls_offsets) {
  const auto p = encode_plogi(false, 0x3000000000010100, 0x3100000000010100);
  BOOST_REQUIRE_EQUAL(p.size(), 116u);
  BOOST_TEST(p[0] == 0x03);
  BOOST_TEST(get_be(p.data() + 4 + 6, 2) == 2048u);          // receive data field size
  BOOST_TEST(get_be(p.data() + 20, 8) == 0x3000000000010100u); // port name
  BOOST_TEST(get_be(p.data() + 28, 8) == 0x3100000000010100u); // node name
  BOOST_TEST(p[36 + 32] == 0x80);                             // class 3 valid
  BOOST_TEST(decode_plogi(p).value().class3);
  const auto prli = encode_prli(false);
  BOOST_TEST(prli == (bytes{0x20, 0x10, 0, 20, 0x08, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22}));
  BOOST_TEST(decode_prli(encode_prli(true)).value() == (els::target_function | 0x02));
  auto other_type = prli;
  other_type[4] = 0x05;
  BOOST_TEST(!decode_prli(other_type));
  BOOST_TEST(!decode_plogi(bytes(115, 0)));
}

BOOST_FIXTURE_TEST_CASE(a_port_requiring_login_drops_fcp_until_plogi_and_prli, fixture) {
  target_port_config strict;
  strict.require_login = true;
  fc_target_session gate{strict, target};
  BOOST_TEST(gate.on_frame(command_frame(1), 0).dropped.find("not logged in") != std::string::npos);
  fc_initiator_session h{host_id, port_id};
  auto prli_first = gate.on_frame(h.els_request(0x10, encode_prli(false)), 0);
  BOOST_TEST(!h.els_reply(prli_first.frames.at(0), 0x10));  // LS_RJT: no PLOGI yet
  BOOST_TEST(prli_first.frames.at(0).payload.at(5) == 0x03);
  auto plogi = gate.on_frame(h.els_request(0x11, encode_plogi(false, 1, 2)), 0);
  const auto& reply = plogi.frames.at(0);
  BOOST_TEST(reply.header.r_ctl == r_ctl::els_reply);
  BOOST_TEST(reply.header.type == fc_type_els);
  BOOST_TEST(reply.header.rx_id != 0xFFFF);
  BOOST_TEST(decode_plogi(h.els_reply(reply, 0x11).value()).value().port_name == (strict.port_name | port_id));
  BOOST_TEST(gate.on_frame(command_frame(2), 0).dropped.find("not logged in") != std::string::npos);
  auto prli = gate.on_frame(h.els_request(0x12, encode_prli(false)), 0);
  BOOST_TEST(decode_prli(h.els_reply(prli.frames.at(0), 0x12).value()).value() == (els::target_function | 0x02));
  auto fcp = gate.on_frame(command_frame(3), 0);
  BOOST_TEST(fcp.dropped.empty());
  BOOST_TEST(fcp.executed.has_value());
  auto unknown = gate.on_frame(h.els_request(0x13, bytes{0x05, 0, 0, 0}), 0);  // LOGO
  BOOST_TEST(unknown.frames.at(0).payload == encode_ls_rjt(els::reason_not_supported));
  gate.on_frame(h.els_request(0x14, encode_plogi(false, 1, 2)), 0);  // a new PLOGI ends the process login
  BOOST_TEST(!gate.on_frame(command_frame(4), 0).dropped.empty());
}

BOOST_FIXTURE_TEST_CASE(the_same_write_command_before_its_data_asks_for_the_data_again, fixture) {
  const auto cmd = build_command("snapshot-create", {"again"}).value();
  fc_initiator_session first{host_id, port_id};
  const auto cmnd = first.start({0x0600, 0, cmd.cdb, 0, cmd.data_out}).value();
  const auto xfer = port.on_frame(cmnd, 0).frames.at(0);
  // the initiator lost its link before sending the data; a new one retries
  fc_initiator_session second{host_id, port_id};
  const auto retry = second.start({0x0600, 0, cmd.cdb, 0, cmd.data_out}).value();
  BOOST_TEST((retry.payload == cmnd.payload));
  auto again = port.on_frame(retry, 5);
  BOOST_REQUIRE_EQUAL(again.frames.size(), 1u);
  BOOST_TEST(again.frames[0].header.r_ctl == r_ctl::data_descriptor);
  BOOST_TEST(again.frames[0].header.rx_id == xfer.header.rx_id);
  auto data = second.on_frame(again.frames[0]).value().send.at(0);
  auto done = port.on_frame(data, 6);
  BOOST_REQUIRE(done.executed);
  BOOST_TEST(luns.mutations == 1);
  auto other = build_command("snapshot-create", {"other"}).value();
  fc_initiator_session third{host_id, port_id};
  auto open = port.on_frame(third.start({0x0700, 0, other.cdb, 0, other.data_out}).value(), 7);
  BOOST_TEST(open.frames.size() == 1u);
  auto clash = build_command("snapshot-create", {"clashing"}).value();  // another IU: its length differs
  fc_initiator_session fourth{host_id, port_id};
  BOOST_TEST(!port.on_frame(fourth.start({0x0700, 0, clash.cdb, 0, clash.data_out}).value(), 8).dropped.empty());
}
