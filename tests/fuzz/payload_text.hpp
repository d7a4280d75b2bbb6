#pragma once
// The `payload` member of an envelope's JSON (events/envelope/envelope_json.hpp):
// what payload_from_json takes. Shared by the seed generator and the
// payload_json target.

#include <string>

namespace storemesh::fuzz {

/// The JSON value of "payload" in ENVELOPE_JSON (an object), or "" when there
/// is none or it is not closed.
inline std::string payload_text(const std::string& envelope_json) {
  const std::string key = "\"payload\":";
  const auto at = envelope_json.find(key);
  if (at == std::string::npos)
    return {};
  const std::size_t start = at + key.size();
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = start; i < envelope_json.size(); ++i) {
    const char c = envelope_json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return envelope_json.substr(start, i + 1 - start);
    }
  }
  return {};
}

} // namespace storemesh::fuzz
