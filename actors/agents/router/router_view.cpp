#include "actors/agents/router/router_view.hpp"

#include "actors/daemon.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <vector>

namespace storemesh::actors::router {

using events::envelope::decoded_envelope;
namespace rt = services::router;
namespace tp = services::topology;

router_view::router_view(std::unique_ptr<events::event_log> log, topics names, std::string network, std::string self)
    : network_(std::move(network)), self_(std::move(self)),
      // The topology's partition first: votes and agreements land there, and
      // the tail waits on its first source when idle.
      tail_(std::move(log), names,
            {{names.events(tp::entity::kind), network_},
             {names.events(rt::entity::kind), std::nullopt},
             {names.rejected(), network_},
             {names.rejected(), self_}},
            {[this] { reset(); },
             [this](const events::envelope::decoded_envelope& e, const events::record_view&) { fold(e); },
             [] { return std::chrono::milliseconds(50); }},
            "router " + self_) {}

router_view::~router_view() { stop(); }

router_view::snapshot_type router_view::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void router_view::sent(const std::array<std::uint8_t, 16>& id, const std::string& key) {
  std::lock_guard lock(mutex_);
  sent_[std::string(reinterpret_cast<const char*>(id.data()), id.size())] = key;
}

std::optional<std::string> router_view::refusal(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = refused_.find(key);
  if (it == refused_.end())
    return std::nullopt;
  return it->second;
}

void router_view::reset() {
  std::lock_guard lock(mutex_);
  state_.topology = tp::initial;
  state_.routers.clear();
}

void router_view::fold(const decoded_envelope& e) {
  const auto env = e.reader();
  const auto kind = e.entity_kind();
  const std::string id(e.entity_id());
  std::lock_guard lock(mutex_);
  if (kind == rt::entity::kind && rt::entity::is_event(env)) {
    auto ev = rt::entity::read_event(env);
    if (ev) {
      auto& st = state_.routers.try_emplace(id, rt::initial).first->second;
      st = rt::evolve(std::move(st), ev.value());
    }
  } else if (kind == tp::entity::kind && id == network_ && tp::entity::is_event(env)) {
    auto ev = tp::entity::read_event(env);
    if (ev)
      state_.topology = tp::evolve(std::move(state_.topology), ev.value());
  } else if (env.getPayload().isRejection()) {
    const auto cause = events::envelope::as_string_view(env.getCausationId());
    if (auto it = sent_.find(std::string(cause)); it != sent_.end()) {
      auto rj = env.getPayload().getRejection();
      spdlog::warn("router {}: {} refused ({}): {}", self_, it->second, rj.getCode().cStr(), rj.getReason().cStr());
      refused_[it->second] = std::string(rj.getCode().cStr()) + ": " + rj.getReason().cStr();
      sent_.erase(it);
    }
  }
}

} // namespace storemesh::actors::router
