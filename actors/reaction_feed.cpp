#include "actors/reaction_feed.hpp"
#include "actors/thread_name.hpp"

#include "actors/reactors.hpp"
#include "actors/topic_follower.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <set>

namespace storemesh::actors {

using events::envelope::as_string_view;

reaction_feed::reaction_feed(runtime_context& ctx, command_sink& sink, std::filesystem::path offsets_dir)
    : ctx_(ctx), sink_(sink), offsets_(std::move(offsets_dir)) {}

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

void reaction_feed::run() {
  std::set<std::string> topics;
  for (const auto& r : reactors())
    for (auto kind : r.inputs)
      topics.insert(ctx_.names.events(kind));
  auto follower = topic_follower::open(*ctx_.log, {topics.begin(), topics.end()},
                                       [&](const std::string& t, partition_id p) { return offsets_.committed(t, p); });
  if (!follower) {
    spdlog::critical("reactions: cannot follow the event topics: {}", follower.error().message());
    if (ctx_.fatal)
      ctx_.fatal->store(true);
    return;
  }
  while (!stopping_) {
    bool idle = false;
    if (auto r = round(follower.value(), idle); !r) {
      spdlog::critical("reactions: {}; stopping the daemon", r.error().message());
      if (ctx_.fatal)
        ctx_.fatal->store(true);
      return;
    }
    if (idle)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

result<void> reaction_feed::round(topic_follower& follower, bool& idle) {
  std::vector<events::record> out;
  result<void> failure = success();
  const auto fleet = ctx_.fleet != nullptr ? ctx_.fleet->view() : std::make_shared<const services::fleet::view>();
  SM_TRY(auto n, follower.poll([&](const std::string&, partition_id, const events::record_view& r) {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (!env || env.value().reader().getIntegrity().which() != schema::Envelope::Integrity::EVENT)
      return;  // seals; damaged records are the audit's to report
    const auto& e = env.value();
    const std::string id(e.entity_id());
    for (const auto& reactor : reactors()) {
      if (std::find(reactor.inputs.begin(), reactor.inputs.end(), e.entity_kind()) == reactor.inputs.end())
        continue;
      auto issued = reactor.react(e.entity_kind(), id, e.reader(), *fleet);
      for (std::size_t i = 0; i < issued.size(); ++i) {
        auto rec = sink_.build(issued[i], reaction_command_id(e.id(), reactor.name, i),
                               std::string(reinterpret_cast<const char*>(e.id().data()), e.id().size()),
                               std::string(as_string_view(e.reader().getCorrelationId())));
        if (!rec) {
          failure = std::move(rec).error();
          return;
        }
        out.push_back(std::move(rec).value());
      }
    }
  }));
  SM_TRYV(failure);
  idle = n == 0;
  if (!out.empty()) {
    std::promise<result<std::vector<offset>>> appended;
    auto done = appended.get_future();
    const auto count = out.size();
    sink_.submit(std::move(out), [&appended](result<std::vector<offset>> r) { appended.set_value(std::move(r)); });
    SM_TRYV(done.get());
    issued_ += count;
  }
  if (n > 0)
    follower.positions([&](const std::string& t, partition_id p, offset o) { (void)offsets_.commit(t, p, o); });
  return success();
}

} // namespace storemesh::actors
