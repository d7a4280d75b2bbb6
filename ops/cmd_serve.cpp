// storemesh serve: the daemon on the embedded log, until SIGINT or SIGTERM.

#include "actors/daemon.hpp"
#include "ops/cli_context.hpp"
#include "ops/config_file.hpp"
#include "ops/instance_claim.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

namespace storemesh::ops {
namespace {

std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested = true; }

struct serve_options {
  data_options data;
  std::vector<std::string> trust;
  std::int32_t partitions = 2;
  std::uint64_t snapshot_every = 1000;
  double idle_seconds = 30;
  std::vector<std::string> agents;
  bool no_agents = false;
  std::string group;
  double session_seconds = 10;
  double transaction_seconds = 60;
  double kafka_timeout_seconds = 30;
  unsigned intake_threads = 0;
};

// Flags add to the config's trust list and override the rest.
void read_config(serve_options& o) {
  auto c = read_config_file(o.data.config);
  o.trust.insert(o.trust.begin(), c.trust.begin(), c.trust.end());
  o.partitions = c.partitions.value_or(o.partitions);
  o.snapshot_every = c.snapshot_every.value_or(o.snapshot_every);
  o.idle_seconds = c.idle_seconds.value_or(o.idle_seconds);
  if (c.topic_prefix)
    o.data.names.prefix = *c.topic_prefix;
  if (c.replication_factor)
    o.data.replication_factor = *c.replication_factor;
  if (c.kafka && o.data.kafka.empty())
    o.data.kafka = *c.kafka;
}

void serve(serve_options& o) {
  read_config(o);
  actors::daemon_options d;
  for (const auto& k : o.trust)
    d.trusted.add(must(events::crypto::parse_public_key(k), "--trust " + k));
  if (d.trusted.empty())
    spdlog::warn("no trusted keys (--trust PUBKEY): every command will be rejected");
  if (o.data.data.empty())
    throw cli_error(o.data.kafka.empty() ? "no data directory: pass --data DIR or set STOREMESH_DATA"
                                         : "--kafka keeps the log in Kafka, but the daemon still needs --data DIR "
                                           "for its sealing key and read positions",
                    2);
  d.state_dir = state_dir(o.data);
  d.names = o.data.names;
  d.partitions = o.partitions;
  d.snapshot_every = o.snapshot_every;
  d.idle_after = std::chrono::milliseconds(static_cast<std::int64_t>(o.idle_seconds * 1000));
  d.run_agents = !o.no_agents;
  d.intake_threads = o.intake_threads;
  d.agent_hosts.insert(o.agents.begin(), o.agents.end());
  if (!o.group.empty() && o.data.kafka.empty())
    throw cli_error("--group shares partitions among daemons on Kafka: pass --kafka HOST:PORT too", 2);
  d.group = o.group;
  o.data.group_session_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.session_seconds * 1000));
  o.data.transaction_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.transaction_seconds * 1000));
  d.fenced_wait = o.data.group_session_timeout;
  o.data.kafka_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.kafka_timeout_seconds * 1000));
  // On Kafka every group commit is a transaction under an id that is this
  // daemon's (its sealing key's): a zombie left by a crash, or a copy started
  // by mistake on the same state, is fenced and can append nothing.
  std::filesystem::create_directories(d.state_dir);
  const auto key = must(events::crypto::load_or_create_key_pair(d.state_dir / "daemon.key"), "daemon key");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // A log client broken for good by a fault that has passed (on Kafka: a
  // broker away longer than the transaction timeout, the outcome of the
  // transaction in flight unknown, or the coordinator's fence when it aborted
  // a transaction of this daemon that timed out) is cured by a new one: the
  // daemon stops, the log is opened again and the daemon starts anew,
  // resuming by replay as after a restart (Kafka Streams likewise recreates
  // its producer and rejoins). A fence by another instance started on this
  // state is not cured so: this one stops (instance_claim.hpp tells the two
  // fences apart). Fenced again and again soon after each restart, it stops
  // too: an instance with this key runs elsewhere (a copied state directory).
  const auto claim = must(instance_claim::take(d.state_dir), "claiming the state directory");
  constexpr int quick_fences_tolerated = 5;
  const auto quick = std::chrono::seconds(60);
  int quick_fences = 0;
  const auto transactional_id = d.names.prefix + ".daemon." + key.public_key().short_id();
  for (int restarts = 0;; ++restarts) {
    std::unique_ptr<events::event_log> log;
    std::unique_ptr<actors::daemon> running;
    // A first start that fails says why and exits: a wrong address or a
    // damaged log is the likelier cause. A start anew after the daemon has
    // served waits for the log instead (the brokers still away, or too busy
    // to answer in time), as a supervisor would restart it, until stopped.
    for (int attempt = 0; !running; ++attempt) {
      try {
        log = open_daemon_log(o.data, transactional_id);
        auto daemon = std::make_unique<actors::daemon>(*log, d);
        must(daemon->start(), "starting the daemon");
        running = std::move(daemon);
      } catch (const cli_error& e) {
        if (restarts == 0 || stop_requested)
          throw;
        const auto wait = std::chrono::seconds(std::min(1 << std::min(attempt, 5), 30));
        spdlog::warn("starting anew: {}; trying again in {} s", e.what(), wait.count());
        for (auto until = std::chrono::steady_clock::now() + wait;
             !stop_requested && std::chrono::steady_clock::now() < until;)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    auto& daemon = *running;
    const auto started = std::chrono::steady_clock::now();
    spdlog::info("serving {} (sealing key {}{}); stop with SIGINT or SIGTERM", o.data.data,
                 daemon.sealing_key().short_id(),
                 o.data.kafka.empty() ? std::string() : ", transactional id " + transactional_id);
    while (!stop_requested && !daemon.failed())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const bool failed = daemon.failed();
    daemon.stop();
    if (!failed)
      break;
    const auto cure = log->needs_reopen();
    if (!cure || stop_requested)
      throw cli_error("stopped: the log refused an append (see the log above); state is intact, restart when fixed");
    if (log->fenced()) {
      const auto ours = claim.still_ours();
      if (!ours || !ours.value())
        throw cli_error("stopped: fenced by a newer instance of this daemon started on " + d.state_dir.string() +
                        (ours ? std::string() : " (" + ours.error().message() + ")") + "; it carries on");
      quick_fences = std::chrono::steady_clock::now() - started < quick ? quick_fences + 1 : 0;
      if (quick_fences >= quick_fences_tolerated)
        throw cli_error(fmt::format("stopped: fenced {} times, each within {} s of a restart, with no other start "
                                    "on this state: an instance with this key runs elsewhere (a copy of {}?)",
                                    quick_fences, quick.count(), d.state_dir.string()));
    }
    spdlog::warn("the log client is broken ({}); opening the log again and resuming by replay (restart {})",
                 cure->message(), restarts + 1);
    std::this_thread::sleep_for(std::chrono::seconds(std::min(restarts + 1, 10)));
  }
  spdlog::info("stopped cleanly");
}

} // namespace

