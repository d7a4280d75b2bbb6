#pragma once
// Reads the commands topic on its own thread and lets in only what is whole,
// known and signed by a trusted key; everything else goes to the rejected
// topic with its reason, and changes nothing.
//
//   created -> running -> stopped     stop() is idempotent and joins.
//
// Reads only the partitions its group (events::partition_group) assigns it,
// and is that group's listener. An assigned partition is opened on the
// intake's own loop, not in the group's callback (which must stay short: the
// member polls meanwhile): once its committed position is stable (a previous
// owner's transaction has ended), `prepare` catches the daemon's indexes up
// with the partitions' history (another daemon may have written it), then it
// is read from that position. On a revocation it stops reading, lets the
// partition's in-flight commands finish (bounded), commits, and has the
// router stop the partition's entities, so the next owner starts exactly
// where this one stopped.
//
//   assigned -> pending --(position stable, indexes caught up)--> open
//   open | pending --revoked--> (gone)        a fenced write: reload(), below
//
// Every command carries the tenure its partition was read under
// (partition_group.hpp, Fencing); so does every refusal the intake writes.
//
// Positions (per partition, the offset below which every command's outcome is
// durable: completion_tracker) go to the log writer, which commits them with
// its rounds (log_writer::set_positions), so a restart resumes there.

#include "actors/completion_tracker.hpp"
#include "actors/core/command_admission.hpp"
#include "actors/fork_join_pool.hpp"
#include "actors/messages.hpp"
#include "actors/partition_ownership.hpp"
#include "actors/runtime_context.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/crypto/verified_roots.hpp"
#include "events/partition_group.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace storemesh::actors {

class command_intake final : private events::partition_group::listener {
public:
  /// Brings whatever the daemon keeps per partition up to date before the
  /// intake reads the partitions' commands (runs on the intake's thread).
  using prepare_fn = std::function<result<void>(const std::vector<partition_id>&)>;

  /// `threads`: how many check commands (decode, proof, signature) at once,
  /// this one counted; 0 is one per core.
  command_intake(runtime_context& ctx, events::crypto::trusted_keys trusted, events::partition_group& group,
                 partition_ownership& ownership, prepare_fn prepare, caf::actor router, unsigned threads = 0);
  /// Stops, then hands the final positions to the writer.
  ~command_intake() override;

  void start();
  void stop();
  /// Commands read so far (all partitions), for the daemon's status line.
  [[nodiscard]] std::uint64_t read_count() const { return read_.load(); }
  /// True once every command that was in the log when the intake started has
  /// been decided: until then the log may still move under a reader of it
  /// (the copy agent waits for this before it acts on job state).
  [[nodiscard]] bool caught_up() const { return caught_up_.load(); }

private:
  struct cursor {
    partition_id p;
    std::unique_ptr<events::log_reader> reader;
    offset end_at_start;     ///< caught up once everything below it is decided
    ownership_epoch tenure;  ///< what its commands are read under
  };

  void assigned(const std::vector<partition_id>& partitions) override;
  void revoked(const std::vector<partition_id>& partitions, bool lost) override;
  /// Opens the pending partitions whose positions are stable (see above).
  void open_pending();
  /// Per owned partition, the offset below which every command is done.
  [[nodiscard]] events::partition_group::positions positions() const;
  void publish_positions();
  /// After a fenced write: every owned partition again, under a new tenure,
  /// from the group's committed positions.
  void reload();
  /// Handles a fenced write (ctx.fenced): waits for the group to say where
  /// this member stands now, then reloads (see run()).
  void on_fenced();
  void fail(const std::string& what);

  /// What the checks made of one record (actors/core/command_admission.hpp).
  using verdict = admission;

  void run();
  void await_publications(const std::vector<verdict>& verdicts, std::size_t n) const;
  /// Thread-safe: the checks of one batch run on all the pool's threads.
  [[nodiscard]] verdict check(const std::string& topic, partition_id p, const events::record_view& r) const;
  void dispatch(const cursor& c, const events::record_view& r, verdict v);
  void reject(const cursor& c, const events::record_view& r, std::string_view kind, std::string_view id,
              const std::array<std::uint8_t, 16>& cmd_id, std::string_view code, const std::string& reason);

  runtime_context& ctx_;
  events::crypto::trusted_keys trusted_;
  events::partition_group& group_;
  partition_ownership& ownership_;
  prepare_fn prepare_;
  caf::actor router_;
  std::string topic_;
  /// Topics whose partition p only the owner of commands partition p writes.
  std::vector<std::string> owned_topics_;
  std::vector<cursor> cursors_;  // the intake thread's (the listener runs there too)
  std::vector<partition_id> pending_;  // assigned, not open yet
  std::chrono::steady_clock::time_point retry_pending_at_{};
  std::chrono::milliseconds pending_backoff_{0};
  bool assigned_once_ = false;
  // A fenced write and what the group had said by then (the intake thread's):
  // rebalances_ counts the listener's calls.
  std::uint64_t rebalances_ = 0;
  std::optional<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> fenced_since_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> read_{0};
  std::atomic<bool> caught_up_{false};
  // Checking a command (decode, then a signature or a proof) is most of its
  // cost on this thread: the checks of each batch read run on every core, so
  // the intake is not capped at one core's verify rate. Batch-signed commands
  // share their root's verification through verified_roots_.
  fork_join_pool checkers_;
  mutable events::crypto::verified_roots verified_roots_;
  command_batch to_route_;  ///< the accepted commands of one poll, for the router in one message
  std::thread thread_;
};

} // namespace storemesh::actors
