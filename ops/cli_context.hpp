#pragma once
// What every subcommand shares: where the data lives, which key signs, how a
// failure becomes one line on stderr.

#include "actors/topics.hpp"
#include "events/event_log.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace storemesh::ops {

/// Thrown only here, at the process edge; main() prints it as one line.
struct cli_error : std::runtime_error {
  using std::runtime_error::runtime_error;
  int exit_code = 1;
  cli_error(const std::string& what, int code) : std::runtime_error(what), exit_code(code) {}
};

struct data_options {
  std::string data;   ///< --data DIR, default $STOREMESH_DATA
  std::string kafka;  ///< --kafka HOST:PORT[,...], default $STOREMESH_KAFKA: the log is Kafka, DIR keeps only state
  std::int16_t replication_factor = 1;
  /// Kafka consumer group members: silence after which a member's partitions
  /// move (serve --session-timeout).
  std::chrono::milliseconds group_session_timeout{10000};
  /// Kafka: see kafka_log_options::transaction_timeout (serve --transaction-timeout).
  std::chrono::milliseconds transaction_timeout{60000};
  /// Kafka: see kafka_log_options::timeout (serve --kafka-timeout).
  std::chrono::milliseconds kafka_timeout{30000};
  std::string config;
  actors::topics names;
};

/// Adds --data and --kafka to a subcommand.
void add_data_options(CLI::App& app, data_options& opts);

/// The embedded log under <data>/log, or Kafka with --kafka. read_only never
/// modifies a byte (the embedded log; Kafka readers never write anyway).
[[nodiscard]] std::unique_ptr<events::event_log> open_log(const data_options& opts, bool read_only);
/// The daemon's log: on Kafka a transactional producer whose id is
/// `transactional_id`, so a second daemon with that id fences the first.
[[nodiscard]] std::unique_ptr<events::event_log> open_daemon_log(const data_options& opts,
                                                                 const std::string& transactional_id);
[[nodiscard]] std::filesystem::path state_dir(const data_options& opts);

/// Unwraps a result or throws cli_error with `what` in front of the error.
template <class T>
T must(result<T> r, const std::string& what) {
  if (!r)
    throw cli_error(what + ": " + r.error().message());
  if constexpr (!std::is_void_v<T>)
    return std::move(r).value();
}

void register_keygen(CLI::App& app);
void register_serve(CLI::App& app);
void register_host(CLI::App& app);
void register_events(CLI::App& app);
void register_audit(CLI::App& app);
void register_copy(CLI::App& app);
void register_demo(CLI::App& app);
void register_command(CLI::App& app);
void register_apply(CLI::App& app);
void register_quorum(CLI::App& app);
void register_node(CLI::App& app);
void register_kv(CLI::App& app);
void register_tunnel(CLI::App& app);
void register_coordination_processes(CLI::App& app);
void register_gateway(CLI::App& app);
void register_rebalance(CLI::App& app);
void register_cid(CLI::App& app);
void register_router(CLI::App& app);
void register_topology(CLI::App& app);
void register_route(CLI::App& app);
void register_datagram(CLI::App& app);
void register_access(CLI::App& app);
void register_delivery_setup(CLI::App& app);
void register_delivery(CLI::App& app);
void register_sim(CLI::App& app);
void register_storage(CLI::App& app);

} // namespace storemesh::ops
