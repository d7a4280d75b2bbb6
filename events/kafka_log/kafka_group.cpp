#include "events/kafka_log/kafka_group.hpp"

#include "events/log_errc.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace storemesh::events::kafka_detail {

namespace {

struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;

/// "0,2,5": for the log lines operators (and tests) read ownership from.
std::string listed(const std::vector<partition_id>& ids) {
  std::string out;
  for (const auto p : ids)
    out += (out.empty() ? "" : ",") + std::to_string(p.value);
  return out.empty() ? "none" : out;
}

std::vector<partition_id> partitions_of(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<partition_id> out;
  for (int i = 0; i < parts->cnt; ++i)
    out.push_back(partition_id{parts->elems[i].partition});
  return out;
}

} // namespace

kafka_group::kafka_group(kafka_log_options options, std::string topic, std::string group)
    : options_(std::move(options)), topic_(std::move(topic)), group_(std::move(group)) {}

result<std::unique_ptr<kafka_group>> kafka_group::join(const kafka_log_options& options, std::string topic,
                                                       std::string group) {
  SM_TRYV(validate_topic_name(topic));
  if (group.empty())
    return make_error(log_errc::broker_error, "consumer group name is empty");
  std::unique_ptr<kafka_group> g(new kafka_group(options, std::move(topic), std::move(group)));
  SM_TRY(auto conf, common_conf(options, "-group"));
  rd_kafka_conf_t* c = conf.get();
  SM_TRYV(conf_set(c, "group.id", g->group_));
  // Cooperative: a rebalance moves only the partitions that change owner; the
  // others are never revoked, so their entities keep deciding.
  SM_TRYV(conf_set(c, "partition.assignment.strategy", "cooperative-sticky"));
  SM_TRYV(conf_set(c, "session.timeout.ms", std::to_string(to_ms(options.group_session_timeout))));
  SM_TRYV(conf_set(c, "max.poll.interval.ms", std::to_string(std::max(to_ms(options.group_max_poll_interval),
                                                                      to_ms(options.group_session_timeout)))));
  SM_TRYV(conf_set(c, "heartbeat.interval.ms",
                   std::to_string(std::max(100, to_ms(options.group_session_timeout) / 10))));
  // Positions are committed by the daemon (in its transactions, or through
  // commit()), only once what precedes them is durable.
  SM_TRYV(conf_set(c, "enable.auto.commit", "false"));
  SM_TRYV(conf_set(c, "enable.auto.offset.store", "false"));
  SM_TRYV(conf_set(c, "isolation.level", "read_committed"));
  rd_kafka_conf_set_rebalance_cb(c, &kafka_group::on_rebalance);
  rd_kafka_conf_set_opaque(c, g.get());
  SM_TRY(g->rk_, new_client(RD_KAFKA_CONSUMER, std::move(conf)));
  partition_list_ptr subscription(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(subscription.get(), g->topic_.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(g->rk_.get(), subscription.get()))
    return kafka_error(err, "subscribe to " + g->topic_ + " as group " + g->group_);
  return g;
}

kafka_group::~kafka_group() {
  if (!rk_)
    return;
  // Leaving triggers a last revocation, with no listener: what was to be
  // committed was committed by the owner before it let go of the group.
  // librdkafka 2.0 can hang in consumer_close when an assignment is being
  // handed over while it closes (librdkafka#4527; seen here, a member
  // expelled by a test): leave the subscription first and serve the
  // revocation until nothing is assigned, then close.
  rd_kafka_unsubscribe(rk_.get());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(rk_.get(), &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool none = assigned->cnt == 0;
      rd_kafka_topic_partition_list_destroy(assigned);
      if (none)
        break;
    }
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100))
      rd_kafka_message_destroy(m);
  }
  if (auto err = rd_kafka_consumer_close(rk_.get()))
    spdlog::warn("leaving consumer group {}: {}", group_, rd_kafka_err2str(err));
}

void kafka_group::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                               void* opaque) {
  static_cast<kafka_group*>(opaque)->rebalance(err, parts);
}

