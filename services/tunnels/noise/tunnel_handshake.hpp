#pragma once
// The tunnel's handshake over a byte stream (sans-IO): Noise_XX with the
// prologue "storemesh-tunnel/1" 0x00 <cluster name>, every message framed
// (tunnel_frame.hpp), empty payloads. The connecting side is the initiator.
// A peer of another protocol version or cluster fails at message 2 (its
// handshake hash differs, so the first authenticated field does not verify).
//
//   auto hs = tunnel_handshake::create(true, id);
//   write(hs.output());                  // whenever non-empty
//   hs.feed(bytes_read)                  // until hs.finished()
//   auto session = hs.into_session(policy, now);
//
// Not thread-safe.

#include "events/error.hpp"
#include "services/tunnels/noise/handshake_state.hpp"
#include "services/tunnels/noise/tunnel_session.hpp"

#include <string>
#include <string_view>

namespace storemesh::tunnels::noise {

inline constexpr std::string_view tunnel_protocol_version = "storemesh-tunnel/1";

/// "storemesh-tunnel/1" 0x00 <cluster name bytes>.
[[nodiscard]] bytes tunnel_prologue(std::string_view cluster);

/// Who we are on a tunnel: our static key, our cluster, whom we accept.
struct tunnel_identity {
  keypair s;
  std::string cluster;
  allow_fn allow;  ///< called with the peer's static key; empty allows everyone (tests only)
};

class tunnel_handshake {
public:
  [[nodiscard]] static result<tunnel_handshake> create(bool initiator, const tunnel_identity& id,
                                                       std::optional<keypair> fixed_e = {});

  /// The framed bytes to write now (our next message when it is our turn), or empty.
  [[nodiscard]] result<bytes> output();
  /// Bytes read from the stream: consumes the peer's frames as they complete.
  [[nodiscard]] result<void> feed(const std::uint8_t* p, std::size_t n);
  /// The handshake is done and nothing is left to write.
  [[nodiscard]] bool finished() const { return hs_.finished(); }
  /// The peer's static key once known (it has passed the allow-list).
  [[nodiscard]] const std::optional<public_key>& remote_static() const { return hs_.remote_static(); }
  /// The session, carrying over bytes already read past the handshake.
  [[nodiscard]] result<tunnel_session> into_session(rekey_policy policy, tunnel_clock::time_point now,
                                                    std::size_t max_message = 16u << 20);

private:
  explicit tunnel_handshake(handshake_state hs) : hs_(std::move(hs)) {}
  handshake_state hs_;
  frame_reader reader_;
};

} // namespace storemesh::tunnels::noise
