#pragma once
// Reads the commands topic on its own thread and lets in only what is whole,
// known and signed by a trusted key; everything else goes to the rejected
// topic with its reason, and changes nothing.
//
//   created -> running -> stopped     stop() is idempotent and joins.
//
// Commits, per partition, the offset below which every command's outcome is
// durable (completion_tracker), so a restart resumes there.

#include "actors/completion_tracker.hpp"
#include "actors/offset_store.hpp"
#include "actors/runtime_context.hpp"
#include "events/crypto/trusted_keys.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <thread>

namespace storemesh::actors {

class command_intake {
public:
  command_intake(runtime_context& ctx, events::crypto::trusted_keys trusted, offset_store& offsets,
                 caf::actor router);
  ~command_intake();

  void start();
  void stop();
  /// Commands read so far (all partitions), for the daemon's status line.
  [[nodiscard]] std::uint64_t read_count() const { return read_.load(); }

private:
  void run();
  void admit(const std::string& topic, partition_id p, const events::record_view& r);
  void reject(const std::string& topic, partition_id p, const events::record_view& r, std::string_view kind,
              std::string_view id, const std::array<std::uint8_t, 16>& cmd_id, std::string_view code,
              const std::string& reason);

  runtime_context& ctx_;
  events::crypto::trusted_keys trusted_;
  offset_store& offsets_;
  caf::actor router_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> read_{0};
  std::thread thread_;
};

} // namespace storemesh::actors
