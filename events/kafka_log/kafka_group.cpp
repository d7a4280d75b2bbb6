#include "events/kafka_log/kafka_group.hpp"

#include "events/log_errc.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
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
  if (auto err = rd_kafka_consumer_close(rk_.get()))
    spdlog::warn("leaving consumer group {}: {}", group_, rd_kafka_err2str(err));
}

void kafka_group::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                               void* opaque) {
  static_cast<kafka_group*>(opaque)->rebalance(err, parts);
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
    // Told even when empty: "you own nothing" is an answer a member waits for.
    spdlog::info("group {}: assigned partitions [{}] of {}", group_, listed(ids), topic_);
    if (listener_ != nullptr)
      listener_->assigned(ids);
    // The generation the listener now knows of (every rebalance ends here,
    // for a cooperative member even with nothing new).
    group_metadata_ptr now(rd_kafka_consumer_group_metadata(rk), group_metadata_deleter{});
    std::lock_guard<std::mutex> lock(mutex_);
    metadata_ = std::move(now);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    if (!ids.empty()) {
      spdlog::info("group {}: {} partitions [{}] of {}", group_, lost ? "lost" : "gives up", listed(ids), topic_);
      if (listener_ != nullptr)
        listener_->revoked(ids, lost);
    }
    if (cooperative) {
      if (kafka_error_ptr e{rd_kafka_incremental_unassign(rk, parts)})
        spdlog::error("group {}: incremental unassign: {}", group_, rd_kafka_error_string(e.get()));
    } else if (auto legacy = rd_kafka_assign(rk, nullptr)) {
      spdlog::error("group {}: unassign: {}", group_, rd_kafka_err2str(legacy));
    }
    return;
  }
  spdlog::error("group {}: rebalance failed: {}", group_, rd_kafka_err2str(err));
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
  partition_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.value);
  if (auto err = rd_kafka_committed(rk_.get(), list.get(), to_ms(options_.timeout)))
    return kafka_error(err, "committed offset of " + where(topic, p.value) + " for group " + group_);
  const auto& e = list->elems[0];
  if (e.err)
    return kafka_error(e.err, "committed offset of " + where(topic, p.value) + " for group " + group_);
  // Nothing committed yet (RD_KAFKA_OFFSET_INVALID): the beginning.
  return offset{e.offset < 0 ? 0 : e.offset};
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

group_metadata_ptr kafka_group::group_metadata() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return metadata_;
}

void kafka_group::committed_elsewhere(const std::string& topic, const positions& next) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [p, o] : next)
    last_[{topic, p.value}] = o;
}

} // namespace storemesh::events::kafka_detail
