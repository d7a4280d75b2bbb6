#include "actors/topic_follower.hpp"

namespace storemesh::actors {

result<topic_follower> topic_follower::open(events::event_log& log, const std::vector<std::string>& topics,
                                            const start_at& start, const partition_filter& only) {
  topic_follower f;
  for (const auto& t : topics) {
    SM_TRY(auto n, log.partitions(t));
    for (std::int32_t i = 0; i < n; ++i) {
      const partition_id p{i};
      if (only && !only(p))
        continue;
      SM_TRY(auto reader, log.read(t, p, start(t, p)));
      f.sources_.push_back(source{t, p, std::move(reader)});
    }
  }
  return f;
}

result<std::size_t> topic_follower::poll(const on_record& f) {
  std::size_t total = 0;
  for (auto& s : sources_) {
    batch_.clear();
    SM_TRY(auto n, s.reader->poll(batch_));
    for (const auto& r : batch_)
      f(s.topic, s.p, r);
    total += n;
  }
  return total;
}

void topic_follower::positions(const std::function<void(const std::string&, partition_id, offset)>& f) const {
  for (const auto& s : sources_)
    f(s.topic, s.p, s.reader->position());
}

} // namespace storemesh::actors
