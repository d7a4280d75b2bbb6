#pragma once
// Topics on the broker: what a metadata request says about one, and creating
// one through the Admin API (rd_kafka_CreateTopics) until it can be used.

#include "events/error.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace storemesh::events::kafka_detail {

/// What the cluster says about one topic.
struct topic_metadata {
  std::int32_t partitions = 0;
  /// Every partition has a leader and no error: appends and fetches can go.
  bool leaders_elected = false;
};

/// One metadata request for `topic` (whose handle of `rk` is `rkt`).
/// unknown_topic when the cluster has no such topic; broker_error when no
/// broker answered within `timeout`.
[[nodiscard]] result<topic_metadata> describe_topic(rd_kafka_t* rk, rd_kafka_topic_t* rkt,
                                                    std::chrono::milliseconds timeout);

/// The broker-side configuration create_topic() gives `topic`:
///   cleanup.policy=compact         for names ending in ".snapshots" (one value per key)
///   retention.ms=-1                for every other topic: the log is the record, never expired
///   min.insync.replicas=2          when replication_factor >= 3 (else 1): acks=all then
///                                  means at least two copies
[[nodiscard]] std::vector<std::pair<std::string, std::string>> topic_config(std::string_view topic,
                                                                            std::int16_t replication_factor);

/// Creates `topic` with `partitions` partitions (CreateTopics); a topic that
/// exists already is success and keeps its partition count. Returns once the
/// metadata shows every partition with a leader, or fails at the deadline.
[[nodiscard]] result<topic_metadata> create_topic(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const std::string& topic,
                                                  std::int32_t partitions, std::int16_t replication_factor,
                                                  std::chrono::milliseconds timeout);

} // namespace storemesh::events::kafka_detail
