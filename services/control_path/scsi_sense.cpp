#include "services/control_path/scsi_sense.hpp"

#include <fmt/format.h>

namespace storemesh::services::control_path {
namespace {

std::string asc_name(asc_pair c) {
  switch (c.asc << 8 | c.ascq) {
    case 0x0000: return "NO ADDITIONAL SENSE INFORMATION";
    case 0x1A00: return "PARAMETER LIST LENGTH ERROR";
    case 0x2000: return "INVALID COMMAND OPERATION CODE";
    case 0x2400: return "INVALID FIELD IN CDB";
    case 0x2500: return "LOGICAL UNIT NOT SUPPORTED";
    case 0x2600: return "INVALID FIELD IN PARAMETER LIST";
    case 0x3900: return "SAVING PARAMETERS NOT SUPPORTED";
    case 0x4400: return "INTERNAL TARGET FAILURE";
    case 0x8001: return "SNAPSHOT EXISTS";
    case 0x8002: return "SNAPSHOT NOT FOUND";
    case 0x8003: return "REPLICATION ACTIVE";
    case 0x8004: return "REPLICATION NOT ACTIVE";
    case 0x8005: return "TOO MANY SNAPSHOTS";
  }
  return c.asc >= 0x80 ? "VENDOR SPECIFIC" : "UNKNOWN ADDITIONAL SENSE CODE";
}

} // namespace

std::string sense_key_name(std::uint8_t key) {
  static const char* const names[16] = {"NO SENSE",        "RECOVERED ERROR", "NOT READY",       "MEDIUM ERROR",
                                        "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION",  "DATA PROTECT",
                                        "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
                                        "RESERVED (0Ch)",  "VOLUME OVERFLOW", "MISCOMPARE",      "COMPLETED"};
  return names[key & 0x0F];
}

bytes encode_sense(const sense_data& s) {
  bytes out(18, 0);
  out[0] = 0x70;
  out[2] = s.key & 0x0F;
  out[7] = 10;
  out[12] = s.code.asc;
  out[13] = s.code.ascq;
  if (s.field) {
    out[15] = static_cast<std::uint8_t>(0x80 | (s.field->in_cdb ? 0x40 : 0) | (s.field->bit ? 0x08 | (*s.field->bit & 7) : 0));
    put_be(out.data() + 16, s.field->byte, 2);
  }
  return out;
}

std::optional<sense_data> decode_sense(const bytes& b) {
  if (b.size() < 4) return std::nullopt;
  sense_data s;
  const std::uint8_t code = b[0] & 0x7F;
  if (code == 0x70 || code == 0x71) {
    if (b.size() < 14) return std::nullopt;
    s.key = b[2] & 0x0F;
    s.code = {b[12], b[13]};
    if (b.size() >= 18 && (b[15] & 0x80)) {
      field_pointer f;
      f.in_cdb = b[15] & 0x40;
      if (b[15] & 0x08) f.bit = b[15] & 0x07;
      f.byte = static_cast<std::uint16_t>(get_be(b.data() + 16, 2));
      s.field = f;
    }
    return s;
  }
  if (code == 0x72 || code == 0x73) {
    s.key = b[1] & 0x0F;
    s.code = {b[2], b[3]};
    return s;
  }
  return std::nullopt;
}

std::string describe_sense(const sense_data& s) {
  auto text = fmt::format("{}: {} (asc {:02X}h ascq {:02X}h)", sense_key_name(s.key), asc_name(s.code), s.code.asc,
                          s.code.ascq);
  if (s.field) {
    text += fmt::format(", field: {} byte {}", s.field->in_cdb ? "CDB" : "parameter list", s.field->byte);
    if (s.field->bit) text += fmt::format(" bit {}", *s.field->bit);
  }
  return text;
}

} // namespace storemesh::services::control_path
