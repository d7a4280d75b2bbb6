// storemesh host add|drain|up|down|list

#include "actors/entity_kinds.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "events/topic_scan.hpp"
#include "ops/cli_context.hpp"
#include "ops/datastore_arg.hpp"
#include "ops/inject.hpp"
#include "services/host/host_codec.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace storemesh::ops {
namespace {

namespace host = services::host;
using events::envelope::json_string;

struct list_options {
  data_options data;
  bool json = false;
};

void list_hosts(const list_options& o) {
  auto log = open_log(o.data, true);
  actors::entity_projection<host::entity> hosts;
  const auto topic = o.data.names.events(host::entity::kind);
  if (log->partitions(topic)) {
    must(events::scan_topic(*log, topic,
                            [&](partition_id, const events::record_view& r) -> result<void> {
                              SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
                              if (env.entity_kind() != host::entity::kind)
                                return success();
                              return hosts.fold(std::string(env.entity_id()), env.reader(), r.value, r.off.value);
                            }),
         "replaying " + topic);
  }
  if (o.json) {
    for (const auto& [id, image] : hosts.images()) {
      std::vector<std::string> ds;
      for (const auto& d : image.state.datastores)
        ds.push_back(fmt::format("{{\"name\":{},\"path\":{}}}", json_string(d.name), json_string(d.path)));
      fmt::print("{{\"id\":{},\"state\":\"{}\",\"events\":{},\"datastores\":[{}]}}\n", json_string(id),
                 host::to_string(image.state.status), image.seq, fmt::join(ds, ","));
    }
    return;
  }
  fmt::print("{:<24} {:<9} {}\n", "HOST", "STATE", "DATASTORES");
  for (const auto& [id, image] : hosts.images()) {
    std::vector<std::string> ds;
    for (const auto& d : image.state.datastores)
      ds.push_back(d.name + "=" + d.path);
    fmt::print("{:<24} {:<9} {}\n", id, host::to_string(image.state.status), fmt::join(ds, " "));
  }
}

} // namespace

void add_host_control(CLI::App& host);

void register_host(CLI::App& app) {
  auto* hostcmd = app.add_subcommand("host", "register hosts, change their state, list them; link their FC ports, run their interceptors");
  hostcmd->require_subcommand(1);
  add_host_control(*hostcmd);

  {
    auto o = std::make_shared<inject_options>();
    auto id = std::make_shared<std::string>();
    auto specs = std::make_shared<std::vector<std::string>>();
    auto* cmd = hostcmd->add_subcommand("add", "register a host with its datastores");
    cmd->add_option("ID", *id, "host id")->required();
    cmd->add_option("--datastore", *specs, "NAME=PATH, repeatable")->required();
    add_inject_options(*cmd, *o);
    cmd->callback([o, id, specs] {
      host::register_host c;
      for (const auto& s : *specs)
        c.datastores.push_back(parse_datastore(s));
      inject<host::entity>(*o, *id, c);
    });
  }
  for (auto [name, to, help] : {std::tuple{"drain", host::host_state::draining, "stop giving the host work and move its work away"},
                                std::tuple{"up", host::host_state::up, "bring the host (back) up"},
                                std::tuple{"down", host::host_state::down, "mark the host down"}}) {
    auto o = std::make_shared<inject_options>();
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    auto* cmd = hostcmd->add_subcommand(name, help);
    cmd->add_option("ID", *id, "host id")->required();
    cmd->add_option("--reason", *reason, "why, for the record");
    add_inject_options(*cmd, *o);
    cmd->callback([o, id, reason, to = to] { inject<host::entity>(*o, *id, host::set_state{to, *reason}); });
  }
  {
    auto o = std::make_shared<list_options>();
    auto* cmd = hostcmd->add_subcommand("list", "list hosts, rebuilt from the log");
    add_data_options(*cmd, o->data);
    cmd->add_flag("--json", o->json, "one JSON object per line");
    cmd->callback([o] { list_hosts(*o); });
  }
}

} // namespace storemesh::ops
