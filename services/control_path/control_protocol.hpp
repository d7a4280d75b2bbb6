#pragma once
// control_protocol: what a management client and a host say to each other
// over TCP/IP about a storage system, and its wire format (FORMAT.md, byte by
// byte). Sans-IO: bytes in, frames or errors out; the sockets are
// actors/agents/control_path.
//
//   offset size field
//        0    4 magic "SMCP"
//        4    1 version (1)
//        5    1 type: 1 request, 2 reply
//        6    2 flags: none defined, must be 0
//        8    4 body length, big-endian (at most the reader's max_body, 64 KiB by default)
//       12    n body: one unpacked Cap'n Proto message, schemas/control_protocol.capnp
//
// A connection is told apart from other traffic by its first 4 bytes
// (classify): "SMCP" is control, anything else passes through untouched.

#include "events/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::control_path {

using bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t protocol_magic[4] = {'S', 'M', 'C', 'P'};
inline constexpr std::uint8_t protocol_version = 1;
inline constexpr std::size_t header_bytes = 12;
inline constexpr std::size_t default_max_body = 64 * 1024;
/// Hosts a request may pass; a host refuses a request that arrives with more.
inline constexpr std::uint8_t max_hops = 4;

enum class frame_type : std::uint8_t { request = 1, reply = 2 };

/// Chosen by the client, 16 random bytes; a retry of the same command reuses it
/// (that is how a host recognises a duplicate).
using request_id = std::array<std::uint8_t, 16>;

struct control_request {
  request_id id{};
  std::int64_t issued_at_ns = 0;  // the client's clock; informational
  std::string storage;            // the storage system addressed
  std::string operation;          // "inquiry", "report-luns", "snapshot-create", ...
  std::uint64_t lun = 0;
  std::vector<std::string> args;
  std::uint8_t hops = 0;          // hosts passed so far
  std::vector<std::string> path;  // hosts passed, in order

  friend bool operator==(const control_request& a, const control_request& b) {
    return a.id == b.id && a.issued_at_ns == b.issued_at_ns && a.storage == b.storage && a.operation == b.operation &&
           a.lun == b.lun && a.args == b.args && a.hops == b.hops && a.path == b.path;
  }
};

struct control_reply {
  /// The request's id; nullopt in the error reply to a request that could not be read.
  std::optional<request_id> id;
  bool ok = false;
  std::string error_code;  // empty when ok
  std::string message;
  std::uint8_t scsi_status = 0;
  bytes sense;
  bytes data;
  std::uint16_t ox_id = 0, rx_id = 0;
  std::vector<std::string> path;
  std::string detail;

  friend bool operator==(const control_reply& a, const control_reply& b) {
    return a.id == b.id && a.ok == b.ok && a.error_code == b.error_code && a.message == b.message &&
           a.scsi_status == b.scsi_status && a.sense == b.sense && a.data == b.data && a.ox_id == b.ox_id &&
           a.rx_id == b.rx_id && a.path == b.path && a.detail == b.detail;
  }
};

/// The reply a host sends for input it could not read: ok=false, the error's
/// wire code ("malformed", "oversize", "bad_version", "unknown_type") and its
/// message, no request id.
[[nodiscard]] control_reply error_reply(const error& e);

// -- encoding -------------------------------------------------------------------

/// A whole frame. bad_message when the body would exceed max_body.
[[nodiscard]] result<bytes> encode_request(const control_request& r, std::size_t max_body = default_max_body);
/// A whole frame. bad_message when the body would exceed max_body.
[[nodiscard]] result<bytes> encode_reply(const control_reply& r, std::size_t max_body = default_max_body);

// -- decoding -------------------------------------------------------------------

struct frame_header {
  frame_type type = frame_type::request;
  std::uint32_t body_length = 0;
};

/// The header in the first header_bytes of p (n must be >= header_bytes), or,
/// checked in this order: bad_magic, bad_version, unknown_type, bad_flags,
/// oversize (body_length > max_body).
[[nodiscard]] result<frame_header> parse_header(const std::uint8_t* p, std::size_t n, std::size_t max_body);

/// A request or reply body; malformed when it is not one (trailing bytes
/// included), or a request's id is not 16 bytes, or a reply's not 0 or 16.
[[nodiscard]] result<control_request> decode_request_body(const std::uint8_t* p, std::size_t n);
[[nodiscard]] result<control_reply> decode_reply_body(const std::uint8_t* p, std::size_t n);

using frame = std::variant<control_request, control_reply>;

/// Splits a byte stream into frames. It holds at most one frame plus what one
/// feed() gave it; an oversize frame is refused from its header, before its
/// body arrives. After an error the stream has lost its framing: next()
/// returns the same error for ever. Not thread-safe (one reader).
class frame_decoder {
public:
  explicit frame_decoder(std::size_t max_body = default_max_body) : max_body_(max_body) {}

  void feed(const std::uint8_t* p, std::size_t n);
  /// The next whole frame, nothing when more bytes are needed, or the error.
  [[nodiscard]] result<std::optional<frame>> next();
  /// Bytes fed and not yet returned as frames.
  [[nodiscard]] std::size_t buffered() const { return buf_.size() - at_; }

private:
  std::size_t max_body_;
  bytes buf_;
  std::size_t at_ = 0;
  std::optional<error> failed_;
};

// -- telling control traffic apart ------------------------------------------------

enum class stream_class {
  control,       ///< the first 4 bytes are "SMCP"
  pass_through,  ///< a byte differs from "SMCP": not ours, relay it untouched
  need_more,     ///< fewer than 4 bytes, all a prefix of "SMCP"; at EOF or a timeout: pass-through
};

/// Decides from the first bytes of a connection (only the first 4 are looked at).
[[nodiscard]] stream_class classify(const std::uint8_t* p, std::size_t n) noexcept;

} // namespace storemesh::services::control_path
