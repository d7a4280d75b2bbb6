#include "events/kafka_log/kafka_producer.hpp"

#include "events/log_errc.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <limits>
#include <thread>

namespace storemesh::events::kafka_detail {

/// The delivery reports of one append() call. Every message's opaque points
/// at its slot; the poller thread fills the slots and wakes the appender when
/// the last report of the batch is in.
struct kafka_producer::batch_delivery {
  struct slot {
    batch_delivery* owner = nullptr;
    std::int64_t offset = -1;
  };

  explicit batch_delivery(std::size_t n) : slots(n) {
    for (auto& s : slots)
      s.owner = this;
  }

  void report(slot& s, const rd_kafka_message_t& msg) {
    std::lock_guard g(mu);
    s.offset = msg.offset;
    if (msg.err && !first_err) {
      first_err = msg.err;
      first_err_index = static_cast<std::size_t>(&s - slots.data());
    }
    if (++reported == expected)
      cv.notify_all();
  }

  /// Waits for the reports of the first `n` slots (the ones produced). Every
  /// produced message gets exactly one report (an error at the latest after
  /// message.timeout.ms), so this wait ends.
  void wait_for(std::size_t n) {
    std::unique_lock g(mu);
    expected = n;
    cv.wait(g, [&] { return reported == expected; });
  }

