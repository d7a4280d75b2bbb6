#include "ops/audit.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/runtime_errc.hpp"
#include "ops/audit_clusters.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/replay/verified_replay.hpp"

#include <fmt/core.h>

#include <limits>
#include <unordered_map>

namespace storemesh::ops {
namespace {

using events::envelope::as_string_view;
using events::envelope::decoded_envelope;

constexpr offset log_end{std::numeric_limits<std::int64_t>::max()};

/// An event whose cause the commands read so far do not vouch for (absent, or
/// present without a valid trusted signature): judged once they are all read.
struct open_cause {
  std::string command_id;
  std::string event;  // "<topic>/<p>@<offset> (<kind>/<id> seq <n>)"
};

/// Where reading a partition stopped; damaged: it cannot go on (the damage
/// is reported once, where it was met).
struct read_position {
  offset next{0};
  bool damaged = false;
};

struct auditor {
  events::event_log& log;
  const audit_options& o;
  audit_report report;
  std::unordered_map<std::string, bool> command_ok;  // command id -> trusted and valid signature
  // A batch's records each carry its root: checked once, then only proofs.
  events::crypto::verified_roots roots;
  std::vector<read_position> commands_read;          // per commands partition
  std::vector<open_cause> open_causes;
  cluster_checks clusters;                           // the quorum's invariants (ops/audit_clusters.hpp)

  void violation(std::string what) { report.violations.push_back(std::move(what)); }

  // Reads one partition from `at` until `stop` or its end as of now, and
  // leaves `at` where it stopped. f(record, envelope) for each record below
  // o.until that decodes; those past it are read only to look causes up:
  // lookup(envelope), nothing counted. `untrusted`: the topic holds outside
  // input (commands), where a record that does not decode was refused at
  // intake and is counted, not a violation.
  template <class F, class L>
  void each_record(const std::string& topic, partition_id p, read_position& at, offset stop, F&& f, L&& lookup,
                   bool untrusted) {
    if (at.damaged)
      return;
    // Read until the reader has nothing more, not just to end_offset(): a
    // read-only log ends its partitions before a damaged batch, and the
    // reader is what reports that damage.
    auto reader = log.read(topic, p, at.next);
    if (!reader) {
      at.damaged = true;
      return violation(fmt::format("{}/{}: {}", topic, p.value, reader.error().message()));
    }
    std::vector<events::record_view> batch;
    while (at.next < stop) {
      batch.clear();
      auto n = reader.value()->poll(batch);
      if (!n) {
        at.damaged = true;
        return violation(fmt::format("{}/{} at offset {}: {}", topic, p.value, reader.value()->position().value,
                                     n.error().message()));
      }
      if (n.value() == 0)
        break;
      for (const auto& r : batch) {
        if (r.off >= stop)
          break;
        at.next = offset{r.off.value + 1};
        const bool counted = r.off < o.until;
        report.records += counted ? 1 : 0;
        auto env = decoded_envelope::decode(r.value);
        if (!env && untrusted) {
          report.commands += counted ? 1 : 0;
          report.commands_malformed += counted ? 1 : 0;
          continue;
        }
        if (!env) {
          violation(fmt::format("{}/{}@{}: {}", topic, p.value, r.off.value, env.error().message()));
          continue;
        }
        if (counted)
          f(r, env.value());
        else
          lookup(env.value());
      }
    }
  }

  /// Notes whether a command is validly signed by a trusted key.
  bool remember_command(const decoded_envelope& env) {
    const bool ok = static_cast<bool>(events::crypto::verify_command(env.reader(), o.command_keys, &roots));
    // A command id counts as signed when any copy of it verifies: a
    // tampered copy appended later must not discredit the original.
    auto [slot, fresh] = command_ok.try_emplace(std::string(as_string_view(env.reader().getId())), ok);
    if (!fresh)
      slot->second = slot->second || ok;
    return ok;
  }

  // Reads the commands topic on from where it last stopped, to `stop` or
  // its end as of now.
  void commands(offset stop) {
    const auto topic = o.names.commands();
    auto n = log.partitions(topic);
    if (!n)
      return;
    commands_read.resize(static_cast<std::size_t>(n.value()));
    for (std::int32_t i = 0; i < n.value(); ++i)
      each_record(
          topic, partition_id{i}, commands_read[static_cast<std::size_t>(i)], stop,
          [&](const events::record_view&, const decoded_envelope& env) {
            ++report.commands;
            remember_command(env) ? ++report.commands_signed_ok : ++report.commands_refused_signature;
          },
          [&](const decoded_envelope& env) { remember_command(env); }, /*untrusted=*/true);
  }

