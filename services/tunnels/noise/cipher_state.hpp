#pragma once
// CipherState (Noise spec rev. 34, 5.1): a key k (or none) and a 64-bit
// nonce n. Without a key, EncryptWithAd/DecryptWithAd pass the bytes through
// (the first handshake messages). Nonce 2^64-1 is reserved: a cipher state
// that reaches it refuses to go on (nonce_exhausted) rather than wrap.
// Not thread-safe: one owner per direction.

#include "events/error.hpp"
#include "services/tunnels/noise/primitives.hpp"

#include <cstdint>

namespace storemesh::tunnels::noise {

class cipher_state {
public:
  cipher_state() = default;
  explicit cipher_state(const key& k) { initialize_key(k); }

  void initialize_key(const key& k);
  void clear_key();
  [[nodiscard]] bool has_key() const { return has_key_; }
  [[nodiscard]] std::uint64_t nonce() const { return n_; }
  /// SetNonce: for tests (the reserved nonce) and nothing else.
  void set_nonce(std::uint64_t n) { n_ = n; }

  /// Appends ENCRYPT(k, n++, ad, pt) (or pt without a key) to out.
  [[nodiscard]] result<void> encrypt_with_ad(const std::uint8_t* ad, std::size_t adn, const std::uint8_t* pt,
                                             std::size_t ptn, bytes& out);
  /// Appends the plaintext to out; on failure n is unchanged and nothing is appended.
  [[nodiscard]] result<void> decrypt_with_ad(const std::uint8_t* ad, std::size_t adn, const std::uint8_t* ct,
                                             std::size_t ctn, bytes& out);
  /// Rekey(): k = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros).
  /// n is kept (spec 4.2: REKEY does not reset the nonce).
  void rekey();

private:
  key k_;
  bool has_key_ = false;
  std::uint64_t n_ = 0;
};

} // namespace storemesh::tunnels::noise
