#pragma once
// RFC 4648 base32 (alphabet a-z2-7), lowercase and without padding: the
// multibase 'b' encoding CIDv1 text uses ("bafk..." is 'b' + base32 of the
// binary CID).

#include "events/error.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::consensus {

/// Lowercase, unpadded base32 of `bytes`.
[[nodiscard]] std::string base32_encode(std::string_view bytes);

/// The bytes of lowercase unpadded base32 text. bad_base32 for any character
/// outside a-z2-7 (uppercase and '=' included), an impossible length (1, 3 or
/// 6 characters past a multiple of 8), or non-zero unused trailing bits, so
/// that one byte string has exactly one text.
[[nodiscard]] result<std::string> base32_decode(std::string_view text);

} // namespace storemesh::services::consensus
