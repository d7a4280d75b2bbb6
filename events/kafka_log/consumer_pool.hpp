#pragma once
// Consumer clients shared by the log's readers.
//
// A reader consumes one partition with librdkafka's partition consumer:
// rd_kafka_consume_start_queue(topic, partition, offset, its own queue) --
// manual assignment at an explicit offset, no consumer group, nothing
// committed. One client serves any number of readers as long as they read
// different partitions (librdkafka keeps one fetcher per partition and
// client), and fetches for all of them in one request per broker. acquire()
// hands out a client that does not serve the partition yet, creating one when
// every client does; idle clients beyond two are destroyed on release.
//
// Why not rd_kafka_assign(): librdkafka 2.0 refuses it without a group.id
// (ERR__UNKNOWN_GROUP: it belongs to the group consumer), and with a group.id
// the client looks for a group coordinator -- creating __consumer_offsets on a
// fresh cluster -- for a group it would never join.
//
// Thread-safe. Readers may outlive the kafka_log: they share the pool.

#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_log_options.hpp"
#include "events/strong_types.hpp"

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace storemesh::events::kafka_detail {

/// How a consumer client fetches.
struct fetch_tuning {
  /// fetch.wait.max.ms: how long the broker holds a fetch with no new data.
  int wait_max_ms = 10;
  /// queued.max.messages.kbytes: prefetched bytes kept per partition.
  int queued_max_kbytes = 16 * 1024;
  /// max.partition.fetch.bytes: bytes per partition and fetch response.
  int partition_fetch_bytes = 4 << 20;
};

/// The configuration of a partition consumer: read_committed, end-of-partition
/// events, CRC checks, no commits, offsets out of range reported (never reset).
[[nodiscard]] result<conf_ptr> consumer_conf(const kafka_log_options& options, std::string_view client_suffix,
                                             const fetch_tuning& tuning);

class consumer_pool : public std::enable_shared_from_this<consumer_pool> {
  struct member;

public:
  /// A client reserved for one partition; returns it to the pool when destroyed.
  class lease {
  public:
    lease() = default;
    lease(lease&& other) noexcept { *this = std::move(other); }
    lease& operator=(lease&& other) noexcept;
    ~lease() { release(); }

    [[nodiscard]] rd_kafka_t* client() const;
    /// The client's handle of the leased topic.
    [[nodiscard]] rd_kafka_topic_t* topic() const { return rkt_; }

  private:
    friend class consumer_pool;
    void release();

    std::shared_ptr<consumer_pool> pool_;
    member* member_ = nullptr;
    rd_kafka_topic_t* rkt_ = nullptr;
    std::pair<std::string, std::int32_t> key_;
  };

  consumer_pool(kafka_log_options options, fetch_tuning tuning);
  ~consumer_pool();

  /// A client that serves no reader of `topic`/`p` yet.
  [[nodiscard]] result<lease> acquire(const std::string& topic, partition_id p);

private:
  struct member {
    client_ptr rk;                            // destroyed last:
    std::map<std::string, topic_ptr> topics;  // topic handles go before their client
    std::set<std::pair<std::string, std::int32_t>> busy;
  };

  void release(member* m, const std::pair<std::string, std::int32_t>& key);

  const kafka_log_options options_;
  const fetch_tuning tuning_;
  std::mutex mu_;
  std::list<std::unique_ptr<member>> members_; // mu_
};

} // namespace storemesh::events::kafka_detail
