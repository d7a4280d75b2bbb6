#pragma once
// fcp: FCP-4 information units carried in FC-2 frames of TYPE 0x08, and the
// R_CTL and F_CTL values FC-FS gives the frames that carry them
// (FC_FORMAT.md, "FCP").
//
//   FCP_CMND (R_CTL 0x06)          FCP_RSP (R_CTL 0x07)
//    0  8 FCP_LUN (SAM-5)           0  8 reserved
//    8  1 command reference number  8  2 retry delay timer
//    9  1 task attribute (bits 2-0) 10 1 flags: 0x08 RESID_UNDER 0x04 RESID_OVER
//   10  1 task management flags            0x02 SNS_LEN_VALID 0x01 RSP_LEN_VALID
//   11  1 additional CDB length    11  1 SCSI status
//         (bits 7-2, in words),    12  4 FCP_RESID
//         RDDATA 0x02, WRDATA 0x01 16  4 FCP_SNS_LEN
//   12 16 CDB                      20  4 FCP_RSP_LEN
//   28 4n additional CDB           24  - FCP_RSP_INFO (4 or 8 bytes), sense data
//   .. 4  FCP_DL
//
//   FCP_XFER_RDY (R_CTL 0x05): 0 4 FCP_DATA_RO, 4 4 FCP_BURST_LEN, 8 4 reserved
//   FCP_DATA (R_CTL 0x01): the bytes; the frame's Parameter is their offset.

#include "events/error.hpp"
#include "services/control_path/bytes.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace storemesh::services::control_path {

inline constexpr std::uint8_t fc_type_fcp = 0x08;

/// R_CTL: routing Device_Data (0x0_) and the information category.
namespace r_ctl {
inline constexpr std::uint8_t solicited_data = 0x01;       // FCP_DATA
inline constexpr std::uint8_t data_descriptor = 0x05;      // FCP_XFER_RDY
inline constexpr std::uint8_t unsolicited_command = 0x06;  // FCP_CMND
inline constexpr std::uint8_t command_status = 0x07;       // FCP_RSP
} // namespace r_ctl

/// F_CTL bits (FC-FS table 37), 24-bit word.
namespace f_ctl {
inline constexpr std::uint32_t exchange_responder = 1u << 23;  // 0: originator's frame
inline constexpr std::uint32_t sequence_recipient = 1u << 22;  // 0: sequence initiator's frame
inline constexpr std::uint32_t first_sequence = 1u << 21;      // first sequence of the exchange
inline constexpr std::uint32_t last_sequence = 1u << 20;       // last sequence of the exchange
inline constexpr std::uint32_t end_sequence = 1u << 19;        // last frame of the sequence
inline constexpr std::uint32_t sequence_initiative = 1u << 16; // hands the initiative over
inline constexpr std::uint32_t relative_offset = 1u << 3;      // Parameter is a relative offset
inline constexpr std::uint32_t fill_bytes_mask = 0x3;
} // namespace f_ctl

/// SCSI status codes carried in FCP_RSP.
namespace scsi_status {
inline constexpr std::uint8_t good = 0x00;
inline constexpr std::uint8_t check_condition = 0x02;
inline constexpr std::uint8_t busy = 0x08;
inline constexpr std::uint8_t task_set_full = 0x28;
} // namespace scsi_status

/// FCP_RSP_INFO response codes (FCP-4 table 25).
namespace rsp_code {
inline constexpr std::uint8_t complete = 0x00;
inline constexpr std::uint8_t data_length_mismatch = 0x01;
inline constexpr std::uint8_t cmnd_fields_invalid = 0x02;
inline constexpr std::uint8_t tmf_not_supported = 0x04;
inline constexpr std::uint8_t incorrect_lun = 0x09;
} // namespace rsp_code

using fcp_lun = std::array<std::uint8_t, 8>;

/// SAM-5 single-level LUN: peripheral device addressing below 256, flat
/// space addressing below 16384; larger numbers fail with bad_lun.
[[nodiscard]] result<fcp_lun> encode_lun(std::uint64_t lun);
/// The LUN number of a single-level peripheral or flat-space LUN; other
/// addressing methods and multi-level LUNs fail with bad_lun.
[[nodiscard]] result<std::uint64_t> decode_lun(const fcp_lun& lun);

struct fcp_cmnd {
  fcp_lun lun{};
  std::uint8_t crn = 0;
  std::uint8_t task_attribute = 0;   // 0 SIMPLE
  std::uint8_t task_management = 0;  // 0: a command, not a task management function
  bool read_data = false;            // RDDATA: data-in expected
  bool write_data = false;           // WRDATA: data-out follows
  std::array<std::uint8_t, 16> cdb{};
  bytes additional_cdb;              // multiple of 4, at most 252 bytes
  std::uint32_t data_length = 0;     // FCP_DL
};

enum class residual_kind : std::uint8_t { none, under, over };

struct fcp_rsp {
  std::uint16_t retry_delay = 0;
  std::uint8_t status = scsi_status::good;
  residual_kind residual_is = residual_kind::none;
  std::uint32_t residual = 0;
  std::optional<std::uint8_t> response_code;  // FCP_RSP_INFO present when set
  bytes sense;                                // FCP_SNS_LEN_VALID when not empty
};

struct fcp_xfer_rdy {
  std::uint32_t relative_offset = 0;
  std::uint32_t burst_length = 0;
};

[[nodiscard]] result<bytes> encode_fcp_cmnd(const fcp_cmnd& c);
[[nodiscard]] result<fcp_cmnd> decode_fcp_cmnd(const bytes& iu);
[[nodiscard]] bytes encode_fcp_rsp(const fcp_rsp& r);
[[nodiscard]] result<fcp_rsp> decode_fcp_rsp(const bytes& iu);
[[nodiscard]] bytes encode_fcp_xfer_rdy(const fcp_xfer_rdy& x);
[[nodiscard]] result<fcp_xfer_rdy> decode_fcp_xfer_rdy(const bytes& iu);

} // namespace storemesh::services::control_path
