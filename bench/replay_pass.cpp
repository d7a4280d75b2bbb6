#include "bench/replay_pass.hpp"

#include "bench/bench_data.hpp"
#include "bench/bench_util.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/record_hashes.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace storemesh::bench {
namespace {

using events::crypto::digest;
using events::envelope::as_string_view;
using events::envelope::decoded_envelope;
using schema::Envelope;

/// Where one entity's chain stands.
struct chain {
  std::uint64_t sequence = 0;
  digest last = events::crypto::zero_digest;
};

[[noreturn]] void broken(const events::record_view& r, const std::string& why) {
  fail("verification failed at offset " + std::to_string(r.off.value) + ": " + why);
}

class verifier {
public:
  verifier(replay_level level, const events::crypto::public_key& sealer) : level_(level), sealer_(sealer) {
    chains_.reserve(1 << 15);
    pending_.reserve(1024);
  }

  /// One poll's records. As verified_replay does: each decoded into a slot
  /// reused for every record, the events' hashes computed together first.
  void check(const std::vector<events::record_view>& batch, replay_result& out) {
    if (level_ >= replay_level::chains) {
      values_.clear();
      for (const auto& r : batch)
        if (r.key != sealer_id) values_.push_back(r.value);
      hashes_.resize(values_.size());
      events::crypto::record_hashes(values_.data(), values_.size(), hashes_.data());
      next_hash_ = 0;
    }
    for (const auto& r : batch) check(r, out);
  }

  void check(const events::record_view& r, replay_result& out) {
    out.bytes += r.value.size();
    if (level_ == replay_level::read) {  // told apart by key alone: nothing is decoded
      ++(r.key == sealer_id ? out.seals : out.events);
      return;
    }
    if (auto decoded = decoded_envelope::decode_into(r.value, slot_); !decoded) broken(r, decoded.error().message());
    const decoded_envelope& d = slot_;
    if (d.payload_which() == Envelope::Payload::SEAL) {
      ++out.seals;
      if (level_ == replay_level::full) check_seal(r, d);
      pending_.clear();
      return;
    }
    ++out.events;
    if (level_ >= replay_level::chains) check_link(r, d);
  }

  void finish() const {
    if (level_ == replay_level::full && !pending_.empty())
      fail(std::to_string(pending_.size()) + " events after the last seal");
  }

private:
  void check_link(const events::record_view& r, const decoded_envelope& d) {
    const auto env = d.reader();
    if (r.key != d.entity_id()) broken(r, "record key is not the entity id");
    if (env.getIntegrity().which() != Envelope::Integrity::EVENT) broken(r, "event without a link");
    const auto prev = env.getIntegrity().getEvent().getPrevHash();
    key_.assign(d.entity_kind());
    key_ += '/';
    key_ += d.entity_id();
    chain& c = chains_[key_];
    if (env.getSequence() != c.sequence + 1) broken(r, "sequence gap for " + key_);
    if (prev.size() != c.last.size() || std::memcmp(prev.begin(), c.last.data(), c.last.size()) != 0)
      broken(r, "prevHash does not match the previous event of " + key_);
    c.sequence += 1;
    c.last = hashes_[next_hash_++];
    pending_.push_back(c.last);
  }

  void check_seal(const events::record_view& r, const decoded_envelope& d) {
    const auto seal = d.reader().getPayload().getSeal();
    if (seal.getCount() != pending_.size())
      broken(r, "seal covers " + std::to_string(seal.getCount()) + " records, batch has " +
                    std::to_string(pending_.size()));
    auto key = events::crypto::public_key::from_bytes(as_string_view(seal.getPublicKey()));
    if (!key || key.value() != sealer_) broken(r, "seal by an unknown key");
    if (!events::crypto::verify_seal(events_topic, 0, pending_, sealer_, as_string_view(seal.getSignature())))
      broken(r, "bad seal signature");
  }

  replay_level level_;
  events::crypto::public_key sealer_;
  std::unordered_map<std::string, chain> chains_;
  std::string key_;              // reused: no allocation per lookup
  std::vector<digest> pending_;  // hashes of the events since the last seal
  decoded_envelope slot_;
  std::vector<std::string_view> values_;  // this poll's events, in order
  std::vector<digest> hashes_;            // their record_hash
  std::size_t next_hash_ = 0;
};

} // namespace

replay_result replay_pass(const std::filesystem::path& root, replay_level level,
                          const events::crypto::public_key& sealer) {
  replay_result out;
  verifier v(level, sealer);
  std::vector<events::record_view> batch;
  batch.reserve(1 << 14);

  const auto t0 = clock::now();
  events::file_log_options opts;
  opts.root = root;
  opts.read_only = true;  // as `storemesh audit` opens it
  auto log = must(events::file_log::open(opts), "file_log::open");
  auto reader = must(log->read(events_topic, partition_id{0}, offset{0}), "read");
  out.open_seconds = seconds_since(t0);
  for (;;) {
    batch.clear();
    const std::size_t n = must(reader->poll(batch), "poll");
    if (n == 0) break;
    v.check(batch, out);
  }
  v.finish();
  out.seconds = seconds_since(t0);
  return out;
}

} // namespace storemesh::bench
