#include "events/kafka_log/tail_watcher.hpp"

#include "events/log_errc.hpp"

#include <algorithm>
#include <vector>

namespace storemesh::events::kafka_detail {

namespace {

// A partition nobody waited on for this long is no longer fetched.
constexpr auto idle_watch = std::chrono::seconds(30);

fetch_tuning watcher_tuning() {
  fetch_tuning t;
  t.wait_max_ms = 100;          // an idle watch costs ~10 tiny fetches/s per broker
  t.queued_max_kbytes = 1024;   // what it fetches is thrown away at once
  t.partition_fetch_bytes = 256 << 10;
  return t;
}

} // namespace

tail_watcher::tail_watcher(client_ptr rk) : rk_(std::move(rk)), queue_(rd_kafka_queue_new(rk_.get())) {}

result<std::unique_ptr<tail_watcher>> tail_watcher::open(const kafka_log_options& options) {
  SM_TRY(auto conf, consumer_conf(options, "-watch", watcher_tuning()));
  SM_TRY(auto rk, new_client(RD_KAFKA_CONSUMER, std::move(conf)));
  std::unique_ptr<tail_watcher> w(new tail_watcher(std::move(rk)));
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

tail_watcher::~tail_watcher() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard g(mu_);
  for (const auto& [k, w] : watches_)
    (void)rd_kafka_consume_stop(topics_.at(k.first).get(), k.second);
  watches_.clear();
  // Drop what is still queued before the queue, topics and client go.
  while (rd_kafka_message_t* m = rd_kafka_consume_queue(queue_.get(), 0))
    rd_kafka_message_destroy(m);
  queue_.reset();
  topics_.clear();
}

result<rd_kafka_topic_t*> tail_watcher::topic_locked(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    SM_TRY(auto rkt, new_topic(rk_.get(), topic));
    it = topics_.emplace(topic, std::move(rkt)).first;
  }
  return it->second.get();
}

result<offset> tail_watcher::wait(const std::string& topic, partition_id p, offset known, offset seen_end,
                                clock::time_point deadline) {
  std::unique_lock g(mu_);
  const key k{topic, p.value};
  auto it = watches_.find(k);
  if (it == watches_.end()) {
    SM_TRY(auto* rkt, topic_locked(topic));
    // From the end the caller saw: any record appended since has an offset at
    // or beyond it, so the fetcher will bring it.
    if (rd_kafka_consume_start_queue(rkt, p.value, seen_end.value, queue_.get()) == -1)
      return kafka_error(rd_kafka_last_error(), "watch " + where(topic, p.value));
    auto w = std::make_shared<watch>();
    w->end = seen_end.value;
    it = watches_.emplace(k, std::move(w)).first;
  }
  std::shared_ptr<watch> w = it->second; // stays valid if the thread drops the watch
  ++w->waiters;
  cv_.wait_until(g, deadline, [&] { return w->end > known.value || w->failed || stop_; });
  --w->waiters;
  w->last_wait = clock::now();
  if (w->failed)
    return *w->failed;
  return offset{w->end};
}

void tail_watcher::absorb(rd_kafka_message_t* m, bool& changed) {
  // Called with mu_ held.
  auto it = watches_.find(key{rd_kafka_topic_name(m->rkt), m->partition});
  if (it == watches_.end())
    return; // a watch stopped since this was fetched
  watch& w = *it->second;
  std::int64_t end = w.end;
  if (!m->err)
    end = std::max(end, m->offset + 1);
  else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
    end = std::max(end, m->offset);
  else if (!is_transient(m->err) && !w.failed) {
    w.failed = kafka_error(m->err, "watch " + where(it->first.first, it->first.second) + ": " +
                                       rd_kafka_message_errstr(m));
    changed = true;
  }
  if (end != w.end) {
    w.end = end;
    changed = true;
  }
}

void tail_watcher::stop_idle(clock::time_point now) {
  // Called with mu_ held. consume_stop waits for the broker thread briefly;
  // waiters are not blocked for long, and no waiter restarts a watch half-stopped.
  for (auto it = watches_.begin(); it != watches_.end();) {
    const watch& w = *it->second;
    if (w.waiters == 0 && (w.failed || now - w.last_wait > idle_watch)) {
      (void)rd_kafka_consume_stop(topics_.at(it->first.first).get(), it->first.second);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
}

void tail_watcher::run() {
  constexpr std::size_t batch_size = 256;
  std::vector<rd_kafka_message_t*> batch(batch_size);
  auto last_sweep = clock::now();
  for (;;) {
    {
      std::lock_guard g(mu_);
      if (stop_)
        return;
    }
    // Wait for the first event alone (a batch call would wait for a full batch).
    ssize_t n = 0;
    if (rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), 100)) {
      batch[0] = first;
      n = 1 + std::max<ssize_t>(rd_kafka_consume_batch_queue(queue_.get(), 0, batch.data() + 1, batch_size - 1), 0);
    }
    bool changed = false;
    {
      std::lock_guard g(mu_);
      for (ssize_t i = 0; i < n; ++i)
        absorb(batch[i], changed);
      const auto now = clock::now();
      if (now - last_sweep > std::chrono::seconds(1)) {
        stop_idle(now);
        last_sweep = now;
      }
    }
    if (changed)
      cv_.notify_all();
    for (ssize_t i = 0; i < n; ++i)
      rd_kafka_message_destroy(batch[i]);
  }
}

} // namespace storemesh::events::kafka_detail
