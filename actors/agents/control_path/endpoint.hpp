#pragma once
// "HOST:PORT" as the control path's options and the CLI write it, resolved
// to TCP endpoints (IPv4 literals, "localhost", names /etc/hosts knows).

#include "events/error.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::agents::control_path {

struct host_port {
  std::string host;
  std::uint16_t port = 0;
};

/// Splits at the last ':'; bad_endpoint when there is none, the host is
/// empty, or the port is not a decimal 0..65535 (0 only when allow_zero).
[[nodiscard]] result<host_port> parse_host_port(const std::string& text, bool allow_zero = false);

/// Every address HOST resolves to, with PORT; bad_endpoint when none.
[[nodiscard]] result<std::vector<boost::asio::ip::tcp::endpoint>> resolve(const std::string& text, bool allow_zero = false);

} // namespace storemesh::agents::control_path
