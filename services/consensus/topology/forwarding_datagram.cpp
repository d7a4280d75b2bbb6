#include "services/consensus/topology/forwarding_datagram.hpp"

#include "services/consensus/topology/topology_errc.hpp"

#include <cstring>

namespace storemesh::services::consensus {
namespace {

template <class T>
void put(std::vector<std::uint8_t>& out, T v) {
  for (int shift = static_cast<int>(sizeof(T) - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

template <class T>
T get(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v << 8 | p[i]);
  return v;
}

} // namespace

result<std::vector<std::uint8_t>> encode_datagram(const forwarding_datagram& d) {
  if (d.payload.size() > max_payload_bytes)
    return make_error(topology_errc::datagram_too_large, "payload of " + std::to_string(d.payload.size()) +
                                                             " bytes, at most " + std::to_string(max_payload_bytes));
  std::vector<std::uint8_t> out;
  out.reserve(datagram_header_bytes + d.payload.size());
  out.insert(out.end(), std::begin(datagram_magic), std::end(datagram_magic));
  put(out, datagram_version);
  put(out, d.ttl);
  put(out, d.flags);
  put(out, d.destination);
  put(out, d.source);
  put(out, d.flow);
  put(out, d.sequence);
  put(out, d.epoch.value);
  put(out, d.hop_count);
  put(out, static_cast<std::uint16_t>(d.payload.size()));
  out.insert(out.end(), d.payload.begin(), d.payload.end());
  return out;
}

result<forwarding_datagram> decode_datagram(const std::uint8_t* p, std::size_t size) {
  if (size > max_datagram_bytes)
    return make_error(topology_errc::datagram_too_large,
                      std::to_string(size) + " bytes, at most " + std::to_string(max_datagram_bytes));
  if (size < datagram_header_bytes)
    return make_error(topology_errc::datagram_short,
                      std::to_string(size) + " bytes, a header alone is " + std::to_string(datagram_header_bytes));
  if (std::memcmp(p, datagram_magic, sizeof datagram_magic) != 0)
    return make_error(topology_errc::datagram_bad_magic, "the first 4 bytes are not \"SMDG\"");
  if (p[4] != datagram_version)
    return make_error(topology_errc::datagram_bad_version, "format version " + std::to_string(p[4]) +
                                                               ", this decoder reads " + std::to_string(datagram_version));
  const auto length = get<std::uint16_t>(p + 32);
  if (datagram_header_bytes + length != size)
    return make_error(topology_errc::datagram_length_mismatch,
                      "payload length " + std::to_string(length) + " but " +
                          std::to_string(size - datagram_header_bytes) + " bytes follow the header");
  forwarding_datagram d;
  d.ttl = p[5];
  d.flags = p[6];
  d.destination = get<std::uint32_t>(p + 7);
  d.source = get<std::uint32_t>(p + 11);
  d.flow = get<std::uint32_t>(p + 15);
  d.sequence = get<std::uint64_t>(p + 19);
  d.epoch.value = get<std::uint32_t>(p + 27);
  d.hop_count = p[31];
  d.payload.assign(p + datagram_header_bytes, p + size);
  return d;
}

} // namespace storemesh::services::consensus
