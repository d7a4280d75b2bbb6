#include "actors/command_sink.hpp"

#include "actors/entity_key.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/log_errc.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

namespace storemesh::actors {
namespace {
constexpr auto resend_pause = std::chrono::milliseconds(100);
} // namespace

result<std::vector<events::record>> command_sink::build(const std::vector<reaction>& commands) const {
  std::vector<command_spec> specs;
  specs.reserve(commands.size());
  for (const auto& c : commands) {
    command_header h;
    h.id = c.id;
    h.causation_id = c.causation_id;
    h.correlation_id = c.correlation_id;
    h.producer = producer_;
    specs.push_back(command_spec{c.command.kind, c.command.id, std::move(h), c.command.write});
  }
  return make_command_batch(specs, writer_.sealing_key());
}

void command_sink::submit(std::vector<events::record> records, append_callback done) {
  std::map<std::int32_t, std::vector<events::record>> by_partition;
  for (auto& r : records) {
    const auto p = events::partition_for(r.key, partitions_).value;
    by_partition[p].push_back(std::move(r));
  }
  std::vector<append_part> parts;
  for (auto& [p, recs] : by_partition)
    parts.push_back(append_part{names_.commands(), partition_id{p}, std::move(recs)});
  writer_.submit(std::move(parts), std::move(done));
}

void command_sink::send(const services::issued_command& c) { send_all({c}); }

void command_sink::send_all(std::vector<services::issued_command> commands) {
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    for (auto& c : commands)
      pending_.push_back(std::move(c));
    if (signing_)
      return;  // the signing thread takes them in its next round
    signing_ = true;
  }
  sign_pending();
}

void command_sink::sign_pending() {
  for (;;) {
    std::vector<reaction> round;
    {
      std::lock_guard<std::mutex> lock(pending_mutex_);
      if (pending_.empty()) {
        signing_ = false;
        return;
      }
      for (auto& c : pending_)
        round.push_back(reaction{std::move(c), events::envelope::new_message_id(), {}, {}});
      pending_.clear();
    }
    auto records = build(round);
    if (!records) {
      spdlog::error("cannot build {} command(s), the first for {}/{}: {}", round.size(), round.front().command.kind,
                    round.front().command.id, records.error().message());
      continue;
    }
    // In the order they were sent: one entity's commands reach the log in order.
    for (std::size_t i = 0; i < round.size(); ++i) {
      const auto key = entity_key(round[i].command.kind, round[i].command.id);
      bool idle = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& q = queues_[key];
        idle = q.empty();
        q.push_back(std::move(records.value()[i]));
      }
      if (idle)
        send_head(key);
    }
  }
}

void command_sink::send_head(const std::string& key) {
  events::record head;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    head = queues_.at(key).front();
  }
  const auto sent = std::chrono::steady_clock::now();
  submit({std::move(head)}, [this, key, sent](result<std::vector<offset>> r) {
    if (!r) {
      const auto code = r.error().code;
      if ((code == events::log_errc::fenced || events::passes_by_itself(code)) && !writer_.stopping() &&
          !writer_.broken()) {
        // Nothing of it was written: the same record again, still ahead of
        // its entity's later ones. Dropping it would leave its sender (an
        // agent waiting for its report to be decided) waiting for ever.
        // (Runs on the writer's thread, which retried the round itself
        // first, or waited out a broker timeout. A refusal that came back
        // at once -- a member that lost its group, the daemon about to stop
        // -- is paced: seen resent every millisecond after a broker outage.)
        if (std::chrono::steady_clock::now() - sent < resend_pause)
          std::this_thread::sleep_for(resend_pause);
        spdlog::warn("{}: command not appended ({}); sending it again", key, r.error().message());
        return send_head(key);
      }
      spdlog::error("{}: command not appended: {}", key, r.error().message());
    }
    bool more = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = queues_.find(key);
      it->second.pop_front();
      more = !it->second.empty();
      if (!more)
        queues_.erase(it);
    }
    if (more)
      send_head(key);
  });
}

std::array<std::uint8_t, 16> reaction_command_id(const std::array<std::uint8_t, 16>& event_id,
                                                 std::string_view reactor, std::size_t index) {
  std::string input(reinterpret_cast<const char*>(event_id.data()), event_id.size());
  input += '\0';
  input += reactor;
  input += '\0';
  input += std::to_string(index);
  const auto d = events::crypto::blake2b_256(input);
  std::array<std::uint8_t, 16> id{};
  std::memcpy(id.data(), d.data(), id.size());
  return id;
}

} // namespace storemesh::actors
