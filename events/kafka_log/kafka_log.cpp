#include "events/kafka_log/kafka_log.hpp"

#include "events/kafka_log/consumer_pool.hpp"
#include "events/kafka_log/kafka_admin.hpp"
#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_group.hpp"
#include "events/kafka_log/kafka_log_reader.hpp"
#include "events/kafka_log/kafka_producer.hpp"
#include "events/kafka_log/tail_watcher.hpp"
#include "events/log_errc.hpp"

#include <algorithm>
#include <thread>

namespace storemesh::events {

using namespace kafka_detail;

struct kafka_log::probe {
  client_ptr rk;
};

struct kafka_log::topic_entry {
  topic_ptr rkt; // the producer's handle: appends, metadata
  std::int32_t partitions = 0;
};

kafka_log::kafka_log(kafka_log_options options) : options_(std::move(options)) {}

kafka_log::~kafka_log() {
  // Order: the watcher (its own client), then the producer's topic handles,
  // then the producer itself; the reader pool lives on while readers do.
  {
    std::lock_guard g(watcher_mu_);
    watcher_.reset();
  }
  {
    std::lock_guard g(topics_mu_);
    topics_.clear();
  }
  {
    std::lock_guard g(probe_mu_);
    uncommitted_.reset();
  }
  producer_.reset();
}

result<std::unique_ptr<kafka_log>> kafka_log::open(kafka_log_options options) {
  if (options.replication_factor < 1)
    return make_error(log_errc::broker_error, "kafka_log_options.replication_factor must be at least 1");
  std::unique_ptr<kafka_log> log(new kafka_log(std::move(options)));
  SM_TRY(log->producer_, kafka_producer::open(log->options_));
  log->readers_ = std::make_shared<consumer_pool>(log->options_, fetch_tuning{});
  return log;
}

result<kafka_log::topic_entry*> kafka_log::topic_of(std::string_view topic) {
  SM_TRYV(validate_topic_name(topic));
  {
    std::lock_guard g(topics_mu_);
    if (auto it = topics_.find(topic); it != topics_.end())
      return it->second.get();
  }
  // Not known here: ask the cluster (another process may have created it).
  auto entry = std::make_unique<topic_entry>();
  SM_TRY(entry->rkt, new_topic(producer_->handle(), std::string(topic)));
  SM_TRY(auto md, describe_topic(producer_->handle(), entry->rkt.get(), options_.timeout));
  if (md.partitions <= 0)
    return make_error(log_errc::unknown_topic, std::string(topic) + " (being created, no partitions yet)");
  entry->partitions = md.partitions;
  std::lock_guard g(topics_mu_);
  auto [it, inserted] = topics_.emplace(std::string(topic), std::move(entry));
  return it->second.get();
}

result<kafka_log::topic_entry*> kafka_log::partition_of(std::string_view topic, partition_id p) {
  SM_TRY(auto* t, topic_of(topic));
  if (p.value < 0 || p.value >= t->partitions)
    return make_error(log_errc::unknown_partition,
                      where(topic, p.value) + " (" + std::to_string(t->partitions) + " partitions)");
  return t;
}

result<void> kafka_log::create_topic(std::string_view topic, std::int32_t partitions) {
  SM_TRYV(validate_topic_name(topic));
  if (partitions <= 0)
    return make_error(log_errc::unknown_partition,
                      "create topic " + std::string(topic) + " with " + std::to_string(partitions) + " partitions");
  {
    std::lock_guard g(topics_mu_);
    if (topics_.find(topic) != topics_.end())
      return success();
  }
  auto entry = std::make_unique<topic_entry>();
  const std::string name(topic);
  SM_TRY(entry->rkt, new_topic(producer_->handle(), name));
  SM_TRY(auto md, kafka_detail::create_topic(producer_->handle(), entry->rkt.get(), name, partitions,
                                             options_.replication_factor, options_.timeout));
  entry->partitions = md.partitions;
  std::lock_guard g(topics_mu_);
  topics_.emplace(name, std::move(entry));
  return success();
}

result<std::int32_t> kafka_log::partitions(std::string_view topic) {
  SM_TRY(auto* t, topic_of(topic));
  return t->partitions;
}

result<offset> kafka_log::append(std::string_view topic, partition_id p, const std::vector<record>& batch) {
  SM_TRY(auto* t, partition_of(topic, p));
  return producer_->append(t->rkt.get(), p, batch, where(topic, p.value));
}

result<std::vector<offset>> kafka_log::append_all(const std::vector<batch_ref>& batches) {
  if (options_.transactional_id.empty())
    return event_log::append_all(batches);
  return append_committing(batches, offsets_commit{});
}

result<std::vector<offset>> kafka_log::append_committing(const std::vector<batch_ref>& batches,
                                                         const offsets_commit& commit) {
  auto* group = dynamic_cast<kafka_group*>(commit.group);
  if (options_.transactional_id.empty() || (commit.group != nullptr && group == nullptr))
    return event_log::append_committing(batches, commit);
  std::vector<kafka_detail::kafka_producer::target> targets;
  targets.reserve(batches.size());
  for (const auto& b : batches) {
    SM_TRY(auto* t, partition_of(b.topic, b.partition));
    targets.push_back({t->rkt.get(), b.partition, b.records, where(b.topic, b.partition.value), b.await_visibility});
  }
  if (group == nullptr || (commit.next.empty() && commit.claims.empty()))
    return producer_->append_transaction(targets);
  // The claims and the membership, read together (kafka_group::fence): a
  // write decided under a tenure that has ended never passes, whatever
  // generation the member has reached since.
  SM_TRY(auto metadata, group->fence(commit.claims));
  if (commit.next.empty())  // then nothing would make the coordinator check the membership
    return make_error(log_errc::stale_claim, "claims without positions to commit for group " + group->name() +
                                                 ": their partitions are being let go");

  using list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>;
  list_ptr positions(rd_kafka_topic_partition_list_new(static_cast<int>(commit.next.size())),
                     &rd_kafka_topic_partition_list_destroy);
  for (const auto& [p, o] : commit.next)
    rd_kafka_topic_partition_list_add(positions.get(), commit.topic.c_str(), p.value)->offset = o.value;
  // No retry under a newer generation: a refusal means the group moved on
  // since the membership was read, and only the caller (reloading from the
  // committed positions) can tell whether it still owns what it wrote for.
  const kafka_detail::kafka_producer::group_offsets with{positions.get(), metadata.get()};
  SM_TRY(auto firsts, producer_->append_transaction(targets, &with));
  group->committed_elsewhere(commit.topic, commit.next);
  return firsts;
}

result<std::unique_ptr<partition_group>> kafka_log::join_group(std::string_view topic, std::string_view group) {
  SM_TRY(auto g, kafka_group::join(options_, std::string(topic), std::string(group)));
  return std::unique_ptr<partition_group>(std::move(g));
}

result<kafka_log::watermarks> kafka_log::query_watermarks(std::string_view topic, partition_id p) {
  // ListOffsets under the client's isolation.level (librdkafka's default,
  // read_committed): `high` is the last stable offset. A leader that is
  // moving, dead, or not yet serving a new topic (the metadata can name it a
  // moment before it answers) is waited out, up to the timeout.
  SM_TRY(auto o, query_offsets(producer_->handle(), std::string(topic), p.value, true, options_.timeout));
  return watermarks{o.low, o.end};
}

result<offset> kafka_log::end_offset(std::string_view topic, partition_id p) {
  SM_TRYV(partition_of(topic, p));
  SM_TRY(auto o, query_offsets(producer_->handle(), std::string(topic), p.value, false, options_.timeout));
  return offset{o.end};
}

std::optional<error> kafka_log::needs_reopen() const {
  if (producer_ == nullptr)
    return std::nullopt;
  return producer_->broken();
}

bool kafka_log::fenced() const { return producer_ != nullptr && producer_->fenced(); }

result<bool> kafka_log::transaction_open(std::string_view topic, partition_id p) {
  SM_TRYV(partition_of(topic, p));
  rd_kafka_t* probe = nullptr;
  {
    std::lock_guard g(probe_mu_);
    if (!uncommitted_) {
      SM_TRY(auto conf, common_conf(options_, "-probe"));
      // Its ListOffsets answer the high watermark, where the log's own
      // clients (read_committed) answer the last stable offset.
      SM_TRYV(conf_set(conf.get(), "isolation.level", "read_uncommitted"));
      SM_TRY(auto rk, new_client(RD_KAFKA_CONSUMER, std::move(conf)));
      uncommitted_ = std::make_unique<struct probe>(kafka_log::probe{std::move(rk)});
    }
    probe = uncommitted_->rk.get();
  }
  const std::string name(topic);
  SM_TRY(auto stable, query_offsets(producer_->handle(), name, p.value, false, options_.timeout));
  SM_TRY(auto high, query_offsets(probe, name, p.value, false, options_.timeout));
  return high.end > stable.end;
}

result<std::unique_ptr<log_reader>> kafka_log::read(std::string_view topic, partition_id p, offset from) {
  SM_TRYV(partition_of(topic, p));
  SM_TRY(auto w, query_watermarks(topic, p));
  if (from.value < w.low || from.value > w.high)
    return make_error(log_errc::offset_out_of_range, "offset " + std::to_string(from.value) + " in " +
                                                         where(topic, p.value) + " (offsets " +
                                                         std::to_string(w.low) + " to " + std::to_string(w.high) +
                                                         ")");
  SM_TRY(auto reader, kafka_log_reader::start(readers_, std::string(topic), p, from, options_.timeout));
  return std::unique_ptr<log_reader>(std::move(reader));
}

result<tail_watcher*> kafka_log::watcher() {
  std::lock_guard g(watcher_mu_);
  if (!watcher_) {
    SM_TRY(watcher_, tail_watcher::open(options_));
  }
  return watcher_.get();
}

result<offset> kafka_log::wait_beyond(std::string_view topic, partition_id p, offset known,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = tail_watcher::clock::now() + timeout;
  SM_TRY(auto end, end_offset(topic, p));
  if (end > known || timeout.count() <= 0)
    return end;
  SM_TRY(auto* w, watcher());
  SM_TRY(auto seen, w->wait(std::string(topic), p, known, end, deadline));
  if (seen <= known)
    return end; // the timeout
  // The watcher saw a record beyond `known`; the exact end (a batch's last
  // record, a commit marker) is one query away.
  SM_TRY(auto now_end, end_offset(topic, p));
  return std::max(now_end, seen);
}

} // namespace storemesh::events
