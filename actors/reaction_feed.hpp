#pragma once
// Runs the process managers' reactions (actors/reactors.hpp): follows the
// event topics they read, asks each reactor what every new event calls for,
// and appends those commands through the command sink, signed by the daemon.
//
//   created -> running -> stopped     stop() is idempotent and joins.
//
// Exactly-once in effect: the commands of one poll round are made durable
// before the round's read positions are committed, and every command's id is
// derived from its event (reaction_command_id). A daemon killed between the
// two re-reads the events and issues the same ids again, which the entities
// drop as duplicates; nothing is lost and nothing acts twice.

#include "actors/command_sink.hpp"
#include "actors/offset_store.hpp"
#include "actors/topic_follower.hpp"
#include "actors/runtime_context.hpp"

#include <atomic>
#include <thread>

namespace storemesh::actors {

class reaction_feed {
public:
  reaction_feed(runtime_context& ctx, command_sink& sink, std::filesystem::path offsets_dir);
  ~reaction_feed();

  void start();
  void stop();
  /// Commands issued so far, for tests and the status line.
  [[nodiscard]] std::uint64_t issued() const { return issued_.load(); }

private:
  void run();
  [[nodiscard]] result<void> round(topic_follower& follower, bool& idle);

  runtime_context& ctx_;
  command_sink& sink_;
  offset_store offsets_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> issued_{0};
  std::thread thread_;
};

} // namespace storemesh::actors
