#pragma once
// Where the intake resumes reading commands after a restart (the FileLog's
// counterpart of a Kafka consumer group's committed offsets): one small file
// per partition, replaced atomically. Losing the latest write only means
// redelivery, which entities absorb by command id, so it is not fsynced.

#include "events/error.hpp"
#include "events/strong_types.hpp"

#include <filesystem>
#include <string>

namespace storemesh::actors {

class offset_store {
public:
  explicit offset_store(std::filesystem::path dir) : dir_(std::move(dir)) {}

  /// offset{0} when nothing was committed yet.
  [[nodiscard]] offset committed(const std::string& topic, partition_id p) const;
  [[nodiscard]] result<void> commit(const std::string& topic, partition_id p, offset o);

private:
  [[nodiscard]] std::filesystem::path file(const std::string& topic, partition_id p) const;
  std::filesystem::path dir_;
};

} // namespace storemesh::actors
