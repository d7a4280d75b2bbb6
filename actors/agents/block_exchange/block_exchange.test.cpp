// The block server and client on loopback: real sockets, a real object store.
#include "actors/agents/block_exchange/block_client.hpp"
#include "actors/agents/block_exchange/block_server.hpp"
#include "actors/agents/block_exchange/exchange_errc.hpp"
#include "actors/agents/block_exchange/gateway_post.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/unixfs_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

using namespace storemesh;
using namespace storemesh::services::consensus;
using namespace storemesh::agents::block_exchange;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct served_store {
  testing::temp_dir dir;
  object_store store = object_store::open(dir / "blocks", {/*durable=*/false}).value();
  std::unique_ptr<block_server> server;

  explicit served_store(block_server_options opts = {}) {
    server = block_server::start([s = store](const cid& id) { return s.get(id); }, opts).value();
  }
  endpoint at() const { return {"127.0.0.1", server->port()}; }
  std::string url(const cid& id) const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/ipfs/" + id.to_string(); }
};

// A raw connection, for what a well-behaved client never sends. Reads give
// up after 5 s rather than hang the test.
struct raw_connection {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  explicit raw_connection(std::uint16_t port) {
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    const timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& s) { asio::write(socket, asio::buffer(s)); }
  // Everything until the server closes (or the 5 s pass).
  std::string read_all() {
    std::string out;
    std::array<char, 4096> buf;
    boost::system::error_code ec;
    for (;;) {
      const auto n = socket.read_some(asio::buffer(buf), ec);
      out.append(buf.data(), n);
      if (ec) return out;
    }
  }
};

bool have_curl() { return std::system("command -v curl >/dev/null 2>&1") == 0; }

std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    std::array<char, 4096> buf;
    while (const auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    ::pclose(p);
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(block_exchange)

BOOST_AUTO_TEST_CASE(a_stored_block_is_fetched_verified_and_many_go_over_one_client) {
  served_store peer;
  std::vector<cid> ids;
  for (unsigned i = 0; i < 20; ++i) ids.push_back(peer.store.put(random_bytes(100 + 1000 * i, i)).value());
  BOOST_TEST(fetch_block(peer.at(), ids[3]).value() == peer.store.get(ids[3]).value());
  block_client client(peer.at());
  for (const auto& id : ids) BOOST_TEST(client.fetch_block(id).value() == peer.store.get(id).value());
  const auto missing = client.fetch_block(cid::of(codec_raw, "not there"));
  BOOST_TEST(missing.error().code == make_error_code(content_errc::not_found));
  BOOST_TEST(client.fetch_block(ids[0]).has_value());  // the connection survives a 404
}

BOOST_AUTO_TEST_CASE(a_server_serving_wrong_bytes_is_refused_and_nothing_is_stored) {
  testing::temp_dir dir;
  const auto wanted = cid::of(codec_raw, "the topology we voted for");
  auto liar = block_server::start([](const cid&) -> result<std::string> { return std::string("a forged topology"); }).value();
  const endpoint at{"127.0.0.1", liar->port()};
  const auto r = fetch_block(at, wanted);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(content_errc::hash_mismatch));
  BOOST_TEST(r.error().message().find(wanted.to_string()) != std::string::npos, r.error().message());
  const auto store = object_store::open(dir / "mine").value();
  BOOST_TEST(fetch_file(at, wanted, store).error().code == make_error_code(content_errc::hash_mismatch));
  BOOST_TEST(!store.has(wanted));
  BOOST_TEST(std::filesystem::is_empty(dir / "mine"));
}

BOOST_AUTO_TEST_CASE(a_whole_file_dag_is_fetched_into_another_store_and_only_what_is_missing) {
  served_store peer;
  const auto bytes = random_bytes(5 * unixfs_chunk_size + 123, 42);
  std::ofstream(peer.dir / "file", std::ios::binary) << bytes;
  const auto root = peer.store.add_file(peer.dir / "file").value();
  testing::temp_dir mine;
  const auto store = object_store::open(mine.path()).value();
  const auto stats = fetch_file(peer.at(), root, store).value();
  BOOST_TEST(stats.fetched == 7u);  // 6 leaves and the root
  BOOST_TEST(stats.present == 0u);
  BOOST_TEST(store.read_file(root).value() == bytes);
  const auto again = fetch_file(peer.at(), root, store).value();
  BOOST_TEST(again.fetched == 0u);
  BOOST_TEST(again.present == 7u);
  // A local block altered on disk is fetched again and replaced.
  const auto leaf = cid::of(codec_raw, bytes.substr(0, unixfs_chunk_size));
  std::ofstream(store.path_of(leaf), std::ios::binary | std::ios::trunc) << "rot";
  const auto repaired = fetch_file(peer.at(), root, store).value();
  BOOST_TEST(repaired.fetched == 1u);
  BOOST_TEST(store.read_file(root).value() == bytes);
}

