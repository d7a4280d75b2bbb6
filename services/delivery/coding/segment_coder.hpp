#pragma once
// One segment's data bytes <-> its k+m slice payloads (layout.hpp's geometry).
//
// Slice layout: with S = slice_bytes(geometry), data pillar i holds the
// segment's bytes [i*S, (i+1)*S), zero padded past the segment's data (the
// last segment of a content is shorter; and k*S >= segment_bytes, so even a
// full segment pads its last data pillar). Parity pillars are rs_coder's.
//
// Two forms of each direction:
//   encode(data, len, slices)      copies the data pillars into the caller's
//                                  k+m buffers (S bytes each) and encodes;
//   encode_views(data, len)        copies nothing but the padded tail: data
//                                  pillars point into `data`, parity into the
//                                  coder's scratch. The fast path for a writer.
//   decode(slices, out, len)       rebuilds the segment's len data bytes into
//                                  `out` (contiguous) from any k slices;
//   decode_views(slices, len)      points at the k data pillars: the present
//                                  ones are the caller's, the rebuilt ones the
//                                  coder's scratch. For a writer (pwrite each).
// Only the data pillars that hold some of the len bytes are rebuilt.
//
// Scratch is allocated on first use and reused: no allocation per segment
// once warm. Not thread-safe: one segment_coder per thread.

#include "events/error.hpp"
#include "services/delivery/coding/aligned_buffer.hpp"
#include "services/delivery/coding/rs_coder.hpp"
#include "services/delivery/layout.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace storemesh::services::delivery {

/// Pointers to S-byte slice payloads, indexed by pillar; `count` entries used.
struct slice_views {
  std::array<const std::uint8_t*, max_k + max_m> payload{};
  std::uint32_t count = 0;
};

class segment_coder {
public:
  /// bad_geometry if check_geometry refuses g (the detail says why).
  [[nodiscard]] static result<segment_coder> make(const delivery::geometry& g);

  [[nodiscard]] const delivery::geometry& geometry() const noexcept { return geometry_; }
  /// S: every slice payload's size.
  [[nodiscard]] std::size_t slice_bytes() const noexcept { return slice_bytes_; }
  [[nodiscard]] std::uint32_t pillars() const noexcept { return coder_.pillars(); }
  [[nodiscard]] rs_coder& coder() noexcept { return coder_; }

  /// slices: k+m caller buffers of slice_bytes() each. bad_pillar unless
  /// 0 < len <= segment_bytes.
  [[nodiscard]] result<void> encode(const std::uint8_t* data, std::size_t len, std::uint8_t* const* slices);
  /// The k+m payloads without copying the data (see above); valid until the
  /// next call on this coder, and while `data` lives. Errors as encode().
  [[nodiscard]] result<const slice_views*> encode_views(const std::uint8_t* data, std::size_t len);

  /// slices: k+m pointers (S bytes each, nullptr where absent); writes len
  /// data bytes to out. too_few_slices with fewer than k; bad_pillar unless
  /// 0 < len <= segment_bytes.
  [[nodiscard]] result<void> decode(const std::uint8_t* const* slices, std::uint8_t* out, std::size_t len);
  /// The k data pillars (payload[0..k-1], S bytes each; those wholly past len
  /// point at zeros), valid until the next call on this coder and while
  /// `slices` live. Errors as decode().
  [[nodiscard]] result<const slice_views*> decode_views(const std::uint8_t* const* slices, std::size_t len);

private:
  segment_coder(const delivery::geometry& g, rs_coder c, std::size_t s)
      : geometry_(g), coder_(std::move(c)), slice_bytes_(s) {}
  [[nodiscard]] result<void> check_len(std::size_t len) const;
  /// Data pillars holding any of len bytes: ceil(len / S).
  [[nodiscard]] std::uint32_t needed(std::size_t len) const;
  void ensure_scratch();

  delivery::geometry geometry_;
  rs_coder coder_;
  std::size_t slice_bytes_ = 0;
  aligned_buffer parity_;   ///< m * S: encode_views' parity
  aligned_buffer tail_;     ///< S: the partially filled data pillar
  aligned_buffer zeros_;    ///< S of zeros: data pillars wholly past len
  aligned_buffer rebuilt_;  ///< k * S: decode's rebuilt data pillars
  slice_views views_;
};

} // namespace storemesh::services::delivery
