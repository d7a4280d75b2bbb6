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
    : log_(std::move(log)), names_(std::move(names)), network_(std::move(network)), self_(std::move(self)) {}

router_view::~router_view() { stop(); }

void router_view::start() {
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void router_view::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

router_view::snapshot_type router_view::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::uint64_t router_view::wait_beyond(std::uint64_t known, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return state_.version > known; });
  return state_.version;
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

void router_view::run() {
  while (!stop_) {
    auto r = follow();
    if (stop_)
      break;
    if (!r)
      spdlog::warn("router {}: reading the log: {} (reading again from the start)", self_, r.error().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

result<void> router_view::follow() {
  // Every pass starts from the beginning with a fresh fold: a reader that
  // failed (a broker gone, a torn tail) leaves nothing half-applied behind.
  SM_TRYV(create_topics(*log_, names_, 2));
  const auto router_topic = names_.events(rt::entity::kind);
  const auto topology_topic = names_.events(tp::entity::kind);
  struct source {
    std::string topic;
    partition_id partition;
    std::unique_ptr<events::log_reader> reader;
    offset end_at_start;
  };
  std::vector<source> sources;
  auto add = [&](const std::string& topic, partition_id p) -> result<void> {
    for (const auto& s : sources)
      if (s.topic == topic && s.partition == p)
        return success();
    SM_TRY(auto reader, log_->read(topic, p, offset{0}));
    SM_TRY(auto end, log_->end_offset(topic, p));
    sources.push_back(source{topic, p, std::move(reader), end});
    return success();
  };
  SM_TRY(auto router_partitions, log_->partitions(router_topic));
  for (std::int32_t i = 0; i < router_partitions; ++i)
    SM_TRYV(add(router_topic, partition_id{i}));
  SM_TRY(auto topology_partitions, log_->partitions(topology_topic));
  SM_TRYV(add(topology_topic, events::partition_for(network_, topology_partitions)));
  SM_TRY(auto rejected_partitions, log_->partitions(names_.rejected()));
  SM_TRYV(add(names_.rejected(), events::partition_for(network_, rejected_partitions)));
  SM_TRYV(add(names_.rejected(), events::partition_for(self_, rejected_partitions)));
  {
    std::lock_guard lock(mutex_);
    state_.topology = tp::initial;
    state_.routers.clear();
    ++state_.version;
  }

  std::vector<events::record_view> batch;
  while (!stop_) {
    std::size_t read = 0;
    bool caught_up = true;
    for (auto& s : sources) {
      batch.clear();
      SM_TRY(auto n, s.reader->poll(batch));
      read += n;
      std::lock_guard lock(mutex_);
      for (const auto& r : batch) {
        auto e = decoded_envelope::decode(r.value);
        if (!e)
          continue;
        const auto env = e.value().reader();
        const auto kind = e.value().entity_kind();
        const std::string id(e.value().entity_id());
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
            spdlog::warn("router {}: {} refused ({}): {}", self_, it->second, rj.getCode().cStr(),
                         rj.getReason().cStr());
            refused_[it->second] = std::string(rj.getCode().cStr()) + ": " + rj.getReason().cStr();
            sent_.erase(it);
          }
        }
      }
      if (s.reader->position() < s.end_at_start)
        caught_up = false;
    }
    if (caught_up && !caught_up_once_)
      caught_up_once_ = true;
    if (read > 0) {
      {
        std::lock_guard lock(mutex_);
        ++state_.version;
      }
      changed_.notify_all();
      continue;
    }
    // Idle: wait on the topology partition (votes and agreements land there),
    // briefly, then look at every source again.
    const auto& t = sources[router_partitions];
    (void)log_->wait_beyond(t.topic, t.partition, t.reader->position(), std::chrono::milliseconds(50));
  }
  return success();
}

} // namespace storemesh::actors::router
