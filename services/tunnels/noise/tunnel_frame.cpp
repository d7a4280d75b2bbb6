#include "services/tunnels/noise/tunnel_frame.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <string>

namespace storemesh::tunnels::noise {

void append_frame(bytes& out, const std::uint8_t* msg, std::size_t n) {
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n & 0xff));
  out.insert(out.end(), msg, msg + n);
}

void frame_reader::feed(const std::uint8_t* p, std::size_t n) {
  // Everything before at_ was returned already: drop it before growing, so
  // the buffer stays near one frame plus one read.
  if (at_ == buf_.size()) {
    buf_.clear();
    at_ = 0;
  } else if (at_ > 65536) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ = 0;
  }
  buf_.insert(buf_.end(), p, p + n);
}

result<std::optional<frame_reader::view>> frame_reader::next_view() {
  if (buffered() < 2) return std::optional<view>{};
  const std::size_t len = (std::size_t{buf_[at_]} << 8) | buf_[at_ + 1];
  if (len < min_frame_len) return make_error(noise_errc::bad_frame, "frame of " + std::to_string(len) + " bytes");
  if (buffered() < 2 + len) return std::optional<view>{};
  view v{buf_.data() + at_ + 2, len};
  at_ += 2 + len;
  return std::optional<view>{v};
}

result<std::optional<bytes>> frame_reader::next() {
  SM_TRY(auto v, next_view());
  if (!v) return std::optional<bytes>{};
  return std::optional<bytes>{bytes(v->data, v->data + v->size)};
}

bytes frame_reader::take_rest() {
  bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(at_), buf_.end());
  buf_.clear();
  at_ = 0;
  return rest;
}

} // namespace storemesh::tunnels::noise
