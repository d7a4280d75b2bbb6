#pragma once
// What the storage_system tests share: a temporary directory, and a storage
// system (file LUNs + its FC port) with an initiator on its link.

#include "actors/agents/storage_system/fc_initiator.hpp"
#include "actors/agents/storage_system/fc_port_server.hpp"
#include "actors/agents/storage_system/file_luns.hpp"
#include "services/control_path/scsi_commands.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

namespace storemesh::actors::storage_system::testing {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "storage-system-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct storage_system {
  temp_dir dir;
  std::unique_ptr<file_luns> luns;
  std::unique_ptr<fc_port_server> port;
  std::unique_ptr<fc_initiator> host;
  std::uint16_t next_ox_id = 0x0100;

  explicit storage_system(port_server_options o = {}) {
    luns = file_luns::open(dir / "luns", {{0, 1 << 20}, {1, 64 << 10}}).value();
    o.socket_path = dir / "fc.sock";
    o.storage_name = "array-1";
    if (o.exec_log_path.empty()) o.exec_log_path = dir / "exec.log";
    port = fc_port_server::start(o, *luns).value();
    host = std::make_unique<fc_initiator>(initiator_options{o.socket_path});
  }

  /// Runs an operation by name through the initiator; the outcome rendered.
  services::control_path::rendering control(const std::string& op, std::vector<std::string> args = {}, std::uint64_t lun = 0) {
    const auto cmd = services::control_path::build_command(op, args).value();
    auto o = host->execute(next_ox_id++, lun, cmd.cdb, cmd.data_in_length, std::chrono::seconds(5), cmd.data_out);
    BOOST_REQUIRE_MESSAGE(o, op << ": " << (o ? "" : o.error().message()));
    return services::control_path::render_outcome(cmd, o.value().status, o.value().sense, o.value().data).value();
  }
};

} // namespace storemesh::actors::storage_system::testing
