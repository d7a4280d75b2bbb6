#include "services/delivery/coding/slice_format.hpp"

#include "events/crc32c.hpp"
#include "services/delivery/coding/coding_errc.hpp"
#include "services/names.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the slice format is little-endian and is encoded with memcpy: port it first"
#endif

namespace storemesh::services::delivery {
namespace {

// Field offsets (slice_format.hpp's table).
constexpr std::size_t at_version = 4, at_header_bytes = 6, at_k = 8, at_m = 9, at_name_len = 10, at_flags = 11,
                      at_segment = 12, at_pillar = 16, at_reserved1 = 20, at_content_bytes = 24,
                      at_segment_bytes = 32, at_payload_bytes = 40, at_name = 48, name_field = 64,
                      at_payload_crc = 112, at_reserved2 = 116, at_header_crc = 124;

template <class T>
void put(std::uint8_t* at, T v) {
  std::memcpy(at, &v, sizeof v);
}

template <class T>
T get(const std::uint8_t* at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

/// What read_header checks once the bytes are framed: the name and the
/// fields against the geometry.
result<void> check_fields(const slice_header& h) {
  if (auto why = check_name(h.slice.content); !why.empty())
    return make_error(coding_errc::bad_name, why);
  if (auto why = check_geometry(h.geometry); !why.empty())
    return make_error(coding_errc::bad_sizes, why);
  if (h.slice.segment >= segments(h.geometry))
    return make_error(coding_errc::bad_sizes, "segment " + std::to_string(h.slice.segment) + " of " +
                                                  std::to_string(segments(h.geometry)));
  if (h.slice.pillar >= pillars(h.geometry))
    return make_error(coding_errc::bad_sizes, "pillar " + std::to_string(h.slice.pillar) + " of " +
                                                  std::to_string(pillars(h.geometry)));
  if (h.payload_bytes != slice_bytes(h.geometry))
    return make_error(coding_errc::bad_sizes, "payload of " + std::to_string(h.payload_bytes) + " bytes, geometry says " +
                                                  std::to_string(slice_bytes(h.geometry)));
  return success();
}

} // namespace

result<slice_header> make_slice_header(const slice_ref& slice, const delivery::geometry& g,
                                       const std::uint8_t* payload, std::size_t size) {
  slice_header h{slice, g, size, events::crc32c(payload, size)};
  SM_TRYV(check_fields(h));
  return h;
}

result<slice_header_buffer> write_header(const slice_header& h) {
  SM_TRYV(check_fields(h));
  slice_header_buffer b{};  // zeros: flags, reserved fields, name padding
  std::memcpy(b.data(), slice_magic, 4);
  put<std::uint16_t>(b.data() + at_version, slice_format_version);
  put<std::uint16_t>(b.data() + at_header_bytes, static_cast<std::uint16_t>(slice_header_bytes));
  b[at_k] = static_cast<std::uint8_t>(h.geometry.k);
  b[at_m] = static_cast<std::uint8_t>(h.geometry.m);
  b[at_name_len] = static_cast<std::uint8_t>(h.slice.content.size());
  put<std::uint32_t>(b.data() + at_segment, h.slice.segment);
  put<std::uint32_t>(b.data() + at_pillar, h.slice.pillar);
  put<std::uint64_t>(b.data() + at_content_bytes, h.geometry.bytes);
  put<std::uint64_t>(b.data() + at_segment_bytes, h.geometry.segment_bytes);
  put<std::uint64_t>(b.data() + at_payload_bytes, h.payload_bytes);
  std::memcpy(b.data() + at_name, h.slice.content.data(), h.slice.content.size());
  put<std::uint32_t>(b.data() + at_payload_crc, h.payload_crc32c);
  put<std::uint32_t>(b.data() + at_header_crc, events::crc32c(b.data(), at_header_crc));
  return b;
}

result<slice_header> read_header(const std::uint8_t* b, std::size_t size) {
  if (size < slice_header_bytes)
    return make_error(coding_errc::short_header, std::to_string(size) + " of " +
                                                     std::to_string(slice_header_bytes) + " bytes");
  if (std::memcmp(b, slice_magic, 4) != 0)
    return make_error(coding_errc::bad_magic);
  if (const auto v = get<std::uint16_t>(b + at_version); v != slice_format_version)
    return make_error(coding_errc::bad_version, "version " + std::to_string(v));
  if (events::crc32c(b, at_header_crc) != get<std::uint32_t>(b + at_header_crc))
    return make_error(coding_errc::header_checksum);
  if (get<std::uint16_t>(b + at_header_bytes) != slice_header_bytes || b[at_flags] != 0 ||
      get<std::uint32_t>(b + at_reserved1) != 0 || get<std::uint64_t>(b + at_reserved2) != 0)
    return make_error(coding_errc::bad_sizes, "header length, flags or reserved fields");
  const std::size_t n = b[at_name_len];
  if (n == 0 || n >= name_field ||
      !std::all_of(b + at_name + n, b + at_name + name_field, [](std::uint8_t c) { return c == 0; }))
    return make_error(coding_errc::bad_name, "name length " + std::to_string(n) + " or padding");
  slice_header h;
  h.slice.content.assign(reinterpret_cast<const char*>(b + at_name), n);
  h.slice.segment = get<std::uint32_t>(b + at_segment);
  h.slice.pillar = get<std::uint32_t>(b + at_pillar);
  h.geometry.k = b[at_k];
  h.geometry.m = b[at_m];
  h.geometry.bytes = get<std::uint64_t>(b + at_content_bytes);
  h.geometry.segment_bytes = get<std::uint64_t>(b + at_segment_bytes);
  h.payload_bytes = get<std::uint64_t>(b + at_payload_bytes);
  h.payload_crc32c = get<std::uint32_t>(b + at_payload_crc);
  SM_TRYV(check_fields(h));
  return h;
}

result<void> verify(const slice_header& h, const std::uint8_t* payload, std::size_t size) {
  if (size != h.payload_bytes)
    return make_error(coding_errc::bad_sizes, "payload of " + std::to_string(size) + " bytes, header says " +
                                                  std::to_string(h.payload_bytes));
  if (const auto crc = events::crc32c(payload, size); crc != h.payload_crc32c)
    return make_error(coding_errc::corrupt_payload, to_string(h.slice));
  return success();
}

result<void> verify(const slice_header& h, const std::uint8_t* payload, std::size_t size, std::uint32_t expected_crc) {
  if (h.payload_crc32c != expected_crc)
    return make_error(coding_errc::unexpected_crc, to_string(h.slice));
  return verify(h, payload, size);
}

} // namespace storemesh::services::delivery
