#include "services/tunnels/coordination/kv_replica.hpp"

#include <algorithm>

namespace storemesh::services::kv {
namespace {

std::vector<change> deletions(const std::vector<std::string>& keys, revision rev) {
  std::vector<change> out;
  out.reserve(keys.size());
  for (const auto& key : keys)
    out.push_back(change{rev, change_kind::del, key, {}, 0, 0, 0});
  return out;
}

bool matches(const watch_spec& w, const std::string& key) {
  return w.prefix ? key.compare(0, w.key.size(), w.key) == 0 : key == w.key;
}

/// About what a history entry holds: its changes' keys and values, and the
/// event's copy of them.
std::size_t size_of(const std::vector<change>& changes) {
  std::size_t bytes = 64;
  for (const auto& c : changes)
    bytes += 2 * (c.key.size() + c.value.size()) + 64;
  return bytes;
}

} // namespace

std::vector<change> changes_of(const event& e, const state& after) {
  return std::visit(overloaded{
                        [&](const put_done& p) -> std::vector<change> {
                          auto it = after.keys.find(p.key);
                          if (it == after.keys.end())
                            return {};
                          const auto& kv = it->second;
                          return {change{after.rev, change_kind::put, p.key, kv.value, kv.create_revision,
                                         kv.version, kv.lease}};
                        },
                        [&](const deleted& d) { return deletions(d.keys, after.rev); },
                        [&](const lease_granted&) { return std::vector<change>{}; },
                        [&](const lease_renewed&) { return std::vector<change>{}; },
                        [&](const lease_revoked& r) { return deletions(r.keys, after.rev); },
                        [&](const leases_expired& x) { return deletions(x.keys, after.rev); },
                    },
                    e);
}

replica replica::from_snapshot(state s, std::int64_t offset, replica_limits limits) {
  replica r(limits);
  r.compacted_ = s.rev;
  r.state_ = std::move(s);
  r.offset_ = offset;
  return r;
}

result<std::vector<delivery>> replica::apply(std::uint64_t sequence, std::int64_t offset, const event& e) {
  if (sequence <= state_.rev) {  // read again after a reconnect: already in
    advance_offset(offset);
    return std::vector<delivery>{};
  }
  if (sequence != state_.rev + 1)
    return make_error(kv_errc::sequence_gap, "event sequence " + std::to_string(sequence) + " after revision " +
                                                 std::to_string(state_.rev));
  state_ = evolve(std::move(state_), e);  // the decider's fold, nothing of our own
  advance_offset(offset);
  auto changes = changes_of(e, state_);

  std::vector<delivery> out;
  for (const auto& [id, w] : watches_) {
    if (w.start_revision > state_.rev)
      continue;
    delivery d{id, {}};
    for (const auto& c : changes)
      if (matches(w, c.key))
        d.changes.push_back(c);
    if (!d.changes.empty())
      out.push_back(std::move(d));
  }

  const auto bytes = size_of(changes);
  history_.push_back(history_entry{state_.rev, e, std::move(changes), bytes});
  history_bytes_ += bytes;
  trim();
  return out;
}

void replica::advance_offset(std::int64_t offset) { offset_ = std::max(offset_, offset); }

void replica::trim() {
  // Keep the newest event even past the byte bound: a watch from "now" then
  // still has a revision to start at.
  while (history_.size() > 1 &&
         (history_.size() > limits_.history_events || history_bytes_ > limits_.history_bytes)) {
    compacted_ = history_.front().rev;
    history_bytes_ -= history_.front().bytes;
    history_.pop_front();
  }
  if (limits_.history_events == 0 && !history_.empty()) {
    compacted_ = history_.back().rev;
    history_.clear();
    history_bytes_ = 0;
  }
}

const key_value* replica::get(std::string_view key) const {
  auto it = state_.keys.find(std::string(key));
  return it == state_.keys.end() ? nullptr : &it->second;
}

range_result replica::range(std::string_view prefix, std::size_t limit) const {
  range_result out;
  out.rev = state_.rev;
  for (auto it = state_.keys.lower_bound(std::string(prefix)); it != state_.keys.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0)
      break;
    if (limit != 0 && out.kvs.size() == limit) {
      out.more = true;
      break;
    }
    out.kvs.emplace_back(it->first, it->second);
  }
  return out;
}

result<std::vector<change>> replica::add_watch(watch_id id, watch_spec spec) {
  if (watches_.count(id) != 0)
    return make_error(kv_errc::duplicate_watch, "watch " + std::to_string(id));
  // An empty prefix watches every key (etcd's "\0" range); anything else must
  // be something a key could be or start with.
  if (!(spec.prefix && spec.key.empty()))
    if (auto why = check_key(spec.key); !why.empty())
      return make_error(kv_errc::bad_watch, (spec.prefix ? "prefix " : "key ") + why);
  if (spec.start_revision == 0)
    spec.start_revision = state_.rev + 1;
  if (spec.start_revision <= compacted_)
    return make_error(kv_errc::compacted, "watch from revision " + std::to_string(spec.start_revision) +
                                              "; the oldest available is " + std::to_string(oldest_revision()));
  std::vector<change> backlog;
  // History holds revisions compacted_+1 .. rev, one entry each, in order.
  if (spec.start_revision <= state_.rev) {
    auto first = history_.begin() + static_cast<std::ptrdiff_t>(spec.start_revision - compacted_ - 1);
    for (auto it = first; it != history_.end(); ++it)
      for (const auto& c : it->changes)
        if (matches(spec, c.key))
          backlog.push_back(c);
  }
  watches_.emplace(id, std::move(spec));
  return backlog;
}

bool replica::cancel_watch(watch_id id) { return watches_.erase(id) != 0; }

replica replica::refold(revision delivered) const {
  replica r(limits_);
  for (auto [id, spec] : watches_) {
    spec.start_revision = std::max(spec.start_revision, delivered + 1);
    r.watches_.emplace(id, std::move(spec));
  }
  return r;
}

} // namespace storemesh::services::kv
