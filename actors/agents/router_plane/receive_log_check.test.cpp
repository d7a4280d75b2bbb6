// receive_log_check on hand-written logs: a clean run, a loss, a duplicate,
// paths by epoch, lines not in the format.

#include "actors/agents/router_plane/plane_errc.hpp"
#include "actors/agents/router_plane/receive_log_check.hpp"

#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <fstream>

using namespace storemesh::actors::router_plane;
namespace fs = std::filesystem;

namespace {

struct logs_dir {
  fs::path dir;
  logs_dir() {
    std::string t = (fs::temp_directory_path() / "receive-log-check-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(t.data()));
    dir = t;
  }
  ~logs_dir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  router_log write(const std::string& router, const std::string& text) {
    std::ofstream(dir / (router + ".log")) << text;
    auto log = read_receive_log(dir / (router + ".log"));
    BOOST_REQUIRE(log);
    return log.value();
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_clean_run_has_its_paths_by_epoch_and_is_ok) {
  logs_dir d;
  const std::vector<router_log> logs = {
      d.write("r1", "7 1 1 0 forward:r2 ingress\n7 2 2 0 forward:r4 ingress\n"),
      d.write("r2", "7 1 1 1 forward:r3\n"),
      d.write("r4", "7 2 2 1 forward:r3\n"),
      d.write("r3", "7 2 2 2 deliver\n7 1 1 2 deliver\n"),
  };
  const auto r = check_receive_logs(logs, 2);
  BOOST_TEST(r.ok());
  BOOST_REQUIRE(r.flows.size() == 1u);
  const auto& f = r.flows[0];
  BOOST_TEST(f.flow == 7u);
  BOOST_TEST(f.delivered == 2u);
  BOOST_TEST(f.lost == 0u);
  BOOST_TEST(f.paths.size() == 2u);
  BOOST_TEST(f.paths.at({1, "r1>r2>r3"}) == 1u);
  BOOST_TEST(f.paths.at({2, "r1>r4>r3"}) == 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_and_a_duplicated_datagram_fail_the_check) {
  logs_dir d;
  const std::vector<router_log> logs = {
      d.write("r1", "3 1 1 0 forward:r3 ingress\n3 2 1 0 drop:no_route no route\n3 3 1 0 forward:r3 ingress\n"),
      d.write("r3", "3 1 1 1 deliver\n3 3 1 1 deliver\n3 3 1 1 deliver\n"),
  };
  auto r = check_receive_logs(logs, 4);
  BOOST_TEST(!r.ok());
  const auto& f = r.flows.at(0);
  BOOST_TEST(f.delivered == 2u);
  BOOST_TEST(f.duplicates == 1u);
  BOOST_TEST(f.lost == 2u);  // 2 (dropped) and 4 (never seen)
  BOOST_TEST(f.first_lost == (std::vector<std::uint64_t>{2, 4}), boost::test_tools::per_element());
  BOOST_TEST(r.drops.at("no_route") == 1u);
  // Without --count, the tail loss (4) is invisible.
  r = check_receive_logs(logs);
  BOOST_TEST(r.flows.at(0).lost == 1u);
}

BOOST_AUTO_TEST_CASE(a_flow_no_log_mentions_is_all_lost_and_empty_logs_prove_nothing) {
  logs_dir d;
  const std::vector<router_log> logs = {d.write("r3", "1 1 1 1 deliver\n")};
  const auto r = check_receive_logs(logs, 3, {9});
  BOOST_TEST(!r.ok());
  BOOST_REQUIRE(r.flows.size() == 2u);
  BOOST_TEST(r.flows[1].flow == 9u);
  BOOST_TEST(r.flows[1].lost == 3u);
  BOOST_TEST(!check_receive_logs({d.write("r1", "")}).ok());
}

BOOST_AUTO_TEST_CASE(malformed_datagram_lines_count_as_drops_and_garbage_lines_are_counted) {
  logs_dir d;
  const auto log = d.write("r2", "- - - - drop:malformed too short\nnot a line\n1 x 1 0 deliver\n1 1 1 0 deliver\n");
  BOOST_TEST(log.router == "r2");
  BOOST_TEST(log.bad_lines == 2u);
  BOOST_TEST(log.records.size() == 2u);
  const auto r = check_receive_logs({log});
  BOOST_TEST(r.drops.at("malformed") == 1u);
  BOOST_TEST(r.bad_lines == 2u);
  BOOST_TEST(r.ok());
  BOOST_TEST((read_receive_log(d.dir / "absent.log").error().code == plane_errc::log_failed));
}
