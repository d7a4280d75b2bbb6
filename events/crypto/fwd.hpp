#pragma once
// Forward declarations of events/crypto, for headers that only pass these along.

#include <array>
#include <cstdint>

namespace storemesh::events::crypto {

using digest = std::array<std::uint8_t, 32>;
struct public_key;
class key_pair;
class trusted_keys;
class blake2b_256_state;
enum class crypto_errc;

} // namespace storemesh::events::crypto
