#pragma once
// Internal to verified_replay: decodes and hashes one poll()'s records on the
// calling thread and `workers` more. The records are cut into chunks; the
// workers and the calling thread all claim chunks until none is left, and the
// caller consumes them in order as they complete (next() returns a record only
// once its chunk is done), so the ordered checks of chunk k overlap with the
// decoding of the chunks after it. A chunk's records are decoded one by one,
// then hashed together (crypto::record_hashes: eight at a time in SIMD lanes).

#include "events/crypto/hashing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/event_log.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::events::replay {

/// One record, decoded and hashed.
struct decoded_record {
  envelope::decoded_envelope envelope;  // empty when decoding failed
  bool decoded = false;
  std::string error;                    // why not, when !decoded
  crypto::digest hash{};                // record_hash of the value (not computed for seals)
  std::uint64_t entity_hash = 0;        // hash of (entityKind, entityId), when decoded
  // What the ordered chain check reads, extracted here (decoded non-seals only):
  bool event = false;                   // integrity is an event link
  bool key_is_entity = false;           // the record key is the entity id
  std::uint64_t sequence = 0;
  bool prev_hash_sized = false;         // prevHash is 32 bytes (then in prev_hash)
  crypto::digest prev_hash{};
};

/// A 64-bit hash of an entity's (kind, id), as decode_stage computes it.
[[nodiscard]] std::uint64_t entity_hash(std::string_view kind, std::string_view id);

/// Not thread-safe itself: one caller thread drives it (start, then next()
/// until it returns nullptr, then start again). The workers are joined on
/// destruction.
class decode_stage {
public:
  /// `workers` threads besides the caller (0: everything on the caller).
  explicit decode_stage(unsigned workers);
  ~decode_stage();
  decode_stage(const decode_stage&) = delete;
  decode_stage& operator=(const decode_stage&) = delete;

  /// Starts on a batch; `records` must stay valid (and unchanged) until next()
  /// has returned nullptr.
  void start(const std::vector<record_view>& records);

  /// The next record in order, decoded and hashed (helping with the work
  /// while waiting), or nullptr once the batch is done; the pointer is valid
  /// until the next start().
  [[nodiscard]] decoded_record* next();

  /// Runs `job` on whichever thread is idle first: a worker takes side jobs
  /// when it has no chunk to decode (e.g. while the caller polls the next
  /// batch). Without workers it runs here and now. Jobs must not touch the
  /// batch (it changes under them).
  void defer(std::function<void()> job);

  /// Runs the side jobs nobody has taken, then waits for those running.
  void drain();

private:
  static constexpr std::size_t chunk = 64;

  void work();                       // a worker thread
  bool help();                       // claims and processes one chunk; false when none is left
  void process(std::size_t c);
  bool side_job();                   // runs one side job; false when none is queued

  const std::vector<record_view>* records_ = nullptr;
  std::vector<std::unique_ptr<decoded_record>> slots_;  // reused; pointers stable across growth
  std::unique_ptr<std::atomic<std::uint8_t>[]> done_;   // per chunk
  std::size_t done_capacity_ = 0;
  std::size_t chunks_ = 0;
  std::atomic<std::size_t> next_chunk_{0};
  std::size_t cursor_ = 0;  // next record next() returns

  // Hand-off to the workers: a new batch is generation_ + 1. A worker joins a
  // batch under mutex_ (busy_ + 1) and leaves it (busy_ - 1) once no chunk is
  // left; start() changes the batch state only under mutex_ with busy_ == 0,
  // so no worker is inside the old batch while it is replaced.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
  std::atomic<int> busy_{0};
  std::deque<std::function<void()>> jobs_;  // under mutex_
  std::atomic<int> running_jobs_{0};
  std::vector<std::thread> workers_;
};

} // namespace storemesh::events::replay
