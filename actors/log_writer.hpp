#pragma once
// The daemon's one appender. Entity actors hand it records and get a callback
// once they are durable; it never blocks them.
//
// Group commit: each round takes every queued request, groups their parts by
// partition, and appends the batches with one append_all (one fsync per
// partition on the FileLog; one transaction on a transactional KafkaLog, so a
// fenced or crashed daemon never leaves half a round). Batches for
// sealed topics end with one seal record: an Ed25519 signature of this daemon
// over the BLAKE2b of every record of the batch (DESIGN.md, Security), so one
// signature covers a whole group commit. Each round also commits the
// consumer group's positions (set_positions).
//
// Claims. A request decided under a tenure of a partition (an entity's
// events, snapshot or refusals; the intake's refusals) carries that
// partition_claim. The round leaves out requests whose tenure has ended
// (answered log_errc::stale_claim at once), and the log checks the others'
// claims again together with the membership it commits under, so a round
// that races the end of a tenure is refused whole. Requests without a claim
// (commands for other entities, which are deduplicated by id) need none.
//
//   created -> running -> stopped        stop() drains the queue, then joins.

#include "actors/topics.hpp"
#include "events/crypto/keys.hpp"
#include "events/event_log.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::actors {

struct append_part {
  std::string topic;
  partition_id partition;
  std::vector<events::record> records;
};

/// Called on the writer's thread with the first offset of every part (in the
/// order given), or the error that stopped the append. Keep it short:
/// anon_send to an actor is the intended use.
using append_callback = std::function<void(result<std::vector<offset>>)>;

class log_writer {
public:
  log_writer(events::event_log& log, topics names, events::crypto::key_pair sealing_key, std::string producer);
  ~log_writer();
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  /// Thread-safe. Parts of one request for the same partition keep their order.
  void submit(std::vector<append_part> parts, append_callback done);
  /// The same, for parts decided under `claim` (see Claims above).
  void submit(std::vector<append_part> parts, events::partition_claim claim, append_callback done);

  /// The consumer group's read positions, committed with every later round
  /// (event_log::append_committing): in the round's transaction on Kafka, so
  /// a daemon the group expelled is fenced, whole rounds at a time. A change
  /// is committed by the next round, or by a round of its own when nothing
  /// else is queued. Thread-safe.
  void set_positions(events::offsets_commit positions);
  /// Returns once every request submitted before, and the positions set
  /// before, are written (or failed).
  void barrier();
  /// Returns once the round being written when it is called (if any) has
  /// run its callbacks, or after `timeout`. A round's records are readable a
  /// moment before its callbacks run (a FileLog reader sees them once
  /// written); a reader that acted on them, and whose command was read
  /// after, must not be decided before those callbacks (the fleet view's
  /// publications) ran. Unlike barrier() it does not wait for what is queued.
  void await_round_in_flight(std::chrono::milliseconds timeout);
  /// Callers inside await_round_in_flight now (for tests).
  [[nodiscard]] std::size_t round_waiters() const;

  /// Appends what is queued, then stops the thread. Idempotent.
  void stop();
  /// Whether stop() was called: senders stop trying a refused write again.
  [[nodiscard]] bool stopping() const;
  /// How long a round refused as fenced waits for the group's next
  /// rebalance (then it is tried again under it) before it is answered
  /// fenced. About a session timeout: the time a member needs to learn the
  /// group moved. Set before the first submit.
  void set_fenced_wait(std::chrono::milliseconds wait) { fenced_wait_ = wait; }
  /// Raised when the log refuses a round for good (broker_error: the
  /// producer broken), even a round that carries only positions and so has
  /// no requester to tell: the daemon stops (or `serve` opens the log again)
  /// instead of failing the same round every turn.
  void set_broken_flag(std::atomic<bool>* broken) { broken_ = broken; }
  /// Whether a round was refused for good (see set_broken_flag): senders
  /// stop trying a refused write again.
  [[nodiscard]] bool broken() const { return broken_ != nullptr && broken_->load(); }

  [[nodiscard]] const events::crypto::key_pair& sealing_key() const { return key_; }

private:
  struct request {
    std::vector<append_part> parts;
    std::optional<events::partition_claim> claim;
    append_callback done;
  };

  void run();
  void write_round(std::vector<request>& round, events::offsets_commit positions);
  /// Answers the requests whose claims are stale, and sets `positions.claims`
  /// to the others'.
  void drop_stale(std::vector<request>& round, events::offsets_commit& positions);
  /// One attempt; on failure the requests hold their records again.
  [[nodiscard]] result<std::vector<std::vector<offset>>> append_round(std::vector<request>& round,
                                                                      const events::offsets_commit& positions);
  /// How long a fenced round waits for news of the group before giving up.
  [[nodiscard]] std::chrono::milliseconds fenced_wait() const { return fenced_wait_; }
  [[nodiscard]] events::record make_seal(const std::string& topic, partition_id p,
                                         const std::vector<events::record>& batch) const;

  events::event_log& log_;
  topics topics_;
  events::crypto::key_pair key_;
  std::string producer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<request> queue_;
  std::uint64_t rounds_started_ = 0;  // mutex_
  std::uint64_t rounds_done_ = 0;     // mutex_
  std::size_t round_waiters_ = 0;     // mutex_
  std::condition_variable round_done_;
  events::offsets_commit positions_;  // mutex_
  bool positions_changed_ = false;    // mutex_
  bool stopping_ = false;
  std::chrono::milliseconds fenced_wait_{10000};
  std::atomic<bool>* broken_ = nullptr;
  std::thread thread_;
};

} // namespace storemesh::actors
