#include "ops/cli_context.hpp"

#include "events/file_log/file_log.hpp"
#include "events/kafka_log/kafka_log.hpp"

#include <cstdlib>

namespace storemesh::ops {

void add_data_options(CLI::App& app, data_options& opts) {
  if (const char* env = std::getenv("STOREMESH_DATA"))
    opts.data = env;
  app.add_option("--data", opts.data,
                 "data directory: the embedded log, or with --kafka the daemon's state (default $STOREMESH_DATA)");
  if (const char* env = std::getenv("STOREMESH_KAFKA"))
    opts.kafka = env;
  app.add_option("--kafka", opts.kafka, "run on Apache Kafka at HOST:PORT[,...] (default $STOREMESH_KAFKA)");
  if (const char* env = std::getenv("STOREMESH_TOPIC_PREFIX"))
    opts.names.prefix = env;
  app.add_option("--topic-prefix", opts.names.prefix,
                 "topic names start with this, so fleets can share a broker (default $STOREMESH_TOPIC_PREFIX or "
                 "storemesh)");
}

std::filesystem::path state_dir(const data_options& opts) { return std::filesystem::path(opts.data) / "state"; }

namespace {

std::unique_ptr<events::event_log> open_kafka(const data_options& opts, const std::string& transactional_id) {
  events::kafka_log_options k;
  k.bootstrap = opts.kafka;
  k.replication_factor = opts.replication_factor;
  k.transactional_id = transactional_id;
  k.group_session_timeout = opts.group_session_timeout;
  k.transaction_timeout = opts.transaction_timeout;
  k.timeout = opts.kafka_timeout;
  auto log = must(events::kafka_log::open(k), "connecting to Kafka at " + opts.kafka);
  return std::unique_ptr<events::event_log>(std::move(log));
}

} // namespace

std::unique_ptr<events::event_log> open_daemon_log(const data_options& opts, const std::string& transactional_id) {
  return opts.kafka.empty() ? open_log(opts, false) : open_kafka(opts, transactional_id);
}

std::unique_ptr<events::event_log> open_log(const data_options& opts, bool read_only) {
  if (!opts.kafka.empty()) {
    return open_kafka(opts, "");
  }
  if (opts.data.empty())
    throw cli_error("no data directory: pass --data DIR or set STOREMESH_DATA", 2);
  const auto root = std::filesystem::path(opts.data) / "log";
  if (read_only && !std::filesystem::exists(root))
    throw cli_error("no storemesh log under " + opts.data + " (has `storemesh serve --data " + opts.data +
                    "` ever run?)");
  events::file_log_options o;
  o.root = root;
  o.read_only = read_only;
  auto log = must(events::file_log::open(o), "opening " + root.string());
  return std::unique_ptr<events::event_log>(std::move(log));
}

} // namespace storemesh::ops
