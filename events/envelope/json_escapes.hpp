#pragma once
// Internal to payload_from_json: \uXXXX escapes decoded before Cap'n Proto's
// JSON parser sees them.
//
// Cap'n Proto 0.9's parser (compat/json.c++, unescapeAndAppend) reads the hex
// digits a-f and A-F as 0-5 ("\u001d" became U+0013: found by the fuzzer,
// tests/fuzz/payload_json) and refuses every escape past U+007F. So the
// escapes are decoded here, into the UTF-8 bytes they stand for; the parser
// takes raw bytes inside a string as they are. `\"` and `\\` stay escaped.
#include "events/error.hpp"

#include <string>
#include <string_view>

namespace storemesh::events::envelope::detail {

/// `json` with every \uXXXX escape inside a string replaced by its UTF-8
/// bytes (surrogate pairs joined). Errors (malformed): a bad hex digit, a
/// lone surrogate, U+0000 (a NUL would cut a Cap'n Proto Text short).
[[nodiscard]] result<std::string> decode_unicode_escapes(std::string_view json);

} // namespace storemesh::events::envelope::detail
