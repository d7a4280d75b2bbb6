#include "ops/audit.hpp"

#include "actors/entity_kinds.hpp"
#include "events/crypto/batch_seal.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <fmt/core.h>

#include <limits>
#include <map>
#include <unordered_map>

namespace storemesh::ops {
namespace {

using events::envelope::as_string_view;
using events::envelope::decoded_envelope;

struct auditor {
  events::event_log& log;
  const audit_options& o;
  audit_report report;
  std::unordered_map<std::string, bool> command_ok;  // command id -> trusted and valid signature
  // Where each events partition ended before the commands were read. An
  // event beyond it may answer a command appended after the commands topic
  // was read (the audit of a live daemon), so its cause is not looked for;
  // everything else about it is checked.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> events_end;

  void mark_events_end() {
    for (const auto& kind : actors::entity_kinds()) {
      const auto topic = o.names.events(kind.kind);
      auto n = log.partitions(topic);
      for (std::int32_t i = 0; n && i < n.value(); ++i) {
        auto end = log.end_offset(topic, partition_id{i});
        events_end[{topic, i}] = end ? end.value().value : std::numeric_limits<std::int64_t>::max();
      }
    }
  }

  void violation(std::string what) { report.violations.push_back(std::move(what)); }

  // Reads one partition; f(record, envelope) for each record that decodes.
  // `untrusted`: the topic holds outside input (commands), where a record that
  // does not decode was refused at intake and is counted, not a violation.
  template <class F>
  void each_record(const std::string& topic, partition_id p, F&& f, bool untrusted = false) {
    // Read until the reader has nothing more, not just to end_offset(): a
    // read-only log ends its partitions before a damaged batch, and the
    // reader is what reports that damage.
    auto reader = log.read(topic, p, offset{0});
    if (!reader)
      return violation(fmt::format("{}/{}: {}", topic, p.value, reader.error().message()));
    std::vector<events::record_view> batch;
    const auto stop = o.until;
    while (reader.value()->position() < stop) {
      batch.clear();
      auto n = reader.value()->poll(batch);
      if (!n)
        return violation(fmt::format("{}/{} at offset {}: {}", topic, p.value, reader.value()->position().value,
                                     n.error().message()));
      if (n.value() == 0)
        break;
      for (const auto& r : batch) {
        if (r.off >= stop)
          break;
        ++report.records;
        auto env = decoded_envelope::decode(r.value);
        if (!env && untrusted) {
          ++report.commands;
          ++report.commands_malformed;
          continue;
        }
        if (!env) {
          violation(fmt::format("{}/{}@{}: {}", topic, p.value, r.off.value, env.error().message()));
          continue;
        }
        f(r, env.value());
      }
    }
  }

  void commands() {
    const auto topic = o.names.commands();
    auto n = log.partitions(topic);
    if (!n)
      return;
    for (std::int32_t i = 0; i < n.value(); ++i)
      each_record(topic, partition_id{i}, [&](const events::record_view&, const decoded_envelope& env) {
        ++report.commands;
        const bool ok = static_cast<bool>(events::crypto::verify_command(env.reader(), o.command_keys));
        ok ? ++report.commands_signed_ok : ++report.commands_refused_signature;
        // A command id counts as signed when any copy of it verifies: a
        // tampered copy appended later must not discredit the original.
        auto [slot, fresh] = command_ok.try_emplace(std::string(as_string_view(env.reader().getId())), ok);
        if (!fresh)
          slot->second = slot->second || ok;
      }, /*untrusted=*/true);
  }

  // A sealed topic: every record belongs to a batch closed by a valid seal.
  template <class F>
  void sealed_topic(const std::string& topic, F&& on_record) {
    auto n = log.partitions(topic);
    if (!n)
      return;
    for (std::int32_t i = 0; i < n.value(); ++i) {
      const partition_id p{i};
      std::vector<events::crypto::digest> pending;
      std::int64_t first_pending = -1;
      each_record(topic, p, [&](const events::record_view& r, const decoded_envelope& env) {
        const auto payload = env.reader().getPayload();
        if (!payload.isSeal()) {
          if (pending.empty())
            first_pending = r.off.value;
          pending.push_back(events::crypto::record_hash(r.value));
          on_record(p, r, env);
          return;
        }
        ++report.seals;
        const auto seal = payload.getSeal();
        auto key = events::crypto::public_key::from_bytes(as_string_view(seal.getPublicKey()));
        if (!key || !o.daemon_keys.contains(key.value()))
          violation(fmt::format("{}/{}@{}: seal by an untrusted key", topic, i, r.off.value));
        else if (seal.getCount() != pending.size())
          violation(fmt::format("{}/{}@{}: seal covers {} records but {} precede it unsealed", topic, i,
                                r.off.value, seal.getCount(), pending.size()));
        else if (!events::crypto::verify_seal(topic, i, pending, key.value(), as_string_view(seal.getSignature())))
          violation(fmt::format("{}/{}@{}: seal signature does not match the records {}..{}", topic, i,
                                r.off.value, first_pending, r.off.value - 1));
        pending.clear();
      });
      if (!pending.empty())
        violation(fmt::format("{}/{}: {} records from offset {} are not sealed", topic, i, pending.size(),
                              first_pending));
    }
  }

  void entity_events() {
    for (const auto& kind : actors::entity_kinds()) {
      auto projection = kind.make_projection();
      const auto topic = o.names.events(kind.kind);
      sealed_topic(topic, [&](partition_id p, const events::record_view& r, const decoded_envelope& env) {
        ++report.events;
        if (env.entity_kind() != kind.kind)
          return violation(fmt::format("{}@{}: a {} record in the {} topic", topic, r.off.value,
                                       env.entity_kind(), kind.kind));
        const auto cause = std::string(as_string_view(env.reader().getCausationId()));
        auto c = command_ok.find(cause);
        if (c == command_ok.end() && r.off.value < events_end[{topic, p.value}])
          violation(fmt::format("{}@{} ({}/{} seq {}): caused by a command that is not in the log", topic,
                                r.off.value, kind.kind, env.entity_id(), env.reader().getSequence()));
        else if (!c->second)
          violation(fmt::format("{}@{} ({}/{} seq {}): caused by a command without a valid trusted signature",
                                topic, r.off.value, kind.kind, env.entity_id(), env.reader().getSequence()));
        if (auto folded = projection->fold(std::string(env.entity_id()), env.reader(), r.value, r.off.value); !folded)
          violation(fmt::format("{}@{} ({}/{}): {}", topic, r.off.value, kind.kind, env.entity_id(),
                                folded.error().message()));
      });
      report.entities[kind.kind] = projection->entities();
    }
  }

  void rejected() {
    sealed_topic(o.names.rejected(), [&](partition_id, const events::record_view&, const decoded_envelope& env) {
      if (env.reader().getPayload().isRejection())
        ++report.rejections;
    });
  }

  void snapshots() {
    const auto topic = o.names.snapshots();
    auto n = log.partitions(topic);
    if (!n)
      return;
    for (std::int32_t i = 0; i < n.value(); ++i)
      each_record(topic, partition_id{i}, [&](const events::record_view&, const decoded_envelope&) {
        ++report.snapshots;
      });
  }
};

} // namespace

audit_report run_audit(events::event_log& log, const audit_options& o) {
  auditor a{log, o, {}, {}, {}};
  a.mark_events_end();
  a.commands();
  a.entity_events();
  a.rejected();
  a.snapshots();
  return std::move(a.report);
}

} // namespace storemesh::ops
