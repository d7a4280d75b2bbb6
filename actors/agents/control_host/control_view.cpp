#include "actors/agents/control_host/control_view.hpp"

#include "events/envelope/envelope_builder.hpp"
#include "services/control_path/storage_system_codec.hpp"

#include <thread>

namespace storemesh::actors::control_host {
namespace {

namespace st = services::storage;
namespace ch = services::control_host;

} // namespace

control_view::control_view(std::unique_ptr<events::event_log> log, topics names, std::string self)
    : tail_(std::move(log), names,
            {{names.events(st::entity::kind), std::nullopt},
             {names.events(ch::entity::kind), std::nullopt},
             {names.rejected(), std::nullopt}},
            {[this] { reset(); },
             [this](const events::envelope::decoded_envelope& e, const events::record_view&) { fold(e); },
             [this] { return outcomes_.idle_wait(); }},
            "control host " + self) {}

log_snapshot control_view::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void control_view::reset() {
  std::lock_guard lock(mutex_);
  state_ = {};
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
    const auto* c = std::get_if<st::converted>(&ev.value());
    outcomes_.accepted(cause, env.getCommandOffset(), c ? c->ox_id : st::unassigned_ox_id);
  } else if (ch::entity::is_event(env)) {
    auto ev = ch::entity::read_event(env);
    if (!ev)
      return;
    auto& h = state_.hosts.try_emplace(id, ch::initial).first->second;
    h = ch::evolve(std::move(h), ev.value());
  } else {
    (void)outcomes_.fold_rejection(env);
  }
}

} // namespace storemesh::actors::control_host
