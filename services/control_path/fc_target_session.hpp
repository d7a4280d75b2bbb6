#pragma once
// fc_target_session: the storage system's FC port, sans-IO. Frames in, frames
// out; the SCSI work is scsi_target's. One instance per port; not
// thread-safe (the port server calls it from one thread).
//
// An exchange, as FC-FS and FCP-4 run it (class 3: no ACKs):
//
//   initiator                         target (this)
//   FCP_CMND  OX_ID=x RX_ID=FFFF  ->  assigns RX_ID=y (unique among open ones)
//   [write]                       <-  FCP_XFER_RDY  (sequence initiative to the initiator)
//   [write]   FCP_DATA  x/y       ->  executes when FCP_DL bytes are in
//   [read]                        <-  FCP_DATA x/y  (one sequence, frames of <= 2048 bytes,
//                                                    Parameter = relative offset)
//                                 <-  FCP_RSP x/y   (last sequence: the exchange ends)
//
// Each sequence the port sends gets the next SEQ_ID (8 bits, wrapping); its
// frames count SEQ_CNT from 0, the first carries SOFi3, the others SOFn3, the
// last EOFt, the others EOFn.
//
// Refusals (FC_FORMAT.md, "Refusals"): a frame not for this port's D_ID, of a
// TYPE other than FCP, of an unknown R_CTL, FCP_DATA for no open exchange, or
// an FCP_CMND reusing the OX_ID of an open exchange is dropped (class 3 has no
// way to reject it; `dropped` says why); the same FCP_CMND again while its
// exchange waits for data-out gets FCP_XFER_RDY again (nothing ran yet). A malformed FCP_CMND IU gets an
// FCP_RSP with response code 02h, a task management request 04h, a full
// exchange table status TASK SET FULL; none of them reaches the SCSI target.
//
// Login (FC-LS): PLOGI and PRLI (FCP) from an initiator get LS_ACC; any other
// ELS gets LS_RJT (command not supported), a PRLI before PLOGI LS_RJT
// (logical error). With require_login, an FCP_CMND from a port without both
// logins is dropped (class 3: no reject); without it, FCP works unlogged too.
//
// Retries: a completed exchange's answer is kept for the last replay_window
// exchanges; an FCP_CMND with the same S_ID, OX_ID and IU bytes gets that
// answer again and runs nothing, so a retried command never executes twice.

#include "services/control_path/fc_els.hpp"
#include "services/control_path/fc_frame.hpp"
#include "services/control_path/fcp.hpp"
#include "services/control_path/scsi_target.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::services::control_path {

struct target_port_config {
  std::uint32_t port_id = 0x010200;        // this port's N_Port address (D_ID it accepts)
  std::size_t max_open_exchanges = 16;     // exchanges waiting for data-out
  std::size_t data_frame_bytes = 2048;     // FCP_DATA payload per frame (a multiple of 4)
  std::uint32_t max_data_out_bytes = 4096; // the largest parameter list accepted
  std::size_t replay_window = 256;         // completed exchanges kept for retries (0: none)
  bool require_login = false;              // FCP only after PLOGI and PRLI
  std::size_t max_logins = 64;             // initiators logged in at once (the oldest is forgotten)
  std::uint64_t port_name = 0x3000000000000000;  // WWPN, NAA 3; the port id is added
  std::uint64_t node_name = 0x3100000000000000;  // WWNN, NAA 3; the port id is added
};

/// One command the SCSI target ran: what the port server's exec log records.
struct executed_exchange {
  std::uint16_t ox_id = 0;
  std::uint16_t rx_id = 0;
  std::uint32_t s_id = 0;
  std::uint8_t opcode = 0;
  std::uint64_t lun = 0;
  std::uint8_t status = 0;
};

struct target_output {
  std::vector<fc_frame> frames;            // to send, in order
  std::optional<executed_exchange> executed;
  bool replayed = false;                   // frames are a kept answer to a retry
  std::string dropped;                     // why the frame got no answer; empty when answered
};

class fc_target_session {
public:
  fc_target_session(target_port_config config, scsi_target& target);

  /// now_ms: the caller's clock, only compared with expire()'s.
  [[nodiscard]] target_output on_frame(const fc_frame& frame, std::uint64_t now_ms);
  /// Forgets exchanges that waited for data-out longer than idle_ms (their
  /// commands never ran); returns how many.
  std::size_t expire(std::uint64_t now_ms, std::uint64_t idle_ms);
  [[nodiscard]] std::size_t open_exchanges() const { return open_.size(); }

private:
  struct exchange {
    std::uint16_t rx_id = 0;
    fcp_cmnd command;
    std::uint64_t lun = 0;
    bytes cmnd_iu;
    bytes data_out;
    std::uint64_t opened_ms = 0;
  };
  struct kept {
    bytes cmnd_iu;
    std::vector<fc_frame> frames;
  };
  using key = std::uint64_t;  // S_ID << 16 | OX_ID
  target_output on_command(const fc_frame& f, std::uint64_t now_ms);
  target_output on_els(const fc_frame& f);
  target_output on_data(const fc_frame& f);
  target_output run(const fc_header& cmnd, exchange ex);
  target_output answer_only(const fc_header& cmnd, std::uint16_t rx_id, const fcp_rsp& rsp);
  std::uint16_t next_rx_id();
  fc_frame frame_to(const fc_header& cmnd, std::uint16_t rx_id, std::uint8_t r_ctl, std::uint32_t f_ctl, bytes payload);
  void keep(key k, bytes iu, const std::vector<fc_frame>& frames);

  target_port_config config_;
  scsi_target& target_;
  std::map<key, exchange> open_;
  std::map<key, kept> kept_;
  std::deque<key> kept_order_;
  std::map<std::uint32_t, bool> logins_;  // S_ID -> PRLI done (PLOGI done when present)
  std::deque<std::uint32_t> login_order_;
  std::uint16_t last_rx_id_ = 0;
  std::uint8_t seq_id_ = 0;
};

} // namespace storemesh::services::control_path
