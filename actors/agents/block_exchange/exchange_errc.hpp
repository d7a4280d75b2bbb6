#pragma once
// What fetching blocks over HTTP can fail with, beside the content errors
// (content_errc::hash_mismatch for bytes that are not the block asked for,
// content_errc::not_found for a 404).

#include <system_error>

namespace storemesh::agents::block_exchange {

enum class exchange_errc {
  /// The server could not be reached (refused, unreachable, bad address).
  connect_failed = 1,
  /// Connecting, sending or receiving took longer than the timeout.
  timeout,
  /// The server answered with a status other than 200 and 404 (the detail
  /// has the status and the first line of its body).
  http_status,
  /// The answer is not HTTP, is larger than allowed, or is a 200 that is not
  /// application/vnd.ipld.raw.
  bad_response,
  /// The server could not be started (bind, listen).
  listen_failed,
  /// A file fetched is larger than the caller's bound (fetch_file_bounded).
  file_too_large,
};

const std::error_category& exchange_category() noexcept;

inline std::error_code make_error_code(exchange_errc e) noexcept { return {static_cast<int>(e), exchange_category()}; }

} // namespace storemesh::agents::block_exchange

template <>
struct std::is_error_code_enum<storemesh::agents::block_exchange::exchange_errc> : std::true_type {};
