#pragma once
// A host on the TCP/IP network that converts control commands for storage
// systems that speak only Fibre Channel (`storemesh host intercept`). Its
// interceptor (agents/control_path) passes other traffic to the upstream
// untouched and hands it each control request; the agent answers it:
//
//   request --> the storage system known and linked? (the log, control_view)
//          |--> linked to another host: forward{R} to the log, then the request
//          |    over TCP to that host's interceptor; its reply is the reply
//          '--> linked here: convert{R} to the log, under an id derived from R
//               and signed at R's issue time; wait for its outcome:
//                 refused (duplicate, expired, ...)  -> an error reply; nothing is sent
//                 converted, OX_ID assigned          -> FCP_CMND on the FC link with it
//                                                       -> answer{R} (FCP_RSP came) or
//                                                          fail{R, sent?} to the log
//
// So a request id reaches the storage system at most once, whoever retries it
// and at whichever host: the runtime decides convert{R} once. A host killed
// between convert and answer leaves the exchange open; when it starts again
// it fails its open exchanges as "outcome unknown" (the frame may have left),
// so the log never claims an answer it did not see.
//
//   created --start()--> started (attached; interceptor listening) --stop()--> stopped

#include "actors/agents/control_host/control_view.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "services/control_path/control_protocol.hpp"
#include "services/control_path/scsi_commands.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace storemesh::agents::control_path {
class interceptor;
}

namespace storemesh::actors::control_host {

/// What came back over the FC link for one exchange.
struct fc_answer {
  std::uint8_t status = 0;
  services::control_path::bytes sense, data;
  std::uint16_t rx_id = 0;
};
/// An FC link failure, and whether the FCP_CMND had left the host.
struct fc_failure {
  std::string reason;
  bool sent = false;
};
/// Runs one exchange on the FC link to the port `fc_port` (thread-safe).
using fc_link = std::function<std::variant<fc_answer, fc_failure>(
    const std::string& fc_port, std::uint16_t ox_id, std::uint64_t lun,
    const services::control_path::built_command& command, std::chrono::milliseconds timeout)>;

struct control_host_options {
  std::string host;      ///< its name in the log
  std::string listen;    ///< where its interceptor listens, host:port
  std::string upstream;  ///< where other traffic goes, host:port
  std::chrono::milliseconds decide_timeout{10'000};   ///< for the log to decide a convert
  std::chrono::milliseconds fc_timeout{10'000};       ///< for the storage system to answer
  std::chrono::milliseconds forward_timeout{30'000};  ///< for the linked host to answer
  std::chrono::milliseconds catch_up_timeout{30'000};
  std::chrono::nanoseconds max_clock_skew = std::chrono::seconds(30);  ///< a request issued further ahead is refused
  unsigned workers = 4;
};

class control_host_agent {
public:
  control_host_agent(control_host_options opts, std::unique_ptr<events::event_log> read_log,
                     std::unique_ptr<coordination::command_writer> writer, topics names, fc_link link);
  ~control_host_agent();
  control_host_agent(const control_host_agent&) = delete;
  control_host_agent& operator=(const control_host_agent&) = delete;

  /// Reads the log to its end, attaches the host, fails the exchanges it left
  /// open, and listens. Errors as values with a clear message.
  [[nodiscard]] result<void> start();
  void stop();
  [[nodiscard]] std::uint16_t port() const;

  /// One control request, as the interceptor hands it (public for tests).
  [[nodiscard]] services::control_path::control_reply handle(const services::control_path::control_request& r);

private:
  [[nodiscard]] services::control_path::control_reply forward(const services::control_path::control_request& r,
                                                              const std::string& to_host, const std::string& endpoint);
  [[nodiscard]] services::control_path::control_reply convert(const services::control_path::control_request& r,
                                                              const services::control_path::built_command& cmd,
                                                              const std::string& fc_port);
  [[nodiscard]] result<std::int64_t> send(std::string_view kind, const std::string& entity,
                                          const std::array<std::uint8_t, 16>& id, std::int64_t signed_at_ns,
                                          const std::function<void(schema::Envelope::Builder)>& fill);
  [[nodiscard]] result<void> fail_left_open(const log_snapshot& log);

  control_host_options opts_;
  std::unique_ptr<coordination::command_writer> writer_;
  control_view view_;
  topics names_;
  fc_link link_;
  std::unique_ptr<agents::control_path::interceptor> interceptor_;
};

/// The command id of step `step` ("convert", "answer", "fail", "forward@HOST")
/// of request `request`: BLAKE2b of both, truncated to 16 bytes.
[[nodiscard]] std::array<std::uint8_t, 16> request_command_id(std::string_view step,
                                                              const services::control_path::request_id& request);

} // namespace storemesh::actors::control_host
