// storage serve in a test app (main.cpp registers it in the real binary):
// it creates the LUNs, says it is ready, serves the FC port, stops on SIGTERM.

#include "ops/cmd_storage_serve.hpp"

#include "actors/agents/storage_system/fc_initiator.hpp"
#include "ops/cli_context.hpp"
#include "services/control_path/fc_errc.hpp"
#include "services/control_path/scsi_commands.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <thread>

namespace fs = std::filesystem;
using namespace storemesh;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "storage-serve-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int parse(std::vector<std::string> args) {
  CLI::App app;
  auto* storage = app.add_subcommand("storage");
  ops::add_storage_serve(*storage);
  std::vector<const char*> argv{"storemesh", "storage", "serve"};
  for (auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const ops::cli_error& e) {
    return e.exit_code;
  } catch (const CLI::ParseError& e) {
    return 64;
  }
  return 0;
}

} // namespace

BOOST_AUTO_TEST_CASE(storage_serve_creates_luns_serves_fc_and_stops_on_sigterm) {
  temp_dir d;
  const auto sock = (d.path / "fc.sock").string(), luns = (d.path / "luns").string(), log = (d.path / "exec.log").string();
  int code = -1;
  std::thread server([&] {
    code = parse({"--name", "array-1", "--fc", sock, "--luns", luns, "--lun", "0:1M", "--lun", "1:64K", "--exec-log", log,
                  "--pcap", (d.path / "fc.pcap").string()});
  });
  actors::storage_system::fc_initiator host({sock});
  const auto cmd = services::control_path::build_command("report-luns", {}).value();
  result<services::control_path::scsi_outcome> o = make_error(services::control_path::fc_errc::link_down);
  for (int i = 0; i < 100 && !o; ++i) {  // until the port listens
    o = host.execute(1, 0, cmd.cdb, cmd.data_in_length, std::chrono::seconds(2));
    if (!o) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_REQUIRE(o);
  BOOST_TEST(services::control_path::decode_lun_list(o.value().data).value().luns == (std::vector<std::uint64_t>{0, 1}));
  BOOST_TEST(fs::file_size(luns + "/lun0.img") == 1u << 20);
  std::raise(SIGTERM);
  server.join();
  BOOST_TEST(code == 0);
  std::ifstream in(log);
  std::string line;
  BOOST_REQUIRE(std::getline(in, line));
  BOOST_TEST(line == "0001 0003 010100 a0 0 00");  // after PLOGI and PRLI
  BOOST_TEST(fs::file_size(d.path / "fc.pcap") > 24u);
}

BOOST_AUTO_TEST_CASE(storage_serve_refuses_bad_arguments_with_exit_2) {
  temp_dir d;
  const auto sock = (d.path / "fc.sock").string(), luns = (d.path / "luns").string();
  BOOST_TEST(parse({"--name", "Bad Name", "--fc", sock, "--luns", luns, "--lun", "0:1M"}) == 2);
  BOOST_TEST(parse({"--name", "a", "--fc", sock, "--luns", luns, "--lun", "0:1X"}) == 1);
  BOOST_TEST(parse({"--name", "a", "--fc", sock, "--luns", luns}) == 2);  // no LUN at all
  BOOST_TEST(parse({"--name", "a", "--fc", sock, "--luns", luns, "--lun", "0:1M", "--pcap-delimiters"}) == 2);
}
