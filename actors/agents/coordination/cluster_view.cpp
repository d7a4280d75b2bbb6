#include "actors/agents/coordination/cluster_view.hpp"

#include "actors/agents/coordination/messages.hpp"
#include "actors/daemon.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"

#include <spdlog/spdlog.h>

namespace storemesh::actors::coordination {

using events::envelope::decoded_envelope;

cluster_view::cluster_view(std::unique_ptr<events::event_log> log, topics names, options opts)
    : log_(std::move(log)), names_(std::move(names)), opts_(std::move(opts)),
      kv_topic_(names_.events(services::kv::entity::kind)),
      cluster_topic_(names_.events(services::cluster::entity::kind)) {}

cluster_view::~cluster_view() { stop(); }

void cluster_view::start() {
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void cluster_view::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

bool cluster_view::wait_applied(std::int64_t offset, std::chrono::milliseconds timeout) {
  std::unique_lock lock(applied_mutex_);
  return applied_changed_.wait_for(lock, timeout, [&] { return applied_.load() >= offset; });
}

std::string cluster_view::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void cluster_view::run() {
  while (!stop_) {
    auto r = follow();
    if (stop_)
      break;
    if (!r) {
      spdlog::warn("cluster view: {} (reading again from the start)", r.error().message());
      std::lock_guard lock(mutex_);
      last_error_ = r.error().message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

result<void> cluster_view::follow() {
  // Every pass starts from the beginning with a fresh fold: a reader that
  // failed (a broker gone, a torn tail) leaves nothing half-applied behind.
  {
    std::lock_guard lock(mutex_);
    cluster_ = services::cluster::initial;
    // The watches stay, resuming after what they were given: a server whose
    // reader failed (a broker starved past its timeout) would otherwise stop
    // sending its watches anything, with nobody told.
    replica_ = replica_.refold(delivered_rev_);
  }
  applied_ = 0;
  SM_TRYV(create_topics(*log_, names_, 2));
  auto partition_of = [&](const std::string& topic) -> result<partition_id> {
    SM_TRY(auto n, log_->partitions(topic));
    return events::partition_for(opts_.cluster, n);
  };
  SM_TRY(auto kv_p, partition_of(kv_topic_));
  SM_TRY(auto cl_p, partition_of(cluster_topic_));
  SM_TRY(auto rej_p, partition_of(names_.rejected()));
  SM_TRY(auto kv, log_->read(kv_topic_, kv_p, offset{0}));
  SM_TRY(auto cl, log_->read(cluster_topic_, cl_p, offset{0}));
  SM_TRY(auto rej, log_->read(names_.rejected(), rej_p, offset{0}));
  SM_TRY(auto cluster_end, log_->end_offset(cluster_topic_, cl_p));
  const bool hold = opts_.hold_kv_at >= 0;

  std::vector<events::record_view> batch;
  while (!stop_) {
    std::size_t read = 0;
    bool kv_changed = false, cluster_changed = false;
    std::vector<services::kv::delivery> deliveries;
    services::kv::revision folded = 0;  // the revision the deliveries reach

    batch.clear();
    SM_TRY(auto n_cl, cl->poll(batch));
    read += n_cl;
    for (const auto& r : batch) {
      auto e = decoded_envelope::decode(r.value);
      if (!e || e.value().entity_kind() != services::cluster::entity::kind || e.value().entity_id() != opts_.cluster ||
          !services::cluster::entity::is_event(e.value().reader()))
        continue;
      auto ev = services::cluster::entity::read_event(e.value().reader());
      if (!ev) {
        spdlog::warn("cluster view: cluster event at offset {} unreadable: {}", r.off.value, ev.error().message());
        continue;
      }
      std::lock_guard lock(mutex_);
      cluster_ = services::cluster::entity::evolve(std::move(cluster_), ev.value());
      cluster_changed = true;
    }
    if (!caught_up_once_ && cl->position() >= cluster_end)
      caught_up_once_ = true;

    const bool kv_held = hold && kv->position().value >= opts_.hold_kv_at;
    if (!kv_held) {
      batch.clear();
      SM_TRY(auto n_kv, kv->poll(batch));
      read += n_kv;
      for (const auto& r : batch) {
        if (hold && r.off.value >= opts_.hold_kv_at)
          break;
        auto e = decoded_envelope::decode(r.value);
        if (e && e.value().entity_kind() == services::kv::entity::kind && e.value().entity_id() == opts_.cluster &&
            services::kv::entity::is_event(e.value().reader())) {
          auto ev = services::kv::entity::read_event(e.value().reader());
          if (!ev) {
            spdlog::warn("cluster view: kv event at offset {} unreadable: {}", r.off.value, ev.error().message());
          } else {
            const auto seq = e.value().reader().getSequence();
            {
              std::lock_guard lock(mutex_);
              SM_TRY(auto got, replica_.apply(seq, r.off.value, ev.value()));
              for (auto& d : got)
                deliveries.push_back(std::move(d));
              folded = replica_.rev();
            }
            outcome o;
            o.accepted = true;
            o.revision = seq;
            o.offset = r.off.value;
            if (const auto* d = std::get_if<services::kv::deleted>(&ev.value()))
              o.deleted = d->keys.size();
            outcomes_.record(as_string(e.value().reader().getCausationId()), std::move(o));
            kv_changed = true;
          }
        } else {
          std::lock_guard lock(mutex_);
          replica_.advance_offset(r.off.value);
        }
        applied_ = r.off.value + 1;
      }
      // On Kafka the end of a transaction is a control record with an offset
      // of its own: the reader's position counts it, the records do not.
      if (!hold || kv->position().value <= opts_.hold_kv_at)
        applied_ = std::max<std::int64_t>(applied_.load(), kv->position().value);
    }

    batch.clear();
    SM_TRY(auto n_rej, rej->poll(batch));
    read += n_rej;
    for (const auto& r : batch) {
      auto e = decoded_envelope::decode(r.value);
      if (!e || e.value().entity_id() != opts_.cluster || !e.value().reader().getPayload().isRejection())
        continue;
      const auto kind = e.value().entity_kind();
      if (kind != services::kv::entity::kind && kind != services::cluster::entity::kind)
        continue;
      auto rj = e.value().reader().getPayload().getRejection();
      outcome o;
      o.code = rj.getCode().cStr();
      o.reason = rj.getReason().cStr();
      outcomes_.record(as_string(e.value().reader().getCausationId()), std::move(o));
    }

    if (read > 0) {
      { std::lock_guard wake(applied_mutex_); }  // a waiter between its check and its wait still wakes
      applied_changed_.notify_all();
    }
    if (kv_changed && on_applied_)
      on_applied_(std::move(deliveries));
    delivered_rev_ = std::max(delivered_rev_, folded);
    if (cluster_changed && on_cluster_changed_)
      on_cluster_changed_();
    if (read == 0)
      (void)log_->wait_beyond(kv_held ? cluster_topic_ : kv_topic_, kv_held ? cl_p : kv_p,
                              kv_held ? cl->position() : kv->position(), std::chrono::milliseconds(50));
  }
  return success();
}

} // namespace storemesh::actors::coordination
