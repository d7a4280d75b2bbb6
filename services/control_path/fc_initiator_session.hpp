#pragma once
// fc_initiator_session: the initiator's side of one FCP exchange at a time,
// sans-IO. start() gives the FCP_CMND frame; on_frame() takes each frame
// that comes back and gives frames to send (the data-out after FCP_XFER_RDY)
// and, at the FCP_RSP, the outcome. Not thread-safe.
//
//   idle --start--> waiting --FCP_XFER_RDY--> (data-out sent) waiting
//   waiting --FCP_DATA--> waiting (data collected at its relative offset)
//   waiting --FCP_RSP--> idle (outcome)         waiting --abandon--> idle
//
// A frame for another OX_ID (a late answer to an abandoned exchange) is
// ignored; a frame for this OX_ID from the wrong port, with an RX_ID other
// than the one first assigned, or not decodable fails the exchange.

#include "services/control_path/fc_frame.hpp"
#include "services/control_path/fcp.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace storemesh::services::control_path {

struct scsi_outcome {
  std::uint8_t status = 0;
  bytes sense;
  bytes data;                // data-in, as many bytes as arrived (at most the expected length)
  std::uint16_t rx_id = 0xFFFF;
  std::optional<std::uint8_t> response_code;  // FCP_RSP_INFO, when the port refused the IU
};

struct initiator_step {
  std::vector<fc_frame> send;
  std::optional<scsi_outcome> outcome;  // set when the exchange is complete
};

struct fcp_command {
  std::uint16_t ox_id = 0;
  std::uint64_t lun = 0;
  std::array<std::uint8_t, 16> cdb{};
  std::uint32_t data_in_length = 0;
  bytes data_out;
};

class fc_initiator_session {
public:
  /// own_id: this port's address (S_ID); target_id: the storage port (D_ID).
  fc_initiator_session(std::uint32_t own_id, std::uint32_t target_id);

  /// The FCP_CMND frame of a new exchange; fails while one is open, or on a
  /// LUN SAM-5 cannot express, or data both ways.
  [[nodiscard]] result<fc_frame> start(const fcp_command& command);
  [[nodiscard]] result<initiator_step> on_frame(const fc_frame& frame);
  /// An ELS request (PLOGI, PRLI) as the first and only sequence of its exchange.
  [[nodiscard]] fc_frame els_request(std::uint16_t ox_id, bytes payload);
  /// The payload of the reply to an ELS request: an LS_RJT or a frame that
  /// is not the reply to ox_id fails with unexpected_frame.
  [[nodiscard]] result<bytes> els_reply(const fc_frame& frame, std::uint16_t ox_id) const;
  /// Gives up on the open exchange (timeout, link down); later frames for it are ignored.
  void abandon();
  [[nodiscard]] bool busy() const { return open_.has_value(); }

private:
  struct open_exchange {
    fcp_command command;
    std::uint16_t rx_id = 0xFFFF;
    bytes data;
  };
  result<initiator_step> complete(const fc_frame& f);
  std::uint32_t own_;
  std::uint32_t target_;
  std::uint8_t seq_id_ = 0;
  std::optional<open_exchange> open_;
};

} // namespace storemesh::services::control_path
