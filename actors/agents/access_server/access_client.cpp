#include "actors/agents/access_server/access_client.hpp"

#include "services/migration/engine/chunk_hash.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <limits>
#include <vector>

namespace storemesh::agents::access_server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

error failed(const std::string& what, const beast::error_code& ec) {
  return make_error(std::errc::io_error, what + ": " + ec.message());
}

result<void> connect(asio::io_context& ioc, tcp::socket& socket, const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos)
    return make_error(std::errc::invalid_argument, "endpoint '" + endpoint + "' is not HOST:PORT");
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto at = resolver.resolve(endpoint.substr(0, colon), endpoint.substr(colon + 1), ec);
  if (ec)
    return failed("resolving " + endpoint, ec);
  asio::connect(socket, at, ec);
  if (ec)
    return failed("connecting to " + endpoint, ec);
  socket.set_option(tcp::no_delay(true), ec);  // the head and the body are separate writes
  return success();
}

/// Every byte outside [A-Za-z0-9._~/-] percent-encoded.
std::string encode_path(const std::string& p) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '~' || c == '/' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A GET of `target` (with the session header when one is given), sent on a
/// new connection in `socket`; the connection closes after the answer.
result<void> send_get(asio::io_context& ioc, tcp::socket& socket, const std::string& endpoint, const std::string& target,
                      const std::string& session) {
  SM_TRYV(connect(ioc, socket, endpoint));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, endpoint);
  if (!session.empty())
    req.set("X-Storemesh-Session", session);
  req.keep_alive(false);
  beast::error_code ec;
  http::write(socket, req, ec);
  if (ec)
    return failed("sending the request", ec);
  return success();
}

result<std::string> file_sha256(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno_error(errno, p.string());
  services::migration::sha256_stream h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      return errno_error(errno, p.string());
    }
    if (n == 0)
      break;
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return services::migration::to_hex(h.finish());
}

} // namespace

result<client_reply> put_file(const std::string& endpoint, const std::string& session, const std::string& share_path,
                              const std::filesystem::path& local, bool declare_sha256) {
  http::request<http::file_body> req{http::verb::put, "/v1/files/" + encode_path(share_path), 11};
  beast::error_code ec;
  req.body().open(local.c_str(), beast::file_mode::scan, ec);
  if (ec)
    return make_error(std::errc::no_such_file_or_directory, local.string() + ": " + ec.message());
  req.set(http::field::host, endpoint);
  req.set("X-Storemesh-Session", session);
  if (declare_sha256) {
    SM_TRY(auto sha, file_sha256(local));
    req.set("X-Content-SHA256", sha);
  }
  req.set(http::field::expect, "100-continue");
  req.keep_alive(false);
  req.prepare_payload();

  asio::io_context ioc;
  tcp::socket socket(ioc);
  SM_TRYV(connect(ioc, socket, endpoint));
  http::request_serializer<http::file_body> sr{req};
  http::write_header(socket, sr, ec);
  if (ec)
    return failed("sending the request", ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> first;
  http::read_header(socket, buffer, first, ec);
  if (ec)
    return failed("reading the answer", ec);
  if (first.get().result() != http::status::continue_) {
    http::read(socket, buffer, first, ec);  // refused before the body: its answer
    return client_reply{first.get().result_int(), first.get().body(), {}};
  }
  http::write(socket, sr, ec);
  if (ec)
    return failed("sending the file", ec);
  http::response_parser<http::string_body> res;
  http::read(socket, buffer, res, ec);
  if (ec)
    return failed("reading the answer", ec);
  return client_reply{res.get().result_int(), res.get().body(), {}};
}

result<client_reply> get_file(const std::string& endpoint, const std::string& session, const std::string& share_path,
                              const std::filesystem::path& local) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  SM_TRYV(send_get(ioc, socket, endpoint, "/v1/files/" + encode_path(share_path), session));
  beast::error_code ec;
  beast::flat_buffer buffer;
  buffer.reserve(256 * 1024);  // Beast reads max(512, capacity - size) bytes at a time
  http::response_parser<http::buffer_body> res;
  res.body_limit(std::numeric_limits<std::uint64_t>::max());  // not boost::none: see http_endpoint.cpp
  http::read_header(socket, buffer, res, ec);
  if (ec)
    return failed("reading the answer", ec);
  client_reply out{res.get().result_int(), {}, std::string(res.get()["X-Storemesh-Access"])};
  const bool ok = res.get().result() == http::status::ok;
  const auto partial = local.string() + ".part";
  int fd = -1;
  if (ok) {
    fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno_error(errno, partial);
  }
  std::vector<char> chunk(256 * 1024);
  while (!res.is_done()) {
    res.get().body().data = chunk.data();
    res.get().body().size = chunk.size();
    http::read(socket, buffer, res, ec);
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec) {
      if (fd >= 0) {
        ::close(fd);
        std::remove(partial.c_str());
      }
      return failed("reading the file", ec);
    }
    const auto got = chunk.size() - res.get().body().size;
    if (!ok) {
      out.body.append(chunk.data(), got);
      continue;
    }
    for (std::size_t done = 0; done < got;) {
      const auto n = ::write(fd, chunk.data() + done, got - done);
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        std::remove(partial.c_str());
        return errno_error(err, partial);
      }
      done += static_cast<std::size_t>(n);
    }
  }
  if (ok) {
    ::close(fd);
    if (std::rename(partial.c_str(), local.c_str()) != 0)
      return errno_error(errno, local.string());
  }
  return out;
}

result<client_reply> get_status(const std::string& endpoint, bool text) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  SM_TRYV(send_get(ioc, socket, endpoint, text ? "/v1/status.txt" : "/v1/status", {}));
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res, ec);
  if (ec)
    return failed("reading the answer", ec);
  return client_reply{res.result_int(), res.body(), {}};
}

} // namespace storemesh::agents::access_server
