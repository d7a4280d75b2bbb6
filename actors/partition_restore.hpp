#pragma once
// The restore of a partition: every entity of one kind whose events are in
// one events partition, rebuilt in one sequential pass -- the snapshots the
// snapshot index names, read in offset order by one reader, then the events
// from the lowest offset any of them needs to the end, folded per entity by
// the loop recovery uses (event_replay.hpp) -- as Kafka Streams restores a
// state store from its changelog. recover_entity reads one entity's history
// the same way; for a partition of 100,000 entities that is 100,000 passes
// (bench_daemon --only takeover has the figures).
//
// Who is in it. An entity with neither a snapshot nor a first event in the
// indexes has no history: it costs nothing and is not read (without an
// entity index the pass starts at offset 0 and finds out). An entity the
// pass cannot rebuild -- its snapshot gone or unreadable, a gap in its
// sequence or its hash chain (say, an index that had not yet heard of its
// first event, so the pass started after it) -- is left out, never guessed
// at: whoever needs it recovers it alone (recover_entity), which meets the
// same fault and refuses to decide on it, or finds what the index missed.
//
// Blocking (it reads the log): run it on the blocking pool.

#include "actors/entity_key.hpp"
#include "actors/event_replay.hpp"
#include "actors/restored_images.hpp"
#include "actors/runtime_context.hpp"
#include "actors/snapshot_image.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace storemesh::actors {

template <class Entity>
struct partition_images {
  std::unordered_map<std::string, entity_image<Entity>> images;  ///< id -> image, every entity with history
  std::size_t set_aside = 0;       ///< entities left to their own recovery (see above)
  std::uint64_t snapshots_read = 0;
  std::uint64_t records_read = 0;  ///< snapshot and event records the pass read
};

template <class Entity>
[[nodiscard]] result<partition_images<Entity>> restore_partition(const runtime_context& ctx, partition_id p) {
  const std::string kind(Entity::kind);
  partition_images<Entity> out;
  std::unordered_set<std::string> aside;
  auto set_aside = [&](std::string_view id) {
    out.images.erase(std::string(id));
    aside.emplace(id);
  };

  // 1. Snapshots: per snapshot partition, the wanted records in offset order.
  std::vector<std::pair<snapshot_location, std::string>> wanted;
  ctx.snapshots->visit(kind, [&](const std::string& id, snapshot_location where) {
    if (events::partition_for(id, ctx.event_partitions) == p)
      wanted.emplace_back(where, id);
  });
  std::sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) {
    return a.first.partition != b.first.partition ? a.first.partition < b.first.partition : a.first.at < b.first.at;
  });
  for (std::size_t i = 0; i < wanted.size();) {
    const auto sp = wanted[i].first.partition;
    SM_TRY(auto reader, ctx.log->read(ctx.names.snapshots(), sp, wanted[i].first.at));
    std::vector<events::record_view> batch;
    while (i < wanted.size() && wanted[i].first.partition == sp) {
      batch.clear();
      SM_TRY(auto n, reader->poll(batch));
      out.records_read += n;
      for (const auto& r : batch) {
        // (A snapshot the log no longer holds: its entity recovers alone.)
        for (; i < wanted.size() && wanted[i].first.partition == sp && wanted[i].first.at < r.off; ++i)
          set_aside(wanted[i].second);
        if (i == wanted.size() || wanted[i].first.partition != sp || wanted[i].first.at != r.off)
          continue;  // superseded, or another kind's
        auto image = image_of_snapshot<Entity>(wanted[i].second, r.value);
        if (image) {
          out.images.emplace(wanted[i].second, std::move(image).value());
          ++out.snapshots_read;
        } else {
          set_aside(wanted[i].second);
        }
        ++i;
      }
      if (n == 0)
        for (; i < wanted.size() && wanted[i].first.partition == sp; ++i)
          set_aside(wanted[i].second);
    }
  }

  // 2. Where the events pass starts: the lowest offset any entity needs.
  auto from = std::numeric_limits<std::int64_t>::max();
  for (const auto& [id, image] : out.images)
    from = std::min(from, image.last_event_offset + 1);
  if (ctx.entities != nullptr) {
    std::size_t with_history = 0;
    ctx.entities->visit(kind, [&](const std::string& id, offset first) {
      if (events::partition_for(id, ctx.event_partitions) != p)
        return;
      ++with_history;
      if (first.value < from && !out.images.count(id) && !aside.count(id))
        from = first.value;
    });
    out.images.reserve(with_history);  // no rehash of a growing set of images in the pass
  } else {
    from = 0;  // no index of first events: the pass finds them
  }

  // 3. The events after each entity's snapshot (all of them without one).
  if (from != std::numeric_limits<std::int64_t>::max()) {
    struct every_entity {
      partition_images<Entity>& out;
      std::unordered_set<std::string>& aside;
      decltype(set_aside)& put_aside;
      entity_image<Entity>* known = nullptr;  ///< the image wants() found, for image_of()
      bool wants(std::string_view key, offset at) {
        const std::string id(key);
        if (auto it = out.images.find(id); it != out.images.end()) {
          known = &it->second;
          return at.value > it->second.last_event_offset;  // (past its snapshot)
        }
        known = nullptr;
        return !aside.count(id);
      }
      entity_image<Entity>* image_of(std::string_view key) {
        return known != nullptr ? known : &out.images[std::string(key)];
      }
      result<void> failed(std::string_view key, const error&) {
        put_aside(key);
        known = nullptr;
        return success();
      }
    } sink{out, aside, set_aside};
    SM_TRY(auto n, replay_events<Entity>(*ctx.log, ctx.names.events(Entity::kind), p, offset{from}, sink));
    out.records_read += n;
  }
  out.set_aside = aside.size();
  return out;
}

/// What one kind's restore found, for the takeover's log line and the bench.
struct restore_tally {
  std::size_t images = 0;
  std::size_t set_aside = 0;
  std::uint64_t snapshots_read = 0;
  std::uint64_t records_read = 0;
  restore_tally& operator+=(const restore_tally& o) {
    images += o.images;
    set_aside += o.set_aside;
    snapshots_read += o.snapshots_read;
    records_read += o.records_read;
    return *this;
  }
};

/// restore_partition, its images put into `into` under the registry's key
/// ("kind/id", restored_images.hpp): how entity_kinds() restores any kind.
template <class Entity>
[[nodiscard]] result<restore_tally> restore_into(const runtime_context& ctx, partition_id p,
                                                 restored_images::image_map& into) {
  SM_TRY(auto r, restore_partition<Entity>(ctx, p));
  const restore_tally t{r.images.size(), r.set_aside, r.snapshots_read, r.records_read};
  into.reserve(into.size() + r.images.size());
  for (auto& [id, image] : r.images)
    into.emplace(entity_key(Entity::kind, id), std::make_shared<entity_image<Entity>>(std::move(image)));
  return t;
}

} // namespace storemesh::actors
