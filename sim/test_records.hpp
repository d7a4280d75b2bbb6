#pragma once
// For tests: records written into a test_log the way the runtime writes them
// -- each entity's events sequenced and hash-chained, a command signed, a
// refusal as a rejection of its command record -- so a scenario's check()
// reads a test's history as it reads the simulator's log.
//
//   test_records w;
//   w.event<cluster::entity>(log, "q1", cluster::configured{...});
//   w.refused(log, cluster::entity::kind, "q1", write_command, "not_caught_up");

#include "actors/records.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"
#include "sim/test_log.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace storemesh::sim::testing {

class test_records {
public:
  using fill = std::function<void(schema::Envelope::Builder)>;

  explicit test_records(std::string producer = "daemon@test") : producer_(std::move(producer)) {}

  /// Appends `e` as entity (Entity::kind, id)'s next event; its index.
  template <class Entity>
  std::size_t event(test_log& log, const std::string& id, const typename Entity::event_type& e) {
    return event(log, Entity::kind, id, [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
  }

  std::size_t event(test_log& log, std::string_view kind, const std::string& id, const fill& f) {
    auto& [seq, last] = chains_[std::string(kind) + "/" + id];
    auto r = actors::make_event_record(kind, id, ++seq, last, actors::cause{}, producer_, f);
    last = events::crypto::record_hash(r.value);
    return log.append(log.events_topic(kind), r.key, r.value);
  }

  /// Appends a signed command record with a fresh id; its index, or none if
  /// it does not build.
  std::optional<std::size_t> command(test_log& log, std::string_view kind, const std::string& id, const fill& f) {
    actors::command_header h;
    ++commands_;
    for (std::size_t i = 0; i < 8; ++i)
      h.id[i] = static_cast<std::uint8_t>(commands_ >> (8 * i));
    h.producer = "scenario@test";
    auto r = actors::make_command_record(kind, id, h, key_, f);
    if (!r)
      return std::nullopt;
    return log.append(log.commands_topic(), r.value().key, r.value().value);
  }

  /// Appends the rejection of the command record at index `at` of `log`.
  void reject(test_log& log, std::size_t at, std::string_view code, std::string_view reason) {
    // Copied: appending may move the log's records.
    const auto env = log.at(at).env;
    const auto offset = log.at(at).offset;
    const std::string bytes = log.at(at).bytes;
    auto r = actors::make_rejection_record(env->entity_kind(), env->entity_id(), code, reason, log.commands_topic(),
                                           partition_id{0}, offset, bytes, env->id(), producer_);
    log.append(log.rejected_topic(), r.key, r.value);
  }

  /// A command and its rejection: false if the command does not build.
  bool refused(test_log& log, std::string_view kind, const std::string& id, const fill& f, std::string_view code,
               std::string_view reason = "refused") {
    auto at = command(log, kind, id, f);
    if (at)
      reject(log, *at, code, reason);
    return at.has_value();
  }

private:
  std::string producer_;
  events::crypto::key_pair key_ = events::crypto::key_pair::from_seed({7});
  std::uint64_t commands_ = 0;
  std::map<std::string, std::pair<std::uint64_t, events::crypto::digest>> chains_;
};

} // namespace storemesh::sim::testing
