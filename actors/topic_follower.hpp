#pragma once
// Follows every partition of a set of topics from given offsets: the read side
// of the reaction feed and of host agents. Not thread-safe: one owner thread.

#include "events/event_log.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace storemesh::actors {

class topic_follower {
public:
  using start_at = std::function<offset(const std::string& topic, partition_id p)>;
  using on_record = std::function<void(const std::string& topic, partition_id p, const events::record_view& r)>;

  using partition_filter = std::function<bool(partition_id p)>;

  /// Opens a reader per partition of each topic at start(topic, p) (only the
  /// partitions `only` accepts, when given).
  [[nodiscard]] static result<topic_follower> open(events::event_log& log, const std::vector<std::string>& topics,
                                                   const start_at& start, const partition_filter& only = {});

  /// One pass over every partition: hands each new record to f. Returns how
  /// many records it read (0: caught up with every partition).
  [[nodiscard]] result<std::size_t> poll(const on_record& f);

  /// Calls f(topic, p, next offset) for every partition.
  void positions(const std::function<void(const std::string&, partition_id, offset)>& f) const;

private:
  struct source {
    std::string topic;
    partition_id p;
    std::unique_ptr<events::log_reader> reader;
  };
  std::vector<source> sources_;
  std::vector<events::record_view> batch_;
};

} // namespace storemesh::actors
