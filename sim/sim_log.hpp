#pragma once
// The simulated log: an events::event_log in memory, with a consumer group
// per topic whose members are the simulated daemons. Everything the daemons
// do to the log goes through the event_log and partition_group interfaces
// the FileLog and the KafkaLog implement, so the runtime code above them
// (recovery, the indexes, the fencing check, committed positions) runs here
// unchanged.
//
// The broker's own fencing is modelled as Kafka does it: a member whose
// generation is not the group's current one (it has not heard of the last
// rebalance: a zombie, a partitioned daemon) has its whole transaction
// refused (log_errc::fenced). What a member presents within its generation
// (claims of tenures) is checked by the runtime's own partition_group::check.
//
// Single-threaded, like the whole simulator.

#include "events/event_log.hpp"
#include "events/partition_group.hpp"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace storemesh::sim {

class sim_log;

/// One daemon's membership of the group. Its view (which partitions, under
/// which epochs, at which generation) changes only when it polls: a member
/// that does not poll lives in the past, as a paused process does.
class sim_member final : public events::partition_group {
public:
  sim_member(sim_log& log, std::string name) : log_(&log), name_(std::move(name)) {}
  ~sim_member() override;

  result<void> poll(listener& l, std::chrono::milliseconds timeout) override;
  result<offset> committed(const std::string& topic, partition_id p) override;
  result<void> commit(const std::string& topic, const positions& next) override;
  std::string name() const override { return name_; }
  std::optional<ownership_epoch> epoch(partition_id p) const override;
  std::optional<ownership_epoch> renew(partition_id p) override;

  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  [[nodiscard]] const std::map<std::int32_t, ownership_epoch>& owned() const { return owned_; }

private:
  friend class sim_log;
  sim_log* log_;
  std::string name_;
  std::uint64_t generation_ = 0;
  std::map<std::int32_t, ownership_epoch> owned_;
};

class sim_log final : public events::event_log {
public:
  /// Called with every record made durable, in order (the simulator's trace
  /// and its log_view).
  using on_append = std::function<void(const std::string& topic, partition_id p, offset at,
                                       const events::record& r)>;
  explicit sim_log(on_append tap) : tap_(std::move(tap)) {}

  result<void> create_topic(std::string_view topic, std::int32_t partitions) override;
  result<std::int32_t> partitions(std::string_view topic) override;
  result<offset> append(std::string_view topic, partition_id p, const std::vector<events::record>& batch) override;
  result<std::vector<offset>> append_all(const std::vector<batch_ref>& batches) override;
  result<std::vector<offset>> append_committing(const std::vector<batch_ref>& batches,
                                                const events::offsets_commit& commit) override;
  result<offset> end_offset(std::string_view topic, partition_id p) override;
  result<std::unique_ptr<events::log_reader>> read(std::string_view topic, partition_id p, offset from) override;
  result<std::unique_ptr<events::partition_group>> join_group(std::string_view topic, std::string_view group) override;
  result<offset> wait_beyond(std::string_view topic, partition_id p, offset known,
                             std::chrono::milliseconds timeout) override;

  // -- the group coordinator (one group: the daemons') --
  /// A new generation: the live, polling members share the partitions of the
  /// divided topic; every partition that changes hands gets a fresh epoch.
  void rebalance(const std::set<std::string>& live);
  /// The members the next rebalance should count (all joined, not left).
  [[nodiscard]] std::set<std::string> members() const;
  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  /// Who owns partition p in the current generation (empty: nobody).
  [[nodiscard]] std::string owner_of(std::int32_t p) const;
  /// The next append fails as if its transaction were aborted (a timeout,
  /// a broker failover): nothing of it is written.
  void abort_next_append() { abort_next_ = true; }

private:
  friend class sim_member;
  struct stored {
    std::string key, value;
    std::int64_t ts = 0;
  };
  struct topic_data {
    std::vector<std::deque<stored>> partitions;
  };
  struct assignment {
    std::string member;
    ownership_epoch epoch;
  };
  topic_data* find(std::string_view topic);
  result<offset> write(std::string_view topic, partition_id p, const std::vector<events::record>& batch);
  void join(sim_member& m);
  void leave(sim_member& m);

  on_append tap_;
  std::map<std::string, topic_data, std::less<>> topics_;
  std::string group_topic_;
  std::map<std::string, sim_member*> members_;
  std::uint64_t generation_ = 0;
  std::int64_t next_epoch_ = 1;
  std::map<std::int32_t, assignment> assignment_;
  std::map<std::pair<std::string, std::int32_t>, offset> committed_;
  bool abort_next_ = false;
};

} // namespace storemesh::sim