void register_serve(CLI::App& app) {
  auto o = std::make_shared<serve_options>();
  auto* cmd = app.add_subcommand("serve", "run the daemon on the embedded log under --data");
  add_data_options(*cmd, o->data);
  cmd->add_option("--config", o->data.config, "TOML config: trust = [...], partitions, snapshot_every, idle_seconds");
  cmd->add_option("--trust", o->trust, "public key (hex or .pub file) whose commands are accepted; repeatable");
  cmd->add_option("--replication-factor", o->data.replication_factor,
                  "Kafka: replicas of the topics this daemon creates")->check(CLI::Range(1, 32));
  cmd->add_option("--partitions", o->partitions, "partitions of the topics this daemon creates")->check(CLI::Range(1, 1024));
  cmd->add_option("--snapshot-every", o->snapshot_every, "events between two snapshots of an entity")->check(CLI::Range(1, 1000000000));
  cmd->add_option("--agent", o->agents,
                  "run the copy engine only for this host (repeatable; default: every host, as on one machine)");
  cmd->add_flag("--no-agents", o->no_agents, "run no copy engine here (control plane only)");
  if (const char* env = std::getenv("STOREMESH_GROUP"))
    o->group = env;
  cmd->add_option("--group", o->group,
                  "Kafka: share the partitions with the other daemons of this consumer group (default $STOREMESH_GROUP; "
                  "none: this daemon owns them all)");
  cmd->add_option("--session-timeout", o->session_seconds,
                  "Kafka group: seconds of silence after which a daemon's partitions move to the others")
      ->check(CLI::Range(6.0, 300.0));
  cmd->add_option("--transaction-timeout", o->transaction_seconds,
                  "Kafka: seconds before the broker aborts a transaction left open (by a daemon killed mid-write); "
                  "bounds the wait of the daemon taking over; a broker outage longer than it breaks this daemon's producer, "
                  "and the daemon starts anew in process (resuming by replay)")
      ->check(CLI::Range(1.0, 900.0));
  cmd->add_option("--kafka-timeout", o->kafka_timeout_seconds,
                  "Kafka: seconds any broker round trip may take (an append's delivery included); a broker outage "
                  "longer than it is waited out, and one longer than --transaction-timeout restarts this daemon in "
                  "process (default 30)")
      ->check(CLI::Range(1.0, 900.0));
  cmd->add_option("--idle", o->idle_seconds, "seconds before an idle entity actor is passivated");
  cmd->add_option("--intake-threads", o->intake_threads,
                  "threads that check commands (decode, proof, signature); 0 (default) is one per core")
      ->check(CLI::Range(0u, 256u));
  cmd->callback([o] { serve(*o); });
}

} // namespace storemesh::ops
