// clamd_client against a REAL clamd, started by ops/clamav in a temp dir for
// each case (0.25 s): verdicts, chunking, database versions and reloads, and
// what a dead, stopped or absent clamd does to a scan (an `unavailable`
// within the deadline, never a hang, an exception or a SIGPIPE).
// Skipped, with a message, when /usr/sbin/clamd is not installed.

#include "actors/agents/access_server/clamd_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

using namespace storemesh::agents::access_server;
using kind = scan_result::kind;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

// The EICAR test file: 68 bytes, MD5 44d88612fea8a8f36de82e1278abb02f.
const std::string eicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";
const std::string eicar_name = "Storemesh.Test.EICAR";

struct shell_result {
  int status = -1;
  std::string out;
};

shell_result sh(const std::string& cmd) {
  shell_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

std::string last_line(const std::string& s) {
  auto t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

bool clamd_installed() { return ::access("/usr/sbin/clamd", X_OK) == 0; }

struct clamd_present {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(clamd_installed());
    if (!r) r.message() << "skipped: /usr/sbin/clamd is not installed (ops/deps installs clamav-daemon)";
    return r;
  }
};

// A clamd of its own, in a temp dir: `ops/clamav start` on construction,
// `stop` and the dir removed on destruction.
class scanner {
public:
  explicit scanner(const std::string& args = "") {
    char tmpl[] = "/tmp/sm-clamd-XXXXXX";  // short: a unix socket path has 107 bytes
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    root_ = tmpl;
    dir_ = root_ / "c";  // ops/clamav's own: ops.log stays outside it
    const auto r = ops("start " + args);
    socket_ = last_line(r.out);
    if (r.status != 0 || socket_.empty() || socket_.front() != '/') {
      const auto log = slurp(root_ / "ops.log");
      clean_up();  // a throwing constructor gets no destructor
      BOOST_FAIL("ops/clamav start failed:\n" << log);
    }
  }
  ~scanner() { clean_up(); }
  scanner(const scanner&) = delete;
  scanner& operator=(const scanner&) = delete;

  shell_result ops(const std::string& args) const {
    return sh(std::string(STOREMESH_SOURCE_DIR) + "/ops/clamav " + args + " --dir " + dir_.string() + " 2>>" +
              (root_ / "ops.log").string());
  }
  /// ops/clamav add-signature: the new database version.
  std::string add_signature(const std::string& name, const std::string& bytes) const {
    const auto file = dir_ / ("sample-" + name);
    std::ofstream(file, std::ios::binary) << bytes;
    const auto r = ops("add-signature --name " + name + " " + file.string());
    BOOST_REQUIRE_MESSAGE(r.status == 0, "add-signature failed:\n" << slurp(root_ / "ops.log"));
    return last_line(r.out);
  }
  pid_t pid() const {
    const auto s = slurp(dir_ / "clamd.pid");
    const long p = std::strtol(s.c_str(), nullptr, 10);  // no throw: called from the destructor
    return p > 0 ? static_cast<pid_t>(p) : -1;
  }
  const std::string& socket() const { return socket_; }
  const fs::path& dir() const { return dir_; }

  clamd_client client(std::size_t chunk_bytes = 256 * 1024, std::chrono::milliseconds timeout = 10s) const {
    clamd_options o;
    o.address = socket_;
    o.chunk_bytes = chunk_bytes;
    o.io_timeout = timeout;
    return clamd_client(o);
  }

private:
  void clean_up() {
    if (pid_t p = pid(); p > 0) ::kill(p, SIGCONT);  // a test may have stopped it
    (void)ops("stop");
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path root_, dir_;
  std::string socket_;
};

scan_result scan(clamd_client& c, const std::string& bytes) {
  auto s = c.instream();
  s->feed(bytes.data(), bytes.size());
  return s->finish();
}

// Fed in pieces of 1..13 bytes (a given seed: the same pieces every run).
scan_result scan_in_pieces(clamd_client& c, const std::string& bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto s = c.instream();
  for (std::size_t at = 0; at < bytes.size();) {
    const auto n = std::min<std::size_t>(1 + rng() % 13, bytes.size() - at);
    s->feed(bytes.data() + at, n);
    at += n;
  }
  return s->finish();
}

long long ms_of(steady::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// Dead: no such process, or a zombie its (adoptive) parent has not reaped yet.
bool gone(pid_t p) {
  if (::kill(p, 0) != 0 && errno == ESRCH) return true;
  const auto stat = slurp("/proc/" + std::to_string(p) + "/stat");
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// A loopback port that nothing listens on (bound, then released).
unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_clamd_client, *boost::unit_test::precondition(clamd_present()))

BOOST_AUTO_TEST_CASE(eicar_is_infected_with_its_signature_name) {
  BOOST_REQUIRE(eicar.size() == 68u);
  scanner s;
  auto c = s.client();
  const auto r = scan(c, eicar);
  BOOST_TEST((r.what == kind::infected), r.error);
  BOOST_TEST(r.signature.rfind(eicar_name, 0) == 0, "signature: " << r.signature);
  BOOST_TEST(r.db_version == "1");
  BOOST_TEST(r.error.empty());
}

BOOST_AUTO_TEST_CASE(clean_data_is_clean) {
  scanner s;
  auto c = s.client();
  for (std::size_t n : {std::size_t{1}, std::size_t{67}, std::size_t{100'000}, std::size_t{3'000'000}}) {
    const auto r = scan(c, random_bytes(n, n));
    BOOST_TEST((r.what == kind::clean), n << " bytes: " << r.error);
    BOOST_TEST(r.signature.empty());
    BOOST_TEST(r.db_version == "1");
  }
  // Nothing fed at all: an empty stream is clean too.
  auto empty = c.instream();
  BOOST_TEST((empty->finish().what == kind::clean));
}

BOOST_AUTO_TEST_CASE(small_pieces_and_one_large_piece_give_the_same_verdict) {
  // An MD5 signature matches only the exact whole stream: if one byte were
  // lost, doubled or reordered by the chunking, the verdict would be clean.
  scanner s;
  const auto sample = random_bytes(300'001, 7);
  BOOST_REQUIRE(s.add_signature("Storemesh.Test.Sample", sample) == "2");
  for (std::size_t chunk : {std::size_t{4096}, std::size_t{65'536}, std::size_t{256 * 1024}}) {
    auto c = s.client(chunk);
    const auto pieces = scan_in_pieces(c, sample, chunk);
    const auto whole = scan(c, sample);  // larger than chunk_bytes
    BOOST_TEST((pieces.what == kind::infected), "chunk " << chunk << ": " << pieces.error);
    BOOST_TEST((whole.what == kind::infected), "chunk " << chunk << ": " << whole.error);
    BOOST_TEST(pieces.signature == whole.signature);
    BOOST_TEST(whole.signature.rfind("Storemesh.Test.Sample", 0) == 0, whole.signature);
    auto changed = sample;
    changed[150'000] ^= 1;
    BOOST_TEST((scan_in_pieces(c, changed, chunk).what == kind::clean));
    BOOST_TEST((scan(c, changed).what == kind::clean));
  }
}

BOOST_AUTO_TEST_CASE(eicar_split_across_chunk_boundaries_is_found) {
  scanner s;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{16}, std::size_t{67}, std::size_t{68}}) {
    auto c = s.client(chunk);
    for (std::size_t cut = 0; cut <= eicar.size(); cut += (chunk == 1 ? 17 : 1)) {
      auto st = c.instream();
      st->feed(eicar.data(), cut);
      st->feed(eicar.data() + cut, eicar.size() - cut);
      const auto r = st->finish();
      BOOST_TEST((r.what == kind::infected), "chunk " << chunk << ", cut " << cut << ": " << r.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(version_names_the_database_and_add_signature_bumps_it) {
  scanner s;
  auto c = s.client();
  const auto v1 = c.version();
  BOOST_TEST(v1.ok, v1.error);
  BOOST_TEST(v1.engine.rfind("ClamAV ", 0) == 0, v1.engine);
  BOOST_TEST(v1.db_version == "1");
  BOOST_TEST(c.ping());

  const auto sample = random_bytes(4096, 42);
  const auto before = scan(c, sample);
  BOOST_TEST((before.what == kind::clean));
  BOOST_TEST(before.db_version == "1");

  BOOST_TEST(s.add_signature("Storemesh.Test.New", sample) == "2");
  BOOST_TEST(c.version().db_version == "2");
  const auto after = scan(c, sample);
  BOOST_TEST((after.what == kind::infected), after.error);
  BOOST_TEST(after.signature.rfind("Storemesh.Test.New", 0) == 0, after.signature);
  BOOST_TEST(after.db_version == "2");
  // The old signatures are still there.
  BOOST_TEST((scan(c, eicar).what == kind::infected));
}

BOOST_AUTO_TEST_CASE(a_reload_during_a_scan_names_both_versions) {
  scanner s;
  auto c = s.client();
  auto st = c.instream();  // VERSION says 1 here
  st->feed(eicar.data(), 30);
  BOOST_REQUIRE(s.add_signature("Storemesh.Test.Other", random_bytes(100, 1)) == "2");
  st->feed(eicar.data() + 30, eicar.size() - 30);
  const auto r = st->finish();
  BOOST_TEST((r.what == kind::infected), r.error);
  BOOST_TEST(r.db_version == "1->2");
}

BOOST_AUTO_TEST_CASE(clamd_killed_mid_stream_is_unavailable_within_the_timeout) {
  scanner s;
  const auto timeout = 3000ms;
  auto c = s.client(64 * 1024, timeout);
  auto st = c.instream();
  const auto data = random_bytes(1 << 20, 3);
  st->feed(data.data(), data.size());
  const auto pid = s.pid();
  BOOST_REQUIRE(pid > 0);
  BOOST_REQUIRE(::kill(pid, SIGKILL) == 0);
  for (int i = 0; i < 500 && !gone(pid); ++i) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(gone(pid));
  const auto t0 = steady::now();
  for (int i = 0; i < 16; ++i) st->feed(data.data(), data.size());  // 16 MiB more into a dead socket: no SIGPIPE
  const auto r = st->finish();
  const auto took = steady::now() - t0;
  BOOST_TEST((r.what == kind::unavailable));
  BOOST_TEST(!r.error.empty());
  BOOST_TEST(r.error.find(s.socket()) != std::string::npos, r.error);
  BOOST_TEST(r.signature.empty());
  BOOST_TEST(ms_of(took) < timeout.count());
  BOOST_TEST_MESSAGE("killed mid-stream: " << r.error);
  BOOST_TEST(!c.ping());
  BOOST_TEST(!c.version().ok);
}

BOOST_AUTO_TEST_CASE(a_stuck_clamd_is_unavailable_at_the_deadline) {
  // SIGSTOP: the connection stays open and nothing answers -- only the
  // deadline ends the write that fills the socket buffers.
  scanner s;
  const auto timeout = 1500ms;
  auto c = s.client(256 * 1024, timeout);
  auto st = c.instream();
  BOOST_REQUIRE(::kill(s.pid(), SIGSTOP) == 0);
  const auto data = random_bytes(1 << 20, 4);
  const auto t0 = steady::now();
  for (int i = 0; i < 64; ++i) st->feed(data.data(), data.size());
  const auto r = st->finish();
  const auto took = steady::now() - t0;
  ::kill(s.pid(), SIGCONT);
  BOOST_TEST((r.what == kind::unavailable));
  BOOST_TEST(r.error.find("within 1500 ms") != std::string::npos, r.error);
  BOOST_TEST(ms_of(took) >= timeout.count() - 100);
  BOOST_TEST(ms_of(took) < 2 * timeout.count() + 2000);
}

BOOST_AUTO_TEST_CASE(an_absent_clamd_is_unavailable) {
  const auto check = [](const std::string& address, const std::string& words) {
    clamd_options o;
    o.address = address;
    o.io_timeout = 2000ms;
    clamd_client c(o);
    const auto t0 = steady::now();
    auto st = c.instream();
    st->feed(eicar.data(), eicar.size());
    const auto r = st->finish();
    BOOST_TEST((r.what == kind::unavailable), address);
    BOOST_TEST(r.error.find(words) != std::string::npos, r.error);
    BOOST_TEST(ms_of(steady::now() - t0) < o.io_timeout.count());
    BOOST_TEST(!c.ping());
    const auto v = c.version();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error.find(words) != std::string::npos, v.error);
    const auto f = c.scan_fd(-1);
    BOOST_TEST((f.what == kind::unavailable));
  };
  check("/tmp/sm-no-such-clamd.sock", "connect");
  check("127.0.0.1:" + std::to_string(closed_port()), "connect");
  check("clamd.example:3310", "not a numeric host");
  check("relative/path.sock", "not an address");
  check("127.0.0.1:99999", "not a port");
}

BOOST_AUTO_TEST_CASE(stream_max_length_exceeded_is_clamds_error) {
  scanner s("--max-stream 64K");
  auto c = s.client(16 * 1024);
  const auto small = scan(c, random_bytes(32 * 1024, 5));
  BOOST_TEST((small.what == kind::clean), small.error);
  const auto big = scan(c, random_bytes(1 << 20, 6));
  BOOST_TEST((big.what == kind::unavailable));
  BOOST_TEST(big.error.find("size limit exceeded") != std::string::npos, big.error);
  BOOST_TEST(c.ping());  // clamd itself is fine
}

BOOST_AUTO_TEST_CASE(scan_fd_scans_the_whole_file) {
  scanner s;
  auto c = s.client(1024);
  const auto path = s.dir() / "eicar.com";
  std::ofstream(path, std::ios::binary) << eicar;
  const int fd = ::open(path.c_str(), O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::lseek(fd, 0, SEEK_END) == 68);  // wherever the offset is, the whole file
  const auto r = c.scan_fd(fd);
  ::close(fd);
  BOOST_TEST((r.what == kind::infected), r.error);
  BOOST_TEST(r.db_version == "1");

  const auto clean = s.dir() / "clean.bin";
  std::ofstream(clean, std::ios::binary) << random_bytes(5 << 20, 9);
  const int fd2 = ::open(clean.c_str(), O_RDONLY);
  BOOST_TEST((c.scan_fd(fd2).what == kind::clean));
  ::close(fd2);
}

BOOST_AUTO_TEST_CASE(tcp_addresses_work_like_sockets) {
  const auto port = closed_port();
  scanner s("--tcp " + std::to_string(port));
  clamd_options o;
  o.address = "127.0.0.1:" + std::to_string(port);
  clamd_client c(o);
  BOOST_TEST(c.ping());
  const auto r = scan(c, eicar);
  BOOST_TEST((r.what == kind::infected), r.error);
  BOOST_TEST(r.db_version == "1");
  BOOST_TEST((scan(c, random_bytes(500'000, 8)).what == kind::clean));
}

BOOST_AUTO_TEST_SUITE_END()
