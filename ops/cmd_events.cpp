// storemesh events tail [--follow] [--from OFFSET] [--json] [--topic T]

#include "actors/entity_kinds.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"

#include <fmt/core.h>

#include <csignal>
#include <thread>

namespace storemesh::ops {
namespace {

struct tail_options {
  data_options data;
  bool follow = false;
  bool json = false;
  std::int64_t from = 0;
  std::vector<std::string> topics;
};

std::string_view payload_name(schema::Envelope::Payload::Which w) {
  using W = schema::Envelope::Payload::Which;
  switch (w) {
    case W::UNKNOWN: return "unknown";
    case W::REJECTION: return "rejection";
    case W::SEAL: return "seal";
    case W::SNAPSHOT: return "snapshot";
    case W::HOST_COMMAND: return "hostCommand";
    case W::HOST_EVENT: return "hostEvent";
    case W::COPY_JOB_COMMAND: return "copyJobCommand";
    case W::COPY_JOB_EVENT: return "copyJobEvent";
    case W::MIGRATION_COMMAND: return "migrationCommand";
    case W::MIGRATION_EVENT: return "migrationEvent";
    case W::REBALANCER_COMMAND: return "rebalancerCommand";
    case W::REBALANCER_EVENT: return "rebalancerEvent";
    case W::KV_COMMAND: return "kvCommand";
    case W::KV_EVENT: return "kvEvent";
    case W::CLUSTER_COMMAND: return "clusterCommand";
    case W::CLUSTER_EVENT: return "clusterEvent";
    case W::ROUTER_COMMAND: return "routerCommand";
    case W::ROUTER_EVENT: return "routerEvent";
    case W::TOPOLOGY_COMMAND: return "topologyCommand";
    case W::TOPOLOGY_EVENT: return "topologyEvent";
    case W::STORAGE_COMMAND: return "storageCommand";
    case W::STORAGE_EVENT: return "storageEvent";
    case W::CONTROL_HOST_COMMAND: return "controlHostCommand";
    case W::CONTROL_HOST_EVENT: return "controlHostEvent";
    case W::ACCESS_SERVER_COMMAND: return "accessServerCommand";
    case W::ACCESS_SERVER_EVENT: return "accessServerEvent";
    case W::USER_GROUP_COMMAND: return "userGroupCommand";
    case W::USER_GROUP_EVENT: return "userGroupEvent";
    case W::CONTENT_COMMAND: return "contentCommand";
    case W::CONTENT_EVENT: return "contentEvent";
    case W::EDGE_UNIT_COMMAND: return "edgeUnitCommand";
    case W::EDGE_UNIT_EVENT: return "edgeUnitEvent";
    case W::DELIVERY_COMMAND: return "deliveryCommand";
    case W::DELIVERY_EVENT: return "deliveryEvent";
  }
  return "unknown-type";
}

void print_record(const tail_options& o, const std::string& topic, partition_id p, const events::record_view& r) {
  auto env = events::envelope::decoded_envelope::decode(r.value);
  if (!env) {
    fmt::print(o.json ? "{{\"topic\":\"{}\",\"partition\":{},\"offset\":{},\"error\":\"{}\"}}\n"
                      : "{}/{}@{}  undecodable: {}\n",
               topic, p.value, r.off.value, env.error().message());
    return;
  }
  const auto e = env.value().reader();
  if (o.json) {
    fmt::print("{{\"topic\":\"{}\",\"partition\":{},\"offset\":{},\"envelope\":{}}}\n", topic, p.value, r.off.value,
               events::envelope::to_json(e));
    return;
  }
  std::string detail;
  if (e.getPayload().isRejection())
    detail = fmt::format("  {}: {}", e.getPayload().getRejection().getCode().cStr(),
                         e.getPayload().getRejection().getReason().cStr());
  fmt::print("{}/{}@{}  {}/{}  seq {}  {}{}\n", topic, p.value, r.off.value, env.value().entity_kind(),
             env.value().entity_id(), e.getSequence(), payload_name(env.value().payload_which()), detail);
}

std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) { interrupted = true; }

void tail(tail_options& o) {
  auto log = open_log(o.data, true);
  if (o.topics.empty()) {
    o.topics = {o.data.names.commands()};
    for (const auto& k : actors::entity_kinds())
      o.topics.push_back(o.data.names.events(k.kind));
    o.topics.push_back(o.data.names.rejected());
    o.topics.push_back(o.data.names.snapshots());
  }
  struct cursor {
    std::string topic;
    partition_id p;
    std::unique_ptr<events::log_reader> reader;
  };
  std::vector<cursor> cursors;
  for (const auto& t : o.topics) {
    auto n = log->partitions(t);
    if (!n)
      continue;  // not created yet: nothing to show
    for (std::int32_t i = 0; i < n.value(); ++i) {
      const auto end = must(log->end_offset(t, partition_id{i}), t);
      const offset from{std::min(o.from, end.value)};
      cursors.push_back({t, partition_id{i}, must(log->read(t, partition_id{i}, from), t)});
    }
  }
  std::signal(SIGINT, on_sigint);
  std::vector<events::record_view> batch;
  do {
    bool any = false;
    for (auto& c : cursors) {
      for (;;) {
        batch.clear();
        const auto n = must(c.reader->poll(batch), "reading " + c.topic);
        if (n == 0)
          break;
        any = true;
        for (const auto& r : batch)
          print_record(o, c.topic, c.p, r);
      }
    }
    std::fflush(stdout);
    if (!any && o.follow)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (o.follow && !interrupted);
}

} // namespace

void register_events(CLI::App& app) {
  auto* events_cmd = app.add_subcommand("events", "read the log");
  events_cmd->require_subcommand(1);
  auto o = std::make_shared<tail_options>();
  auto* cmd = events_cmd->add_subcommand("tail", "print every record, decoded");
  add_data_options(*cmd, o->data);
  cmd->add_flag("--follow,-f", o->follow, "keep printing new records until interrupted");
  cmd->add_option("--from", o->from, "start each partition at this offset")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "one JSON object per line");
  cmd->add_option("--topic", o->topics, "only these topics (repeatable)");
  cmd->callback([o] { tail(*o); });
}

} // namespace storemesh::ops
