#include "events/replay/verified_replay.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/log_errc.hpp"
#include "events/replay/decode_stage.hpp"

#include "schemas/envelope.capnp.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <deque>
#include <vector>

namespace storemesh::events::replay {
namespace {

using envelope::as_string_view;
using schema::Envelope;

/// Where one entity's chain stands.
struct chain {
  std::uint64_t sequence = 0;
  crypto::digest last = crypto::zero_digest;
};

/// Entity chains, entities interned: a lookup hashes nothing (the decode
/// stage did) and allocates nothing; a new entity copies its name once. Open
/// addressing over a flat array of (hash, entry): a lookup is one probe into
/// it and one comparison of the names, where a node-based map chased a
/// bucket list first (its lookups were ~5 % of a verified event's profile,
/// over 10k entities). Keeping the names inside the entries, or prefetching
/// entries records ahead, measured slower: the table is not the bottleneck.
class chain_book {
public:
  chain_book() : slots_(std::size_t{1} << 15, slot{0, empty}) { entries_.reserve(1 << 14); }

  /// The chain of (kind, id), created at sequence 0; valid until the next find().
  chain& find(std::uint64_t hash, std::string_view kind, std::string_view id) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      slot& s = slots_[i];
      if (s.entry == empty) {
        s = slot{hash, static_cast<std::uint32_t>(entries_.size())};
        const std::string_view name = names_.emplace_back(std::string(kind) + std::string(id));  // deque: never moves
        return entries_.emplace_back(entry{{}, name.substr(0, kind.size()), name.substr(kind.size())}).state;
      }
      if (s.hash == hash) {
        entry& e = entries_[s.entry];
        if (e.id == id && e.kind == kind) return e.state;
      }
    }
  }

private:
  static constexpr std::uint32_t empty = ~std::uint32_t{0};
  struct slot {
    std::uint64_t hash;
    std::uint32_t entry;  // index into entries_, or empty
  };
  struct entry {
    chain state;
    std::string_view kind;
    std::string_view id;
  };

  void grow() {
    std::vector<slot> bigger(slots_.size() * 2, slot{0, empty});
    const std::size_t mask = bigger.size() - 1;
    for (const slot& s : slots_) {
      if (s.entry == empty) continue;
      std::size_t i = s.hash & mask;
      while (bigger[i].entry != empty) i = (i + 1) & mask;
      bigger[i] = s;
    }
    slots_.swap(bigger);
  }

  std::vector<slot> slots_;  // a power of two, at most half full
  std::vector<entry> entries_;
  std::deque<std::string> names_;  // the entries' views point here
};

/// One seal signature to verify, on whichever thread is free.
struct seal_check {
  std::string_view topic;
  partition_id partition;
  crypto::public_key key;
  std::string signature;
  std::vector<crypto::digest> hashes;
  offset at;     // the seal
  offset first;  // the first record it covers
  bool ok = false;
  std::atomic<bool> done{false};

  void run() {
    ok = crypto::verify_seal(topic, partition.value, hashes, key, signature);
    hashes = {};  // no longer needed: keep only the verdict
    done.store(true, std::memory_order_release);
  }
};

class verifier {
public:
  verifier(std::string_view topic, partition_id p, const crypto::trusted_keys& keys, const event_callback& on_event,
           const replay_options& options, decode_stage& stage, replay_report& report)
      : topic_(topic), partition_(p), keys_(keys), on_event_(on_event), until_(options.until),
        chained_(options.chained), stage_(stage), report_(report) {
    pending_.reserve(4096);
  }

  /// Whether the record at `next` is still to be read: below `until`, or
  /// needed to close the batch `until` cut.
  [[nodiscard]] bool wants(offset next) const { return next < until_ || !pending_.empty(); }

  void check(const record_view& r, const decoded_record& d) {
    if (r.off >= until_) return close_cut_batch(r, d);
    ++report_.records;
    if (!d.decoded) {
      cover(r, d.hash);
      return flag(r, "undecodable record: " + d.error);
    }
    const auto& env = d.envelope;
    if (env.payload_which() == Envelope::Payload::SEAL) return seal(r, env);
    cover(r, d.hash);
    if (chained_) {
      if (!d.event) return flag(r, "a record without an event link in an events topic");
      link(r, d);
    }
    ++report_.events;
    if (on_event_) on_event_(r, env, d.hash);
  }

  /// Reports the seal checks that are done, in order.
  void collect() {
    while (!checks_.empty() && checks_.front()->done.load(std::memory_order_acquire)) {
      const seal_check& c = *checks_.front();
      if (!c.ok) {
        flag(c.at, "seal signature does not match the records " + std::to_string(c.first.value) + ".." +
                       std::to_string(c.at.value - 1));
      }
      checks_.pop_front();
    }
  }

  /// Completes the seal checks; `at_end`: the partition ended cleanly, so
  /// records after the last seal are unsealed (after a corrupt record their
  /// seal may just be unreadable: that is the corruption's one violation).
  void finish(bool at_end) {
    stage_.drain();
    collect();
    if (at_end && !pending_.empty()) {
      flag(first_pending_, std::to_string(pending_.size()) + " records from offset " +
                               std::to_string(first_pending_.value) + " are not sealed");
    }
    // Seal checks finish out of order with the rest: report in log order.
    std::stable_sort(report_.violations.begin(), report_.violations.end(),
                     [](const violation& a, const violation& b) { return a.at < b.at; });
  }

