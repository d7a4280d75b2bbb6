#include "actors/agents/coordination/peer_agent.hpp"

#include "actors/agents/coordination/coordination_errc.hpp"
#include "actors/agents/coordination/messages.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <spdlog/spdlog.h>

namespace storemesh::actors::coordination {

namespace kv = services::kv;
namespace cl = services::cluster;
using schema::coordination::PeerMessage;
using schema::coordination::Request;
using schema::coordination::Response;

namespace {

void fill(schema::coordination::KeyValue::Builder b, const std::string& key, const kv::key_value& v) {
  b.setKey(key);
  b.setValue(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(v.value.data()), v.value.size()));
  b.setCreateRevision(v.create_revision);
  b.setModRevision(v.mod_revision);
  b.setVersion(v.version);
  b.setLease(v.lease);
}

void fill(schema::coordination::Change::Builder b, const kv::change& c) {
  b.setKind(c.kind == kv::change_kind::put ? schema::coordination::Change::Kind::PUT
                                           : schema::coordination::Change::Kind::DELETE);
  fill(b.initKv(), c.key, kv::key_value{c.value, c.create_revision, c.mod_revision, c.version, c.lease});
}

/// Watch events of at most ~max_message_bytes each, changes in order.
std::vector<std::string> watch_messages(const std::string& watch_id, const std::string& server,
                                        const std::vector<kv::change>& changes) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < changes.size()) {
    std::size_t bytes = 256, n = 0;
    while (i + n < changes.size() && (n == 0 || bytes + changes[i + n].key.size() + changes[i + n].value.size() +
                                                        96 < max_message_bytes)) {
      bytes += changes[i + n].key.size() + changes[i + n].value.size() + 96;
      ++n;
    }
    out.push_back(encode_with([&](PeerMessage::Builder m) {
      auto w = m.initWatchEvent();
      w.setWatchId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(watch_id.data()), watch_id.size()));
      w.setServer(server);
      auto list = w.initChanges(static_cast<unsigned>(n));
      for (std::size_t k = 0; k < n; ++k)
        fill(list[static_cast<unsigned>(k)], changes[i + k]);
    }));
    i += n;
  }
  return out;
}

} // namespace

peer_agent::peer_agent(peer_options opts, std::unique_ptr<events::event_log> read_log,
                       std::unique_ptr<command_writer> writer, topics names, connector connect)
    : opts_(std::move(opts)), writer_(std::move(writer)),
      view_(std::move(read_log), std::move(names), cluster_view::options{opts_.cluster, opts_.hold_kv_at}),
      connect_(std::move(connect)) {
  view_.on_applied([this](std::vector<kv::delivery> d) { deliver(std::move(d)); });
}

