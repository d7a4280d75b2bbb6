// Framing of the control protocol: the header, the stream decoder, classify.
// The bodies are control_protocol_codec.cpp.

#include "services/control_path/control_protocol.hpp"
#include "services/control_path/control_protocol_errc.hpp"

#include <cstdio>
#include <cstring>

namespace storemesh::services::control_path {
namespace {

std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  std::string out;
  char b[4];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    out += b;
  }
  return out;
}

} // namespace

result<frame_header> parse_header(const std::uint8_t* p, std::size_t n, std::size_t max_body) {
  if (n < header_bytes)
    return make_error(protocol_errc::malformed, "header of " + std::to_string(n) + " bytes, needs 12");
  if (std::memcmp(p, protocol_magic, 4) != 0)
    return make_error(protocol_errc::bad_magic, "frame starts with 0x" + hex_bytes(p, 4) + ", not \"SMCP\"");
  if (p[4] != protocol_version)
    return make_error(protocol_errc::bad_version, "version " + std::to_string(p[4]) + ", this host speaks version 1");
  if (p[5] != static_cast<std::uint8_t>(frame_type::request) && p[5] != static_cast<std::uint8_t>(frame_type::reply))
    return make_error(protocol_errc::unknown_type, "frame type " + std::to_string(p[5]) + ", known: 1 request, 2 reply");
  if (p[6] != 0 || p[7] != 0)
    return make_error(protocol_errc::bad_flags, "flags 0x" + hex_bytes(p + 6, 2) + ", none is defined (must be 0)");
  const std::uint32_t len = (std::uint32_t{p[8]} << 24) | (std::uint32_t{p[9]} << 16) | (std::uint32_t{p[10]} << 8) | p[11];
  if (len > max_body)
    return make_error(protocol_errc::oversize,
                      "body of " + std::to_string(len) + " bytes, at most " + std::to_string(max_body));
  return frame_header{static_cast<frame_type>(p[5]), len};
}

void frame_decoder::feed(const std::uint8_t* p, std::size_t n) {
  if (failed_) return;  // nothing after an error is read
  // Drop what was returned already before growing, so the buffer stays near
  // one frame plus one feed.
  if (at_ == buf_.size()) {
    buf_.clear();
    at_ = 0;
  } else if (at_ > 0 && at_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ = 0;
  }
  buf_.insert(buf_.end(), p, p + n);
}

result<std::optional<frame>> frame_decoder::next() {
  if (failed_) return *failed_;
  const auto fail = [this](error e) -> result<std::optional<frame>> {
    failed_ = e;
    buf_.clear();  // the bytes can no longer be framed: no point holding them
    at_ = 0;
    return e;
  };
  if (buffered() < header_bytes) {
    // A bad magic is known from its first differing byte; say so without
    // waiting for a whole header, so garbage is refused even when short.
    const std::size_t k = std::min<std::size_t>(buffered(), 4);
    if (k > 0 && std::memcmp(buf_.data() + at_, protocol_magic, k) != 0)
      return fail(make_error(protocol_errc::bad_magic, "frame starts with 0x" + hex_bytes(buf_.data() + at_, k) + ", not \"SMCP\""));
    return std::optional<frame>{};
  }
  auto h = parse_header(buf_.data() + at_, buffered(), max_body_);
  if (!h) return fail(std::move(h).error());
  if (buffered() < header_bytes + h.value().body_length) return std::optional<frame>{};
  const std::uint8_t* body = buf_.data() + at_ + header_bytes;
  const std::size_t n = h.value().body_length;
  std::optional<frame> out;
  if (h.value().type == frame_type::request) {
    auto r = decode_request_body(body, n);
    if (!r) return fail(std::move(r).error());
    out.emplace(std::move(r).value());
  } else {
    auto r = decode_reply_body(body, n);
    if (!r) return fail(std::move(r).error());
    out.emplace(std::move(r).value());
  }
  at_ += header_bytes + n;
  return out;
}

stream_class classify(const std::uint8_t* p, std::size_t n) noexcept {
  const std::size_t k = n < 4 ? n : 4;
  if (k == 0) return stream_class::need_more;
  if (std::memcmp(p, protocol_magic, k) != 0) return stream_class::pass_through;
  return k == 4 ? stream_class::control : stream_class::need_more;
}

} // namespace storemesh::services::control_path
