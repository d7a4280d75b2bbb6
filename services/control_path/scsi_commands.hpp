#pragma once
// scsi_commands: the initiator's side of the commands scsi_target executes.
// build_command makes the CDB (and the data-out) of an operation named as the
// CLI names it; render_outcome turns what came back (status, sense, data-in)
// into a line of text and a JSON object for the CLI to print.
//
//   operation            args     CDB
//   inquiry              -        12h, allocation 255
//   inquiry-vpd          [PAGE]   12h EVPD=1, page 0x83 (or 0x00), allocation 255
//   report-luns          -        A0h, allocation 4096
//   test-unit-ready      -        00h
//   read-capacity        -        9Eh/10h READ CAPACITY(16), allocation 32
//   mode-sense           -        1Ah MODE SENSE(6), all pages, allocation 255
//   snapshot-create      NAME     C0h, name as data-out
//   snapshot-list        -        C1h, allocation 8 + 80 * 256
//   snapshot-delete      NAME     C2h, name as data-out
//   replication-start    TARGET   C3h, target name as data-out
//   replication-stop     -        C4h
//   replication-status   -        C5h, allocation 80

#include "events/envelope/envelope_json.hpp"
#include "events/error.hpp"
#include "services/control_path/bytes.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::control_path {

using events::envelope::json_string;

struct built_command {
  std::string operation;
  std::array<std::uint8_t, 16> cdb{};
  bytes data_out;                 // empty unless the command writes a parameter list
  std::uint32_t data_in_length = 0;
};

/// The operation names build_command knows, in the table's order.
[[nodiscard]] const std::vector<std::string>& operation_names();
[[nodiscard]] result<built_command> build_command(std::string_view operation, const std::vector<std::string>& args);

// -- decoded data-in --------------------------------------------------------
struct inquiry_data { std::uint8_t device_type = 0; std::string vendor, product, revision; };
struct vpd_pages { std::vector<std::uint8_t> pages; };
struct vpd_device_id { std::vector<std::string> designators; };  // "naa.3xxxxxxxxxxxxxxx"
struct lun_list { std::vector<std::uint64_t> luns; };
struct capacity { std::uint64_t last_lba = 0; std::uint32_t block_length = 0; };
struct mode_data { std::size_t block_descriptor_bytes = 0; std::vector<std::uint8_t> pages; };
struct snapshot_entry { std::string name; std::uint64_t size_bytes = 0; std::uint64_t created_unix_s = 0; };
struct snapshot_listing { std::vector<snapshot_entry> snapshots; bool truncated = false; };
struct replication_report { std::string state; std::string target; std::uint64_t bytes_copied = 0; };

[[nodiscard]] result<inquiry_data> decode_inquiry(const bytes& d);
[[nodiscard]] result<vpd_pages> decode_vpd_pages(const bytes& d);
[[nodiscard]] result<vpd_device_id> decode_vpd_device_id(const bytes& d);
[[nodiscard]] result<lun_list> decode_lun_list(const bytes& d);
[[nodiscard]] result<capacity> decode_capacity(const bytes& d);
[[nodiscard]] result<mode_data> decode_mode_sense6(const bytes& d);
[[nodiscard]] result<snapshot_listing> decode_snapshot_list(const bytes& d);
[[nodiscard]] result<replication_report> decode_replication_status(const bytes& d);

struct rendering {
  std::string text;  // one line (or a few) for a terminal
  std::string json;  // one JSON object
};

/// What an operation's answer means: "GOOD" data decoded, or the sense
/// described ("CHECK CONDITION: ILLEGAL REQUEST: ... (asc 20h ascq 00h)").
/// A data-in that does not decode fails with bad_data_in.
[[nodiscard]] result<rendering> render_outcome(const built_command& command, std::uint8_t status,
                                               const bytes& sense, const bytes& data_in);


} // namespace storemesh::services::control_path
