// storemesh host link|intercept: the control path's hosts (their FC links, their interceptors)

#include "actors/agents/control_host/control_host_agent.hpp"
#include "actors/agents/control_host/fc_link.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "ops/inject.hpp"
#include "services/control_path/storage_system_codec.hpp"
#include "services/names.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace storemesh::ops {
namespace {

namespace st = services::storage;

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

struct intercept_options {
  data_options data;
  std::string key;
  actors::control_host::control_host_options host;
  double fc_timeout_seconds = 10;
};

void intercept(const intercept_options& o) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  char machine[256] = "localhost";
  ::gethostname(machine, sizeof machine - 1);
  auto writer = std::make_unique<actors::coordination::command_writer>(
      open_log(o.data, false), o.data.names, load_signing_key(o.key), "host:" + o.host.host + "@" + machine);
  auto opts = o.host;
  opts.fc_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.fc_timeout_seconds * 1000));
  actors::control_host::control_host_agent agent(opts, open_log(o.data, true), std::move(writer), o.data.names,
                                                 actors::control_host::fc_initiator_link());
  must(agent.start(), "host " + o.host.host);
  fmt::print("host {} intercepting on {} (port {}), upstream {}\n", o.host.host, o.host.listen, agent.port(),
             o.host.upstream);
  std::fflush(stdout);
  while (!stop_requested)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  agent.stop();
  spdlog::info("host {}: stopped", o.host.host);
}

} // namespace

void add_host_control(CLI::App& host) {
  {
    auto o = std::make_shared<inject_options>();
    auto name = std::make_shared<std::string>();
    auto storage = std::make_shared<std::string>();
    auto* cmd = host.add_subcommand("link", "couple a host's FC port to a storage system (it moves from any other host)");
    cmd->add_option("HOST", *name, "host name")->required();
    cmd->add_option("--fc", *storage, "the storage system (storemesh storage add)")->required();
    add_inject_options(*cmd, *o);
    cmd->callback([o, name, storage] {
      for (const auto* n : {name.get(), storage.get()})
        if (auto why = services::check_name(*n); !why.empty())
          throw cli_error("name '" + *n + "': " + why, 2);
      inject<st::entity>(*o, *storage, st::link_host{*name});
    });
  }
  {
    auto o = std::make_shared<intercept_options>();
    auto* cmd = host.add_subcommand(
        "intercept", "run a host's interceptor until SIGTERM/SIGINT: control commands for storage systems are "
                     "converted to FCP (or forwarded to the host with the FC link); other traffic goes to the upstream");
    cmd->add_option("--name", o->host.host, "the host's name")->required();
    cmd->add_option("--listen", o->host.listen, "HOST:PORT it listens on (TCP)")->required();
    cmd->add_option("--upstream", o->host.upstream, "HOST:PORT of the service other traffic goes to")->required();
    cmd->add_option("--fc-timeout", o->fc_timeout_seconds, "seconds a storage system has to answer (default 10)");
    cmd->add_option("--workers", o->host.workers, "threads answering control requests (default 4)");
    add_data_options(*cmd, o->data);
    if (const char* env = std::getenv("STOREMESH_KEY"))
      o->key = env;
    cmd->add_option("--key", o->key, "private key that signs its commands (default $STOREMESH_KEY); the daemon must trust it");
    cmd->callback([o] {
      if (auto why = services::check_name(o->host.host); !why.empty())
        throw cli_error("host name '" + o->host.host + "': " + why, 2);
      intercept(*o);
    });
  }
}

} // namespace storemesh::ops
