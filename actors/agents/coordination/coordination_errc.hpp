#pragma once
// What goes wrong between coordination processes.

#include <system_error>

namespace storemesh::actors::coordination {

enum class coordination_errc {
  malformed_message = 1,  ///< not a PeerMessage this build can read
  link_closed,            ///< the tunnel is gone
  unavailable,            ///< no server can take the request now
  not_member,             ///< sent to a process that is not a management server
  not_caught_up,          ///< a linearizable read at a replica behind the head
  timeout,                ///< no outcome in time
  refused,                ///< the peer is not who the cluster says holds its key
};

const std::error_category& coordination_category() noexcept;

inline std::error_code make_error_code(coordination_errc e) noexcept {
  return {static_cast<int>(e), coordination_category()};
}

} // namespace storemesh::actors::coordination

template <>
struct std::is_error_code_enum<storemesh::actors::coordination::coordination_errc> : std::true_type {};
