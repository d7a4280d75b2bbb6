#include "events/file_log/sparse_index.hpp"

namespace storemesh::events::file_log_detail {

void sparse_index::note(offset base, std::uint64_t pos) {
  if (pos < index_interval)
    return; // the segment start is always known
  auto next = entries_.lower_bound(base.value);
  if (next != entries_.end() && next->first == base.value)
    return;
  const std::uint64_t prev_pos = next == entries_.begin() ? 0 : std::prev(next)->second;
  if (pos - prev_pos < index_interval)
    return;
  entries_.emplace_hint(next, base.value, pos);
}

sparse_index::entry sparse_index::floor(offset target) const {
  auto it = entries_.upper_bound(target.value);
  if (it == entries_.begin())
    return entry{segment_base_, 0};
  --it;
  return entry{offset{it->first}, it->second};
}

} // namespace storemesh::events::file_log_detail
