#pragma once
// HandshakeState (Noise spec rev. 34, 5.3) for Noise_XX and Noise_IK over
// 25519 / ChaChaPoly / BLAKE2b. Sans-IO: messages in, messages out; the
// caller frames and moves them.
//
//   XX:  -> e                      IK:  <- s
//        <- e, ee, s, es                ...
//        -> s, se                       -> e, es, s, ss
//                                       <- e, ee, se
//
// The allow-list is checked the moment the remote static key becomes known
// (XX: the initiator at message 2, the responder at message 3; IK: the
// responder at message 1, the initiator when it is created), before the
// message's payload is decrypted or anything is answered.
//
// Any failure (a tag that does not verify, a message out of turn, a refused
// key) ends the handshake: every later call fails with out_of_order.
// Not thread-safe.

#include "events/error.hpp"
#include "services/tunnels/noise/cipher_state.hpp"
#include "services/tunnels/noise/symmetric_state.hpp"

#include <functional>
#include <optional>
#include <string>

namespace storemesh::tunnels::noise {

enum class pattern { xx, ik };

/// "Noise_XX_25519_ChaChaPoly_BLAKE2b" or "Noise_IK_...".
[[nodiscard]] std::string protocol_name(pattern p);

/// Decides whether a remote static public key may complete a handshake.
using allow_fn = std::function<bool(const public_key&)>;

struct handshake_config {
  pattern pat = pattern::xx;
  bool initiator = false;
  bytes prologue;
  keypair s;                        ///< our static key pair (both patterns need one)
  std::optional<public_key> rs;     ///< IK initiator: the responder's static key, known beforehand
  std::optional<keypair> fixed_e;   ///< tests only (published vectors): a fixed ephemeral key
  allow_fn allow;                   ///< empty: every key is allowed
};

/// The two cipher states Split() gives, oriented for this side.
struct transport_keys {
  cipher_state send;
  cipher_state recv;
  digest handshake_hash{};
  public_key remote_static{};
};

class handshake_state {
public:
  [[nodiscard]] static result<handshake_state> create(handshake_config cfg);

  /// Builds our next message around payload. Fails when it is not our turn.
  [[nodiscard]] result<bytes> write_message(const std::uint8_t* payload, std::size_t n);
  /// Consumes the peer's next message; returns its payload.
  [[nodiscard]] result<bytes> read_message(const std::uint8_t* msg, std::size_t n);

  [[nodiscard]] bool finished() const { return next_ == messages_count() && !failed_; }
  [[nodiscard]] bool failed() const { return failed_; }
  /// True when the next step is write_message (false once finished).
  [[nodiscard]] bool my_turn() const;
  /// h: the channel binding, identical on both sides once finished.
  [[nodiscard]] const digest& handshake_hash() const { return ss_.handshake_hash(); }
  [[nodiscard]] const std::optional<public_key>& remote_static() const { return rs_; }
  /// Split(), once finished: the transport keys, oriented (send, recv).
  [[nodiscard]] result<transport_keys> split() const;

private:
  handshake_state(handshake_config cfg);
  [[nodiscard]] std::size_t messages_count() const;
  [[nodiscard]] result<void> mix_dh(const keypair& local, const std::optional<public_key>& remote);
  [[nodiscard]] result<void> check_allowed(const public_key& k);
  template <class T>
  result<T> fail(error e) {
    failed_ = true;
    return e;
  }

  handshake_config cfg_;
  symmetric_state ss_;
  std::optional<keypair> e_;
  std::optional<public_key> re_;
  std::optional<public_key> rs_;
  std::size_t next_ = 0;  ///< index of the next handshake message
  bool failed_ = false;
};

/// Lower-case hex, for keys and hashes in logs and events (public values only).
[[nodiscard]] std::string to_hex(const std::uint8_t* p, std::size_t n);
template <class A>
[[nodiscard]] std::string to_hex(const A& a) {
  return to_hex(a.data(), a.size());
}

} // namespace storemesh::tunnels::noise
