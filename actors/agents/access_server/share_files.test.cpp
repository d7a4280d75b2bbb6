// A share's files: what a client path may name, the commit and the
// quarantine, and a crash's leftovers finished as the log says.
#include "actors/agents/access_server/http_endpoint.hpp"
#include "actors/agents/access_server/share_files.hpp"

#include <boost/test/unit_test.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace storemesh::agents::access_server;

namespace {

struct dirs {
  fs::path base = fs::temp_directory_path() / ("share_files_" + std::to_string(::getpid()) + "_" +
                                               std::to_string(std::rand()));
  fs::path root = base / "share", quarantine = base / "quarantine", outside = base / "outside";
  dirs() {
    fs::create_directories(root);
    fs::create_directories(outside);
  }
  ~dirs() { fs::remove_all(base); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_incoming(const share_files& s, const std::string& access, const std::string& bytes) {
  auto fd = s.create_incoming(access);
  BOOST_REQUIRE(fd);
  BOOST_REQUIRE(::write(fd.value(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd.value());
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_share_files)

BOOST_AUTO_TEST_CASE(client_paths_stay_in_the_share_and_off_the_servers_names) {
  BOOST_TEST(check_share_path("a/b.txt").empty());
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/", ".storemesh-incoming/x",
                          "d/.storemesh-quarantine"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!check_share_path(bad).empty()); }
}

BOOST_AUTO_TEST_CASE(a_commit_renames_into_place_and_creates_parents) {
  dirs d;
  share_files s("docs", d.root, d.quarantine);
  BOOST_REQUIRE(s.prepare());
  write_incoming(s, "a1", "hello");
  BOOST_REQUIRE(s.commit("a1", "x/y/z.txt"));
  BOOST_TEST(slurp(d.root / "x/y/z.txt") == "hello");
  BOOST_TEST(!fs::exists(s.incoming("a1")));
}

BOOST_AUTO_TEST_CASE(a_symlink_cannot_carry_a_commit_or_a_read_outside) {
  dirs d;
  share_files s("docs", d.root, d.quarantine);
  BOOST_REQUIRE(s.prepare());
  fs::create_directory_symlink(d.outside, d.root / "out");
  std::ofstream(d.outside / "secret") << "secret";
  write_incoming(s, "a2", "data");
  BOOST_TEST(!s.commit("a2", "out/planted"));
  BOOST_TEST(!fs::exists(d.outside / "planted"));
  BOOST_TEST(!s.open_for_read("out/secret"));
}

BOOST_AUTO_TEST_CASE(quarantine_takes_incoming_or_committed_data) {
  dirs d;
  share_files s("docs", d.root, d.quarantine);
  BOOST_REQUIRE(s.prepare());
  write_incoming(s, "a3", "bad");
  BOOST_REQUIRE(s.quarantine_incoming("a3"));
  BOOST_TEST(slurp(d.quarantine / "a3") == "bad");
  std::ofstream(d.root / "f") << "worse";
  BOOST_REQUIRE(s.quarantine_file("f", "a4"));
  BOOST_TEST(!fs::exists(d.root / "f"));
  BOOST_TEST(slurp(d.quarantine / "a4") == "worse");
}

BOOST_AUTO_TEST_CASE(a_crash_s_leftovers_are_finished_as_the_log_says) {
  dirs d;
  share_files s("docs", d.root, d.quarantine);
  BOOST_REQUIRE(s.prepare());
  write_incoming(s, "committed", "c");
  write_incoming(s, "infected", "i");
  write_incoming(s, "unrecorded", "u");
  auto n = s.recover([](const std::string& access) -> std::pair<share_files::leftover, std::string> {
    if (access == "committed")
      return {share_files::leftover::commit, "kept.txt"};
    if (access == "infected")
      return {share_files::leftover::quarantine, {}};
    return {share_files::leftover::discard, {}};
  });
  BOOST_REQUIRE(n);
  BOOST_TEST(n.value() == 3u);
  BOOST_TEST(slurp(d.root / "kept.txt") == "c");
  BOOST_TEST(slurp(d.quarantine / "infected") == "i");
  BOOST_TEST(s.leftovers().empty());
}

BOOST_AUTO_TEST_CASE(percent_escapes_decode_and_bad_ones_are_refused) {
  std::string out;
  BOOST_TEST(percent_decode("a%20b%2Fc", out));
  BOOST_TEST(out == "a b/c");
  for (const char* bad : {"%", "%2", "%zz", "a%00b"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!percent_decode(bad, out)); }
}

BOOST_AUTO_TEST_SUITE_END()
