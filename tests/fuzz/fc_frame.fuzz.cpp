// Fuzz target: the bytes an FC port receives, through the frame codec, the
// FCP IU decoders, the data-in decoders and the storage's port session.
//
// Invariants beyond "no crash, no UB":
//   - a decoded frame re-encodes to exactly the input bytes;
//   - every frame the port sends encodes, decodes back equal, is addressed to
//     the sender, and carries an assigned RX_ID (never FFFF);
//   - a command is executed at most once per exchange the port answered.
#include "services/control_path/fc_frame.hpp"
#include "services/control_path/fc_target_session.hpp"
#include "services/control_path/memory_luns.test.hpp"
#include "services/control_path/scsi_commands.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace cp = storemesh::services::control_path;

namespace {

void through_the_port(const cp::bytes& input) {
  const auto frame = cp::decode_frame(input);
  if (!frame) return;
  const auto again = cp::encode_frame(frame.value());
  FUZZ_CHECK(again.has_value() && again.value() == input, "a decoded frame re-encodes to its bytes");

  cp::testing::memory_luns luns;
  cp::scsi_target target("fuzz", luns);
  cp::target_port_config config;
  config.port_id = frame.value().header.d_id;  // so the frame reaches the session's logic
  cp::fc_target_session port(config, target);
  for (int round = 0; round < 2; ++round) {  // the second is a retry of the same frame
    const auto out = port.on_frame(frame.value(), 0);
    FUZZ_CHECK(round == 0 || !out.executed, "a retried frame does not run again");
    for (const auto& f : out.frames) {
      const auto wire = cp::encode_frame(f);
      FUZZ_CHECK(wire.has_value(), "the port's frames encode");
      const auto back = cp::decode_frame(wire.value());
      FUZZ_CHECK(back.has_value() && back.value() == f, "the port's frames decode back");
      FUZZ_CHECK(f.header.d_id == frame.value().header.s_id, "answers go to the sender");
      FUZZ_CHECK(f.header.rx_id != 0xFFFF, "an answer carries an assigned RX_ID");
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cp::bytes input(data, data + size);
  // The payload decoders see the raw bytes too: they must refuse, not crash.
  (void)cp::decode_fcp_cmnd(input);
  (void)cp::decode_fcp_rsp(input);
  (void)cp::decode_fcp_xfer_rdy(input);
  (void)cp::decode_sense(input);
  (void)cp::decode_inquiry(input);
  (void)cp::decode_vpd_device_id(input);
  (void)cp::decode_lun_list(input);
  (void)cp::decode_mode_sense6(input);
  (void)cp::decode_snapshot_list(input);
  (void)cp::decode_replication_status(input);

  through_the_port(input);
  // The same bytes as header + data field, framed with a valid CRC, so that
  // the session's logic is reached without the fuzzer forging CRCs.
  if (size >= cp::fc_header_bytes) {
    cp::bytes framed{0xBC, 0xB5, 0x56, 0x56};
    framed.insert(framed.end(), input.begin(), input.end());
    const std::uint32_t crc = cp::fc_crc32(input.data(), input.size());
    for (int i = 0; i < 4; ++i) framed.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
    framed.insert(framed.end(), {0xBC, 0x95, 0x75, 0x75});
    through_the_port(framed);
  }
  return 0;
}
