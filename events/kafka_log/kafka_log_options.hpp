#pragma once
// How a kafka_log is opened. Only `bootstrap` must be given; every other field
// has a default that suits a single-broker test cluster and the daemon alike.

#include <chrono>
#include <cstdint>
#include <string>

namespace storemesh::events {

struct kafka_log_options {
  /// "host:port[,host:port...]": librdkafka's bootstrap.servers.
  std::string bootstrap;
  /// Replicas of every topic create_topic() makes. With 3 or more, topics
  /// get min.insync.replicas=2, so an acknowledged append survives one broker.
  std::int16_t replication_factor = 1;
  /// client.id of every connection (readers and the watcher add a suffix),
  /// as the broker's logs and quotas see it.
  std::string client_id = "storemesh";
  /// Bounds every broker round trip: open()'s first metadata request, topic
  /// creation, watermark queries, an append's delivery (message.timeout.ms)
  /// and a reader's wait for data it knows exists.
  std::chrono::milliseconds timeout{30000};
  /// Empty: an idempotent producer. Otherwise a transactional producer with
  /// this transactional.id: every append() is one transaction, so a batch is
  /// all-or-nothing for read_committed readers (and appends are serialised).
  /// At most one live kafka_log per id: a second one fences the first.
  std::string transactional_id;
};

} // namespace storemesh::events
