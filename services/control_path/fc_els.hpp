#pragma once
// fc_els: the extended link services an N_Port logs in with before FCP
// (FC-LS): PLOGI (port login) and PRLI (process login, FCP type), their
// LS_ACC, and LS_RJT for anything else. ELS frames are TYPE 0x01, R_CTL
// 0x22 (request) and 0x23 (reply).
//
//   PLOGI / its LS_ACC (116 bytes): 0 command (03 / 02) + 3 zero bytes,
//     4 common service parameters (16), 20 port name (8), 28 node name (8),
//     36 class 1..4 service parameters (4 x 16; class 3 valid), 100 vendor version (16)
//   PRLI / its LS_ACC (20 bytes): 0 command (20 / 02), 1 page length (0x10),
//     2 payload length (20), 4 the FCP service parameter page: type 08,
//     flags 0x20 "establish image pair" (LS_ACC: | response code 1 "executed"),
//     16 service parameters (initiator function 0x20, target function 0x10,
//     read FCP_XFER_RDY disabled 0x02)
//   LS_RJT (8 bytes): 0 command 01, 5 reason code (0B: command not supported)

#include "events/error.hpp"
#include "services/control_path/bytes.hpp"

#include <cstdint>

namespace storemesh::services::control_path {

inline constexpr std::uint8_t fc_type_els = 0x01;
namespace r_ctl {
inline constexpr std::uint8_t els_request = 0x22;
inline constexpr std::uint8_t els_reply = 0x23;
} // namespace r_ctl

namespace els {
inline constexpr std::uint8_t ls_rjt = 0x01;
inline constexpr std::uint8_t ls_acc = 0x02;
inline constexpr std::uint8_t plogi = 0x03;
inline constexpr std::uint8_t prli = 0x20;
inline constexpr std::uint8_t reason_not_supported = 0x0B;
inline constexpr std::uint32_t initiator_function = 0x20;
inline constexpr std::uint32_t target_function = 0x10;
} // namespace els

/// A PLOGI (accept = false) or its LS_ACC: our names, class 3, 2048-byte frames.
[[nodiscard]] bytes encode_plogi(bool accept, std::uint64_t port_name, std::uint64_t node_name);
/// A PRLI for FCP (accept = false: as an initiator) or its LS_ACC (as a target).
[[nodiscard]] bytes encode_prli(bool accept);
[[nodiscard]] bytes encode_ls_rjt(std::uint8_t reason);

struct plogi_params {
  std::uint64_t port_name = 0;
  std::uint64_t node_name = 0;
  bool class3 = false;
};
/// The names and class 3 validity of a PLOGI or its LS_ACC.
[[nodiscard]] result<plogi_params> decode_plogi(const bytes& payload);
/// A PRLI or LS_ACC for FCP: its service parameters word; fails on another
/// FC-4 type or an LS_ACC whose response code is not "executed".
[[nodiscard]] result<std::uint32_t> decode_prli(const bytes& payload);

} // namespace storemesh::services::control_path
