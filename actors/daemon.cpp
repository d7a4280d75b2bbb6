#include "actors/daemon.hpp"

#include "actors/command_intake.hpp"
#include "actors/command_sink.hpp"
#include "actors/copy_agent.hpp"
#include "actors/fleet_rebuild.hpp"
#include "actors/reaction_feed.hpp"
#include "actors/entity_kinds.hpp"
#include "actors/entity_router.hpp"
#include "actors/messages.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/topic_scan.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <thread>
#include <unistd.h>

namespace storemesh::actors {

result<void> create_topics(events::event_log& log, const topics& names, std::int32_t partitions) {
  std::vector<std::string> all{names.commands(), names.rejected(), names.snapshots()};
  for (const auto& k : entity_kinds())
    all.push_back(names.events(k.kind));
  // Asking first is a metadata lookup; creating is an admin round trip per
  // topic on Kafka, which every CLI command would otherwise pay.
  for (const auto& t : all)
    if (!log.partitions(t))
      SM_TRYV(log.create_topic(t, partitions));
  return success();
}

namespace {

caf::actor_system_config& scheduler_config(caf::actor_system_config& cfg) {
  // CAF defaults to max(4, cores) threads; this machine class has 2 cores, and
  // the writer, intake and blocking pool need their share.
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

} // namespace

struct daemon::parts {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<log_writer> writer;
  completion_tracker tracker;
  rejected_index rejected;
  snapshot_index snapshots;
  entity_index entities;
  std::unique_ptr<blocking_pool> pool;
  std::unique_ptr<offset_store> offsets;
  fleet_board fleet;
  runtime_context ctx;
  caf::actor router;
  std::unique_ptr<command_intake> intake;
  std::unique_ptr<command_sink> sink;
  std::unique_ptr<reaction_feed> reactions;
  std::unique_ptr<copy_agent> agent;
};

daemon::daemon(events::event_log& log, daemon_options options) : log_(log), options_(std::move(options)) {
  if (options_.producer.empty()) {
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    options_.producer = std::string("daemon@") + host;
  }
}

daemon::~daemon() { stop(); }

result<void> daemon::start() {
  using events::envelope::as_string_view;
  SM_TRYV(create_topics(log_, options_.names, options_.partitions));
  std::error_code ec;
  std::filesystem::create_directories(options_.state_dir, ec);
  SM_TRY(auto key, events::crypto::load_or_create_key_pair(options_.state_dir / "daemon.key"));
  sealing_pub_ = key.public_key();
  options_.trusted.add(sealing_pub_);

  auto p = std::make_unique<parts>();
  // Rejected commands and snapshot locations: rebuilt from their topics.
  SM_TRYV(events::scan_topic(log_, options_.names.rejected(),
                             [&](partition_id, const events::record_view& r) -> result<void> {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (env && env.value().reader().getPayload().isRejection()) {
      const auto rej = env.value().reader().getPayload().getRejection();
      const auto id = as_string_view(env.value().reader().getCausationId());
      const bool no_id = id.find_first_not_of('\0') == std::string_view::npos ||
                         !rejection_claims_id(rej.getCode().cStr());
      p->rejected.add(no_id ? std::string() : std::string(id), partition_id{rej.getCommandPartition()},
                      rej.getCommandOffset());
    }
    return success();
  }));
  SM_TRYV(events::scan_topic(log_, options_.names.snapshots(),
                             [&](partition_id part, const events::record_view& r) -> result<void> {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (env && env.value().reader().getPayload().isSnapshot())
      p->snapshots.put(std::string(env.value().entity_kind()), std::string(env.value().entity_id()),
                       snapshot_location{part, r.off});
    return success();
  }));

  // Where each entity's history starts: keys only, no decoding.
  for (const auto& kind : entity_kinds())
    SM_TRYV(events::scan_topic(log_, options_.names.events(kind.kind),
                               [&](partition_id, const events::record_view& r) -> result<void> {
      p->entities.put_if_absent(kind.kind, std::string(r.key), r.off);
      return success();
    }));

  SM_TRYV(rebuild_fleet(log_, options_.names, p->fleet));

  SM_TRY(auto event_partitions, log_.partitions(options_.names.events(entity_kinds().front().kind)));
  SM_TRY(auto rejected_partitions, log_.partitions(options_.names.rejected()));
  SM_TRY(auto snapshot_partitions, log_.partitions(options_.names.snapshots()));
  SM_TRY(auto command_partitions, log_.partitions(options_.names.commands()));
  p->writer = std::make_unique<log_writer>(log_, options_.names, std::move(key), options_.producer);
  p->pool = std::make_unique<blocking_pool>(1);
  p->offsets = std::make_unique<offset_store>(options_.state_dir / "offsets");
  p->ctx.log = &log_;
  p->ctx.names = options_.names;
  p->ctx.writer = p->writer.get();
  p->ctx.tracker = &p->tracker;
  p->ctx.rejected = &p->rejected;
  p->ctx.snapshots = &p->snapshots;
  p->ctx.entities = &p->entities;
  p->ctx.pool = p->pool.get();
  p->ctx.fleet = &p->fleet;
  p->ctx.producer = options_.producer;
  p->ctx.event_partitions = event_partitions;
  p->ctx.rejected_partitions = rejected_partitions;
  p->ctx.snapshot_partitions = snapshot_partitions;
  p->ctx.snapshot_every = options_.snapshot_every;
  p->ctx.idle_after = options_.idle_after;
  p->ctx.dedup_window = options_.dedup_window;
  p->ctx.fatal = &fatal_;
  p->system = std::make_unique<caf::actor_system>(scheduler_config(p->cfg));
  p->router = p->system->spawn(entity_router, &p->ctx);
  p->intake = std::make_unique<command_intake>(p->ctx, options_.trusted, *p->offsets, p->router);
  p->intake->start();
  p->sink = std::make_unique<command_sink>(*p->writer, options_.names, command_partitions, options_.producer);
  p->reactions = std::make_unique<reaction_feed>(p->ctx, *p->sink, options_.state_dir / "reactions");
  p->reactions->start();
  if (options_.run_agents) {
    auto* intake = p->intake.get();
    p->agent = std::make_unique<copy_agent>(p->ctx, *p->sink, options_.agent_hosts,
                                            [intake] { return intake->caught_up(); });
    p->agent->start();
  }
  parts_ = std::move(p);
  return success();
}

void daemon::stop() {
  if (!parts_)
    return;
  auto& p = *parts_;
  if (p.agent)
    p.agent->stop();
  p.reactions->stop();
  p.intake->stop();
  // Let commands already handed to entities reach the log (bounded: a stuck
  // command is simply redelivered after the restart).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.tracker.in_flight() > 0 && !fatal_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  p.intake.reset();  // commits offsets on its way out
  caf::anon_send_exit(p.router, caf::exit_reason::user_shutdown);
  p.router = nullptr;
  p.pool.reset();
  p.system.reset();  // waits for every actor
  p.writer->stop();
  parts_.reset();
}

} // namespace storemesh::actors
