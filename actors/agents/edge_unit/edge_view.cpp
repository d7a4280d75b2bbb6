#include "actors/agents/edge_unit/edge_view.hpp"

#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"

namespace storemesh::agents::edge_unit {
namespace {
namespace dp = services::delivery::process;
namespace du = services::delivery::edge_unit;
} // namespace

edge_view::edge_view(std::unique_ptr<events::event_log> log, actors::topics names, std::string edge)
    : edge_(edge),
      tail_(std::move(log), names,
            {{names.events(dp::entity::kind), std::nullopt},
             {names.events(du::entity::kind), edge},
             {names.rejected(), std::nullopt}},
            {[this] {
               std::lock_guard lock(mutex_);
               deliveries_.clear();
               moved_away_ = 0;
               self_ = du::initial;
             },
             [this](const events::envelope::decoded_envelope& e, const events::record_view&) { fold(e); },
             [this] { return outcomes_.idle_wait(); }},
            "edge unit " + edge) {}

void edge_view::fold(const events::envelope::decoded_envelope& e) {
  const auto env = e.reader();
  if (dp::entity::is_event(env)) {
    auto ev = dp::entity::read_event(env);
    if (!ev)
      return;
    std::lock_guard lock(mutex_);
    if (const auto* r = std::get_if<dp::rescheduled>(&ev.value()); r && r->edge == edge_)
      moved_away_ += r->moves.size();
    auto& s = deliveries_.try_emplace(std::string(e.entity_id()), dp::initial).first->second;
    s = dp::evolve(std::move(s), ev.value());
  } else if (du::entity::is_event(env)) {
    if (e.entity_id() != edge_)
      return;
    auto ev = du::entity::read_event(env);
    if (!ev)
      return;
    std::lock_guard lock(mutex_);
    self_ = du::evolve(std::move(self_), ev.value());
  } else {
    (void)outcomes_.fold_rejection(env);
    return;
  }
  outcomes_.accepted(events::envelope::as_string_view(env.getCausationId()), env.getCommandOffset());
}

std::optional<dp::state> edge_view::delivery(const std::string& id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto seen = tail_.version();
    {
      std::lock_guard lock(mutex_);
      if (auto it = deliveries_.find(id); it != deliveries_.end() && it->second.planned)
        return it->second;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return std::nullopt;
    tail_.nudge();
    (void)tail_.wait_beyond(seen, std::min(std::chrono::milliseconds(20),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
  }
}

du::state edge_view::self() const {
  std::lock_guard lock(mutex_);
  return self_;
}

edge_view::tally edge_view::count() const {
  std::lock_guard lock(mutex_);
  tally t;
  t.moved_away = moved_away_;
  for (const auto& [id, s] : deliveries_)
    for (const auto& [key, slot] : s.slots)
      if (slot.edge == edge_) {
        t.placed += 1;
        t.confirmed += slot.confirmed ? 1 : 0;
      }
  return t;
}

} // namespace storemesh::agents::edge_unit
