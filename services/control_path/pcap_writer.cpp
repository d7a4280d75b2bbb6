#include "services/control_path/pcap_writer.hpp"

namespace storemesh::services::control_path {
namespace {

void append_le(bytes& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

} // namespace

bytes pcap_file_header(pcap_link_type link) {
  bytes out;
  append_le(out, 0xA1B2C3D4, 4);  // magic: microsecond timestamps
  append_le(out, 2, 2);           // version 2.4
  append_le(out, 4, 2);
  append_le(out, 0, 4);           // thiszone
  append_le(out, 0, 4);           // sigfigs
  append_le(out, pcap_snaplen, 4);
  append_le(out, static_cast<std::uint32_t>(link), 4);
  return out;
}

bytes pcap_record(std::uint64_t unix_us, const bytes& packet) {
  bytes out;
  out.reserve(16 + packet.size());
  append_le(out, unix_us / 1000000, 4);
  append_le(out, unix_us % 1000000, 4);
  append_le(out, packet.size(), 4);
  append_le(out, packet.size(), 4);
  out.insert(out.end(), packet.begin(), packet.end());
  return out;
}

result<bytes> pcap_packet(const fc_frame& frame, pcap_link_type link) {
  return link == pcap_link_type::fc2 ? encode_frame_content(frame) : encode_frame(frame);
}

} // namespace storemesh::services::control_path
