#include "events/kafka_log/consumer_pool.hpp"

#include <vector>

namespace storemesh::events::kafka_detail {

result<conf_ptr> consumer_conf(const kafka_log_options& options, std::string_view client_suffix,
                               const fetch_tuning& tuning) {
  SM_TRY(auto conf, common_conf(options, client_suffix));
  rd_kafka_conf_t* c = conf.get();
  // poll() must tell "caught up" from "not fetched yet": librdkafka reports
  // reaching the end of a partition (off by default since 1.0).
  SM_TRYV(conf_set(c, "enable.partition.eof", "true"));
  // Never expose records of open or aborted transactions.
  SM_TRYV(conf_set(c, "isolation.level", "read_committed"));
  // "Only checksum-verified records are ever returned": verify each record
  // batch's CRC32C on the client too.
  SM_TRYV(conf_set(c, "check.crcs", "true"));
  // No group, no commits: where to read is the caller's business.
  SM_TRYV(conf_set(c, "enable.auto.commit", "false"));
  // An offset that is gone is an error (ERR__AUTO_OFFSET_RESET), never a
  // silent jump to the beginning or the end.
  SM_TRYV(conf_set(c, "auto.offset.reset", "error"));
  // Throughput: big fetches, prefetch up to queued.max.messages.kbytes per
  // partition; latency: the broker holds an empty fetch only briefly.
  SM_TRYV(conf_set(c, "fetch.wait.max.ms", std::to_string(tuning.wait_max_ms)));
  SM_TRYV(conf_set(c, "queued.max.messages.kbytes", std::to_string(tuning.queued_max_kbytes)));
  SM_TRYV(conf_set(c, "max.partition.fetch.bytes", std::to_string(tuning.partition_fetch_bytes)));
  // After a fetch error (a leader moved) retry soon, not after 500 ms.
  SM_TRYV(conf_set(c, "fetch.error.backoff.ms", "20"));
  return conf;
}

consumer_pool::consumer_pool(kafka_log_options options, fetch_tuning tuning)
    : options_(std::move(options)), tuning_(tuning) {}

consumer_pool::~consumer_pool() = default;

result<consumer_pool::lease> consumer_pool::acquire(const std::string& topic, partition_id p) {
  auto key = std::make_pair(topic, p.value);
  std::lock_guard g(mu_);
  member* m = nullptr;
  for (auto& candidate : members_)
    if (!candidate->busy.count(key)) {
      m = candidate.get();
      break;
    }
  if (!m) {
    // rd_kafka_new starts the client's threads; it connects in the background.
    SM_TRY(auto conf, consumer_conf(options_, "-reader", tuning_));
    SM_TRY(auto rk, new_client(RD_KAFKA_CONSUMER, std::move(conf)));
    members_.push_back(std::make_unique<member>());
    m = members_.back().get();
    m->rk = std::move(rk);
  }
  auto it = m->topics.find(topic);
  if (it == m->topics.end()) {
    SM_TRY(auto rkt, new_topic(m->rk.get(), topic));
    it = m->topics.emplace(topic, std::move(rkt)).first;
  }
  m->busy.insert(key);
  lease l;
  l.pool_ = shared_from_this();
  l.member_ = m;
  l.rkt_ = it->second.get();
  l.key_ = std::move(key);
  return l;
}

void consumer_pool::release(member* m, const std::pair<std::string, std::int32_t>& key) {
  std::unique_ptr<member> retired;
  {
    std::lock_guard g(mu_);
    m->busy.erase(key);
    if (!m->busy.empty())
      return;
    std::size_t idle = 0;
    for (const auto& candidate : members_)
      idle += candidate->busy.empty() ? 1 : 0;
    if (idle <= 2)
      return;
    for (auto it = members_.begin(); it != members_.end(); ++it)
      if (it->get() == m) {
        retired = std::move(*it);
        members_.erase(it);
        break;
      }
  }
  // rd_kafka_destroy joins the client's threads: not under the lock.
}

consumer_pool::lease& consumer_pool::lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    member_ = std::exchange(other.member_, nullptr);
    rkt_ = std::exchange(other.rkt_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

rd_kafka_t* consumer_pool::lease::client() const { return member_ ? member_->rk.get() : nullptr; }

void consumer_pool::lease::release() {
  if (pool_ && member_)
    pool_->release(member_, key_);
  pool_.reset();
  member_ = nullptr;
  rkt_ = nullptr;
}

} // namespace storemesh::events::kafka_detail
