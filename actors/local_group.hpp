#pragma once
// The partition_group of a daemon that shares its log with no one: the
// embedded log, or a KafkaLog served without --group. It owns every partition
// from its first poll on and never loses one; positions live in an
// offset_store under the state directory.

#include "actors/offset_store.hpp"
#include "events/partition_group.hpp"

#include <map>
#include <mutex>

namespace storemesh::actors {

class local_group final : public events::partition_group {
public:
  local_group(std::filesystem::path dir, std::int32_t partitions) : store_(std::move(dir)), partitions_(partitions) {}

  [[nodiscard]] result<void> poll(listener& l, std::chrono::milliseconds timeout) override;
  [[nodiscard]] result<offset> committed(const std::string& topic, partition_id p) override;
  [[nodiscard]] result<void> commit(const std::string& topic, const positions& next) override;
  [[nodiscard]] std::string name() const override { return "local"; }
  [[nodiscard]] std::optional<ownership_epoch> epoch(partition_id p) const override;
  [[nodiscard]] std::optional<ownership_epoch> renew(partition_id p) override;

private:
  offset_store store_;
  const std::int32_t partitions_;
  bool joined_ = false;  // the polling thread's
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::int32_t>, offset> last_;  // mutex_: what the files say
  std::map<std::int32_t, ownership_epoch> tenure_;                // mutex_: every partition, once joined
  std::uint64_t epochs_ = 0;                                      // mutex_
};

} // namespace storemesh::actors
