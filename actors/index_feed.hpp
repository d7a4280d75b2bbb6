#pragma once
// Keeps the daemon's indexes (indexes.hpp: rejected commands, latest
// snapshots, where each entity's history starts) up to date with their
// topics. catch_up() reads every partition from where the last one stopped to
// the end as of now: at daemon start that is the whole history; when the
// group assigns this daemon partitions, it is what other daemons wrote
// meanwhile, so an entity recovered here sees its latest snapshot and every
// event, whoever wrote them.
//
// Not thread-safe: one caller at a time (the daemon's start, then the
// intake's thread).

#include "actors/indexes.hpp"
#include "actors/topic_follower.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"

#include <optional>

namespace storemesh::actors {

class index_feed {
public:
  index_feed(events::event_log& log, topics names, rejected_index& rejected, snapshot_index& snapshots,
             entity_index& entities)
      : log_(log), names_(std::move(names)), rejected_(rejected), snapshots_(snapshots), entities_(entities) {}

  [[nodiscard]] result<void> catch_up();

private:
  void take(const std::string& topic, partition_id p, const events::record_view& r);

  events::event_log& log_;
  topics names_;
  rejected_index& rejected_;
  snapshot_index& snapshots_;
  entity_index& entities_;
  std::optional<topic_follower> follower_;
};

} // namespace storemesh::actors
