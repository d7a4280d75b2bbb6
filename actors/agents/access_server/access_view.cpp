#include "actors/agents/access_server/access_view.hpp"

#include "services/access/access_server_codec.hpp"

namespace storemesh::agents::access_server {
namespace {
namespace ac = services::access;
} // namespace

access_view::access_view(std::unique_ptr<events::event_log> log, actors::topics names, std::string server)
    : server_(server),
      tail_(std::move(log), names, {{names.events(ac::entity::kind), server}, {names.rejected(), std::nullopt}},
            {[this] {
               std::lock_guard lock(mutex_);
               state_ = ac::initial;
               watched_records_.clear();
             },
             [this](const events::envelope::decoded_envelope& e, const events::record_view&) { fold(e); },
             [this] { return outcomes_.idle_wait(); }},
            "access server " + server) {}

void access_view::fold(const events::envelope::decoded_envelope& e) {
  const auto env = e.reader();
  if (!ac::entity::is_event(env)) {
    (void)outcomes_.fold_rejection(env);
    return;
  }
  if (e.entity_id() != server_)
    return;  // another server on the same partition
  auto ev = ac::entity::read_event(env);
  if (!ev)
    return;
  {
    std::lock_guard lock(mutex_);
    if (const auto* a = std::get_if<ac::accessed>(&ev.value()); a && watched_.count(a->access))
      watched_records_[a->access] = *a;
    state_ = ac::evolve(std::move(state_), ev.value());
  }
  const auto* a = std::get_if<ac::accessed>(&ev.value());
  outcomes_.accepted(events::envelope::as_string_view(env.getCausationId()), env.getCommandOffset(),
                     a ? *a : ac::accessed{});
}

std::optional<ac::accessed> access_view::watched(const std::string& access) const {
  std::lock_guard lock(mutex_);
  if (auto it = watched_records_.find(access); it != watched_records_.end())
    return it->second;
  return std::nullopt;
}

bool access_view::wait_session(const std::string& session, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tail_.nudge();
  for (;;) {
    const auto seen = tail_.version();
    if (with_state([&](const ac::state& s) { return s.sessions.count(session) > 0; }))
      return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return false;
    tail_.nudge();
    (void)tail_.wait_beyond(seen, std::min(std::chrono::milliseconds(20),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
  }
}

} // namespace storemesh::agents::access_server
