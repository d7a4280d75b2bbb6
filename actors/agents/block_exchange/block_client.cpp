#include "actors/agents/block_exchange/block_client.hpp"

#include "actors/agents/block_exchange/exchange_errc.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/file_reader.hpp"
#include "services/consensus/content/trustless_gateway.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace storemesh::agents::block_exchange {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using services::consensus::cid;
using services::consensus::content_errc;

// Synchronous calls made of asynchronous ones on a private io_context: only
// the asynchronous operations of a beast::tcp_stream honour its timer.
struct block_client::impl {
  endpoint peer;
  fetch_options opts;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  error network_error(beast::error_code ec, const std::string& what) const {
    const auto where = what + " " + peer.host + ":" + std::to_string(peer.port) + ": " + ec.message();
    return make_error(ec == beast::error::timeout ? exchange_errc::timeout : exchange_errc::connect_failed, where);
  }

  result<void> connect() {
    stream.reset();
    buffer.clear();
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    beast::error_code ec;
    endpoints = resolver.resolve(peer.host, std::to_string(peer.port), ec);
    if (ec) return network_error(ec, "resolve");
    stream.emplace(ioc);
    stream->expires_after(opts.timeout);
    ec = run([&](auto handler) { stream->async_connect(endpoints, handler); });
    if (ec) {
      stream.reset();
      return network_error(ec, "connect");
    }
    return success();
  }

  // One request on the current connection. `stale` is set when it failed
  // before any byte of an answer on a reused connection: worth one retry.
  result<std::string> request(const cid& id, bool& stale) {
    const auto text = id.to_string();
    http::request<http::empty_body> req{http::verb::get, "/ipfs/" + text + "?format=raw", 11};
    req.set(http::field::host, peer.host + ":" + std::to_string(peer.port));
    req.set(http::field::accept, std::string(services::consensus::media_type_raw));
    req.set(http::field::user_agent, "storemesh-block-client");
    req.keep_alive(true);
    stream->expires_after(opts.timeout);
    auto ec = run([&](auto handler) { http::async_write(*stream, req, handler); });
    if (ec) {
      stale = ec != beast::error::timeout;
      return network_error(ec, "send to");
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(opts.max_block_bytes);
    stream->expires_after(opts.timeout);
    ec = run([&](auto handler) { http::async_read(*stream, buffer, parser, handler); });
    if (ec == http::error::body_limit)
      return make_error(exchange_errc::bad_response, text + ": a block larger than " + std::to_string(opts.max_block_bytes) + " bytes");
    if (ec == http::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::eof) {
      stale = parser.got_some() == false;
      return network_error(ec, "receive from");
    }
    if (ec == beast::error::timeout) return network_error(ec, "receive from");
    if (ec) return make_error(exchange_errc::bad_response, text + ": " + ec.message());
    auto res = parser.release();
    if (!res.keep_alive()) stream.reset();
    if (res.result_int() == 404) return make_error(content_errc::not_found, text + " at " + peer.host + ":" + std::to_string(peer.port));
    if (res.result_int() != 200) {
      auto body = res.body().substr(0, 200);
      if (const auto nl = body.find('\n'); nl != std::string::npos) body.resize(nl);
      return make_error(exchange_errc::http_status, std::to_string(res.result_int()) + " for " + text + ": " + body);
    }
    const auto field = res[http::field::content_type];
    const std::string_view type(field.data(), field.size());
    if (type.substr(0, services::consensus::media_type_raw.size()) != services::consensus::media_type_raw)
      return make_error(exchange_errc::bad_response, text + ": Content-Type " + std::string(type) + ", not a raw block");
    std::string bytes = std::move(res.body());
    SM_TRYV(services::consensus::verify_block(id, bytes));
    return bytes;
  }
};

block_client::block_client(endpoint peer, fetch_options opts) : impl_(std::make_unique<impl>()) {
  impl_->peer = std::move(peer);
  impl_->opts = opts;
}
block_client::~block_client() = default;
block_client::block_client(block_client&&) noexcept = default;
block_client& block_client::operator=(block_client&&) noexcept = default;

result<std::string> block_client::fetch_block(const cid& id) {
  const bool reused = impl_->stream.has_value();
  if (!reused) SM_TRYV(impl_->connect());
  bool stale = false;
  auto r = impl_->request(id, stale);
  if (r || !(reused && stale)) {
    if (!r && r.error().code.category() == exchange_category()) impl_->stream.reset();
    return r;
  }
  // The server closed the kept-alive connection between two requests: once more, on a new one.
  SM_TRYV(impl_->connect());
  auto again = impl_->request(id, stale);
  if (!again && again.error().code.category() == exchange_category()) impl_->stream.reset();
  return again;
}

result<fetch_stats> block_client::fetch_file(const cid& root, const services::consensus::object_store& store) {
  fetch_stats stats;
  std::vector<std::pair<cid, unsigned>> todo{{root, 0}};  // depth-first, in link order
  while (!todo.empty()) {
    const auto [id, depth] = todo.back();
    todo.pop_back();
    if (depth > services::consensus::max_dag_depth)
      return make_error(content_errc::bad_unixfs, "DAG under " + root.to_string() + " deeper than " +
                                                      std::to_string(services::consensus::max_dag_depth));
    std::string bytes;
    auto local = store.has(id) ? store.get(id) : result<std::string>(make_error(content_errc::not_found, ""));
    if (local) {
      bytes = std::move(local).value();
      ++stats.present;
    } else {  // missing, or altered on disk: fetched again and replaced
      SM_TRY(bytes, fetch_block(id));
      SM_TRYV(store.put_verified(id, bytes));
      ++stats.fetched;
      stats.bytes += bytes.size();
    }
    SM_TRY(const auto links, services::consensus::block_links(id, bytes));
    for (auto it = links.rbegin(); it != links.rend(); ++it) todo.emplace_back(*it, depth + 1);
  }
  return stats;
}

result<std::string> fetch_file_bounded(const endpoint& peer, const cid& root,
                                       const services::consensus::object_store& store, std::size_t max_bytes,
                                       const fetch_options& opts) {
  block_client client(peer, opts);
  std::string out;
  SM_TRYV(services::consensus::read_unixfs_file(
      root,
      [&](const cid& c) -> result<std::string> {
        if (store.has(c))
          if (auto local = store.get(c))
            return local;
        SM_TRY(auto bytes, client.fetch_block(c));
        SM_TRYV(store.put_verified(c, bytes));
        return bytes;
      },
      [&](std::string_view piece) -> result<void> {
        if (out.size() + piece.size() > max_bytes)
          return make_error(exchange_errc::file_too_large,
                            root.to_string() + " is larger than " + std::to_string(max_bytes) + " bytes");
        out.append(piece);
        return success();
      }));
  return out;
}

result<std::string> fetch_block(const endpoint& peer, const cid& id, const fetch_options& opts) {
  return block_client(peer, opts).fetch_block(id);
}

result<fetch_stats> fetch_file(const endpoint& peer, const cid& root, const services::consensus::object_store& store,
                               const fetch_options& opts) {
  return block_client(peer, opts).fetch_file(root, store);
}

} // namespace storemesh::agents::block_exchange
