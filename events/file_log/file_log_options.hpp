#pragma once
// How a file_log is opened. Every field has a default that suits the daemon;
// only `root` must be given.

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace storemesh::events {

/// When an append's bytes are forced to the disk.
enum class fsync_policy {
  /// fdatasync before append() returns (concurrent appenders to one partition
  /// share one fdatasync: group commit); the directory is fsynced whenever a
  /// segment file is created. An acknowledged append survives a power cut.
  always,
  /// A background thread fdatasyncs every `sync_interval`: an acknowledged
  /// append survives a process crash, and a power cut loses at most about one
  /// interval.
  interval,
  /// Never: the OS writes back when it likes. Tests and throwaway logs.
  never,
};

struct file_log_options {
  /// Directory holding one directory per topic. Created if missing (unless
  /// read_only).
  std::filesystem::path root;
  /// A segment file is rolled (a new one started) before an append would take
  /// it past this size. A batch never spans segments: a single batch larger
  /// than this gets a segment of its own.
  std::uint64_t segment_bytes = std::uint64_t{128} << 20;
  fsync_policy sync = fsync_policy::always;
  /// The period of fsync_policy::interval.
  std::chrono::milliseconds sync_interval{100};
  /// For `storemesh audit` and `events tail`: never create, append, truncate
  /// or take an exclusive lock. A torn tail stays on disk and is just not read.
  bool read_only = false;
};

} // namespace storemesh::events