group_metadata_ptr kafka_group::membership() const {
  auto* raw = rd_kafka_consumer_group_metadata(rk_.get());
  if (raw == nullptr)  // closing, or no group
    return nullptr;
  return group_metadata_ptr(raw, group_metadata_deleter{});
}

void kafka_group::present(group_metadata_ptr now) {
  metadata_ = std::move(now);
  ++membership_version_;
  membership_changed_.notify_all();
}

void kafka_group::begin_tenures(const std::vector<partition_id>& ids) {
  auto now = membership();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto p : ids)
    tenure_[p.value] = ownership_epoch{++epochs_};
  // Partitions kept through this rebalance were owned throughout (a
  // cooperative member keeps them), so their claims hold under the new
  // generation too; new ones have no work yet.
  present(std::move(now));
}

void kafka_group::end_tenures(const std::vector<partition_id>& ids) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto p : ids)
    tenure_.erase(p.value);
}

void kafka_group::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_t* rk = rk_.get();
  // NULL while the member is closing or has no group: then the protocol it
  // joined with (cooperative-sticky is all it asks for) still applies.
  if (const char* protocol = rd_kafka_rebalance_protocol(rk))
    cooperative_ = std::strcmp(protocol, "COOPERATIVE") == 0;
  const bool cooperative = cooperative_;
  const auto ids = partitions_of(parts);
  {
    // What this member knew of a moving partition's positions is stale now
    // (of any topic: the reaction feed keeps its positions per partition too).
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = last_.begin(); it != last_.end();)
      it = std::find(ids.begin(), ids.end(), partition_id{it->first.second}) != ids.end() ? last_.erase(it)
                                                                                            : std::next(it);
  }
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    kafka_error_ptr e{cooperative ? rd_kafka_incremental_assign(rk, parts) : nullptr};
    if (!cooperative)
      if (auto legacy = rd_kafka_assign(rk, parts))
        spdlog::error("group {}: assign: {}", group_, rd_kafka_err2str(legacy));
    if (e)
      spdlog::error("group {}: incremental assign: {}", group_, rd_kafka_error_string(e.get()));
    // This consumer holds the membership only; the log's readers fetch.
    (void)rd_kafka_pause_partitions(rk, parts);
    // Tenures and membership first: the listener's work for these partitions
    // claims them, and the kept ones' rounds go on under this generation
    // (every rebalance ends here, for a cooperative member even with nothing
    // new, so the membership never lags the group for long).
    begin_tenures(ids);
    // Told even when empty: "you own nothing" is an answer a member waits for.
    spdlog::info("group {}: assigned partitions [{}] of {}", group_, listed(ids), topic_);
    if (listener_ != nullptr)
      listener_->assigned(ids);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    if (lost) {
      // Another member may own them already: nothing decided under these
      // tenures may be written from now on, drained or not.
      end_tenures(ids);
      std::lock_guard<std::mutex> lock(mutex_);
      present(nullptr);
    } else {
      // The group is at a new generation and revokes these; nobody else gets
      // them before this member has let go (cooperative: the next
      // generation). Until then the listener drains under this generation.
      auto now = membership();
      std::lock_guard<std::mutex> lock(mutex_);
      present(std::move(now));
    }
    if (!ids.empty()) {
      spdlog::info("group {}: {} partitions [{}] of {}", group_, lost ? "lost" : "gives up", listed(ids), topic_);
      if (listener_ != nullptr)
        listener_->revoked(ids, lost);
    }
    end_tenures(ids);
    if (cooperative) {
      if (kafka_error_ptr e{rd_kafka_incremental_unassign(rk, parts)})
        spdlog::error("group {}: incremental unassign: {}", group_, rd_kafka_error_string(e.get()));
    } else if (auto legacy = rd_kafka_assign(rk, nullptr)) {
      spdlog::error("group {}: unassign: {}", group_, rd_kafka_err2str(legacy));
    }
    return;
  }
  spdlog::error("group {}: rebalance failed: {}", group_, rd_kafka_err2str(err));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tenure_.clear();
    present(nullptr);
  }
  (void)rd_kafka_assign(rk, nullptr);
}

