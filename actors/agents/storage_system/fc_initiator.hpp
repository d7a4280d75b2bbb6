#pragma once
// fc_initiator: a blocking FCP initiator over the simulated FC link, for the
// host that has the link. execute() runs one exchange to its FCP_RSP.
//
// Login: on every (re)connect it logs in first (PLOGI, then PRLI for FCP),
// as an N_Port does after a link comes up; a refused login fails the call
// (unexpected_frame). The ELS exchanges use OX_IDs FF00-FFFE; the port keeps
// nothing of them, so they never collide with a command's OX_ID.
//
// Thread-safe: calls are serialized (one exchange at a time on the link, as
// one fc_initiator_session holds one). The link is connected on first use
// and again on the next call after it dropped.
//
// Errors (fc_errc), sorted as a caller retries them:
//   link_down   the port is not there or closed mid-exchange; the command may
//               or may not have run (the port's exec log says). Retryable with
//               the SAME OX_ID: the port answers a retry of a completed
//               exchange from what it kept and does not run it again.
//   timeout     no FCP_RSP within the deadline; the exchange is abandoned
//               (late frames for it are ignored). Retryable as link_down.
//   unexpected_frame / malformed answers, bad_argument: fatal for this command.

#include "actors/agents/storage_system/seqpacket.hpp"
#include "events/error.hpp"
#include "services/control_path/fc_initiator_session.hpp"

#include <array>
#include <chrono>
#include <mutex>
#include <string>

namespace storemesh::actors::storage_system {

namespace cp = services::control_path;

struct initiator_options {
  std::string socket_path;
  std::uint32_t own_id = 0x010100;     // S_ID of this host's port
  std::uint32_t target_id = 0x010200;  // D_ID of the storage port
  bool login = true;                   // PLOGI + PRLI on each connect
  std::uint64_t port_name = 0x3000000000010100;  // our WWPN (NAA 3, locally assigned)
  std::uint64_t node_name = 0x3100000000010100;  // our WWNN
};

class fc_initiator {
public:
  explicit fc_initiator(initiator_options options);

  /// Runs the command; data_out is the parameter list of a write command
  /// (then data_in_len must be 0).
  [[nodiscard]] result<cp::scsi_outcome> execute(std::uint16_t ox_id, std::uint64_t lun, const std::array<std::uint8_t, 16>& cdb,
                                                 std::uint32_t data_in_len, std::chrono::milliseconds timeout,
                                                 const bytes& data_out = {});
  /// Drops the connection (the next call reconnects).
  void disconnect();

private:
  result<void> send_frame(const cp::fc_frame& f);
  result<void> connect(std::chrono::steady_clock::time_point deadline);
  result<bytes> els(bytes request, std::chrono::steady_clock::time_point deadline);
  initiator_options options_;
  std::mutex mutex_;
  unique_fd link_;
  cp::fc_initiator_session session_;
  std::uint16_t els_ox_id_ = 0xFF00;
};

} // namespace storemesh::actors::storage_system
