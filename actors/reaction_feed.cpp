#include "actors/reaction_feed.hpp"
#include "actors/core/reaction_step.hpp"
#include "actors/thread_name.hpp"

#include "actors/reactors.hpp"
#include "actors/topic_follower.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <map>
#include <optional>
#include <set>

namespace storemesh::actors {

using events::envelope::as_string_view;

reaction_feed::reaction_feed(runtime_context& ctx, command_sink& sink, events::partition_group& positions,
                             const partition_ownership& ownership)
    : ctx_(ctx), sink_(sink), positions_(positions), ownership_(ownership) {
  std::set<std::string> topics;
  for (const auto& r : reactors())
    for (auto kind : r.inputs)
      topics.insert(ctx_.names.events(kind));
  topics_.assign(topics.begin(), topics.end());
}

reaction_feed::~reaction_feed() { stop(); }

void reaction_feed::start() { thread_ = std::thread([this] {
    name_this_thread("sm.reactions");
    run();
  }); }

void reaction_feed::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

result<topic_follower> reaction_feed::follow(const std::set<std::int32_t>& owned) {
  std::map<std::pair<std::string, std::int32_t>, offset> from;
  for (const auto& t : topics_)
    for (const auto p : owned) {
      SM_TRY(auto at, positions_.committed(t, partition_id{p}));
      from[{t, p}] = at;
    }
  return topic_follower::open(
      *ctx_.log, topics_, [&](const std::string& t, partition_id p) { return from.at({t, p.value}); },
      [&](partition_id p) { return owned.count(p.value) != 0; });
}

void reaction_feed::run() {
  auto fail = [this](const std::string& what) {
    spdlog::critical("reactions: {}; stopping the daemon", what);
    if (ctx_.fatal)
      ctx_.fatal->store(true);
  };
  std::optional<topic_follower> follower;
  std::uint64_t generation = ~std::uint64_t{0};
  while (!stopping_) {
    if (const auto now = ownership_.generation(); now != generation) {
      // Partitions came or went: follow the owned ones from their positions
      // (a round's positions are committed at its end, so none is lost).
      generation = now;
      auto f = follow(ownership_.owned());
      if (!f && events::passes_by_itself(f.error().code)) {
        spdlog::warn("reactions: cannot follow the event topics yet: {}", f.error().message());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        generation = ~std::uint64_t{0};
        continue;
      }
      if (!f)
        return fail("cannot follow the event topics: " + f.error().message());
      follower.emplace(std::move(f).value());
    }
    bool idle = false;
    if (auto r = round(*follower, idle); !r) {
      if (events::passes_by_itself(r.error().code)) {
        spdlog::warn("reactions: {}; following again from the committed positions", r.error().message());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        generation = ~std::uint64_t{0};
        continue;
      }
      if (r.error().code != events::log_errc::fenced)
        return fail(r.error().message());
      // The group moved on without this daemon: nothing of the round is in
      // the log. Follow again from the group's positions (the ids repeat).
      spdlog::warn("reactions: {}; following again from the committed positions", r.error().message());
      generation = ~std::uint64_t{0};
      continue;
    }
    if (idle)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

result<void> reaction_feed::round(topic_follower& follower, bool& idle) {
  std::vector<reaction> reactions;
  const auto fleet = ctx_.fleet != nullptr ? ctx_.fleet->view() : std::make_shared<const services::fleet::view>();
  SM_TRY(auto n, follower.poll([&](const std::string&, partition_id, const events::record_view& r) {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (!env)
      return;  // damaged records are the audit's to report
    react_to(env.value(), *fleet, reactions);
  }));
  idle = n == 0;
  // The whole round's commands under one signature.
  SM_TRY(auto out, sink_.build(reactions));
  if (!out.empty()) {
    std::promise<result<std::vector<offset>>> appended;
    auto done = appended.get_future();
    const auto count = out.size();
    sink_.submit(std::move(out), [&appended](result<std::vector<offset>> r) { appended.set_value(std::move(r)); });
    SM_TRYV(done.get());
    issued_ += count;
  }
  if (n > 0) {
    std::map<std::string, events::partition_group::positions> next;
    follower.positions([&](const std::string& t, partition_id p, offset o) { next[t].emplace_back(p, o); });
    for (const auto& [t, positions] : next)
      if (auto committed = positions_.commit(t, positions); !committed)
        spdlog::warn("reactions: committing positions of {}: {}", t, committed.error().message());
  }
  return success();
}

} // namespace storemesh::actors