peer_agent::~peer_agent() {
  {
    std::lock_guard lock(work_mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_)
    if (t.joinable())
      t.join();
  view_.stop();
}

std::optional<std::array<std::uint8_t, 32>> peer_agent::director_key() const {
  return view_.with_cluster([](const cl::state& s) -> std::optional<std::array<std::uint8_t, 32>> {
    if (!s.configured || !s.config.director_key)
      return std::nullopt;
    return s.config.director_key->bytes;
  });
}

bool peer_agent::serving() const {
  return view_.with_cluster([&](const cl::state& s) {
    const auto* p = s.find(opts_.id);
    return p && p->role == cl::role::member;
  });
}

std::string peer_agent::heartbeat() const {
  return encode_with([&](PeerMessage::Builder m) {
    auto h = m.initHeartbeat();
    h.setSentNs(events::envelope::now_ns());
    h.setAppliedOffset(view_.applied_offset());
    h.setRevision(view_.with_replica([](const kv::replica& r) { return r.rev(); }));
    h.setServing(serving());
  });
}

void peer_agent::run(const std::atomic<bool>& stop) {
  view_.start();
  for (std::size_t i = 0; i < opts_.workers; ++i)
    workers_.emplace_back([this] { worker(); });
  std::thread tick([&] { ticker(stop); });
  link_loop(stop);
  tick.join();
}

void peer_agent::link_loop(const std::atomic<bool>& stop) {
  while (!stop) {
    auto opened = connect_();
    if (!opened) {
      spdlog::debug("peer {}: director unreachable: {}", opts_.id, opened.error().message());
      std::this_thread::sleep_for(opts_.reconnect);
      continue;
    }
    auto link = opened.value();
    auto hello = encode_with([&](PeerMessage::Builder m) {
      auto h = m.initHello();
      h.setPeer(opts_.id);
      h.setRole("peer");
    });
    if (!link->send(hello) || !link->send(heartbeat())) {
      link->close("hello failed");
      continue;
    }
    spdlog::info("peer {}: tunnel to the director open (handshake {})", opts_.id, link->handshake_hash());
    {
      std::lock_guard lock(link_mutex_);
      link_ = link;
    }
    while (!stop) {
      auto got = link->receive(std::chrono::milliseconds(200));
      if (!got) {
        spdlog::info("peer {}: tunnel to the director closed: {}", opts_.id, got.error().message());
        break;
      }
      if (!got.value())
        continue;
      {
        std::lock_guard lock(work_mutex_);
        work_.emplace_back(link, std::move(*got.value()));
      }
      work_ready_.notify_one();
    }
    {
      std::lock_guard lock(link_mutex_);
      link_.reset();
    }
    drop_watches_of(link);
    link->close(stop ? "stopping" : "receive failed");
    if (!stop)
      std::this_thread::sleep_for(opts_.reconnect);
  }
  {
    std::lock_guard lock(work_mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
}

void peer_agent::ticker(const std::atomic<bool>& stop) {
  while (!stop) {
    std::this_thread::sleep_for(opts_.heartbeat);
    std::shared_ptr<channel> link;
    {
      std::lock_guard lock(link_mutex_);
      link = link_;
    }
    if (link)
      (void)link->send(heartbeat());

    // A promoted node reports ready once its replica is at the head; again
    // every second until the log says it is a member (the decider refuses a
    // report that is not caught up, and the repeats once it is ready).
    const bool promoting = view_.with_cluster([&](const cl::state& s) {
      const auto* p = s.find(opts_.id);
      return p && p->role == cl::role::promoting;
    });
    if (!promoting)
      continue;
    const auto now = events::envelope::now_ns();
    if (now - last_ready_report_ns_ < 1'000'000'000)
      continue;
    auto head = writer_->head(view_.kv_topic(), opts_.cluster);
    if (!head || view_.applied_offset() < head.value())
      continue;
    last_ready_report_ns_ = now;
    cl::report_ready r{opts_.id, static_cast<std::uint64_t>(view_.applied_offset()),
                       static_cast<std::uint64_t>(head.value()), now};
    auto sent = writer_->submit(cl::entity::kind, opts_.cluster, command_writer::new_id(),
                                [&](schema::Envelope::Builder e) { cl::entity::write_command(r, e); });
    if (!sent)
      spdlog::warn("peer {}: report_ready not sent: {}", opts_.id, sent.error().message());
    else
      spdlog::info("peer {}: promoted; caught up at offset {}: report_ready sent", opts_.id, r.applied_offset);
  }
}

void peer_agent::worker() {
  for (;;) {
    std::pair<std::shared_ptr<channel>, std::string> job;
    {
      std::unique_lock lock(work_mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !work_.empty(); });
      if (work_.empty())
        return;
      job = std::move(work_.front());
      work_.pop_front();
    }
    serve(job.first, std::move(job.second));
  }
}

void peer_agent::serve(const std::shared_ptr<channel>& link, std::string message) {
  auto reply = answer(link, message);
  if (!reply.empty())
    (void)link->send(reply);
}

std::string peer_agent::answer(const std::shared_ptr<channel>& link, const std::string& message) {
  std::string reply;
  auto r = read_message(message, [&](PeerMessage::Reader m) -> result<void> {
    if (!m.isRequest())
      return success();  // the director sends requests only; anything else is ignored
    auto req = m.getRequest();
    const auto id = as_string(req.getId());
    capnp::MallocMessageBuilder out;
    auto resp = out.initRoot<PeerMessage>().initResponse();
    resp.setId(req.getId());
    resp.setServer(opts_.id);
    auto error = [&](const std::string& code, const std::string& why) {
      auto e = resp.initError();
      e.setCode(code);
      e.setMessage(why);
    };
    auto stamp = [&] {
      resp.setAppliedOffset(view_.applied_offset());
      resp.setRevision(view_.with_replica([](const kv::replica& rp) { return rp.rev(); }));
    };
    std::chrono::milliseconds budget(req.getTimeoutMs() ? req.getTimeoutMs() : opts_.write_timeout.count());
    budget = std::min(budget, opts_.write_timeout);

    if (req.isStatus()) {
      stamp();
      resp.setOk();
    } else if (!serving()) {
      stamp();
      error("not_member", opts_.id + " is not a management server now");
    } else if (req.isGet() || req.isRange()) {
      if (req.getLinearizable()) {
        // etcd's ReadIndex: the head now, then wait until the replica has it.
        auto head = writer_->head(view_.kv_topic(), opts_.cluster);
        if (!head) {
          error("unavailable", head.error().message());
          reply = encode(out);
          return success();
        }
        if (!view_.wait_applied(head.value(), std::min(budget / 2, std::chrono::milliseconds(2000)))) {
          stamp();
          error("not_caught_up", opts_.id + " has applied up to " + std::to_string(view_.applied_offset()) +
                                     ", the head is " + std::to_string(head.value()));
          reply = encode(out);
          return success();
        }
      }
      view_.with_replica([&](const kv::replica& rp) {
        resp.setAppliedOffset(view_.applied_offset());
        resp.setRevision(rp.rev());
        if (req.isGet()) {
          const std::string key = req.getGet().cStr();
          if (const auto* v = rp.get(key))
            fill(resp.initKvs(1)[0], key, *v);
          else
            resp.initKvs(0);
        } else {
          auto got = rp.range(req.getRange().getPrefix().cStr(), req.getRange().getLimit());
          auto list = resp.initKvs(static_cast<unsigned>(got.kvs.size()));
          for (std::size_t i = 0; i < got.kvs.size(); ++i)
            fill(list[static_cast<unsigned>(i)], got.kvs[i].first, got.kvs[i].second);
        }
        resp.setOk();
      });
    } else if (req.isWrite()) {
      std::array<std::uint8_t, 16> cid{};
      if (id.size() != cid.size()) {
        error("bad_request", "a request id is 16 bytes");
        reply = encode(out);
        return success();
      }
      std::memcpy(cid.data(), id.data(), cid.size());
      auto write = req.getWrite();
      // A retry (same id) of a write this replica already saw decided needs no new append.
      if (!view_.outcomes().find(id)) {
        auto sent = writer_->submit(kv::entity::kind, opts_.cluster, cid,
                                    [&](schema::Envelope::Builder e) { e.getPayload().setKvCommand(write); });
        if (!sent) {
          stamp();
          error("unavailable", "appending the command: " + sent.error().message());
          reply = encode(out);
          return success();
        }
      }
      auto o = view_.outcomes().wait(id, budget - std::min(budget / 4, std::chrono::milliseconds(500)));
      stamp();
      if (!o) {
        error("timeout", "no outcome within " + std::to_string(budget.count()) + " ms (the command is in the log)");
      } else if (o->accepted) {
        resp.setRevision(o->revision);
        resp.setDeleted(o->deleted);
        resp.setOk();
      } else if (o->code == "key_not_found") {
        resp.setDeleted(0);  // etcd: deleting nothing succeeds, deleted = 0
        resp.setOk();
      } else {
        error(o->code, o->reason);
      }
    } else if (req.isWatch()) {
      std::lock_guard lock(watches_mutex_);
      const auto wid = next_watch_++;
      kv::watch_spec spec{req.getWatch().getPrefix().cStr(), true, req.getWatch().getStartRevision()};
      // The revision answered is the one the watch was registered at, read
      // under the same lock: a watch from "now" starts at the next one, and
      // the director resumes it from there. Read after the lock, it could be
      // a revision applied meanwhile -- one the watch delivers, and the
      // director would then drop as already seen.
      kv::revision registered_at = 0;
      auto backlog = view_.with_replica([&](kv::replica& rp) {
        auto b = rp.add_watch(wid, spec);
        registered_at = rp.rev();
        return b;
      });
      stamp();
      resp.setRevision(registered_at);
      if (!backlog) {
        const auto oldest = view_.with_replica([](const kv::replica& rp) { return rp.oldest_revision(); });
        error("compacted", backlog.error().message() + "; the oldest revision kept is " + std::to_string(oldest));
        reply = encode(out);
        return success();
      }
      watches_[wid] = watch{id, link};
      resp.setOk();
      // The answer and the backlog go out before any later change (deliver()
      // waits for watches_mutex_), so the watcher sees every change in order.
      (void)link->send(encode(out));
      for (auto& msg : watch_messages(id, opts_.id, backlog.value()))
        (void)link->send(msg);
      return success();
    } else if (req.isCancelWatch()) {
      std::lock_guard lock(watches_mutex_);
      for (auto it = watches_.begin(); it != watches_.end(); ++it)
        if (it->second.request_id == id) {
          view_.with_replica([&](kv::replica& rp) { return rp.cancel_watch(it->first); });
          watches_.erase(it);
          break;
        }
      stamp();
      resp.setOk();
    } else {
      error("bad_request", "unknown request");
    }
    reply = encode(out);
    return success();
  });
  if (!r)
    spdlog::warn("peer {}: refused a message: {}", opts_.id, r.error().message());
  return reply;
}

void peer_agent::deliver(std::vector<kv::delivery> deliveries) {
  std::lock_guard lock(watches_mutex_);
  for (auto& d : deliveries) {
    auto it = watches_.find(d.watch);
    if (it == watches_.end())
      continue;
    for (auto& msg : watch_messages(it->second.request_id, opts_.id, d.changes))
      (void)it->second.link->send(msg);
  }
}

void peer_agent::drop_watches_of(const std::shared_ptr<channel>& link) {
  std::lock_guard lock(watches_mutex_);
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (it->second.link == link) {
      view_.with_replica([&](kv::replica& rp) { return rp.cancel_watch(it->first); });
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace storemesh::actors::coordination
