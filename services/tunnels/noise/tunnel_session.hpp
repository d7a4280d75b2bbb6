#pragma once
// A tunnel after its handshake (sans-IO): application messages in, framed
// ciphertext out, and back. Inside every transport message, the first
// plaintext byte says what it is (WIRE.md):
//   0x01 data, last fragment    0x02 data, more fragments follow
//   0x03 rekey                  0x04 close (the rest: the reason, UTF-8)
// A message larger than one Noise message is sent as fragments; the receiver
// reassembles up to max_message bytes and refuses more.
//
// Rekey schedule, per direction: before a data fragment is sealed, when the
// sending key has sealed `every_messages` messages or is `every` old, the
// sender seals a rekey message under the old key and then calls Rekey() on
// its sending cipher; the receiver calls Rekey() on its receiving cipher when
// it opens that message. Both sides therefore switch at the same message.
// Time enters as arguments (sans-IO): nothing here reads a clock.
//
// Any failure to open (a tag that does not verify, an unknown type, an
// oversize message) ends the session: nothing after it is returned.
// Not thread-safe: the caller serialises sealing, and opening, separately
// (the two directions share nothing, so one thread may seal while another opens).

#include "events/error.hpp"
#include "services/tunnels/noise/handshake_state.hpp"
#include "services/tunnels/noise/tunnel_frame.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::tunnels::noise {

using tunnel_clock = std::chrono::steady_clock;

enum class frame_type : std::uint8_t { data_last = 0x01, data_more = 0x02, rekey = 0x03, close = 0x04 };

/// The largest application bytes in one transport message: 65535 - tag - type byte.
inline constexpr std::size_t max_fragment = max_message_len - tag_len - 1;

struct rekey_policy {
  std::uint64_t every_messages = 100000;
  std::chrono::nanoseconds every = std::chrono::minutes(2);
};

/// What opening received bytes produced, in order.
struct incoming {
  enum class kind { data, rekeyed, closed } what = kind::data;
  bytes data;          ///< kind::data: one whole application message
  std::string reason;  ///< kind::closed: the peer's reason
};

class tunnel_session {
public:
  tunnel_session(transport_keys keys, rekey_policy policy, tunnel_clock::time_point now,
                 std::size_t max_message = 16u << 20);

  /// Seals one application message (any size up to max_message) as one or
  /// more frames appended to out, preceded by a rekey message when one is due.
  [[nodiscard]] result<void> seal(const std::uint8_t* p, std::size_t n, tunnel_clock::time_point now, bytes& out);
  /// Seals the close message; nothing may be sealed after it.
  [[nodiscard]] result<void> seal_close(std::string_view reason, bytes& out);
  /// Feeds bytes read from the stream; appends what they complete to out.
  [[nodiscard]] result<void> open(const std::uint8_t* p, std::size_t n, std::vector<incoming>& out);

  [[nodiscard]] const digest& handshake_hash() const { return keys_.handshake_hash; }
  [[nodiscard]] const public_key& remote_static() const { return keys_.remote_static; }
  [[nodiscard]] std::uint64_t rekeys_sent() const { return rekeys_sent_; }
  [[nodiscard]] std::uint64_t rekeys_received() const { return rekeys_received_; }
  [[nodiscard]] bool send_closed() const { return send_closed_; }
  [[nodiscard]] bool receive_closed() const { return recv_closed_; }

private:
  [[nodiscard]] result<void> seal_one(frame_type t, const std::uint8_t* p, std::size_t n, bytes& out);
  [[nodiscard]] result<void> open_frame(const std::uint8_t* frame, std::size_t n, std::vector<incoming>& out);

  transport_keys keys_;
  rekey_policy policy_;
  std::size_t max_message_;
  // sending side
  std::uint64_t sealed_since_rekey_ = 0;
  tunnel_clock::time_point key_since_;
  std::uint64_t rekeys_sent_ = 0;
  bool send_closed_ = false;
  bytes scratch_;
  // receiving side
  frame_reader reader_;
  bytes partial_;
  bytes pt_;  // the last opened plaintext (reused: no allocation per message)
  std::uint64_t rekeys_received_ = 0;
  bool recv_closed_ = false;

  friend class tunnel_handshake;
};

} // namespace storemesh::tunnels::noise
