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
// drop as duplicates; nothing is lost and nothing acts twice. When daemons
// share the log, each reacts to the events of the partitions it owns, and the
// positions live with the group, so the next owner resumes from them.

#include "actors/command_sink.hpp"
#include "actors/partition_ownership.hpp"
#include "events/partition_group.hpp"
#include "actors/topic_follower.hpp"
#include "actors/runtime_context.hpp"

#include <atomic>
#include <thread>

namespace storemesh::actors {

class reaction_feed {
public:
  /// Reacts to the events of the partitions `ownership` lists (the owner of a
  /// command partition owns the same partition of every events topic: one
  /// partitioner, one count), keeping its positions in `positions`.
  reaction_feed(runtime_context& ctx, command_sink& sink, events::partition_group& positions,
                const partition_ownership& ownership);
  ~reaction_feed();

  void start();
  void stop();
  /// Commands issued so far, for tests and the status line.
  [[nodiscard]] std::uint64_t issued() const { return issued_.load(); }

private:
  void run();
  /// A follower of the owned partitions, from their committed positions.
  [[nodiscard]] result<topic_follower> follow(const std::set<std::int32_t>& owned);
  [[nodiscard]] result<void> round(topic_follower& follower, bool& idle);

  runtime_context& ctx_;
  command_sink& sink_;
  events::partition_group& positions_;
  const partition_ownership& ownership_;
  std::vector<std::string> topics_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> issued_{0};
  std::thread thread_;
};

} // namespace storemesh::actors
