#include "actors/agents/control_host/control_view.hpp"

#include "events/envelope/envelope_builder.hpp"
#include "services/control_path/storage_system_codec.hpp"

#include <thread>

namespace storemesh::actors::control_host {
namespace {

namespace st = services::storage;
namespace ch = services::control_host;
constexpr std::size_t kept_outcomes = 65536;

std::string outcome_key(std::string_view id, std::int64_t offset) {
  return std::string(id) + ":" + std::to_string(offset);
}

} // namespace

control_view::control_view(std::unique_ptr<events::event_log> log, topics names, std::string self)
    : tail_(std::move(log), names,
            {{names.events(st::entity::kind), std::nullopt},
             {names.events(ch::entity::kind), std::nullopt},
             {names.rejected(), std::nullopt}},
            {[this] { reset(); },
             [this](const events::envelope::decoded_envelope& e, const events::record_view&) { fold(e); },
             [this] { return std::chrono::milliseconds(waiting_ > 0 ? 2 : 50); }},
            "control host " + self) {}

log_snapshot control_view::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void control_view::reset() {
  std::lock_guard lock(mutex_);
  state_ = {};
}

void control_view::record(std::string key, command_outcome o) {
  if (!outcomes_.emplace(key, std::move(o)).second)
    return;
  order_.push_back(std::move(key));
  if (order_.size() > kept_outcomes) {
    outcomes_.erase(order_.front());
    order_.pop_front();
  }
}

void control_view::fold(const events::envelope::decoded_envelope& e) {
  const auto env = e.reader();
  const std::string id(e.entity_id());
  const auto cause = events::envelope::as_string_view(env.getCausationId());
  std::lock_guard lock(mutex_);
  if (st::entity::is_event(env)) {
    auto ev = st::entity::read_event(env);
    if (!ev)
      return;
    auto& s = state_.storages.try_emplace(id, st::initial).first->second;
    s = st::evolve(std::move(s), ev.value());
    command_outcome o{true, {}, {}, st::unassigned_ox_id};
    if (const auto* c = std::get_if<st::converted>(&ev.value()))
      o.ox_id = c->ox_id;
    record(outcome_key(cause, env.getCommandOffset()), std::move(o));
  } else if (ch::entity::is_event(env)) {
    auto ev = ch::entity::read_event(env);
    if (!ev)
      return;
    auto& h = state_.hosts.try_emplace(id, ch::initial).first->second;
    h = ch::evolve(std::move(h), ev.value());
  } else if (env.getPayload().isRejection()) {  // of any kind: the intake refuses before it knows one
    auto rj = env.getPayload().getRejection();
    record(outcome_key(cause, rj.getCommandOffset()),
           command_outcome{false, rj.getCode().cStr(), rj.getReason().cStr(), st::unassigned_ox_id});
  }
}

std::optional<command_outcome> control_view::wait_outcome(const std::array<std::uint8_t, 16>& id,
                                                          std::int64_t command_offset,
                                                          std::chrono::milliseconds timeout) {
  const auto key = outcome_key(std::string_view(reinterpret_cast<const char*>(id.data()), id.size()), command_offset);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ++waiting_;
  tail_.nudge();
  std::optional<command_outcome> found;
  for (;;) {
    const auto seen = tail_.version();
    {
      std::lock_guard lock(mutex_);
      if (auto it = outcomes_.find(key); it != outcomes_.end()) {
        found = it->second;
        break;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      break;
    (void)tail_.wait_beyond(seen, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
  --waiting_;
  return found;
}

} // namespace storemesh::actors::control_host
