#pragma once
// kafka_log_reader: reads one partition forward from an offset, through a
// pooled consumer client (consumer_pool.hpp) fetching into a queue of its own.
//
// poll() hands out what has been fetched, up to about max_bytes. When nothing
// is fetched it waits -- for a record or for librdkafka's end-of-partition
// event -- so that 0 really means "caught up with the partition's end", as the
// event_log contract says, not "the fetch is still on its way". Caught up
// means: every record below the high watermark of the last fetch response is
// handed out, or the fetcher reported the end of the partition (with
// read_committed: the last stable offset). Once caught up, a poll waits at
// most ~1 ms for something new.
//
//   queue:  [r5][r6][EOF@7][r7] ...     pending_: fetched, not handed out
//   poll(): pending_ -> held_ + views   held_: handed out, alive until the next poll()
//
// - position() is the offset after the last record handed out, or, once
//   caught up, the end-of-partition offset the fetcher reported: with
//   transactions, commit markers take offsets that no record has.
// - Values are handed out 8-byte aligned, as the FileLog's are (the envelope
//   decoder reads aligned values in place): a value librdkafka holds
//   unaligned is copied into the reader's arena. Keys point into the message.
// - Timestamps are Kafka's (milliseconds), in nanoseconds.
// - Transient errors (a broker went away, a leader moved) are waited out. Any
//   other error -- the offset was deleted (offset_out_of_range), the topic
//   vanished (unknown_topic), a CRC mismatch (corrupt_record) -- is returned
//   once every record before it has been handed out, and by every later poll.
// - A poll that sees neither a record nor the end within the log's timeout
//   (no broker reachable) fails with broker_error; the reader stays usable.
// Not thread-safe: one reader per thread.

#include "events/event_log.hpp"
#include "events/kafka_log/consumer_pool.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace storemesh::events::kafka_detail {

class kafka_log_reader final : public log_reader {
public:
  /// Starts fetching `topic`/`p` at `from` (checked by the caller to be
  /// within the partition) on a client of `pool`.
  [[nodiscard]] static result<std::unique_ptr<kafka_log_reader>> start(const std::shared_ptr<consumer_pool>& pool,
                                                                       const std::string& topic, partition_id p,
                                                                       offset from,
                                                                       std::chrono::milliseconds timeout);
  /// Stops the fetcher and returns the client to the pool.
  ~kafka_log_reader() override;
  kafka_log_reader(const kafka_log_reader&) = delete;
  kafka_log_reader& operator=(const kafka_log_reader&) = delete;

  [[nodiscard]] result<std::size_t> poll(std::vector<record_view>& out, std::size_t max_bytes) override;
  [[nodiscard]] offset position() const override;

private:
  kafka_log_reader(consumer_pool::lease lease, std::string topic, partition_id p, offset from,
                   std::chrono::milliseconds timeout);

  /// Moves what the queue holds into pending_, waiting up to wait_ms for the
  /// first event when the queue is empty.
  void fetch(int wait_ms);
  void absorb(rd_kafka_message_t* m);
  [[nodiscard]] bool caught_up() const { return pending_.empty() && eof_ >= next_; }
  [[nodiscard]] bool at_high_watermark() const;
  std::size_t hand_out(std::vector<record_view>& out, std::size_t max_bytes);
  void release_held();

  consumer_pool::lease lease_;
  queue_ptr queue_;
  const std::string topic_;
  const partition_id p_;
  const std::chrono::milliseconds timeout_;
  bool started_ = false;

  std::int64_t next_;    // offset after the last record handed out
  std::int64_t eof_ = -1; // the latest end of partition the fetcher reported
  bool answered_ = false; // a record or EOF of this reader's fetches arrived
  std::deque<rd_kafka_message_t*> pending_;
  std::vector<rd_kafka_message_t*> held_;
  std::vector<std::uint64_t> arena_; // aligned copies of the values handed out
  std::optional<error> failed_;      // sticky: nothing after it is returned
};

} // namespace storemesh::events::kafka_detail
