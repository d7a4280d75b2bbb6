#pragma once
// fc_initiator: a blocking FCP initiator over the simulated FC link, for the
// host that has the link. execute() runs one exchange to its FCP_RSP.
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
  initiator_options options_;
  std::mutex mutex_;
  unique_fd link_;
  cp::fc_initiator_session session_;
};

} // namespace storemesh::actors::storage_system