result<void> kafka_group::poll(listener& l, std::chrono::milliseconds timeout) {
  listener_ = &l;
  message_ptr m(rd_kafka_consumer_poll(rk_.get(), to_ms(timeout)));
  listener_ = nullptr;
  if (m && m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !is_transient(m->err))
    spdlog::warn("group {}: {}", group_, rd_kafka_message_errstr(m.get()));
  return success();
}

result<offset> kafka_group::committed(const std::string& topic, partition_id p) {
  // Always asked of the coordinator: another member may have moved it since.
  // Stable offsets only (librdkafka asks with require_stable under
  // read_committed): while a previous owner's transaction that carries
  // positions of this partition is open, the answer is UNSTABLE_OFFSET_COMMIT
  // -- that transaction may still commit, and reading from the old position
  // would decide its commands a second time. It ends within the transaction
  // timeout (committed, aborted by its owner, or aborted by the coordinator);
  // the caller asks again, polling the group meanwhile.
  partition_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.value);
  auto err = rd_kafka_committed(rk_.get(), list.get(), to_ms(options_.timeout));
  if (!err)
    err = list->elems[0].err;
  if (err == RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT)
    return make_error(log_errc::unstable_position,
                      "committed offset of " + where(topic, p.value) + " for group " + group_ +
                          ": a transaction that commits it is still open");
  if (err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
      err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT ||
      is_transient(err))
    // The group's coordinator is moving or restarting (a broker went down).
    return make_error(log_errc::unavailable, "committed offset of " + where(topic, p.value) + " for group " +
                                                 group_ + ": " + rd_kafka_err2str(err));
  if (err)
    return kafka_error(err, "committed offset of " + where(topic, p.value) + " for group " + group_);
  // Nothing committed yet (RD_KAFKA_OFFSET_INVALID): the beginning.
  const auto o = list->elems[0].offset;
  return offset{o < 0 ? 0 : o};
}

result<void> kafka_group::commit(const std::string& topic, const positions& next) {
  std::lock_guard<std::mutex> lock(mutex_);
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [p, o] : next) {
    auto it = last_.find({topic, p.value});
    if (it == last_.end() || it->second != o)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.value)->offset = o.value;
  }
  if (list->cnt == 0)
    return success();
  if (auto err = rd_kafka_commit(rk_.get(), list.get(), 0 /* synchronous */))
    return kafka_error(err, "commit offsets of " + topic + " for group " + group_);
  for (const auto& [p, o] : next)
    last_[{topic, p.value}] = o;
  return success();
}

std::optional<ownership_epoch> kafka_group::epoch(partition_id p) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tenure_.find(p.value);
  if (it == tenure_.end())
    return std::nullopt;
  return it->second;
}

std::optional<ownership_epoch> kafka_group::renew(partition_id p) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tenure_.find(p.value);
  if (it == tenure_.end())
    return std::nullopt;
  it->second = ownership_epoch{++epochs_};
  return it->second;
}

std::uint64_t kafka_group::membership_version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return membership_version_;
}

bool kafka_group::await_membership(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return membership_changed_.wait_for(lock, timeout, [&] { return membership_version_ != seen; });
}

result<group_metadata_ptr> kafka_group::fence(const std::vector<partition_claim>& claims) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& c : claims) {
    auto it = tenure_.find(c.partition.value);
    if (it == tenure_.end() || it->second != c.epoch)
      return make_error(log_errc::stale_claim,
                        "partition " + std::to_string(c.partition.value) + " of group " + group_ +
                            " was decided under tenure " + std::to_string(c.epoch.value) +
                            (it == tenure_.end() ? ", no longer owned"
                                                 : ", now tenure " + std::to_string(it->second.value)));
  }
  if (!metadata_)
    return make_error(log_errc::fenced, "no membership in group " + group_ + " (not assigned yet, or lost)");
  return metadata_;
}

void kafka_group::committed_elsewhere(const std::string& topic, const positions& next) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [p, o] : next)
    last_[{topic, p.value}] = o;
}

} // namespace storemesh::events::kafka_detail
