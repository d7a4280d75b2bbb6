#pragma once
// Feeds the fleet view (fleet_board) from the events of every entity kind
// that publishes to it (hosts, copy jobs), whoever wrote them.
//
//   catch_up(): folds from where it stopped to the end as of now -- at daemon
//               start, the whole history (the view's rebuild);
//   start():    keeps following on its own thread (sm.fleet), for a daemon
//               that shares its log: other daemons' hosts and jobs change too,
//               and deciders here place jobs by them. Alone on its log, a
//               daemon's own actors publish everything and the thread is not
//               needed.
//
// Publications carry the entity's sequence, so the feed (later) never sets
// back what the entity's own actor (sooner) published.
//
//   created -> caught up -> following -> stopped     stop() is idempotent and joins.

#include "actors/entity_kinds.hpp"
#include "actors/fleet_board.hpp"
#include "actors/topic_follower.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>

namespace storemesh::actors {

class fleet_feed {
public:
  fleet_feed(events::event_log& log, topics names, fleet_board& board, std::atomic<bool>* fatal)
      : log_(log), names_(std::move(names)), board_(board), fatal_(fatal) {}
  ~fleet_feed();

  [[nodiscard]] result<void> catch_up();
  void start();
  void stop();

private:
  /// One pass over every partition; how many records it read.
  [[nodiscard]] result<std::size_t> round();

  events::event_log& log_;
  topics names_;
  fleet_board& board_;
  std::atomic<bool>* fatal_;
  std::map<std::string, std::unique_ptr<projection>> projections_;  ///< events topic -> its kind's fold
  std::optional<topic_follower> follower_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace storemesh::actors
