#pragma once
// pcap_writer: the libpcap file format's bytes for captures of the FC link
// (the file itself is written by agents_storage_system's pcap_file).
// Classic pcap, little-endian, microsecond timestamps (magic a1b2c3d4).
//
// What a record holds, as Wireshark 4.0 reads it (tried, see FC_FORMAT.md):
//   LINKTYPE_FC_2 (224): the frame header and the padded data field; no
//     SOF, CRC or EOF (Wireshark would take a CRC for payload bytes).
//   LINKTYPE_FC_2_WITH_FRAME_DELIMS (225): the whole frame as encode_frame
//     writes it: SOF, header, data field, CRC (checked: "[CRC Status: Good]"), EOF.

#include "events/error.hpp"
#include "services/control_path/bytes.hpp"
#include "services/control_path/fc_frame.hpp"

#include <cstdint>

namespace storemesh::services::control_path {

enum class pcap_link_type : std::uint32_t { fc2 = 224, fc2_with_frame_delims = 225 };

inline constexpr std::uint32_t pcap_snaplen = 65535;

/// The 24-byte global header.
[[nodiscard]] bytes pcap_file_header(pcap_link_type link);
/// One record: 16-byte record header (seconds, microseconds, captured and
/// original length) and the packet.
[[nodiscard]] bytes pcap_record(std::uint64_t unix_us, const bytes& packet);
/// The packet bytes of a frame for the link type.
[[nodiscard]] result<bytes> pcap_packet(const fc_frame& frame, pcap_link_type link);

} // namespace storemesh::services::control_path
