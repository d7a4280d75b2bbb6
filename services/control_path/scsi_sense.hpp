#pragma once
// scsi_sense: fixed-format sense data (SPC-4 4.5.3, response code 0x70) and
// the names of the sense keys and additional sense codes this target uses.
//
//   0 0x70 (current, fixed)  2 sense key (bits 3-0)  7 additional length (10)
//  12 ASC  13 ASCQ  15-17 sense-key specific: byte 15 bit 7 SKSV, bit 6 C/D
//  (1: the field is in the CDB, 0: in the parameter data), bit 3 BPV, bits
//  2-0 bit pointer; bytes 16-17 field pointer (the byte in error).

#include "services/control_path/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace storemesh::services::control_path {

namespace sense_key {
inline constexpr std::uint8_t no_sense = 0x0;
inline constexpr std::uint8_t not_ready = 0x2;
inline constexpr std::uint8_t medium_error = 0x3;
inline constexpr std::uint8_t hardware_error = 0x4;
inline constexpr std::uint8_t illegal_request = 0x5;
inline constexpr std::uint8_t aborted_command = 0xB;
} // namespace sense_key

/// An additional sense code and qualifier (asc << 8 | ascq).
struct asc_pair {
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
};
namespace asc {
inline constexpr asc_pair invalid_command_operation_code{0x20, 0x00};
inline constexpr asc_pair invalid_field_in_cdb{0x24, 0x00};
inline constexpr asc_pair logical_unit_not_supported{0x25, 0x00};
inline constexpr asc_pair invalid_field_in_parameter_list{0x26, 0x00};
inline constexpr asc_pair parameter_list_length_error{0x1A, 0x00};
inline constexpr asc_pair saving_parameters_not_supported{0x39, 0x00};
inline constexpr asc_pair internal_target_failure{0x44, 0x00};
// Vendor specific (ASC 0x80-0xFF is the vendor's): FC_FORMAT.md, "Sense".
inline constexpr asc_pair snapshot_exists{0x80, 0x01};
inline constexpr asc_pair snapshot_not_found{0x80, 0x02};
inline constexpr asc_pair replication_active{0x80, 0x03};
inline constexpr asc_pair replication_not_active{0x80, 0x04};
inline constexpr asc_pair too_many_snapshots{0x80, 0x05};
} // namespace asc

/// Where the field in error is: byte (and bit) of the CDB or parameter list.
struct field_pointer {
  bool in_cdb = true;
  std::uint16_t byte = 0;
  std::optional<std::uint8_t> bit;
};

struct sense_data {
  std::uint8_t key = 0;
  asc_pair code;
  std::optional<field_pointer> field;
};

/// The 18 bytes of fixed-format sense.
[[nodiscard]] bytes encode_sense(const sense_data& s);
/// Parses fixed (0x70/0x71) or descriptor (0x72/0x73) format key/ASC/ASCQ;
/// nullopt when the bytes are not sense data.
[[nodiscard]] std::optional<sense_data> decode_sense(const bytes& b);
/// "ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (asc 20h ascq 00h)",
/// with ", field: CDB byte 2 bit 0" when a field pointer is present.
[[nodiscard]] std::string describe_sense(const sense_data& s);
[[nodiscard]] std::string sense_key_name(std::uint8_t key);

} // namespace storemesh::services::control_path
