#include "services/tunnels/noise/tunnel_frame.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <string>

namespace storemesh::tunnels::noise {

void append_frame(bytes& out, const std::uint8_t* msg, std::size_t n) {
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n & 0xff));
  out.insert(out.end(), msg, msg + n);
}

result<std::optional<bytes>> frame_reader::next() {
  if (buffered() < 2) return std::optional<bytes>{};
  const std::size_t len = (std::size_t{buf_[at_]} << 8) | buf_[at_ + 1];
  if (len < min_frame_len) return make_error(noise_errc::bad_frame, "frame of " + std::to_string(len) + " bytes");
  if (buffered() < 2 + len) return std::optional<bytes>{};
  bytes frame(buf_.begin() + static_cast<std::ptrdiff_t>(at_ + 2),
              buf_.begin() + static_cast<std::ptrdiff_t>(at_ + 2 + len));
  at_ += 2 + len;
  // Compact once the consumed prefix dominates: keeps the buffer near one frame.
  if (at_ > 65536 && at_ * 2 > buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ = 0;
  }
  return std::optional<bytes>{std::move(frame)};
}

bytes frame_reader::take_rest() {
  bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(at_), buf_.end());
  buf_.clear();
  at_ = 0;
  return rest;
}

} // namespace storemesh::tunnels::noise
