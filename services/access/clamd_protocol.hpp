#pragma once
// clamd's protocol, sans I/O (clamd(8), "COMMANDS"): the z-prefixed,
// NUL-terminated commands, INSTREAM's chunk framing (a 4-byte big-endian
// length, then the bytes; a zero length ends the stream), and the replies.
//
//   zINSTREAM\0 <len><bytes> ... <0>  ->  "stream: OK\0"
//                                         "stream: <Signature> FOUND\0"
//                                         "INSTREAM size limit exceeded. ERROR\0"
//                                         "<anything> ERROR\0"
//   zVERSION\0  ->  "ClamAV 1.4.6/7/Thu Dec  3 13:32:39 2026\0"  (engine/database version/database date)
//   zPING\0     ->  "PONG\0"
//   zRELOAD\0   ->  "RELOADING\0"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::services::access {

inline constexpr std::string_view clamd_instream = std::string_view("zINSTREAM\0", 10);
inline constexpr std::string_view clamd_version = std::string_view("zVERSION\0", 9);
inline constexpr std::string_view clamd_ping = std::string_view("zPING\0", 6);
inline constexpr std::string_view clamd_reload = std::string_view("zRELOAD\0", 8);
/// The longest reply read before giving up on it.
inline constexpr std::size_t clamd_max_reply = 4096;

/// The 4-byte header of one INSTREAM chunk of `size` bytes (0: the end).
[[nodiscard]] std::array<std::uint8_t, 4> instream_chunk_header(std::uint32_t size);

struct scan_reply {
  enum class kind : std::uint8_t { clean, infected, error } what = kind::error;
  std::string signature;  ///< infected: the signature's name
  std::string error;      ///< error: clamd's words, or why the reply is not understood
};
/// One reply, with or without its terminating NUL or newline.
[[nodiscard]] scan_reply parse_scan_reply(std::string_view reply);

struct clamd_version_info {
  bool ok = false;
  std::string engine;      ///< "ClamAV 1.4.6"
  std::string db_version;  ///< "7"; empty when clamd loaded no versioned database
  std::string db_time;
  std::string error;
};
[[nodiscard]] clamd_version_info parse_version(std::string_view reply);

} // namespace storemesh::services::access
