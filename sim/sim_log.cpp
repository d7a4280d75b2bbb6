#include "sim/sim_log.hpp"

#include "events/log_errc.hpp"

namespace storemesh::sim {

namespace {

class sim_reader final : public events::log_reader {
public:
  explicit sim_reader(offset from) : next_(from) {}
  result<std::size_t> poll(std::vector<events::record_view>& out, std::size_t max_bytes) override {
    return poll_fn_(out, max_bytes, next_);
  }
  offset position() const override { return next_; }
  std::function<result<std::size_t>(std::vector<events::record_view>&, std::size_t, offset&)> poll_fn_;

private:
  offset next_;
};

} // namespace

// -- the member ---------------------------------------------------------------

sim_member::~sim_member() { log_->leave(*this); }

result<void> sim_member::poll(listener& l, std::chrono::milliseconds) {
  if (generation_ == log_->generation_)
    return success();
  std::map<std::int32_t, ownership_epoch> now;
  for (const auto& [p, a] : log_->assignment_)
    if (a.member == name_)
      now.emplace(p, a.epoch);
  std::vector<partition_id> gone, came;
  for (const auto& [p, e] : owned_) {
    auto it = now.find(p);
    if (it == now.end() || it->second != e)
      gone.push_back(partition_id{p});
  }
  for (const auto& [p, e] : now) {
    auto it = owned_.find(p);
    if (it == owned_.end() || it->second != e)
      came.push_back(partition_id{p});
  }
  // A member that missed generations lost its partitions before it heard:
  // another owner may have written for them already.
  const bool lost = generation_ + 1 < log_->generation_;
  if (lost)
    for (auto p : gone)
      owned_.erase(p.value);
  if (!gone.empty())
    l.revoked(gone, lost);
  for (auto p : gone)
    owned_.erase(p.value);
  generation_ = log_->generation_;
  for (auto p : came)
    owned_[p.value] = now.at(p.value);
  if (!came.empty())
    l.assigned(came);
  return success();
}

result<offset> sim_member::committed(const std::string& topic, partition_id p) {
  auto it = log_->committed_.find({topic, p.value});
  return it == log_->committed_.end() ? offset{0} : it->second;
}

result<void> sim_member::commit(const std::string& topic, const positions& next) {
  if (generation_ != log_->generation_)
    return make_error(events::log_errc::fenced, "member " + name_ + " is at generation " +
                                                    std::to_string(generation_) + ", the group at " +
                                                    std::to_string(log_->generation_));
  for (const auto& [p, o] : next)
    log_->committed_[{topic, p.value}] = o;
  return success();
}

std::optional<ownership_epoch> sim_member::epoch(partition_id p) const {
  auto it = owned_.find(p.value);
  if (it == owned_.end())
    return std::nullopt;
  return it->second;
}

std::optional<ownership_epoch> sim_member::renew(partition_id p) {
  auto it = owned_.find(p.value);
  if (it == owned_.end())
    return std::nullopt;
  it->second = ownership_epoch{static_cast<std::uint64_t>(log_->next_epoch_++)};
  auto a = log_->assignment_.find(p.value);
  if (a != log_->assignment_.end() && a->second.member == name_)
    a->second.epoch = it->second;
  return it->second;
}

// -- the log ------------------------------------------------------------------

sim_log::topic_data* sim_log::find(std::string_view topic) {
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : &it->second;
}

result<void> sim_log::create_topic(std::string_view topic, std::int32_t partitions) {
  auto& t = topics_[std::string(topic)];
  if (t.partitions.empty())
    t.partitions.resize(static_cast<std::size_t>(partitions));
  return success();
}

result<std::int32_t> sim_log::partitions(std::string_view topic) {
  auto* t = find(topic);
  if (t == nullptr)
    return make_error(events::log_errc::unknown_topic, "no topic " + std::string(topic));
  return static_cast<std::int32_t>(t->partitions.size());
}

result<offset> sim_log::write(std::string_view topic, partition_id p, const std::vector<events::record>& batch) {
  auto* t = find(topic);
  if (t == nullptr || p.value < 0 || static_cast<std::size_t>(p.value) >= t->partitions.size())
    return make_error(events::log_errc::unknown_topic, "no partition " + std::to_string(p.value) + " of " +
                                                           std::string(topic));
  auto& part = t->partitions[static_cast<std::size_t>(p.value)];
  const offset first{static_cast<std::int64_t>(part.size())};
  for (const auto& r : batch) {
    const offset at{static_cast<std::int64_t>(part.size())};
    part.push_back(stored{r.key, r.value, r.timestamp_ns});
    if (tap_)
      tap_(std::string(topic), p, at, r);
  }
  return first;
}

result<offset> sim_log::append(std::string_view topic, partition_id p, const std::vector<events::record>& batch) {
  if (abort_next_) {
    abort_next_ = false;
    return make_error(events::log_errc::aborted, "transaction aborted (simulated broker failover)");
  }
  return write(topic, p, batch);
}

result<std::vector<offset>> sim_log::append_all(const std::vector<batch_ref>& batches) {
  // One transaction: all or nothing.
  if (abort_next_) {
    abort_next_ = false;
    return make_error(events::log_errc::aborted, "transaction aborted (simulated broker failover)");
  }
  for (const auto& b : batches)
    if (find(b.topic) == nullptr)
      return make_error(events::log_errc::unknown_topic, "no topic " + std::string(b.topic));
  std::vector<offset> firsts;
  for (const auto& b : batches) {
    SM_TRY(auto first, write(b.topic, b.partition, *b.records));
    firsts.push_back(first);
  }
  return firsts;
}

result<std::vector<offset>> sim_log::append_committing(const std::vector<batch_ref>& batches,
                                                       const events::offsets_commit& commit) {
  // Kafka's part (KIP-447): offsets sent with a stale generation fence the
  // whole transaction. The claims are the runtime's part (the base class).
  if (auto* m = dynamic_cast<sim_member*>(commit.group); m != nullptr && m->generation_ != generation_)
    return make_error(events::log_errc::fenced, "member " + m->name() + " is at generation " +
                                                    std::to_string(m->generation_) + ", the group at " +
                                                    std::to_string(generation_));
  return event_log::append_committing(batches, commit);
}

result<offset> sim_log::end_offset(std::string_view topic, partition_id p) {
  auto* t = find(topic);
  if (t == nullptr || static_cast<std::size_t>(p.value) >= t->partitions.size())
    return make_error(events::log_errc::unknown_topic, "no topic " + std::string(topic));
  return offset{static_cast<std::int64_t>(t->partitions[static_cast<std::size_t>(p.value)].size())};
}

result<std::unique_ptr<events::log_reader>> sim_log::read(std::string_view topic, partition_id p, offset from) {
  auto* t = find(topic);
  if (t == nullptr || static_cast<std::size_t>(p.value) >= t->partitions.size())
    return make_error(events::log_errc::unknown_topic, "no topic " + std::string(topic));
  auto reader = std::make_unique<sim_reader>(from);
  const auto* part = &t->partitions[static_cast<std::size_t>(p.value)];
  reader->poll_fn_ = [part](std::vector<events::record_view>& out, std::size_t max_bytes, offset& next) {
    std::size_t n = 0, bytes = 0;
    while (static_cast<std::size_t>(next.value) < part->size() && (n == 0 || bytes < max_bytes)) {
      const auto& s = (*part)[static_cast<std::size_t>(next.value)];
      out.push_back(events::record_view{next, s.ts, s.key, s.value});
      bytes += s.value.size();
      ++n;
      next = offset{next.value + 1};
    }
    return result<std::size_t>(n);
  };
  return std::unique_ptr<events::log_reader>(std::move(reader));
}

result<std::unique_ptr<events::partition_group>> sim_log::join_group(std::string_view topic, std::string_view group) {
  group_topic_ = std::string(topic);
  auto m = std::make_unique<sim_member>(*this, std::string(group));
  join(*m);
  return std::unique_ptr<events::partition_group>(std::move(m));
}

void sim_log::join(sim_member& m) { members_[m.name_] = &m; }

void sim_log::leave(sim_member& m) {
  auto it = members_.find(m.name_);
  if (it != members_.end() && it->second == &m)
    members_.erase(it);
}

std::set<std::string> sim_log::members() const {
  std::set<std::string> out;
  for (const auto& [name, m] : members_)
    out.insert(name);
  return out;
}

std::string sim_log::owner_of(std::int32_t p) const {
  auto it = assignment_.find(p);
  return it == assignment_.end() ? std::string() : it->second.member;
}

result<offset> sim_log::wait_beyond(std::string_view topic, partition_id p, offset known, std::chrono::milliseconds) {
  return end_offset(topic, p);  // nothing to wait for in one thread
}

void sim_log::rebalance(const std::set<std::string>& live) {
  ++generation_;
  std::vector<std::string> order(live.begin(), live.end());
  const auto* t = find(group_topic_);
  const auto count = t == nullptr ? 0 : static_cast<std::int32_t>(t->partitions.size());
  // Round-robin shifted by the generation, so partitions do move. Every
  // partition gets a fresh epoch, kept or not, as the daemons' eager
  // rebalances give them (partition_group.hpp: assigned(p)).
  assignment_.clear();
  for (std::int32_t p = 0; p < count && !order.empty(); ++p) {
    const auto& who = order[(static_cast<std::size_t>(p) + generation_) % order.size()];
    assignment_[p] = assignment{who, ownership_epoch{static_cast<std::uint64_t>(next_epoch_++)}};
  }
}

} // namespace storemesh::sim