BOOST_AUTO_TEST_CASE(an_unreachable_or_silent_server_is_an_error_within_the_timeout) {
  std::uint16_t port;
  {
    served_store gone;
    port = gone.server->port();
    gone.server->stop();
    gone.server->stop();  // idempotent
  }
  BOOST_TEST(fetch_block({"127.0.0.1", port}, cid::of(codec_raw, "x")).error().code ==
             make_error_code(exchange_errc::connect_failed));
  // Accepts (the kernel's backlog) and never answers.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto started = std::chrono::steady_clock::now();
  const auto r = fetch_block({"127.0.0.1", silent.local_endpoint().port()}, cid::of(codec_raw, "x"),
                             {std::chrono::milliseconds(300)});
  BOOST_TEST(r.error().code == make_error_code(exchange_errc::timeout), r.error().message());
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(the_server_bounds_header_size_and_time_and_answers_other_methods_405) {
  block_server_options opts;
  opts.request_timeout = std::chrono::milliseconds(300);
  served_store peer(opts);
  {  // a header past the limit
    raw_connection c(peer.server->port());
    c.send("GET /ipfs/" + std::string(10'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(c.read_all().substr(0, 12) == "HTTP/1.1 431");
  }
  {  // a client that sends half a request and stalls is cut off
    raw_connection c(peer.server->port());
    c.send("GET /ipfs/");
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(c.read_all().empty());
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(4)));
  }
  {  // a POST is answered 405, and a request that is not HTTP is closed
    raw_connection c(peer.server->port());
    c.send("POST /ipfs/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    const auto answer = c.read_all();
    BOOST_TEST(answer.substr(0, 12) == "HTTP/1.1 405");
    BOOST_TEST(answer.find("Allow: GET, HEAD") != std::string::npos);
    raw_connection junk(peer.server->port());
    junk.send("\x16\x03\x01 not http\r\n\r\n");
    BOOST_TEST(junk.read_all().empty());
  }
}

BOOST_AUTO_TEST_CASE(curl_fetches_a_block_as_any_http_client_would) {
  if (!have_curl()) {
    BOOST_TEST_MESSAGE("curl is not installed (ops/deps installs it): skipped");
    return;
  }
  served_store peer;
  const auto bytes = random_bytes(70'000, 3);
  const auto id = peer.store.put(bytes).value();
  const auto out = peer.dir / "fetched";
  run("curl -sS -H 'Accept: application/vnd.ipld.raw' -o " + out.string() + " " + peer.url(id));
  std::ifstream in(out, std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(got == bytes);
  const auto head = run("curl -sS -I -H 'Accept: application/vnd.ipld.raw' " + peer.url(id));
  BOOST_TEST(head.find("HTTP/1.1 200") == 0u, head);
  BOOST_TEST(head.find("Content-Type: application/vnd.ipld.raw") != std::string::npos, head);
  BOOST_TEST(head.find("X-Content-Type-Options: nosniff") != std::string::npos, head);
  BOOST_TEST(head.find("Content-Length: 70000") != std::string::npos, head);
  const auto status = [&](const std::string& args) { return run("curl -s -o /dev/null -w '%{http_code}' " + args); };
  BOOST_TEST(status(peer.url(id) + "?format=raw") == "200");
  BOOST_TEST(status("-H 'Accept: application/vnd.ipld.raw' " + peer.url(cid::of(codec_raw, "absent"))) == "404");
  BOOST_TEST(status("-H 'Accept: text/html' " + peer.url(id)) == "406");
  BOOST_TEST(status("-H 'Accept: application/vnd.ipld.raw' http://127.0.0.1:" + std::to_string(peer.server->port()) + "/ipfs/bafynotacid") == "400");
}

BOOST_AUTO_TEST_CASE(a_bounded_fetch_reads_a_file_up_to_its_bound_and_refuses_a_larger_one) {
  served_store peer;
  const auto bytes = random_bytes(3 * unixfs_chunk_size + 5, 7);
  std::ofstream(peer.dir / "file", std::ios::binary) << bytes;
  const auto root = peer.store.add_file(peer.dir / "file").value();
  testing::temp_dir mine;
  const auto store = object_store::open(mine.path(), {false}).value();
  auto too_large = fetch_file_bounded(peer.at(), root, store, 2 * unixfs_chunk_size);
  BOOST_REQUIRE(!too_large);
  BOOST_TEST(too_large.error().code == make_error_code(exchange_errc::file_too_large));
  BOOST_TEST(!store.has(cid::of(codec_raw, bytes.substr(3 * unixfs_chunk_size))));  // stopped before the last leaf
  BOOST_TEST(fetch_file_bounded(peer.at(), root, store, bytes.size()).value() == bytes);
}

BOOST_AUTO_TEST_CASE(a_post_goes_to_the_handler_bounded_and_without_one_is_405) {
  block_server_options opts;
  opts.max_post_bytes = 1000;
  std::string seen_target, seen_body;
  opts.on_post = [&](std::string_view target, std::string body) {
    seen_target = std::string(target);
    seen_body = body;
    return post_answer{body == "bad" ? 400u : 200u, "application/json", "{\"got\":" + std::to_string(body.size()) + "}"};
  };
  served_store with(opts);
  auto ok = post(with.at(), "/api/v0/add?propose=1", "topology 1\n").value();
  BOOST_TEST(ok.status == 200u);
  BOOST_TEST(ok.body == "{\"got\":11}");
  BOOST_TEST(seen_target == "/api/v0/add?propose=1");
  BOOST_TEST(seen_body == "topology 1\n");
  BOOST_TEST(post(with.at(), "/api/v0/add", "bad").value().status == 400u);
  BOOST_TEST(post(with.at(), "/api/v0/add", std::string(1001, 'x')).value().status == 413u);  // over the bound

  served_store without;
  BOOST_TEST(post(without.at(), "/api/v0/add", "topology 1\n").value().status == 405u);
  BOOST_TEST(!post(endpoint{"127.0.0.1", 1}, "/api/v0/add", "x", std::chrono::milliseconds(2000)));  // nobody there
  BOOST_TEST(parse_endpoint("127.0.0.1:8101").value().port == 8101);
  BOOST_TEST(!parse_endpoint("nowhere"));
  BOOST_TEST(!parse_endpoint("h:70000"));
}

BOOST_AUTO_TEST_SUITE_END()