  std::vector<slot> slots;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t reported = 0;                                     // mu
  std::size_t expected = std::numeric_limits<std::size_t>::max(); // mu: unknown until enqueued
  rd_kafka_resp_err_t first_err = RD_KAFKA_RESP_ERR_NO_ERROR;   // mu
  std::size_t first_err_index = 0;                              // mu
};

kafka_producer::kafka_producer(const kafka_log_options& options) : options_(options) {}

result<std::unique_ptr<kafka_producer>> kafka_producer::open(const kafka_log_options& options) {
  std::unique_ptr<kafka_producer> self(new kafka_producer(options));
  SM_TRY(auto conf, common_conf(options, ""));
  rd_kafka_conf_t* c = conf.get();
  SM_TRYV(conf_set(c, "enable.idempotence", "true")); // no duplicates, no reordering on retry
  SM_TRYV(conf_set(c, "acks", "all"));                // done = on every in-sync replica
  // Send at once: append() waits for its acks, so lingering only adds latency
  // (measured: linger.ms=1 makes a one-record append 1.4 ms instead of
  // 0.06 ms, and halves 1000-record batches). Batching still happens: a call's
  // batch is enqueued at once, and records queue up behind requests in flight.
  SM_TRYV(conf_set(c, "linger.ms", "0"));
  // One request in flight per broker: librdkafka 2.0 "implicitly acks" a
  // request that failed retriably (NOT_LEADER right after a topic is created
  // or a leader moves) when the next one succeeds -- and a broker with no
  // state for this producer accepts that next one, so the first records are
  // reported delivered (offset -1001) but lost. Seen here on a fresh topic;
  // confluent-kafka-go#921. No throughput cost measured on this broker.
  SM_TRYV(conf_set(c, "max.in.flight.requests.per.connection", "1"));
  SM_TRYV(conf_set(c, "compression.type", "none"));   // small records, a local network: CPU is scarcer
  // A delivery report (success or error) for every message within the timeout:
  // append() is bounded by it even when every broker is gone.
  // (librdkafka refuses a message timeout beyond the transaction timeout.)
  const auto message_timeout = options.transactional_id.empty()
                                   ? options.timeout
                                   : std::min(options.timeout, options.transaction_timeout);
  SM_TRYV(conf_set(c, "message.timeout.ms", std::to_string(to_ms(message_timeout))));
  // Room for many concurrent batches before produce blocks (RD_KAFKA_MSG_F_BLOCK).
  SM_TRYV(conf_set(c, "queue.buffering.max.messages", "1000000"));
  if (!options.transactional_id.empty()) {
    SM_TRYV(conf_set(c, "transactional.id", options.transactional_id)); // one transaction per append
    SM_TRYV(conf_set(c, "transaction.timeout.ms", std::to_string(to_ms(options.transaction_timeout))));
    // A transaction's records wait for nothing: commit_transaction flushes,
    // and a flush sends at once whatever linger.ms says (the CLI's round trip
    // stayed at 24-25 ms p50). What lingering changes is the broker thread's
    // wake-ups: with 0, librdkafka 2.0 wakes it for every record enqueued
    // (confluentinc/librdkafka#3538); with 5 (the Java client's default) the
    // pipeline on Kafka ran 70 -> 75-76k commands/s (bench_daemon --only
    // intake --kafka, best of 3, same broker, same load).
    SM_TRYV(conf_set(c, "linger.ms", "5"));
  }
  rd_kafka_conf_set_dr_msg_cb(c, &kafka_producer::on_delivery);
  rd_kafka_conf_set_error_cb(c, &kafka_producer::on_error);
  rd_kafka_conf_set_opaque(c, self.get()); // the callbacks find this object through it

  SM_TRY(self->rk_, new_client(RD_KAFKA_PRODUCER, std::move(conf)));
  self->poller_ = std::thread([p = self.get()] { p->poll_loop(); });
  SM_TRYV(self->connect());
  return self;
}

result<void> kafka_producer::connect() {
  // Anything but a broker's answer within the timeout is a clear error now,
  // rather than the first append timing out later. A broker that has just
  // started can answer with an empty broker list (seen in kafka_scale_out
  // under load): that answer is transient, so it is asked again until the
  // timeout like any retriable error.
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    const rd_kafka_metadata_t* raw = nullptr;
    if (auto err = rd_kafka_metadata(rk_.get(), 0, nullptr, &raw, to_ms(options_.timeout)))
      return make_error(log_errc::broker_error, "no Kafka broker at " + options_.bootstrap + " answered within " +
                                                    std::to_string(options_.timeout.count()) +
                                                    " ms: " + rd_kafka_err2str(err));
    metadata_ptr md(raw);
    if (md->broker_cnt > 0)
      break;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(200) >= deadline)
      return make_error(log_errc::broker_error, "the cluster at " + options_.bootstrap + " lists no brokers");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (options_.transactional_id.empty())
    return success();
  // A retriable error (NOT_COORDINATOR while a new cluster elects the
  // transaction coordinator, seen with three brokers under load) is asked
  // again until the timeout: librdkafka's documented way.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    kafka_error_ptr e{rd_kafka_init_transactions(rk_.get(), static_cast<int>(std::max<std::int64_t>(left.count(), 1)))};
    if (!e)
      return success();
    if (!rd_kafka_error_is_retriable(e.get()) || std::chrono::steady_clock::now() + std::chrono::milliseconds(500) >= deadline)
      return kafka_error(e.get(), "init_transactions (transactional.id " + options_.transactional_id + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

kafka_producer::~kafka_producer() {
  if (rk_) {
    // Nothing is outstanding once every append() returned; flush anyway so
    // that a stray message gets its report before the client goes.
    (void)rd_kafka_flush(rk_.get(), to_ms(options_.timeout));
  }
  stop_ = true;
  if (poller_.joinable())
    poller_.join();
  rk_.reset(); // rd_kafka_destroy: never from a librdkafka thread, never while polling
}

void kafka_producer::poll_loop() {
  while (!stop_.load(std::memory_order_relaxed))
    rd_kafka_poll(rk_.get(), 50); // dispatches on_delivery / on_error on this thread
}

void kafka_producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* s = static_cast<batch_delivery::slot*>(msg->_private);
  s->owner->report(*s, *msg);
}

bool kafka_producer::is_fence(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

void kafka_producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<kafka_producer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512];
    const auto orig = rd_kafka_fatal_error(rk, why, sizeof why);
    self->set_fatal(kafka_error(orig, std::string("fatal producer error, reopen the log: ") + why), orig);
    std::fprintf(stderr, "kafka_log: fatal producer error: %s: %s\n", rd_kafka_err2name(orig), why);
    return;
  }
  // Informational: librdkafka reconnects and retries by itself; a message it
  // cannot deliver comes back as an error in its delivery report.
  (void)reason;
}

std::optional<error> kafka_producer::fatal() const {
  std::lock_guard g(fatal_mu_);
  return fatal_;
}

