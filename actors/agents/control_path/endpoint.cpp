#include "actors/agents/control_path/endpoint.hpp"

#include "actors/agents/control_path/control_errc.hpp"

#include <boost/asio/io_context.hpp>

namespace storemesh::agents::control_path {

result<host_port> parse_host_port(const std::string& text, bool allow_zero) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return make_error(control_errc::bad_endpoint, "'" + text + "' is not HOST:PORT");
  const std::string port = text.substr(colon + 1);
  unsigned long value = 0;
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      (value = std::stoul(port)) > 65535 || (value == 0 && !allow_zero))
    return make_error(control_errc::bad_endpoint, "'" + text + "': port '" + port + "' is not 1..65535");
  return host_port{text.substr(0, colon), static_cast<std::uint16_t>(value)};
}

result<std::vector<boost::asio::ip::tcp::endpoint>> resolve(const std::string& text, bool allow_zero) {
  SM_TRY(auto hp, parse_host_port(text, allow_zero));
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto found = resolver.resolve(hp.host, std::to_string(hp.port), boost::asio::ip::resolver_base::numeric_service, ec);
  if (ec || found.empty())
    return make_error(control_errc::bad_endpoint, "'" + text + "': " + (ec ? ec.message() : "no address"));
  std::vector<boost::asio::ip::tcp::endpoint> out;
  for (const auto& e : found) out.push_back(e.endpoint());
  return out;
}

} // namespace storemesh::agents::control_path
