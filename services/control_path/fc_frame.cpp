#include "services/control_path/fc_frame.hpp"

#include "services/control_path/fc_errc.hpp"

#include <isa-l/crc.h>

#include <fmt/format.h>

namespace storemesh::services::control_path {
namespace {

bool known_sof(std::uint32_t v) {
  switch (static_cast<sof_delimiter>(v)) {
    case sof_delimiter::i2: case sof_delimiter::n2: case sof_delimiter::i3: case sof_delimiter::n3:
    case sof_delimiter::f: return true;
  }
  return false;
}

bool known_eof(std::uint32_t v) {
  switch (static_cast<eof_delimiter>(v)) {
    case eof_delimiter::n: case eof_delimiter::t: case eof_delimiter::a: return true;
  }
  return false;
}

} // namespace

std::uint32_t fc_crc32(const std::uint8_t* data, std::size_t size) {
  // crc32_gzip_refl is the reflected CRC-32/ISO-HDLC (zlib, Ethernet); ISA-L's
  // crc32_ieee is the non-reflected variant and would not match FC-FS.
  return crc32_gzip_refl(0, data, size);
}

result<bytes> encode_frame_content(const fc_frame& f) {
  const auto& h = f.header;
  if (f.payload.size() > max_data_field_bytes)
    return make_error(fc_errc::frame_too_large,
                      fmt::format("payload of {} bytes, at most {}", f.payload.size(), max_data_field_bytes));
  if (h.d_id > 0xFFFFFF || h.s_id > 0xFFFFFF || h.f_ctl > 0xFFFFFF)
    return make_error(fc_errc::bad_header, fmt::format("D_ID {:#x}, S_ID {:#x}, F_CTL {:#x}: 24-bit fields",
                                                       h.d_id, h.s_id, h.f_ctl));
  const std::size_t fill = (4 - f.payload.size() % 4) % 4;
  bytes out(fc_header_bytes + f.payload.size() + fill, 0);
  std::uint8_t* p = out.data();
  p[0] = h.r_ctl;
  put_be(p + 1, h.d_id, 3);
  p[4] = h.cs_ctl;
  put_be(p + 5, h.s_id, 3);
  p[8] = h.type;
  put_be(p + 9, (h.f_ctl & ~0x3u) | static_cast<std::uint32_t>(fill), 3);
  p[12] = h.seq_id;
  p[13] = h.df_ctl;
  put_be(p + 14, h.seq_cnt, 2);
  put_be(p + 16, h.ox_id, 2);
  put_be(p + 18, h.rx_id, 2);
  put_be(p + 20, h.parameter, 4);
  std::copy(f.payload.begin(), f.payload.end(), out.begin() + fc_header_bytes);
  return out;
}

result<bytes> encode_frame(const fc_frame& f) {
  SM_TRY(auto content, encode_frame_content(f));
  bytes out;
  out.reserve(content.size() + 12);
  append_be(out, static_cast<std::uint32_t>(f.sof), 4);
  out.insert(out.end(), content.begin(), content.end());
  const std::uint32_t crc = fc_crc32(content.data(), content.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));  // LSB first
  append_be(out, static_cast<std::uint32_t>(f.eof), 4);
  return out;
}

result<fc_frame> decode_frame(const std::uint8_t* d, std::size_t size) {
  if (size < frame_overhead_bytes)
    return make_error(fc_errc::frame_short, fmt::format("{} bytes, at least {}", size, frame_overhead_bytes));
  const std::size_t field = size - frame_overhead_bytes;
  if (field % 4 != 0)
    return make_error(fc_errc::bad_padding, fmt::format("data field of {} bytes is not whole words", field));
  if (field > max_data_field_bytes + 3)
    return make_error(fc_errc::frame_too_large, fmt::format("data field of {} bytes, at most {}", field,
                                                            max_data_field_bytes));
  const auto sof = static_cast<std::uint32_t>(get_be(d, 4));
  if (!known_sof(sof)) return make_error(fc_errc::bad_sof, fmt::format("first word {:08x}", sof));
  const auto eof = static_cast<std::uint32_t>(get_be(d + size - 4, 4));
  if (!known_eof(eof)) return make_error(fc_errc::bad_eof, fmt::format("last word {:08x}", eof));
  const std::uint8_t* c = d + 4;
  const std::size_t content = fc_header_bytes + field;
  std::uint32_t sent = 0;
  for (int i = 3; i >= 0; --i) sent = (sent << 8) | c[content + i];
  const std::uint32_t computed = fc_crc32(c, content);
  if (sent != computed)
    return make_error(fc_errc::bad_crc, fmt::format("CRC {:08x}, computed {:08x}", sent, computed));
  fc_frame f;
  f.sof = static_cast<sof_delimiter>(sof);
  f.eof = static_cast<eof_delimiter>(eof);
  auto& h = f.header;
  h.r_ctl = c[0];
  h.d_id = static_cast<std::uint32_t>(get_be(c + 1, 3));
  h.cs_ctl = c[4];
  h.s_id = static_cast<std::uint32_t>(get_be(c + 5, 3));
  h.type = c[8];
  h.f_ctl = static_cast<std::uint32_t>(get_be(c + 9, 3));
  h.seq_id = c[12];
  h.df_ctl = c[13];
  h.seq_cnt = static_cast<std::uint16_t>(get_be(c + 14, 2));
  h.ox_id = static_cast<std::uint16_t>(get_be(c + 16, 2));
  h.rx_id = static_cast<std::uint16_t>(get_be(c + 18, 2));
  h.parameter = static_cast<std::uint32_t>(get_be(c + 20, 4));
  const std::size_t fill = h.f_ctl & 0x3u;
  if (fill > field)
    return make_error(fc_errc::bad_padding, fmt::format("{} fill bytes in a {}-byte data field", fill, field));
  if (field - fill > max_data_field_bytes)
    return make_error(fc_errc::frame_too_large, fmt::format("payload of {} bytes", field - fill));
  for (std::size_t i = field - fill; i < field; ++i)
    if (c[fc_header_bytes + i] != 0)
      return make_error(fc_errc::bad_padding, fmt::format("fill byte {} is {:#04x}, not 0", i, c[fc_header_bytes + i]));
  f.payload.assign(c + fc_header_bytes, c + fc_header_bytes + field - fill);
  h.f_ctl &= ~0x3u;  // the fill count is the payload's size on the wire, not a header value in memory
  return f;
}

} // namespace storemesh::services::control_path
