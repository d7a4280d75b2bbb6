#pragma once
// SymmetricState (Noise spec rev. 34, 5.2): the chaining key ck, the
// handshake hash h and the handshake's cipher state.

#include "events/error.hpp"
#include "services/tunnels/noise/cipher_state.hpp"

#include <string_view>
#include <utility>

namespace storemesh::tunnels::noise {

class symmetric_state {
public:
  /// InitializeSymmetric(protocol_name).
  explicit symmetric_state(std::string_view protocol_name);

  void mix_key(const std::uint8_t* ikm, std::size_t n);
  void mix_hash(const std::uint8_t* data, std::size_t n);
  /// Appends the ciphertext to out and mixes it into h.
  [[nodiscard]] result<void> encrypt_and_hash(const std::uint8_t* pt, std::size_t n, bytes& out);
  /// Appends the plaintext to out; mixes the ciphertext into h on success only.
  [[nodiscard]] result<void> decrypt_and_hash(const std::uint8_t* ct, std::size_t n, bytes& out);
  /// Split(): (initiator -> responder, responder -> initiator).
  [[nodiscard]] std::pair<cipher_state, cipher_state> split() const;

  [[nodiscard]] bool has_key() const { return cs_.has_key(); }
  [[nodiscard]] const digest& handshake_hash() const { return h_; }

private:
  cipher_state cs_;
  secret<hash_len> ck_;
  digest h_{};
};

} // namespace storemesh::tunnels::noise
