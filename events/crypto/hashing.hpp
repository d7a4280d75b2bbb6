#pragma once
// BLAKE2b-256 (libsodium) and hex. BLAKE2b is the hash of the event chains and
// of everything that gets signed: it runs at memory speed (~1.2 GB/s here), so
// an audit re-hashes a log far faster than it could verify a signature per event.

#include "events/error.hpp"

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::events::crypto {

/// A BLAKE2b-256 digest.
using digest = std::array<std::uint8_t, 32>;

/// The prevHash of an entity's first event: 32 zero bytes.
inline constexpr digest zero_digest{};

/// BLAKE2b-256 (unkeyed, 32-byte output) of `bytes`.
[[nodiscard]] digest blake2b_256(std::string_view bytes);

/// The hash of a record, as event links and batch seals use it: BLAKE2b-256 of
/// the record's whole stored value.
[[nodiscard]] inline digest record_hash(std::string_view stored_value) { return blake2b_256(stored_value); }

/// Incremental BLAKE2b-256 over several parts, as if they were concatenated.
/// Call final() once; the state is spent afterwards.
class blake2b_256_state {
public:
  blake2b_256_state();

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  void update(const digest& d) { update(d.data(), d.size()); }

  [[nodiscard]] digest final();

private:
  crypto_generichash_blake2b_state state_;
};

/// A 16-byte message id derived from what a command is about (the first 16
/// bytes of BLAKE2b-256 of `key`): whoever sends it again sends the same
/// command, and the runtime decides it once.
[[nodiscard]] std::array<std::uint8_t, 16> derived_id(std::string_view key);

/// Lowercase hex of `size` bytes.
[[nodiscard]] std::string to_hex(const void* data, std::size_t size);
[[nodiscard]] inline std::string to_hex(std::string_view bytes) { return to_hex(bytes.data(), bytes.size()); }
template <std::size_t N>
[[nodiscard]] std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(bytes.data(), bytes.size());
}
[[nodiscard]] inline std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  return to_hex(bytes.data(), bytes.size());
}

/// Parses hex (either case, no separators, even length). Errors: bad_hex.
[[nodiscard]] result<std::vector<std::uint8_t>> from_hex(std::string_view hex);

/// Parses exactly `out_size` bytes of hex into `out`. Errors: bad_hex (also
/// when the length is not 2 * out_size). On failure `out` is zeroed, so no
/// half-parsed key survives.
[[nodiscard]] result<void> from_hex_exact(std::string_view hex, std::uint8_t* out, std::size_t out_size);

} // namespace storemesh::events::crypto
