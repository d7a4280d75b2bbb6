#pragma once
// kafka_group: a partition_group that is a real Kafka consumer group. Members
// share the partitions of one topic with the cooperative-sticky assignor, so
// a member joining or leaving moves only the partitions that must move, and
// the others keep deciding throughout.
//
// The group's consumer reads no records: the log's pooled readers do the
// reading, from the offsets the group hands over (committed()). It only keeps
// the membership (heartbeats run on librdkafka's threads; poll() serves the
// rebalances) and holds the positions. Assigned partitions are paused at
// once, so it never fetches.
//
// Fencing (KIP-447): group_metadata() names this member and its generation; a
// transactional append that carries it (kafka_log::append_committing) commits
// the offsets in the transaction, and the coordinator refuses the whole
// transaction of a member the group has since expelled.
//
// Thread-safety: poll() from one thread (the listener runs there);
// committed(), commit() and group_metadata() from any.

#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_log_options.hpp"
#include "events/partition_group.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace storemesh::events::kafka_detail {

struct group_metadata_deleter {
  void operator()(const rd_kafka_consumer_group_metadata_t* m) const {
    rd_kafka_consumer_group_metadata_destroy(const_cast<rd_kafka_consumer_group_metadata_t*>(m));
  }
};
using group_metadata_ptr = std::shared_ptr<const rd_kafka_consumer_group_metadata_t>;

class kafka_group final : public partition_group {
public:
  /// Subscribes to `topic` as a member of `group`; the first assignment
  /// arrives through poll().
  [[nodiscard]] static result<std::unique_ptr<kafka_group>> join(const kafka_log_options& options,
                                                                 std::string topic, std::string group);
  /// Leaves the group (its partitions go to the others at once, rather than
  /// after the session timeout).
  ~kafka_group() override;

  [[nodiscard]] result<void> poll(listener& l, std::chrono::milliseconds timeout) override;
  [[nodiscard]] result<offset> committed(const std::string& topic, partition_id p) override;
  [[nodiscard]] result<void> commit(const std::string& topic, const positions& next) override;
  [[nodiscard]] std::string name() const override { return group_; }

  /// This member's identity and generation as of the last rebalance the
  /// listener was told of, for send_offsets_to_transaction. Not the client's
  /// latest: librdkafka may rejoin in the background (a member back from a
  /// pause) before the listener hears it lost its partitions, and a
  /// transaction under that new generation would pass the fence for
  /// partitions the member no longer owns. Null before the first assignment.
  [[nodiscard]] group_metadata_ptr group_metadata() const;
  /// Remembers positions a transaction committed, so that commit() of the
  /// same positions writes nothing.
  void committed_elsewhere(const std::string& topic, const positions& next);

private:
  kafka_group(kafka_log_options options, std::string topic, std::string group);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);

  const kafka_log_options options_;
  const std::string topic_;
  const std::string group_;
  client_ptr rk_;
  listener* listener_ = nullptr;  // set while poll() runs
  bool cooperative_ = true;        // the rebalance protocol last seen
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::int32_t>, offset> last_;  // mutex_: known committed positions
  group_metadata_ptr metadata_;                                   // mutex_: see group_metadata()
};

} // namespace storemesh::events::kafka_detail
