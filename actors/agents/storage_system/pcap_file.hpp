#pragma once
// pcap_file: a capture of the FC link, one record per frame, written with
// one write(2) per record so that a killed process leaves whole records
// (at most the last one cut). Not thread-safe.

#include "actors/agents/storage_system/seqpacket.hpp"
#include "events/error.hpp"
#include "services/control_path/fc_frame.hpp"
#include "services/control_path/pcap_writer.hpp"

#include <string>

namespace storemesh::actors::storage_system {

class pcap_file {
public:
  /// Creates (or truncates) path and writes the global header.
  [[nodiscard]] static result<pcap_file> create(const std::string& path, services::control_path::pcap_link_type link);
  /// Appends the frame, stamped with the wall clock.
  [[nodiscard]] result<void> write(const services::control_path::fc_frame& frame);

private:
  pcap_file(unique_fd fd, services::control_path::pcap_link_type link) : fd_(std::move(fd)), link_(link) {}
  unique_fd fd_;
  services::control_path::pcap_link_type link_;
};

} // namespace storemesh::actors::storage_system
