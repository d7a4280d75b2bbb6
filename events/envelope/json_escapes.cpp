#include "events/envelope/json_escapes.hpp"

#include "events/envelope/envelope_errc.hpp"

#include <cstdint>
#include <optional>

namespace storemesh::events::envelope::detail {

namespace {

/// The four hex digits at `at`, or nothing.
std::optional<std::uint32_t> hex4(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  std::uint32_t v = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
    else return std::nullopt;
  }
  return v;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace

result<std::string> decode_unicode_escapes(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (!in_string) {
      in_string = c == '"';
      out += c;
      continue;
    }
    if (c == '"') {
      in_string = false;
      out += c;
      continue;
    }
    if (c != '\\' || i + 1 >= json.size()) {
      out += c;
      continue;
    }
    if (json[i + 1] != 'u') {  // \" \\ \n ...: the parser's, untouched
      out += c;
      out += json[++i];
      continue;
    }
    const auto unit = hex4(json, i + 2);
    if (!unit) return make_error(envelope_errc::malformed, "payload JSON: \\u needs four hex digits");
    i += 5;
    std::uint32_t cp = *unit;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return make_error(envelope_errc::malformed, "payload JSON: a lone low surrogate in a \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // i is on the escape's last digit (so i + 1 <= size); the low half must follow at once.
      const auto low = json.compare(i + 1, 2, "\\u") == 0 ? hex4(json, i + 3) : std::nullopt;
      if (!low || *low < 0xDC00 || *low > 0xDFFF)
        return make_error(envelope_errc::malformed, "payload JSON: a lone high surrogate in a \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
      i += 6;
    }
    if (cp == 0) return make_error(envelope_errc::malformed, "payload JSON: \\u0000 (NUL) in a string");
    if (cp == '"' || cp == '\\') {  // still escaped, or the string would end here
      out += '\\';
      out += static_cast<char>(cp);
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

} // namespace storemesh::events::envelope::detail
