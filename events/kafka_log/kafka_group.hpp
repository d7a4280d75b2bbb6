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
// Fencing (KIP-447, and tenures): every transactional append that carries a
// group's positions presents this member's identity and generation
// (fence()). The coordinator refuses the whole transaction of a member the
// group has since expelled or moved past. That alone does not stop a zombie:
// a member back from a pause rejoins, gets a new generation -- perhaps the
// same partition back -- and a write it decided before the pause would pass
// under it. So fence() first checks the write's claims (partition_group.hpp)
// against the tenures this object keeps, and hands out the membership only
// for claims still valid, both under one lock that the rebalance callback
// holds while it changes either. Hence: a claim valid here plus the
// generation read with it means no other member can own the partition in
// that generation; should the group have moved since, the broker refuses.
//
// Thread-safety: poll() from one thread (the listener runs there);
// committed(), commit(), epoch(), renew() and fence() from any.

#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_log_options.hpp"
#include "events/partition_group.hpp"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace storemesh::events::kafka_detail {

struct group_metadata_deleter {
  void operator()(const rd_kafka_consumer_group_metadata_t* m) const {
    // (A shared_ptr calls its deleter even on null: a member without a group has none.)
    if (m != nullptr)
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
  [[nodiscard]] std::optional<ownership_epoch> epoch(partition_id p) const override;
  [[nodiscard]] std::optional<ownership_epoch> renew(partition_id p) override;

  /// For a transaction that makes `claims` durable: this member's identity
  /// and generation for send_offsets_to_transaction, if every claim is of a
  /// tenure still running (else log_errc::stale_claim). The membership is the
  /// one of the last rebalance callback, read together with the tenures (see
  /// the header comment); a member without one yet gets log_errc::fenced.
  [[nodiscard]] result<group_metadata_ptr> fence(const std::vector<partition_claim>& claims) const;
  [[nodiscard]] std::uint64_t membership_version() const override;
  [[nodiscard]] bool await_membership(std::uint64_t seen, std::chrono::milliseconds timeout) override;
  /// Remembers positions a transaction committed, so that commit() of the
  /// same positions writes nothing.
  void committed_elsewhere(const std::string& topic, const positions& next);

private:
  kafka_group(kafka_log_options options, std::string topic, std::string group);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);

  /// The client's membership now (call from the rebalance callback).
  [[nodiscard]] group_metadata_ptr membership() const;
  /// Replaces metadata_ (mutex_ held) and wakes await_membership().
  void present(group_metadata_ptr now);
  void begin_tenures(const std::vector<partition_id>& ids);
  void end_tenures(const std::vector<partition_id>& ids);

  const kafka_log_options options_;
  const std::string topic_;
  const std::string group_;
  client_ptr rk_;
  listener* listener_ = nullptr;  // set while poll() runs
  bool cooperative_ = true;        // the rebalance protocol last seen
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::int32_t>, offset> last_;  // mutex_: known committed positions
  group_metadata_ptr metadata_;                                   // mutex_: see fence()
  std::uint64_t membership_version_ = 0;                          // mutex_: bumped with metadata_
  std::condition_variable membership_changed_;
  std::map<std::int32_t, ownership_epoch> tenure_;                // mutex_: owned partitions
  std::uint64_t epochs_ = 0;                                      // mutex_: the last epoch handed out
};

} // namespace storemesh::events::kafka_detail
