#include "events/kafka_log/kafka_log_reader.hpp"

#include "events/log_errc.hpp"

#include <algorithm>
#include <cstring>

namespace storemesh::events::kafka_detail {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t fetch_batch = 512; // messages taken from the queue per call

std::size_t words_for(std::size_t bytes) { return (bytes + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t); }

bool aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % alignof(std::uint64_t) == 0; }

} // namespace

kafka_log_reader::kafka_log_reader(consumer_pool::lease lease, std::string topic, partition_id p, offset from,
                                   std::chrono::milliseconds timeout)
    : lease_(std::move(lease)), topic_(std::move(topic)), p_(p), timeout_(timeout), next_(from.value) {}

result<std::unique_ptr<kafka_log_reader>> kafka_log_reader::start(const std::shared_ptr<consumer_pool>& pool,
                                                                  const std::string& topic, partition_id p,
                                                                  offset from, std::chrono::milliseconds timeout) {
  SM_TRY(auto lease, pool->acquire(topic, p));
  std::unique_ptr<kafka_log_reader> r(new kafka_log_reader(std::move(lease), topic, p, from, timeout));
  r->queue_.reset(rd_kafka_queue_new(r->lease_.client()));
  // Fetch from `from` into our own queue; returns at once, the fetcher starts
  // in the background.
  if (rd_kafka_consume_start_queue(r->lease_.topic(), p.value, from.value, r->queue_.get()) == -1)
    return kafka_error(rd_kafka_last_error(), "start reading " + where(topic, p.value) + " at offset " +
                                                  std::to_string(from.value));
  r->started_ = true;
  return r;
}

kafka_log_reader::~kafka_log_reader() {
  release_held();
  for (auto* m : pending_)
    rd_kafka_message_destroy(m);
  pending_.clear();
  // Order: stop the fetcher (synchronous) before its queue goes, and both
  // before the client returns to the pool (the lease, destroyed last).
  if (started_)
    (void)rd_kafka_consume_stop(lease_.topic(), p_.value);
  queue_.reset();
}

offset kafka_log_reader::position() const {
  return offset{pending_.empty() ? std::max(next_, eof_) : next_};
}

void kafka_log_reader::release_held() {
  for (auto* m : held_)
    rd_kafka_message_destroy(m); // ownership: ours since consume; the views die here
  held_.clear();
}

void kafka_log_reader::absorb(rd_kafka_message_t* m) {
  if (failed_) {
    rd_kafka_message_destroy(m);
    return;
  }
  if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
    answered_ = true;
  if (!m->err) {
    if (m->offset >= next_)
      pending_.push_back(m); // ownership: pending_, then held_, destroyed on the next poll
    else
      rd_kafka_message_destroy(m);
    return;
  }
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    // Informational: the fetcher reached the end (the last stable offset,
    // read_committed) -- everything before it is already in the queue.
    eof_ = std::max(eof_, m->offset);
  } else if (!is_transient(m->err)) {
    failed_ = kafka_error(m->err, "read " + where(topic_, p_.value) + " after offset " + std::to_string(next_) +
                                      ": " + rd_kafka_message_errstr(m));
  }
  rd_kafka_message_destroy(m);
}

void kafka_log_reader::fetch(int wait_ms) {
  rd_kafka_message_t* batch[fetch_batch];
  // consume_batch_queue with a timeout waits for a *full* batch: take what is
  // there without waiting, and wait (when asked) for the first event alone.
  ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, batch, fetch_batch);
  if (n == 0 && wait_ms > 0) {
    if (rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), wait_ms)) {
      batch[0] = first;
      const ssize_t more = rd_kafka_consume_batch_queue(queue_.get(), 0, batch + 1, fetch_batch - 1);
      n = 1 + std::max<ssize_t>(more, 0);
    }
  }
  for (ssize_t i = 0; i < n; ++i)
    absorb(batch[i]);
}

bool kafka_log_reader::at_high_watermark() const {
  // The fetcher's last response told the partition's high watermark: once
  // every record below it is handed out there is nothing more to read for
  // now, without waiting for the end-of-partition event (which only the next,
  // empty, fetch response brings: fetch.wait.max.ms later). Only once a
  // response to this reader's own fetches is in: a pooled client remembers
  // the watermark an earlier reader of the partition saw.
  if (!answered_)
    return false;
  std::int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(lease_.client(), topic_.c_str(), p_.value, &low, &high))
    return false;
  return high >= 0 && next_ >= high;
}

std::size_t kafka_log_reader::hand_out(std::vector<record_view>& out, std::size_t max_bytes) {
  // Which messages: at least one, then while under max_bytes.
  std::size_t count = 0, bytes = 0, words = 0;
  while (count < pending_.size() && (count == 0 || bytes < max_bytes)) {
    const rd_kafka_message_t* m = pending_[count];
    bytes += m->len + m->key_len;
    if (m->len > 0 && !aligned(m->payload))
      words += words_for(m->len);
    ++count;
  }
  if (arena_.size() < words)
    arena_.resize(words); // no view into the arena is alive: held_ was released
  std::uint64_t* next_word = arena_.data();

  out.reserve(out.size() + count);
  for (std::size_t i = 0; i < count; ++i) {
    rd_kafka_message_t* m = pending_.front();
    pending_.pop_front();
    held_.push_back(m);
    const char* value = static_cast<const char*>(m->payload);
    if (m->len > 0 && !aligned(value)) {
      std::memcpy(next_word, value, m->len);
      value = reinterpret_cast<const char*>(next_word);
      next_word += words_for(m->len);
    }
    rd_kafka_timestamp_type_t type;
    const std::int64_t ts_ms = rd_kafka_message_timestamp(m, &type);
    record_view v;
    v.off = offset{m->offset};
    v.timestamp_ns = ts_ms >= 0 ? ts_ms * 1'000'000 : 0;
    v.key = m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len) : std::string_view();
    v.value = std::string_view(value ? value : "", m->len);
    out.push_back(v);
    next_ = m->offset + 1;
  }
  return count;
}

result<std::size_t> kafka_log_reader::poll(std::vector<record_view>& out, std::size_t max_bytes) {
  release_held();
  const auto deadline = clock::now() + timeout_;
  for (;;) {
    if (!pending_.empty())
      return hand_out(out, max_bytes);
    if (failed_)
      return *failed_;
    if (caught_up() || at_high_watermark()) {
      // Caught up: only what is queued or arrives within about a millisecond.
      fetch(1);
      if (pending_.empty() && !failed_)
        return std::size_t{0};
      continue;
    }
    const auto now = clock::now();
    if (now >= deadline)
      return make_error(log_errc::unavailable,
                        "read " + where(topic_, p_.value) + " at offset " + std::to_string(next_) +
                            ": neither a record nor the end of the partition within " +
                            std::to_string(timeout_.count()) + " ms (is a broker reachable?)");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    fetch(static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 1, 100)));
    if (caught_up() && !failed_)
      return std::size_t{0};
  }
}

} // namespace storemesh::events::kafka_detail
