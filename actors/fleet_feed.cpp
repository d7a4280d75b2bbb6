#include "actors/fleet_feed.hpp"

#include "actors/thread_name.hpp"
#include "events/envelope/decoded_envelope.hpp"

#include <spdlog/spdlog.h>

namespace storemesh::actors {

fleet_feed::~fleet_feed() { stop(); }

result<std::size_t> fleet_feed::round() {
  if (!follower_) {
    std::vector<std::string> topics;
    for (const auto& kind : entity_kinds()) {
      auto p = kind.make_projection();
      if (!p->feeds_fleet())
        continue;
      topics.push_back(names_.events(kind.kind));
      projections_.emplace(topics.back(), std::move(p));
    }
    SM_TRY(auto f, topic_follower::open(log_, topics, [](const std::string&, partition_id) { return offset{0}; }));
    follower_.emplace(std::move(f));
  }
  return follower_->poll([this](const std::string& topic, partition_id, const events::record_view& r) {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    auto& fold = *projections_.at(topic);
    // Seals and records the audit reports as damaged tell the fleet nothing.
    if (!env || env.value().reader().getIntegrity().which() != schema::Envelope::Integrity::EVENT)
      return;
    const std::string id(env.value().entity_id());
    if (fold.fold(id, env.value().reader(), r.value, r.off.value))
      fold.publish_to(board_, id);
  });
}

result<void> fleet_feed::catch_up() {
  for (;;) {
    SM_TRY(auto n, round());
    if (n == 0)
      return success();
  }
}

void fleet_feed::start() {
  thread_ = std::thread([this] {
    name_this_thread("sm.fleet");
    while (!stopping_) {
      auto n = round();
      if (!n && events::passes_by_itself(n.error().code)) {
        spdlog::warn("fleet feed: {}; trying again", n.error().message());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (!n) {
        spdlog::critical("fleet feed: {}; stopping the daemon", n.error().message());
        if (fatal_ != nullptr)
          fatal_->store(true);
        return;
      }
      if (n.value() == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

void fleet_feed::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

} // namespace storemesh::actors