  // One sealed topic through events::replay::verified_replay (decoding, hash
  // chains, seals: one implementation, not a copy of it here);
  // on_record(partition, record, envelope) for each record it passes on.
  template <class F>
  void sealed_topic(const std::string& topic, bool chained, F&& on_record) {
    auto n = log.partitions(topic);
    if (!n)
      return;
    events::replay::replay_options ro;
    ro.until = o.until;
    ro.chained = chained;
    for (std::int32_t i = 0; i < n.value(); ++i) {
      const partition_id p{i};
      auto replayed = events::replay::verified_replay(
          log, topic, p, o.daemon_keys,
          [&](const events::record_view& r, const decoded_envelope& env, const events::crypto::digest&) {
            on_record(p, r, env);
          },
          ro);
      if (!replayed) {
        violation(fmt::format("{}/{}: {}", topic, i, replayed.error().message()));
        continue;
      }
      const auto& r = replayed.value();
      report.records += r.records;
      report.seals += r.seals;
      for (const auto& v : r.violations)
        violation(fmt::format("{}/{}@{}: {}", v.topic, v.partition.value, v.at.value, v.what));
    }
  }

  void entity_events() {
    for (const auto& kind : actors::entity_kinds()) {
      auto projection = kind.make_projection();
      const auto topic = o.names.events(kind.kind);
      sealed_topic(topic, true, [&](partition_id p, const events::record_view& r, const decoded_envelope& env) {
        ++report.events;
        if (env.entity_kind() != kind.kind)
          return violation(fmt::format("{}/{}@{}: a {} record in the {} topic", topic, p.value, r.off.value,
                                       env.entity_kind(), kind.kind));
        const auto cause = std::string(as_string_view(env.reader().getCausationId()));
        if (auto c = command_ok.find(cause); c == command_ok.end() || !c->second)
          open_causes.push_back(open_cause{cause, fmt::format("{}/{}@{} ({}/{} seq {})", topic, p.value,
                                                              r.off.value, kind.kind, env.entity_id(),
                                                              env.reader().getSequence())});
        // The fold rebuilds the state. Its sequence and link checks are
        // verified_replay's, which has reported every break (once, then
        // resynchronised, where the fold refuses each later event of that
        // entity): only its other complaints are news.
        auto folded = projection->fold(std::string(env.entity_id()), env.reader(), r.value, r.off.value);
        if (!folded && folded.error().code != make_error_code(actors::runtime_errc::sequence_gap) &&
            folded.error().code != make_error_code(actors::runtime_errc::broken_chain))
          violation(fmt::format("{}/{}@{} ({}/{}): {}", topic, p.value, r.off.value, kind.kind, env.entity_id(),
                                folded.error().message()));
        if (folded)
          clusters.observe(env);
      });
      report.entities[kind.kind] = projection->entities();
    }
    clusters.finish(report.violations);
  }

  // Beside a live daemon an event may answer a command appended after the
  // commands topic was read. Every event read so far was appended after its
  // command (a daemon decides only what is in the log), so reading the
  // commands topic on from where it stopped finds every cause there is; one
  // still missing then is missing. Past --until too: the states stop there,
  // but their causes may lie beyond it in their own partitions.
  void settle_causes() {
    if (open_causes.empty())
      return;
    commands(log_end);
    for (const auto& e : open_causes) {
      const auto c = command_ok.find(e.command_id);
      if (c == command_ok.end())
        violation(e.event + ": caused by a command that is not in the log");
      else if (!c->second)
        violation(e.event + ": caused by a command without a valid trusted signature");
    }
  }

  void rejected() {
    sealed_topic(o.names.rejected(), false, [&](partition_id, const events::record_view&, const decoded_envelope& env) {
      if (env.reader().getPayload().isRejection())
        ++report.rejections;
    });
  }

  void snapshots() {
    const auto topic = o.names.snapshots();
    auto n = log.partitions(topic);
    if (!n)
      return;
    for (std::int32_t i = 0; i < n.value(); ++i) {
      read_position from;
      each_record(
          topic, partition_id{i}, from, o.until,
          [&](const events::record_view&, const decoded_envelope&) { ++report.snapshots; },
          [](const decoded_envelope&) {}, /*untrusted=*/false);
    }
  }
};

} // namespace

audit_report run_audit(events::event_log& log, const audit_options& o) {
  auditor a{log, o, {}, {}, {}, {}, {}};
  a.commands(o.until);
  a.entity_events();
  a.settle_causes();
  a.rejected();
  a.snapshots();
  return std::move(a.report);
}

} // namespace storemesh::ops
