// storemesh storage serve --name NAME --fc PATH --luns DIR [--lun N:SIZE]...
//                         [--pcap FILE [--pcap-delimiters]] [--exec-log FILE]
//
// Runs a storage system whose only connectivity is its FC port: LUNs are
// files under DIR (--lun creates missing ones, sparse), the port listens on
// the unix SOCK_SEQPACKET socket PATH for whole FC-2 frames and executes the
// SCSI commands of services/control_path/FC_FORMAT.md. Prints
//   storage NAME serving FC port PATH: luns 0,1
// once the socket accepts, then runs until SIGTERM or SIGINT.
//   --pcap FILE         every frame both ways, LINKTYPE_FC_2 (Wireshark reads it)
//   --pcap-delimiters   LINKTYPE_FC_2_WITH_FRAME_DELIMS instead: SOF, CRC, EOF kept
//   --exec-log FILE     one line per executed command: OX_ID RX_ID S_ID OPCODE LUN STATUS
//   --require-login     FCP only from ports that logged in (PLOGI, PRLI) first

#include "ops/cmd_storage_serve.hpp"

#include "actors/agents/storage_system/fc_port_server.hpp"
#include "actors/agents/storage_system/file_luns.hpp"
#include "ops/cli_context.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

namespace storemesh::ops {
namespace {

namespace ss = actors::storage_system;

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

struct serve_options {
  std::string name, fc, luns, pcap, exec_log, hold_while;
  std::vector<std::string> lun_specs;
  bool pcap_delimiters = false;
  bool require_login = false;
};

void serve(const serve_options& o) {
  if (!services::control_path::valid_object_name(o.name))
    throw cli_error("storage name '" + o.name + "' is not [a-z0-9][a-z0-9_.-]{0,62}", 2);
  if (o.pcap_delimiters && o.pcap.empty()) throw cli_error("--pcap-delimiters needs --pcap FILE", 2);
  std::vector<ss::lun_spec> specs;
  for (const auto& s : o.lun_specs) specs.push_back(must(ss::parse_lun_spec(s), "--lun"));
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto luns = must(ss::file_luns::open(o.luns, specs), "LUNs in " + o.luns);
  if (luns->luns().empty()) throw cli_error("no LUN in " + o.luns + ": give --lun N:SIZE", 2);
  ss::port_server_options po;
  po.socket_path = o.fc;
  po.storage_name = o.name;
  po.pcap_path = o.pcap;
  po.pcap_link = o.pcap_delimiters ? services::control_path::pcap_link_type::fc2_with_frame_delims
                                   : services::control_path::pcap_link_type::fc2;
  po.exec_log_path = o.exec_log;
  po.hold_while = o.hold_while;
  po.port.require_login = o.require_login;
  auto port = must(ss::fc_port_server::start(po, *luns), "FC port " + o.fc);
  fmt::print("storage {} serving FC port {}: luns {}\n", o.name, o.fc, fmt::join(luns->luns(), ","));
  std::fflush(stdout);
  while (!stop_requested && port->failure().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  port->stop();
  const auto failure = port->failure();
  if (!failure.empty()) throw cli_error("storage " + o.name + ": FC port stopped: " + failure);
  const auto c = port->counters();
  fmt::print(stderr, "storage {}: stopped; frames in {}, out {}, malformed {}, dropped {}, executed {}\n", o.name,
             c.frames_in, c.frames_out, c.malformed, c.dropped, c.executed);
  stop_requested = 0;
}

} // namespace

void add_storage_serve(CLI::App& storage) {
  auto o = std::make_shared<serve_options>();
  auto* cmd = storage.add_subcommand("serve", "run a storage system whose only link is a (simulated) FC port");
  cmd->add_option("--name", o->name, "storage system name, [a-z0-9][a-z0-9_.-]{0,62}")->required();
  cmd->add_option("--fc", o->fc, "unix SOCK_SEQPACKET socket path of its FC port")->required();
  cmd->add_option("--luns", o->luns, "directory holding its LUN files")->required();
  cmd->add_option("--lun", o->lun_specs, "N:SIZE, a LUN to create if missing (SIZE: bytes or 64M, 1G ...)");
  cmd->add_option("--pcap", o->pcap, "capture every frame to this pcap file (LINKTYPE_FC_2)");
  cmd->add_flag("--pcap-delimiters", o->pcap_delimiters, "capture with SOF/CRC/EOF (LINKTYPE_FC_2_WITH_FRAME_DELIMS)");
  cmd->add_option("--exec-log", o->exec_log, "append one line per executed command: OX_ID RX_ID S_ID OPCODE LUN STATUS");
  cmd->add_option("--hold-while", o->hold_while,
                  "test hook: a command that arrives while this file exists waits until it is removed");
  cmd->add_flag("--require-login", o->require_login, "drop FCP commands from ports that did not PLOGI and PRLI first");
  cmd->callback([o] { serve(*o); });
}

} // namespace storemesh::ops
