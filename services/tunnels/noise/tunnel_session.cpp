#include "services/tunnels/noise/tunnel_session.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <algorithm>

namespace storemesh::tunnels::noise {

tunnel_session::tunnel_session(transport_keys keys, rekey_policy policy, tunnel_clock::time_point now,
                               std::size_t max_message)
    : keys_(std::move(keys)), policy_(policy), max_message_(max_message), key_since_(now) {}

result<void> tunnel_session::seal_one(frame_type t, const std::uint8_t* p, std::size_t n, bytes& out) {
  scratch_.clear();
  scratch_.push_back(static_cast<std::uint8_t>(t));
  scratch_.insert(scratch_.end(), p, p + n);
  // Reserve the length prefix, encrypt straight after it, then fill it in.
  const std::size_t at = out.size();
  out.resize(at + 2);
  SM_TRYV(keys_.send.encrypt_with_ad(nullptr, 0, scratch_.data(), scratch_.size(), out));
  const std::size_t len = out.size() - at - 2;
  out[at] = static_cast<std::uint8_t>(len >> 8);
  out[at + 1] = static_cast<std::uint8_t>(len & 0xff);
  sodium_memzero(scratch_.data(), scratch_.size());
  ++sealed_since_rekey_;
  return success();
}

result<void> tunnel_session::seal(const std::uint8_t* p, std::size_t n, tunnel_clock::time_point now, bytes& out) {
  if (send_closed_) return make_error(noise_errc::closed, "tunnel closed for sending");
  if (n > max_message_) return make_error(noise_errc::bad_frame, "message over the tunnel's maximum");
  std::size_t done = 0;
  do {
    if (sealed_since_rekey_ >= policy_.every_messages || now - key_since_ >= policy_.every) {
      SM_TRYV(seal_one(frame_type::rekey, nullptr, 0, out));
      keys_.send.rekey();
      sealed_since_rekey_ = 0;
      key_since_ = now;
      ++rekeys_sent_;
    }
    const std::size_t part = std::min(max_fragment, n - done);
    const bool last = done + part == n;
    SM_TRYV(seal_one(last ? frame_type::data_last : frame_type::data_more, p + done, part, out));
    done += part;
  } while (done < n);
  return success();
}

result<void> tunnel_session::seal_close(std::string_view reason, bytes& out) {
  if (send_closed_) return make_error(noise_errc::closed, "tunnel closed for sending");
  const std::size_t n = std::min(reason.size(), max_fragment);
  SM_TRYV(seal_one(frame_type::close, reinterpret_cast<const std::uint8_t*>(reason.data()), n, out));
  send_closed_ = true;
  return success();
}

result<void> tunnel_session::open(const std::uint8_t* p, std::size_t n, std::vector<incoming>& out) {
  if (recv_closed_) return make_error(noise_errc::closed, "tunnel closed for receiving");
  // Fast path: with nothing buffered, whole frames are opened straight from
  // the caller's bytes (no copy); only a trailing partial frame is buffered.
  if (reader_.buffered() == 0) {
    while (n >= 2) {
      const std::size_t len = (std::size_t{p[0]} << 8) | p[1];
      if (len < min_frame_len || n < 2 + len) break;  // the reader below reports or buffers it
      if (auto r = open_frame(p + 2, len, out); !r) {
        recv_closed_ = true;
        wipe(partial_);
        return r;
      }
      p += 2 + len;
      n -= 2 + len;
      if (recv_closed_) return success();
    }
  }
  reader_.feed(p, n);
  for (;;) {
    auto frame = reader_.next_view();
    if (!frame) {
      recv_closed_ = true;
      return std::move(frame).error();
    }
    if (!frame.value()) return success();
    if (auto r = open_frame(frame.value()->data, frame.value()->size, out); !r) {
      recv_closed_ = true;
      wipe(partial_);
      return r;
    }
    if (recv_closed_) return success();  // a close message: nothing after it counts
  }
}

result<void> tunnel_session::open_frame(const std::uint8_t* frame, std::size_t n, std::vector<incoming>& out) {
  pt_.clear();
  SM_TRYV(keys_.recv.decrypt_with_ad(nullptr, 0, frame, n, pt_));
  if (pt_.empty()) return make_error(noise_errc::bad_frame, "empty transport message");
  const auto type = pt_[0];
  switch (static_cast<frame_type>(type)) {
    case frame_type::data_more:
    case frame_type::data_last: {
      if (partial_.size() + pt_.size() - 1 > max_message_)
        return make_error(noise_errc::bad_frame, "message over " + std::to_string(max_message_) + " bytes");
      if (static_cast<frame_type>(type) == frame_type::data_last && partial_.empty()) {
        out.push_back(incoming{incoming::kind::data, bytes(pt_.begin() + 1, pt_.end()), {}});
        break;
      }
      partial_.insert(partial_.end(), pt_.begin() + 1, pt_.end());
      if (static_cast<frame_type>(type) == frame_type::data_last) {
        out.push_back(incoming{incoming::kind::data, std::move(partial_), {}});
        partial_ = bytes{};
      }
      break;
    }
    case frame_type::rekey:
      if (pt_.size() != 1) return make_error(noise_errc::bad_frame, "rekey message with a body");
      keys_.recv.rekey();
      ++rekeys_received_;
      out.push_back(incoming{incoming::kind::rekeyed, {}, {}});
      break;
    case frame_type::close:
      recv_closed_ = true;
      out.push_back(incoming{incoming::kind::closed, {}, std::string(pt_.begin() + 1, pt_.end())});
      break;
    default: return make_error(noise_errc::bad_frame, "unknown message type " + std::to_string(type));
  }
  sodium_memzero(pt_.data(), pt_.size());
  return success();
}

} // namespace storemesh::tunnels::noise
