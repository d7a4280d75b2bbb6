#pragma once
// Test support (header-only, for *.test.cpp): an in-memory event_log of one
// partition per topic, with 8-byte-aligned values (as the FileLog serves them)
// and an optional corrupt record; a writer of hash-linked, sealed events; and
// a decorator of any log that runs a step between two reads of its reader.

#include "events/crypto/batch_seal.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/event_log.hpp"
#include "events/forwarding_log.hpp"
#include "events/log_errc.hpp"

#include "schemas/envelope.capnp.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::events::replay::testing {

class memory_log final : public event_log {
public:
  struct stored {
    std::string key;
    std::vector<capnp::word> words;  // aligned
    std::size_t size = 0;
    [[nodiscard]] std::string_view value() const { return {reinterpret_cast<const char*>(words.data()), size}; }
  };

  std::vector<stored> records;
  std::optional<std::int64_t> corrupt_at;  // poll() fails on reaching this offset

  result<void> create_topic(std::string_view, std::int32_t) override { return success(); }
  result<std::int32_t> partitions(std::string_view) override { return 1; }
  result<offset> append(std::string_view, partition_id, const std::vector<record>& batch) override {
    const offset first{static_cast<std::int64_t>(records.size())};
    for (const auto& r : batch) add(r.key, r.value);
    return first;
  }
  result<offset> end_offset(std::string_view, partition_id) override {
    return offset{static_cast<std::int64_t>(records.size())};
  }
  result<std::unique_ptr<log_reader>> read(std::string_view, partition_id, offset from) override {
    return std::unique_ptr<log_reader>(std::make_unique<reader>(*this, from.value));
  }
  result<offset> wait_beyond(std::string_view t, partition_id p, offset, std::chrono::milliseconds) override {
    return end_offset(t, p);
  }

  void add(const std::string& key, const std::string& value) {
    stored s{key, std::vector<capnp::word>((value.size() + 7) / 8), value.size()};
    std::memcpy(s.words.data(), value.data(), value.size());
    records.push_back(std::move(s));
  }

private:
  class reader final : public log_reader {
  public:
    reader(memory_log& log, std::int64_t from) : log_(log), at_(from) {}
    result<std::size_t> poll(std::vector<record_view>& out, std::size_t max_bytes) override {
      std::size_t n = 0, bytes = 0;
      while (at_ < static_cast<std::int64_t>(log_.records.size()) && (n == 0 || bytes < max_bytes)) {
        if (log_.corrupt_at && *log_.corrupt_at == at_) {
          if (n != 0) break;
          return make_error(log_errc::corrupt_record, "test corruption");
        }
        const auto& s = log_.records[static_cast<std::size_t>(at_)];
        out.push_back(record_view{offset{at_}, 0, s.key, s.value()});
        bytes += s.size;
        ++at_;
        ++n;
      }
      return n;
    }
    offset position() const override { return offset{at_}; }

  private:
    memory_log& log_;
    std::int64_t at_;
  };
};

/// Writes host events hash-linked per entity, sealed per batch, as log_writer does.
class event_writer {
public:
  event_writer(memory_log& log, const crypto::key_pair& sealer, std::string topic = "t")
      : log_(log), sealer_(sealer), topic_(std::move(topic)) {}

  /// The next event of `entity`, with its sequence and prevHash (overridable).
  std::string event(const std::string& entity, std::optional<std::uint64_t> sequence = {},
                    std::optional<crypto::digest> prev = {}) {
    auto& c = chains_[entity];
    capnp::MallocMessageBuilder message;
    auto env = message.initRoot<schema::Envelope>();
    env.setId(envelope::as_data(envelope::new_message_id()));
    env.setEntityKind("host");
    env.setEntityId(entity);
    env.setSequence(sequence.value_or(c.first + 1));
    env.setTimestampNs(1);
    env.setProducer("daemon@test");
    env.getIntegrity().initEvent().setPrevHash(envelope::as_data(prev.value_or(c.second)));
    env.getPayload().initHostEvent().initStateChanged().setReason("test");
    std::string bytes = envelope::to_bytes(message);
    c.first = env.getSequence();
    c.second = crypto::record_hash(bytes);
    return bytes;
  }

  /// Appends `values` (keyed by entity) then a seal over them.
  void batch(const std::vector<std::pair<std::string, std::string>>& values,
             std::optional<std::uint32_t> count = {}, const crypto::key_pair* signer = nullptr) {
    std::vector<crypto::digest> hashes;
    for (const auto& [key, value] : values) {
      log_.add(key, value);
      hashes.push_back(crypto::record_hash(value));
    }
    log_.add("daemon", seal(hashes, count, signer ? *signer : sealer_));
  }

  std::string seal(const std::vector<crypto::digest>& hashes, std::optional<std::uint32_t> count,
                   const crypto::key_pair& signer) const {
    capnp::MallocMessageBuilder message;
    auto env = message.initRoot<schema::Envelope>();
    env.setId(envelope::as_data(envelope::new_message_id()));
    env.setEntityKind("seal");
    env.setEntityId("daemon");
    env.setProducer("daemon@test");
    env.getIntegrity().setNone();
    auto s = env.getPayload().initSeal();
    s.setPublicKey(envelope::as_data(signer.public_key().bytes));
    s.setCount(count.value_or(static_cast<std::uint32_t>(hashes.size())));
    s.setSignature(envelope::as_data(crypto::seal_signature(topic_, 0, hashes, signer)));
    return envelope::to_bytes(message);
  }

private:
  memory_log& log_;
  const crypto::key_pair& sealer_;
  std::string topic_;
  std::map<std::string, std::pair<std::uint64_t, crypto::digest>> chains_;
};

/// Forwards everything to `inner`, and runs `step` once, just before the
/// first read() of a topic `when` picks: a test's way to append what a live
/// writer would between two of a reader's steps, exactly there, with no race.
class hooked_log final : public forwarding_log {
public:
  hooked_log(event_log& inner, std::function<bool(std::string_view topic)> when, std::function<void()> step)
      : forwarding_log(inner), when_(std::move(when)), step_(std::move(step)) {}

  /// Whether the step has run.
  [[nodiscard]] bool stepped() const { return stepped_; }

  result<std::unique_ptr<log_reader>> read(std::string_view t, partition_id p, offset from) override {
    if (!stepped_ && when_(t)) {
      stepped_ = true;
      step_();
    }
    return forwarding_log::read(t, p, from);
  }

private:
  std::function<bool(std::string_view)> when_;
  std::function<void()> step_;
  bool stepped_ = false;
};

} // namespace storemesh::events::replay::testing
