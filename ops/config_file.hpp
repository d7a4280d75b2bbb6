#pragma once
// The optional TOML config shared by `serve`, `audit` and `rebalance`:
//   trust = ["<hex>", "/path/key.pub"]   operator keys whose commands count
//   partitions = 2                        for topics the daemon creates
//   snapshot_every = 1000
//   idle_seconds = 30
//   topic_prefix = "storemesh"
//   [rebalance]                           the rebalancer's settings, applied by
//   spread_threshold = 0.25               `storemesh rebalance configure --config FILE`
//   ...                                   (every key: ops/rebalance_settings.hpp)
// Flags add to the trust list and override the rest.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::ops {

struct config_file {
  std::vector<std::string> trust;
  std::optional<std::int32_t> partitions;
  std::optional<std::uint64_t> snapshot_every;
  std::optional<double> idle_seconds;
  std::optional<std::string> topic_prefix;
  std::optional<std::int16_t> replication_factor;  ///< Kafka: replicas of the topics the daemon creates
  std::optional<std::string> kafka;                ///< Kafka bootstrap servers
  /// [rebalance] keys, values as text (numbers as written, or strings such as
  /// "100MiB"); ops/rebalance_settings.hpp checks and applies them.
  std::map<std::string, std::string> rebalance;
};

/// An empty path gives an empty config; a file that does not parse throws
/// cli_error naming the file and the problem.
[[nodiscard]] config_file read_config_file(const std::string& path);

} // namespace storemesh::ops
