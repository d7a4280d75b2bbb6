#pragma once
// The operation codes this target executes and the layouts of its vendor
// specific CDBs (FC_FORMAT.md, "Vendor commands"), shared by the target and
// the initiator's command builder so the two cannot disagree.

#include <cstddef>
#include <cstdint>

namespace storemesh::services::control_path {

namespace opcode {
inline constexpr std::uint8_t test_unit_ready = 0x00;
inline constexpr std::uint8_t inquiry = 0x12;
inline constexpr std::uint8_t mode_sense_6 = 0x1A;
inline constexpr std::uint8_t mode_sense_10 = 0x5A;
inline constexpr std::uint8_t service_action_in_16 = 0x9E;  // READ CAPACITY(16) is action 0x10
inline constexpr std::uint8_t report_luns = 0xA0;
// vendor specific (0xC0-0xFF)
inline constexpr std::uint8_t snapshot_create = 0xC0;
inline constexpr std::uint8_t snapshot_list = 0xC1;
inline constexpr std::uint8_t snapshot_delete = 0xC2;
inline constexpr std::uint8_t replication_start = 0xC3;
inline constexpr std::uint8_t replication_stop = 0xC4;
inline constexpr std::uint8_t replication_status = 0xC5;
} // namespace opcode

inline constexpr std::uint8_t read_capacity_16_action = 0x10;
inline constexpr std::uint32_t block_bytes = 512;

// Vendor CDB (12 bytes): 0 opcode, 1-5 reserved (0), 6-9 length (big-endian:
// the parameter list length of a data-out command, the allocation length of a
// data-in command, 0 otherwise), 10 reserved, 11 control (0).
inline constexpr std::size_t vendor_cdb_length_offset = 6;
inline constexpr std::size_t max_name_bytes = 63;
// Snapshot list data-in: 8-byte header (0-3 entry bytes that follow, all of
// them even when truncated; 4-7 reserved), then entries of 80 bytes:
// 0-63 name (ASCII, NUL padded), 64-71 size in bytes, 72-79 created (Unix s).
inline constexpr std::size_t snapshot_entry_bytes = 80;
// Replication status data-in (80 bytes): 0 state (0 none, 1 active,
// 2 stopped), 1-7 reserved, 8-15 bytes copied, 16-79 target (NUL padded).
inline constexpr std::size_t replication_status_bytes = 80;

} // namespace storemesh::services::control_path
