#pragma once
// What starting and running a router process can fail with, beside the
// errors of the log, the store and the block exchange it passes on.

#include <system_error>

namespace storemesh::actors::router {

enum class router_errc {
  /// The router is not registered (storemesh router add), or in another network.
  not_registered = 1,
  /// The log was not read to its end within the start-up bound.
  not_caught_up,
  /// No router could deliver a file by its CID (the detail lists each attempt).
  fetch_failed,
};

const std::error_category& router_category() noexcept;

inline std::error_code make_error_code(router_errc e) noexcept { return {static_cast<int>(e), router_category()}; }

} // namespace storemesh::actors::router

template <>
struct std::is_error_code_enum<storemesh::actors::router::router_errc> : std::true_type {};
