#pragma once
// Framing on the tunnel's byte stream (WIRE.md): every Noise message, in the
// handshake and after it, is preceded by its length as 2 bytes big-endian
// (the framing the Noise spec recommends, section 13), so a frame is at most
// 65535 bytes and a reader never buffers more than one frame plus what it was
// fed at once.

#include "events/error.hpp"
#include "services/tunnels/noise/secret.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace storemesh::tunnels::noise {

/// The shortest frame anyone sends: a tag (16 bytes). Shorter ones are garbled.
inline constexpr std::size_t min_frame_len = 16;

/// Appends the 2-byte length and the message. n must be <= 65535.
void append_frame(bytes& out, const std::uint8_t* msg, std::size_t n);

/// Splits a byte stream into frames. Not thread-safe (one reader).
class frame_reader {
public:
  void feed(const std::uint8_t* p, std::size_t n);
  /// The next whole frame, nothing when more bytes are needed, or bad_frame
  /// for a length under min_frame_len (the reader is then unusable).
  [[nodiscard]] result<std::optional<bytes>> next();
  /// The same without a copy: the frame stays in the reader's buffer, valid
  /// until the next feed() or next*() call.
  struct view {
    const std::uint8_t* data;
    std::size_t size;
  };
  [[nodiscard]] result<std::optional<view>> next_view();
  /// Bytes received but not yet returned as frames (handed from the
  /// handshake to the session).
  [[nodiscard]] bytes take_rest();
  [[nodiscard]] std::size_t buffered() const { return buf_.size() - at_; }

private:
  bytes buf_;
  std::size_t at_ = 0;
};

} // namespace storemesh::tunnels::noise