void kafka_producer::set_fatal(error e, rd_kafka_resp_err_t code) {
  // The fence is recorded by whichever path meets it first -- a failing call
  // or the error callback on the poller's thread -- so the owner, asking
  // fenced() as soon as the failure reaches it, never reads it late.
  if (is_fence(code))
    fenced_ = true;
  std::lock_guard g(fatal_mu_);
  if (!fatal_)
    fatal_ = std::move(e);
}

std::size_t kafka_producer::enqueue(rd_kafka_topic_t* rkt, partition_id p, const std::vector<record>& batch,
                                    batch_delivery& delivery, std::optional<error>& failed,
                                    const std::string& where) {
  const std::size_t stripe =
      (std::hash<std::string_view>{}(rd_kafka_topic_name(rkt)) * 31 + static_cast<std::size_t>(p.value)) %
      enqueue_stripes_.size();
  std::lock_guard g(enqueue_stripes_[stripe]);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const record& r = batch[i];
    // Kafka timestamps are milliseconds; 0 asks librdkafka for "now".
    const std::int64_t ts_ms = r.timestamp_ns > 0 ? r.timestamp_ns / 1'000'000 : 0;
    const auto err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(p.value),
        // No F_COPY: the value stays the caller's until its delivery report,
        // which append() waits for. F_BLOCK: a full queue waits for the poller
        // thread to drain reports instead of failing.
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_BLOCK), RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()), RD_KAFKA_V_TIMESTAMP(ts_ms),
        RD_KAFKA_V_OPAQUE(&delivery.slots[i]), RD_KAFKA_V_END);
    if (err) {
      failed = kafka_error(err, "produce to " + where + " (record " + std::to_string(i) + " of " +
                                    std::to_string(batch.size()) + ")");
      return i;
    }
  }
  return batch.size();
}

result<offset> kafka_producer::append(rd_kafka_topic_t* rkt, partition_id p, const std::vector<record>& batch,
                                      const std::string& where) {
  if (batch.empty())
    return make_error(log_errc::bad_batch, "append to " + where + ": empty batch");
  if (auto f = fatal())
    return *f;
  if (options_.transactional_id.empty())
    return append_idempotent(rkt, p, batch, where);
  SM_TRY(auto firsts, append_transaction({target{rkt, p, &batch, where}}));
  return firsts.front();
}

namespace {

// After every report is in: the first error, else the first offset once the
// offsets are checked to be consecutive.
template <class Delivery>
result<offset> outcome(Delivery& d, std::size_t n, const std::string& where) {
  std::lock_guard g(d.mu);
  if (d.first_err) {
    std::string detail = "append to " + where + ": record " + std::to_string(d.first_err_index) + " of " +
                         std::to_string(n);
    if (d.first_err_index > 0)
      detail += " (records before it may be in the log)";
    return kafka_error(d.first_err, detail);
  }
  const std::int64_t first = d.slots[0].offset;
  for (std::size_t i = 0; i < n; ++i)
    if (d.slots[i].offset < 0)
      return make_error(log_errc::broker_error,
                        "append to " + where + ": record " + std::to_string(i) + " of " + std::to_string(n) +
                            " reported delivered without an offset (librdkafka's implicit ack): it may be lost");
  for (std::size_t i = 0; i < n; ++i)
    if (d.slots[i].offset != first + static_cast<std::int64_t>(i))
      return make_error(log_errc::broker_error,
                        "append to " + where + ": the batch of " + std::to_string(n) +
                            " records is not contiguous (first at offset " + std::to_string(first) + ", record " +
                            std::to_string(i) + " at " + std::to_string(d.slots[i].offset) +
                            "): another producer wrote into it; its records are in the log");
  return offset{first};
}

} // namespace

result<offset> kafka_producer::append_idempotent(rd_kafka_topic_t* rkt, partition_id p,
                                                 const std::vector<record>& batch, const std::string& where) {
  batch_delivery delivery(batch.size());
  std::optional<error> failed;
  const std::size_t produced = enqueue(rkt, p, batch, delivery, failed, where);
  delivery.wait_for(produced); // even after a failure: those messages point at `batch`
  if (failed) {
    if (produced > 0)
      failed->detail += " (the " + std::to_string(produced) + " records before it may be in the log)";
    return *failed;
  }
  return outcome(delivery, batch.size(), where);
}