  void flag(offset at, std::string what) {
    report_.violations.push_back(violation{std::string(topic_), partition_, at, std::move(what)});
  }

private:
  void flag(const record_view& r, std::string what) { flag(r.off, std::move(what)); }

  /// Past `until`, inside the batch it cut: hashes for the seal, then the
  /// seal's check (counted with the seals).
  void close_cut_batch(const record_view& r, const decoded_record& d) {
    if (d.decoded && d.envelope.payload_which() == Envelope::Payload::SEAL) return seal(r, d.envelope);
    cover(r, d.hash);
  }

  void cover(const record_view& r, const crypto::digest& hash) {
    if (pending_.empty()) first_pending_ = r.off;
    pending_.push_back(hash);
  }

  static std::string name(const envelope::decoded_envelope& env) {
    return std::string(env.entity_kind()) + "/" + std::string(env.entity_id());
  }

  void link(const record_view& r, const decoded_record& d) {
    const auto& env = d.envelope;
    if (!d.key_is_entity) flag(r, "record key is not the entity id of " + name(env));
    chain& c = chains_.find(d.entity_hash, env.entity_kind(), env.entity_id());
    const std::uint64_t sequence = d.sequence;
    if (sequence != c.sequence + 1) {
      flag(r, "sequence " + std::to_string(sequence) + " of " + name(env) + " follows " +
                  std::to_string(c.sequence));
    }
    if (!d.prev_hash_sized || d.prev_hash != c.last) {
      flag(r, "prevHash of " + name(env) + " seq " + std::to_string(sequence) +
                  " is not the hash of its previous event");
    }
    // Resynchronise on this event: one break is one violation, not a cascade.
    c.sequence = sequence;
    c.last = d.hash;
  }

  void seal(const record_view& r, const envelope::decoded_envelope& env) {
    ++report_.seals;
    const auto seal = env.reader().getPayload().getSeal();
    auto key = crypto::public_key::from_bytes(as_string_view(seal.getPublicKey()));
    if (env.entity_kind() != "seal") {
      flag(r, "a seal with entityKind \"" + std::string(env.entity_kind()) + "\"");
    } else if (!key || !keys_.contains(key.value())) {
      flag(r, "seal by an untrusted key");
    } else if (seal.getCount() != pending_.size()) {
      flag(r, "seal covers " + std::to_string(seal.getCount()) + " records but " + std::to_string(pending_.size()) +
                  " precede it unsealed");
    } else {
      // ~60 us of Ed25519: the worker takes it while this thread polls.
      auto check = std::make_shared<seal_check>();
      check->topic = topic_;
      check->partition = partition_;
      check->key = key.value();
      check->signature = std::string(as_string_view(seal.getSignature()));
      check->hashes.swap(pending_);
      pending_.reserve(check->hashes.size());
      check->at = r.off;
      check->first = first_pending_;
      checks_.push_back(check);
      stage_.defer([check] { check->run(); });
    }
    pending_.clear();
  }

  std::string_view topic_;
  partition_id partition_;
  const crypto::trusted_keys& keys_;
  const event_callback& on_event_;
  const offset until_;
  const bool chained_;
  decode_stage& stage_;
  replay_report& report_;
  std::deque<std::shared_ptr<seal_check>> checks_;  // in log order
  chain_book chains_;
  std::vector<crypto::digest> pending_;  // hashes of the records since the last seal
  offset first_pending_;
};

} // namespace

result<replay_report> verified_replay(event_log& log, std::string_view topic, partition_id p,
                                      const crypto::trusted_keys& daemon_keys, const event_callback& on_event,
                                      const replay_options& options) {
  replay_report report;
  SM_TRY(auto reader, log.read(topic, p, offset{0}));
  std::vector<record_view> batch;
  batch.reserve(1 << 13);
  decode_stage stage(std::max(options.threads, 1u) - 1);  // after `batch` and `reader`: its workers stop first
  verifier v(topic, p, daemon_keys, on_event, options, stage, report);
  report.end = reader->position();
  while (v.wants(report.end)) {
    batch.clear();
    auto polled = reader->poll(batch, options.poll_bytes);
    if (!polled) {
      if (polled.error().code != make_error_code(log_errc::corrupt_record)) return std::move(polled).error();
      // Nothing after a corrupt record is served: the partition ends here.
      v.flag(reader->position(), "corrupt record: " + polled.error().message());
      v.finish(false);  // what was read before it is verified all the same
      report.end = reader->position();
      return report;
    }
    if (polled.value() == 0) break;
    stage.start(batch);
    for (const record_view& r : batch) {
      if (!v.wants(r.off)) break;  // past `until` with no batch left to close
      v.check(r, *stage.next());
      report.end = offset{r.off.value + 1};
    }
    v.collect();
  }
  v.finish(true);
  return report;
}

} // namespace storemesh::events::replay
