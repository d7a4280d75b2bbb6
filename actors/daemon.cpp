#include "actors/daemon.hpp"

#include "actors/command_intake.hpp"
#include "actors/command_sink.hpp"
#include "actors/copy_agent.hpp"
#include "actors/fleet_feed.hpp"
#include "actors/index_feed.hpp"
#include "actors/local_group.hpp"
#include "actors/partition_takeover.hpp"
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
  std::unique_ptr<events::partition_group> group;            ///< who owns which command partitions
  std::unique_ptr<events::partition_group> reaction_positions;  ///< local: its own files; else `group`
  std::unique_ptr<log_writer> writer;
  completion_tracker tracker;
  rejected_index rejected;
  snapshot_index snapshots;
  entity_index entities;
  std::unique_ptr<index_feed> indexes;
  std::unique_ptr<restored_images> restored;  ///< outlives the pool, whose restores fill it
  std::unique_ptr<blocking_pool> pool;
  fleet_board fleet;
  std::unique_ptr<fleet_feed> fleet_follower;
  partition_ownership ownership;
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
  // The indexes and the fleet view: rebuilt from their topics, then kept up.
  p->indexes = std::make_unique<index_feed>(log_, options_.names, p->rejected, p->snapshots, p->entities);
  SM_TRYV(p->indexes->catch_up());
  p->fleet_follower = std::make_unique<fleet_feed>(log_, options_.names, p->fleet, &fatal_);
  SM_TRYV(p->fleet_follower->catch_up());

  SM_TRY(auto event_partitions, log_.partitions(options_.names.events(entity_kinds().front().kind)));
  SM_TRY(auto rejected_partitions, log_.partitions(options_.names.rejected()));
  SM_TRY(auto snapshot_partitions, log_.partitions(options_.names.snapshots()));
  SM_TRY(auto command_partitions, log_.partitions(options_.names.commands()));
  // Ownership is per partition number across topics (see daemon_options::group).
  for (const auto& kind : entity_kinds()) {
    SM_TRY(auto n, log_.partitions(options_.names.events(kind.kind)));
    if (n != command_partitions || snapshot_partitions != command_partitions)
      return make_error(runtime_errc::bad_topics,
                        options_.names.events(kind.kind) + " has " + std::to_string(n) + " partitions, " +
                            options_.names.snapshots() + " " + std::to_string(snapshot_partitions) + ", " +
                            options_.names.commands() + " " + std::to_string(command_partitions) +
                            ": every topic must have the same partition count");
  }
  if (options_.group.empty()) {
    p->group = std::make_unique<local_group>(options_.state_dir / "offsets", command_partitions);
    p->reaction_positions = std::make_unique<local_group>(options_.state_dir / "reactions", command_partitions);
  } else {
    SM_TRY(p->group, log_.join_group(options_.names.commands(), options_.group));
  }
  auto& reaction_positions = p->reaction_positions ? *p->reaction_positions : *p->group;
  p->writer = std::make_unique<log_writer>(log_, options_.names, std::move(key), options_.producer);
  p->writer->set_fenced_wait(options_.fenced_wait);
  p->writer->set_broken_flag(&fatal_);
  p->pool = std::make_unique<blocking_pool>(1);
  p->restored = std::make_unique<restored_images>(options_.restore_hold);
  p->ctx.log = &log_;
  p->ctx.names = options_.names;
  p->ctx.writer = p->writer.get();
  p->ctx.tracker = &p->tracker;
  p->ctx.rejected = &p->rejected;
  p->ctx.snapshots = &p->snapshots;
  p->ctx.entities = &p->entities;
  p->ctx.restored = p->restored.get();
  p->ctx.pool = p->pool.get();
  p->ctx.fleet = &p->fleet;
  p->ctx.producer = options_.producer;
  p->ctx.event_partitions = event_partitions;
  p->ctx.rejected_partitions = rejected_partitions;
  p->ctx.snapshot_partitions = snapshot_partitions;
  p->ctx.snapshot_every = options_.snapshot_every;
  p->ctx.idle_after = options_.idle_after;
  p->ctx.dedup_window = options_.dedup_window;
  p->ctx.dedup_max_ids = options_.dedup_max_ids;
  p->ctx.fatal = &fatal_;
  p->ctx.fenced = options_.group.empty() ? nullptr : &fenced_;
  p->ctx.ownership = &p->ownership;
  p->ctx.group = p->group.get();
  p->system = std::make_unique<caf::actor_system>(scheduler_config(p->cfg));
  p->router = p->system->spawn(entity_router, &p->ctx);
  auto* indexes = p->indexes.get();
  // Preparing partitions for the intake: the indexes learn what was written
  // there, then each partition's takeover restores its entities (on the pool,
  // while the intake reads its commands) and, `restore_hold` after, has the
  // router drop the images nobody claimed.
  takeover_hooks hooks;
  hooks.gate = options_.takeover_gate;
  hooks.done = [router = caf::actor_cast<caf::actor_addr>(p->router), hold = options_.restore_hold] {
    if (auto r = caf::actor_cast<caf::actor>(router))
      caf::delayed_anon_send(r, hold, restore_sweep_atom::value);
  };
  auto prepare = [indexes, ctx = &p->ctx, group = p->group.get(), hooks](const std::vector<partition_id>& ps) -> result<void> {
    SM_TRYV(indexes->catch_up());
    for (const auto part : ps)
      if (const auto tenure = group->epoch(part))
        start_takeover(*ctx, part, *tenure, hooks);
    return success();
  };
  p->intake = std::make_unique<command_intake>(p->ctx, options_.trusted, *p->group, p->ownership, std::move(prepare),
                                               p->router, options_.intake_threads);
  p->intake->start();
  if (!options_.group.empty())
    p->fleet_follower->start();
  p->sink = std::make_unique<command_sink>(*p->writer, options_.names, command_partitions, options_.producer);
  p->reactions = std::make_unique<reaction_feed>(p->ctx, *p->sink, reaction_positions, p->ownership);
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
  p.fleet_follower->stop();
  p.intake->stop();
  // Let commands already handed to entities reach the log (bounded: a stuck
  // command is simply redelivered after the restart).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.tracker.in_flight() > 0 && !fatal_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  p.intake.reset();  // hands the final positions to the writer on its way out
  caf::anon_send_exit(p.router, caf::exit_reason::user_shutdown);
  p.router = nullptr;
  p.restored->clear();  // a restore still running stops at its next kind
  p.pool.reset();
  p.system.reset();  // waits for every actor
  p.writer->stop();  // commits them
  p.group.reset();   // leaves the group: its partitions move at once
  parts_.reset();
}

restored_images::counts daemon::restored() const {
  return parts_ ? parts_->restored->count() : restored_images::counts{};
}

} // namespace storemesh::actors