error kafka_producer::transaction_failure(rd_kafka_error_t* err, const std::string& what) {
  auto e = kafka_error(err, what);
  // librdkafka: an error neither retriable nor abortable is to be treated as
  // fatal (rdkafka.h, "Handling of other errors"): the producer's state
  // machine is no longer known to be in step with the coordinator's.
  if (rd_kafka_error_is_fatal(err) || !rd_kafka_error_txn_requires_abort(err))
    set_fatal(e, rd_kafka_error_code(err));
  return e;
}

std::optional<error> kafka_producer::abort_until_done(const std::string& where) {
  // An abort that times out goes on in the background and must be called
  // again until it completes: a transaction begun before that fails with
  // _CONFLICT or _STATE (seen under broker restarts), and the producer is
  // stuck for good.
  const auto deadline = std::chrono::steady_clock::now() + options_.transaction_timeout + options_.timeout;
  for (int attempt = 1;; ++attempt) {
    kafka_error_ptr e{rd_kafka_abort_transaction(rk_.get(), -1)};
    if (!e)
      return std::nullopt;
    if (rd_kafka_error_is_retriable(e.get()) && std::chrono::steady_clock::now() < deadline) {
      if (attempt == 1 || attempt % 10 == 0)
        std::fprintf(stderr, "kafka_log: abort_transaction for %s: %s (retrying)\n", where.c_str(),
                     rd_kafka_error_string(e.get()));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    error failure = kafka_error(e.get(), "abort_transaction for " + where);
    set_fatal(failure, rd_kafka_error_code(e.get()));
    return failure;
  }
}

result<std::vector<offset>> kafka_producer::append_transaction(const std::vector<target>& targets,
                                                              const group_offsets* offsets) {
  if (auto f = fatal())
    return *f;
  std::string where;
  for (const auto& t : targets) {
    if (t.batch->empty())
      return make_error(log_errc::bad_batch, "append to " + t.where + ": empty batch");
    where += (where.empty() ? "" : ", ") + t.where;
  }
  if (targets.empty() && offsets == nullptr)
    return std::vector<offset>{};
  if (where.empty())
    where = "group offsets";
  std::lock_guard one_at_a_time(transaction_mu_);
  // The transaction state machine (rdkafka.h, "Transactional producer API"):
  // a retriable error is retried (commit and abort resume what runs in the
  // background); an abortable one is aborted -- until the abort completes --
  // and reported as `aborted` (nothing written; the caller may append the
  // same batches again) or, for a group that moved on, `fenced`; anything
  // else is fatal. Every path leaves the producer ready for the next begin.
  if (kafka_error_ptr e{rd_kafka_begin_transaction(rk_.get())})
    return transaction_failure(e.get(), "begin_transaction for " + where);

  // One delivery tracker per batch: offsets are checked batch by batch.
  std::vector<std::unique_ptr<batch_delivery>> deliveries;
  std::vector<std::size_t> produced;
  auto wait_all = [&] {
    for (std::size_t i = 0; i < produced.size(); ++i)
      deliveries[i]->wait_for(produced[i]);
  };
  // Aborting purges what was enqueued: each of those gets its (error) report.
  auto abort_with = [&](error why) -> error {
    if (auto f = abort_until_done(where))
      why = *f;
    wait_all();
    return why;
  };
  std::optional<error> failed;
  for (const auto& t : targets) {
    deliveries.push_back(std::make_unique<batch_delivery>(t.batch->size()));
    produced.push_back(enqueue(t.rkt, t.p, *t.batch, *deliveries.back(), failed, t.where));
    if (failed)
      break;
  }
  if (!failed && offsets != nullptr)
    failed = send_offsets(*offsets, where);
  if (failed) {
    if (auto f = fatal())
      return abort_with(*f);
    return abort_with(*failed);
  }

  // commit_transaction flushes: it returns once every record is acknowledged
  // and the commit is logged by the coordinator. -1: the transaction's
  // remaining time (librdkafka's advice: a shorter one risks its state
  // machine); a timeout resumes when called again.
  // Bounded: a coordinator silent for longer than the transaction's own
  // timeout leaves its outcome unknown, and only a restart (replay) can tell.
  const auto deadline = std::chrono::steady_clock::now() + options_.transaction_timeout + options_.timeout;
  for (int attempt = 1;; ++attempt) {
    kafka_error_ptr e{rd_kafka_commit_transaction(rk_.get(), -1)};
    if (!e)
      break;
    if (rd_kafka_error_is_retriable(e.get()) && !rd_kafka_error_txn_requires_abort(e.get()) &&
        std::chrono::steady_clock::now() < deadline) {
      if (attempt == 1 || attempt % 10 == 0)
        std::fprintf(stderr, "kafka_log: commit_transaction for %s: %s (resuming)\n", where.c_str(),
                     rd_kafka_error_string(e.get()));
      continue;
    }
    if (rd_kafka_error_txn_requires_abort(e.get()) && !rd_kafka_error_is_fatal(e.get()))
      return abort_with(make_error(log_errc::aborted, "commit_transaction for " + where + ": " +
                                                          rd_kafka_error_string(e.get())));
    auto failure = kafka_error(e.get(), "commit_transaction for " + where + " (outcome unknown)");
    set_fatal(failure, rd_kafka_error_code(e.get()));  // whether it committed is unknown: nothing more may be appended on top
    wait_all();
    return failure;
  }
  wait_all();
  std::vector<offset> firsts;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    SM_TRY(auto first, outcome(*deliveries[i], targets[i].batch->size(), targets[i].where));
    firsts.push_back(first);
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (targets[i].await_visibility)
      wait_until_stable(targets[i].rkt, targets[i].p,
                        firsts[i].value + static_cast<std::int64_t>(targets[i].batch->size()) - 1);
  return firsts;
}

std::optional<error> kafka_producer::send_offsets(const group_offsets& offsets, const std::string& where) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    kafka_error_ptr e{rd_kafka_send_offsets_to_transaction(rk_.get(), offsets.offsets, offsets.group, -1)};
    if (!e)
      return std::nullopt;
    switch (rd_kafka_error_code(e.get())) {
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      // The group moved on without this member (or is moving): the
      // transaction is aborted, so nothing of it is written.
      return make_error(log_errc::fenced, std::string("send_offsets_to_transaction for ") + where + ": " +
                                              rd_kafka_error_string(e.get()));
    default:
      break;
    }
    if (rd_kafka_error_is_retriable(e.get()) && !rd_kafka_error_txn_requires_abort(e.get()) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    // Abortable, or retriable for longer than a round trip's bound: the
    // transaction is aborted, and the round may be tried again.
    if (!rd_kafka_error_is_fatal(e.get()) &&
        (rd_kafka_error_txn_requires_abort(e.get()) || rd_kafka_error_is_retriable(e.get())))
      return make_error(log_errc::aborted, std::string("send_offsets_to_transaction for ") + where + ": " +
                                               rd_kafka_error_string(e.get()));
    return transaction_failure(e.get(), "send_offsets_to_transaction for " + where);
  }
}

void kafka_producer::wait_until_stable(rd_kafka_topic_t* rkt, partition_id p, std::int64_t last) {
  // commit_transaction returns once the coordinator has logged the commit;
  // it writes the markers to the partitions after that. Until the marker is
  // in, the last stable offset stays before the batch: wait for it, so that
  // an append is followed by an end_offset() or a read that sees it.
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (auto backoff = std::chrono::milliseconds(1);; backoff = std::min(backoff * 2, std::chrono::milliseconds(20))) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto o = query_offsets(rk_.get(), rd_kafka_topic_name(rkt), p.value, false,
                                 std::max(left, std::chrono::milliseconds(1)));
    if (o && o.value().end > last)
      return;
    if (std::chrono::steady_clock::now() + backoff >= deadline) {
      // Committed either way: visibility only lags. But say so.
      std::fprintf(stderr,
                   "kafka_log: %s/%d: committed, but the last stable offset is not beyond %lld after %lld ms\n",
                   rd_kafka_topic_name(rkt), static_cast<int>(p.value), static_cast<long long>(last),
                   static_cast<long long>(options_.timeout.count()));
      return;
    }
    std::this_thread::sleep_for(backoff);
  }
}

} // namespace storemesh::events::kafka_detail
