#pragma once
// A topic on disk: "<root>/<topic>/" holding a "partitions" file (the
// partition count in decimal, then a newline) and one directory per partition,
// named by its index ("0", "1", ...).
//
// The "partitions" file is the topic's commit point: it is written to a temp
// file, fsynced, and renamed into place only after the partition directories
// exist, so a topic either exists whole or not at all — and the rename refuses
// to replace an existing file, so when two processes create one topic at
// once, the first count wins and both agree on it.

#include "events/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::events::file_log_detail {

/// Longest topic name: leaves room under NAME_MAX for temp-file suffixes.
inline constexpr std::size_t max_topic_name = 200;
/// Most partitions a topic may have.
inline constexpr std::int32_t max_partitions = 100'000;

/// [A-Za-z0-9._-]+, at most max_topic_name, not "." or ".." (else bad_topic_name).
[[nodiscard]] result<void> validate_topic_name(std::string_view topic);

/// The partition count of an existing topic; unknown_topic if it has none.
[[nodiscard]] result<std::int32_t> read_partition_count(const std::filesystem::path& topic_dir);

/// Creates the topic with `partitions` partitions unless it exists; returns
/// the partition count in effect (an existing topic keeps its own).
/// `durable`: fsync the new files and directories.
[[nodiscard]] result<std::int32_t> create_topic_dir(const std::filesystem::path& root, std::string_view topic,
                                                    std::int32_t partitions, bool durable);

[[nodiscard]] std::filesystem::path partition_dir(const std::filesystem::path& topic_dir, std::int32_t p);

/// Names of the topics under root (directories with a "partitions" file).
[[nodiscard]] result<std::vector<std::string>> list_topics(const std::filesystem::path& root);

} // namespace storemesh::events::file_log_detail
