#pragma once
// fc_port_server: a storage system's FC port on the simulated link. Listens
// on a unix SOCK_SEQPACKET path, one whole FC-2 frame per message, and runs
// each decoded frame through fc_target_session (the SCSI target over the
// LUN backend); answers go back on the connection the frame came from.
//
//   created --start()--> running --stop() / destructor--> stopped
//
// One thread does everything (accept, receive, execute, send), so commands
// run one at a time in arrival order. Bounded: a message above the largest
// FC frame is discarded, at most max_connections initiators, open exchanges
// as the session's config says, an exchange waiting for data-out longer than
// exchange_idle is forgotten, a connection silent for connection_idle closed.
// A frame that does not decode (CRC, delimiters, size) is dropped and
// counted; it reaches neither the session nor the pcap.
//
// --exec-log: one line per command the SCSI target ran, written with one
// write(2) before its answer is sent, so a killed port never answers a
// command the log lacks:  OX_ID RX_ID S_ID OPCODE LUN STATUS
//   e.g. "0100 0001 010100 12 0 00"  (hex but LUN, which is decimal)

#include "events/error.hpp"
#include "services/control_path/fc_target_session.hpp"
#include "services/control_path/lun_backend.hpp"
#include "services/control_path/pcap_writer.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace storemesh::actors::storage_system {

namespace cp = services::control_path;

struct port_server_options {
  std::string socket_path;
  std::string storage_name;                 // seeds the LUNs' NAA identifiers
  cp::target_port_config port;
  std::string pcap_path;                    // empty: no capture
  cp::pcap_link_type pcap_link = cp::pcap_link_type::fc2;
  std::string exec_log_path;                // empty: no exec log
  /// Test hook (`--hold-while FILE`): an FCP_CMND that arrives while this
  /// file exists waits, unexecuted, until it is gone, as a slow array would;
  /// tests hold a command mid-way this way instead of racing a window.
  std::string hold_while;
  std::size_t max_connections = 8;
  std::chrono::milliseconds connection_idle{300000};
  std::chrono::milliseconds exchange_idle{10000};
};

struct port_counters {
  std::uint64_t frames_in = 0, frames_out = 0, malformed = 0, dropped = 0, executed = 0, replayed = 0;
};

class fc_port_server {
public:
  /// Binds the socket, opens the pcap and exec log, starts the thread. The
  /// backend must outlive the server.
  [[nodiscard]] static result<std::unique_ptr<fc_port_server>> start(port_server_options options, cp::lun_backend& luns);
  ~fc_port_server();
  fc_port_server(const fc_port_server&) = delete;
  fc_port_server& operator=(const fc_port_server&) = delete;

  /// Stops the thread and closes every connection; idempotent.
  void stop();
  [[nodiscard]] port_counters counters() const;
  /// Set when the thread stopped on an error (a failed exec-log write).
  [[nodiscard]] std::string failure() const;

private:
  struct state;
  explicit fc_port_server(std::unique_ptr<state> s);
  void run();
  std::unique_ptr<state> state_;
  std::thread thread_;
};

} // namespace storemesh::actors::storage_system
