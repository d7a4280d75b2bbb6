#pragma once
// Ed25519 keys: public keys as values, key pairs that keep their secret to
// themselves, and the key files operators and daemons keep them in.
//
// Private key file (mode 0600, never group- or world-accessible), one line:
//     storemesh-ed25519-secret-v1 <64 hex digits: the 32-byte seed>
// Public key file (`<private>.pub`, mode 0644), one line: 64 hex digits.
// The seed is stored rather than libsodium's 64-byte secret key because the
// full key is derived from it (crypto_sign_seed_keypair), so a file cannot
// hold a secret half that disagrees with its public half.

#include "events/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace storemesh::events::crypto {

/// An Ed25519 public key.
struct public_key {
  std::array<std::uint8_t, 32> bytes{};

  /// From exactly 32 raw bytes (e.g. a Data field). Errors: malformed_public_key.
  [[nodiscard]] static result<public_key> from_bytes(std::string_view raw);

  /// 64 lowercase hex digits.
  [[nodiscard]] std::string hex() const;
  /// The first 8 hex digits: enough to tell keys apart in logs and rejections.
  [[nodiscard]] std::string short_id() const;

  friend bool operator==(const public_key& a, const public_key& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const public_key& a, const public_key& b) { return a.bytes != b.bytes; }
  friend bool operator<(const public_key& a, const public_key& b) { return a.bytes < b.bytes; }
  /// Prints the hex (public keys are public; key_pair has no operator<<).
  friend std::ostream& operator<<(std::ostream& os, const public_key& k);
};

/// An Ed25519 key pair. The secret key never leaves this object: there is no
/// accessor and no operator<<, it is wiped (sodium_memzero) when the object is
/// destroyed or moved from, and the type cannot be copied.
class key_pair {
public:
  /// A fresh random key pair, in memory only.
  [[nodiscard]] static key_pair generate();
  /// The key pair derived from a 32-byte seed (deterministic: tests, key files).
  [[nodiscard]] static key_pair from_seed(const std::array<std::uint8_t, 32>& seed);

  key_pair(key_pair&& other) noexcept;
  key_pair& operator=(key_pair&& other) noexcept;
  key_pair(const key_pair&) = delete;
  key_pair& operator=(const key_pair&) = delete;
  ~key_pair();

  [[nodiscard]] crypto::public_key public_key() const;

  /// Ed25519 detached signature of `message`.
  [[nodiscard]] std::array<std::uint8_t, 64> sign(const void* message, std::size_t size) const;

private:
  key_pair() = default;

  std::array<std::uint8_t, 64> secret_{};  // libsodium layout: seed || public key
  crypto::public_key public_{};
};

/// Generates a key pair and writes it: the private key file at `out` (0600)
/// and the public key at `out` + ".pub" (0644). Refuses, changing nothing, when
/// either file exists (key_file_exists). Each file appears complete or not at
/// all: it is written to a temporary name, fsynced, then linked into place.
[[nodiscard]] result<void> write_key_pair(const std::filesystem::path& out);

/// Reads a private key file. Errors: key_file_permissions (not a regular file,
/// or any permission bit for group or others), malformed_key_file (wrong
/// header, not hex, wrong length), or the errno of open/read.
[[nodiscard]] result<key_pair> load_key_pair(const std::filesystem::path& path);

/// The daemon's own sealing key: loads `path`, or creates it (and its .pub)
/// first when it does not exist. Safe against two processes racing to create it.
[[nodiscard]] result<key_pair> load_or_create_key_pair(const std::filesystem::path& path);

/// A public key given on a command line or in a config: 64 hex digits, or else
/// the path of a .pub file holding them. Errors: malformed_public_key.
[[nodiscard]] result<public_key> parse_public_key(std::string_view hex_or_path);

} // namespace storemesh::events::crypto

template <>
struct std::hash<storemesh::events::crypto::public_key> {
  std::size_t operator()(const storemesh::events::crypto::public_key& k) const noexcept {
    // Public keys are uniformly distributed: any 8 of their bytes make a good hash.
    std::size_t h;
    std::memcpy(&h, k.bytes.data(), sizeof h);
    return h;
  }
};
