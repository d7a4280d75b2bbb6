#pragma once
// Reads every record of a topic, partition by partition, from the beginning (or
// `from`) to its end as of now. The building block of every replay: daemon
// start-up indexes, the audit, read models, `events tail`.

#include "events/event_log.hpp"

#include <limits>
#include <vector>

namespace storemesh::events {

/// f(partition_id, const record_view&) -> result<void>; an error stops the scan.
/// Stops each partition before `until` (exclusive).
template <class F>
[[nodiscard]] result<void> scan_topic(event_log& log, std::string_view topic, F&& f, offset from = offset{0},
                                      offset until = offset{std::numeric_limits<std::int64_t>::max()}) {
  SM_TRY(auto partitions, log.partitions(topic));
  std::vector<record_view> batch;
  for (std::int32_t i = 0; i < partitions; ++i) {
    const partition_id p{i};
    SM_TRY(auto end, log.end_offset(topic, p));
    if (from >= end)
      continue;
    SM_TRY(auto reader, log.read(topic, p, from));
    while (reader->position() < end && reader->position() < until) {
      batch.clear();
      SM_TRY(auto n, reader->poll(batch));
      if (n == 0)
        break;
      for (const auto& r : batch) {
        if (r.off >= end || r.off >= until)
          break;
        SM_TRYV(f(p, r));
      }
    }
  }
  return success();
}

} // namespace storemesh::events
