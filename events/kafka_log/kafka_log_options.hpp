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
  /// How long a transaction may stay open before the coordinator aborts it.
  /// A trade-off: a daemon killed mid-transaction leaves one open, and
  /// read_committed readers of its partitions see nothing past it until then
  /// (the daemon taking over waits that long); but a broker outage longer
  /// than it times out the transaction in progress, which fences the producer
  /// (the daemon stops; a restart resumes by replay). librdkafka's default.
  std::chrono::milliseconds transaction_timeout{60000};
  /// How long a group member (join_group) may go silent before the group
  /// gives its partitions to the others: the failover time after a crash.
  /// Kafka's default is 45 s; the broker accepts 6 s and up.
  std::chrono::milliseconds group_session_timeout{10000};
  /// How long a group member may go without polling (its thread stuck, its
  /// process paused) before the group expels it and fences its transactions.
  /// At least group_session_timeout.
  std::chrono::milliseconds group_max_poll_interval{60000};
};

} // namespace storemesh::events
