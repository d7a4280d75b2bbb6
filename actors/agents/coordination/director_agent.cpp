#include "actors/agents/coordination/director_agent.hpp"

#include "actors/agents/coordination/messages.hpp"
#include "services/tunnels/director/monitor.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace storemesh::actors::coordination {

namespace cl = services::cluster;
namespace kv = services::kv;
namespace dr = services::director;
using schema::coordination::PeerMessage;

namespace {

using outbox = std::vector<std::pair<std::shared_ptr<channel>, std::string>>;

void flush(outbox& out) {
  for (auto& [link, bytes] : out)
    (void)link->send(bytes);
  out.clear();
}

/// Hands every message of the link to f until it closes; returns why it closed.
std::string pump(channel& link, const std::function<void(std::string)>& f) {
  for (;;) {
    auto got = link.receive(std::chrono::milliseconds(500));
    if (!got)
      return got.error().message();
    if (got.value())
      f(std::move(*got.value()));
  }
}

bool retryable(const std::string& code) {
  return code == "not_member" || code == "not_caught_up" || code == "unavailable" || code == "timeout";
}

std::string error_response(const std::string& id, const std::string& code, const std::string& why,
                           std::uint32_t attempts) {
  return encode_with([&](PeerMessage::Builder m) {
    auto r = m.initResponse();
    r.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(id.data()), id.size()));
    r.setServer("director");
    r.setAttempts(attempts);
    auto e = r.initError();
    e.setCode(code);
    e.setMessage(why);
  });
}

/// The last event of a watch that ended: nothing follows it.
std::string canceled_event(const std::string& id, const std::string& server, const std::string& why) {
  return encode_with([&](PeerMessage::Builder m) {
    auto w = m.initWatchEvent();
    w.setWatchId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(id.data()), id.size()));
    w.setServer(server);
    w.initChanges(0);
    w.setCanceled(why);
  });
}

std::string hex_id(const std::string& id) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : id) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

} // namespace

struct director_agent::peer_link {
  std::string id;
  std::shared_ptr<channel> link;
  std::int64_t applied = 0;
  std::uint64_t revision = 0;
  bool serving = false;
  std::int64_t opened_ns = 0;
};

struct director_agent::pending {
  std::string id;
  std::shared_ptr<channel> client;
  std::string request;  ///< the client's message, sent on as it came (a resumed watch: rewritten)
  dr::request_class what = dr::request_class::read;
  std::vector<std::string> tried;
  std::string at;  ///< the server it waits on; empty: none could take it yet
  std::int64_t attempt_deadline = 0;
  std::int64_t deadline = 0;
  std::uint32_t attempts = 0;
  bool resume = false;  ///< a watch moved to another server: its answer is not the client's business
};

struct director_agent::watch {
  std::string id;
  std::shared_ptr<channel> client;
  std::string server;
  std::string request;           ///< the original watch request
  std::uint64_t next_revision = 0;  ///< the first revision the client has not seen
};

director_agent::director_agent(director_options opts, std::unique_ptr<events::event_log> read_log,
                               std::unique_ptr<command_writer> writer, topics names)
    : opts_(std::move(opts)), writer_(std::move(writer)),
      view_(std::move(read_log), std::move(names), cluster_view::options{opts_.cluster, -1}),
      pacer_(1'000'000'000) {}

director_agent::~director_agent() {
  stopping_ = true;
  std::vector<std::shared_ptr<channel>> links;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, p] : peers_)
      links.push_back(p->link);
    for (auto& c : clients_)
      links.push_back(c);
  }
  for (auto& l : links)
    l->close("director stopping");
  std::lock_guard lock(threads_mutex_);
  for (auto& t : readers_)
    if (t.joinable())
      t.join();
  view_.stop();
}

bool director_agent::allowed(const std::array<std::uint8_t, 32>& key) const {
  cl::public_key k;
  k.bytes = key;
  return view_.with_cluster([&](const cl::state& s) { return s.allowed(k); });
}

void director_agent::adopt(std::shared_ptr<channel> link) {
  std::lock_guard lock(threads_mutex_);
  if (stopping_) {
    link->close("director stopping");
    return;
  }
  readers_.emplace_back([this, link] { read_loop(link); });
}

void director_agent::read_loop(std::shared_ptr<channel> link) {
  // The first message says who the initiator is; the cluster must agree that
  // the key the handshake proved is that peer's.
  auto first = link->receive(opts_.hello_timeout);
  if (!first || !first.value()) {
    link->close("no hello");
    return;
  }
  std::string peer, role;
  auto r = read_message(*first.value(), [&](PeerMessage::Reader m) -> result<void> {
    if (!m.isHello())
      return success();
    peer = m.getHello().getPeer().cStr();
    role = m.getHello().getRole().cStr();
    return success();
  });
  cl::public_key key;
  const bool parsed = cl::parse_key_hex(link->peer_key(), key);
  const std::string owner = view_.with_cluster([&](const cl::state& s) {
    auto keys = s.allowed_keys();
    auto it = parsed ? keys.find(key) : keys.end();
    return it == keys.end() ? std::string() : it->second;
  });
  // A client is who its key says (any name it gives is for the log line);
  // a peer must name itself as the cluster does.
  if (r && role == "client" && !owner.empty())
    peer = owner;
  if (!r || peer.empty() || owner != peer || (role != "peer" && role != "client")) {
    spdlog::warn("director: refused a tunnel: hello from '{}' as '{}', but its key belongs to '{}'", peer, role,
                 owner);
    link->close("hello does not match the key");
    return;
  }
  const auto opened = events::envelope::now_ns();
  if (role == "client") {
    {
      std::lock_guard lock(mutex_);
      clients_.insert(link);
    }
    spdlog::debug("director: client {} connected (handshake {})", peer, link->handshake_hash());
    record_tunnel(peer, link->handshake_hash(), true, "");
    const auto why = pump(*link, [&](std::string m) { on_client_message(link, std::move(m)); });
    client_closed(link);
    record_tunnel(peer, link->handshake_hash(), false, why);
    return;
  }

  std::shared_ptr<channel> replaced;
  {
    std::lock_guard lock(mutex_);
    auto p = std::make_shared<peer_link>();
    p->id = peer;
    p->link = link;
    p->opened_ns = opened;
    auto& slot = peers_[peer];
    if (slot)
      replaced = slot->link;
    slot = p;
  }
  if (replaced)
    replaced->close("replaced by a new tunnel from the same peer");
  spdlog::info("director: tunnel from {} open (handshake {})", peer, link->handshake_hash());
  record_tunnel(peer, link->handshake_hash(), true, "");
  const auto why = pump(*link, [&](std::string m) { on_peer_message(peer, link, std::move(m)); });
  link_closed(peer, link);
  record_tunnel(peer, link->handshake_hash(), false, why);
}

void director_agent::on_peer_message(const std::string& peer, const std::shared_ptr<channel>& link,
                                     std::string message) {
  outbox out;
  std::vector<std::string> retry;
  auto r = read_message(message, [&](PeerMessage::Reader m) -> result<void> {
    std::lock_guard lock(mutex_);
    auto pit = peers_.find(peer);
    if (pit == peers_.end() || pit->second->link != link)
      return success();  // a replaced tunnel's last words
    if (m.isHeartbeat()) {
      auto h = m.getHeartbeat();
      pit->second->applied = h.getAppliedOffset();
      pit->second->revision = h.getRevision();
      pit->second->serving = h.getServing();
      const auto interval = view_.with_cluster([](const cl::state& s) { return s.config.heartbeat_interval_ns; });
      detector(peer, interval).heartbeat(events::envelope::now_ns());
    } else if (m.isResponse()) {
      auto resp = m.getResponse();
      const auto id = as_string(resp.getId());
      auto it = pending_.find(id);
      if (it == pending_.end() || it->second->at != peer)
        return success();  // answered elsewhere already, or given up on
      auto& p = *it->second;
      if (resp.isError() && retryable(resp.getError().getCode().cStr())) {
        p.tried.push_back(peer);
        p.at.clear();
        retry.push_back(id);
        return success();
      }
      if (p.what == dr::request_class::watch) {
        auto w = watches_.find(id);
        if (resp.isOk() && w != watches_.end()) {
          w->second->server = peer;
          if (w->second->next_revision == 0)
            w->second->next_revision = resp.getRevision() + 1;
        } else if (w != watches_.end()) {
          // Refused for good (e.g. compacted). A first request: the client
          // reads the refusal. A watch being moved: its client asked long
          // ago, so it is told by a last watch event, instead of being left
          // with a watch nobody serves.
          if (p.resume) {
            std::string why = "refused";
            if (resp.isError())
              why = std::string(resp.getError().getCode().cStr()) + ": " + resp.getError().getMessage().cStr();
            out.emplace_back(p.client, canceled_event(id, peer,
                                                      "could not resume the watch at revision " +
                                                          std::to_string(w->second->next_revision) + ": " + why));
          }
          watches_.erase(w);
        }
      }
      if (!p.resume) {
        capnp::MallocMessageBuilder copy;
        auto root = copy.initRoot<PeerMessage>();
        root.setResponse(resp);
        root.getResponse().setAttempts(p.attempts);
        out.emplace_back(p.client, encode(copy));
      }
      pending_.erase(it);
    } else if (m.isWatchEvent()) {
      auto ev = m.getWatchEvent();
      auto w = watches_.find(as_string(ev.getWatchId()));
      if (w == watches_.end() || w->second->server != peer)
        return success();
      // A server that took over replays from next_revision: drop what the
      // client has seen (a change at an older revision).
      capnp::MallocMessageBuilder copy;
      auto root = copy.initRoot<PeerMessage>();
      root.setWatchEvent(ev);
      auto changes = ev.getChanges();
      std::vector<unsigned> keep;
      for (unsigned i = 0; i < changes.size(); ++i)
        if (changes[i].getKv().getModRevision() >= w->second->next_revision)
          keep.push_back(i);
      if (keep.empty())
        return success();
      auto list = root.getWatchEvent().initChanges(static_cast<unsigned>(keep.size()));
      for (unsigned i = 0; i < keep.size(); ++i)
        list.setWithCaveats(i, changes[keep[i]]);
      w->second->next_revision = changes[keep.back()].getKv().getModRevision() + 1;
      out.emplace_back(w->second->client, encode(copy));
    }
    return success();
  });
  if (!r)
    spdlog::warn("director: bad message from {}: {}", peer, r.error().message());
  flush(out);
  for (const auto& id : retry)
    dispatch(id);
}

void director_agent::on_client_message(const std::shared_ptr<channel>& link, std::string message) {
  outbox out;
  std::string to_dispatch;
  auto r = read_message(message, [&](PeerMessage::Reader m) -> result<void> {
    if (!m.isRequest())
      return success();
    auto req = m.getRequest();
    const auto id = as_string(req.getId());
    const auto now = events::envelope::now_ns();
    std::lock_guard lock(mutex_);
    if (req.isStatus()) {
      out.emplace_back(link, encode_with([&](PeerMessage::Builder b) {
                         auto resp = b.initResponse();
                         resp.setId(req.getId());
                         resp.setServer(opts_.name);
                         resp.setHeadOffset(head_);
                         std::vector<std::string> ids;
                         view_.with_cluster([&](const cl::state& s) {
                           for (const auto& [pid, p] : s.peers)
                             if (p.role != cl::role::removed)
                               ids.push_back(pid);
                           return 0;
                         });
                         auto list = resp.initPeers(static_cast<unsigned>(ids.size()));
                         for (unsigned i = 0; i < ids.size(); ++i) {
                           auto ps = list[i];
                           ps.setId(ids[i]);
                           auto d = detectors_.find(ids[i]);
                           const auto last = d == detectors_.end() ? std::nullopt : d->second.last_heartbeat_ns();
                           ps.setPhi(d == detectors_.end() ? 0 : d->second.phi(now));
                           ps.setSinceHeartbeatMs(last && *last > started_ns_ ? (now - *last) / 1'000'000 : -1);
                           auto p = peers_.find(ids[i]);
                           ps.setConnected(p != peers_.end());
                           if (p != peers_.end()) {
                             ps.setAppliedOffset(p->second->applied);
                             ps.setRevision(p->second->revision);
                             ps.setServing(p->second->serving);
                             ps.setHandshakeHash(p->second->link->handshake_hash());
                           }
                         }
                         resp.setOk();
                       }));
      return success();
    }
    if (req.isCancelWatch()) {
      auto w = watches_.find(id);
      if (w != watches_.end()) {
        auto s = peers_.find(w->second->server);
        if (s != peers_.end())
          out.emplace_back(s->second->link, message);
        watches_.erase(w);
      }
      pending_.erase(id);
      out.emplace_back(link, encode_with([&](PeerMessage::Builder b) {
                         auto resp = b.initResponse();
                         resp.setId(req.getId());
                         resp.setServer(opts_.name);
                         resp.setOk();
                       }));
      return success();
    }
    if (id.size() != 16 || pending_.count(id) || watches_.count(id)) {
      out.emplace_back(link, error_response(id, "bad_request", "a request id is 16 fresh bytes", 0));
      return success();
    }
    auto p = std::make_shared<pending>();
    p->id = id;
    p->client = link;
    p->request = message;
    p->what = req.isWrite()   ? dr::request_class::write
              : req.isWatch() ? dr::request_class::watch
              : req.getLinearizable() ? dr::request_class::linearizable_read
                                      : dr::request_class::read;
    const auto budget = req.getTimeoutMs() ? std::chrono::milliseconds(req.getTimeoutMs()) : opts_.request_timeout;
    p->deadline = now + std::chrono::duration_cast<std::chrono::nanoseconds>(budget).count();
    pending_[id] = p;
    if (p->what == dr::request_class::watch) {
      auto w = std::make_shared<watch>();
      w->id = id;
      w->client = link;
      w->request = message;
      w->next_revision = req.getWatch().getStartRevision();
      watches_[id] = w;
    }
    to_dispatch = id;
    return success();
  });
  if (!r)
    out.emplace_back(link, error_response("", "bad_request", r.error().message(), 0));
  flush(out);
  if (!to_dispatch.empty())
    dispatch(to_dispatch);
}

void director_agent::dispatch(const std::string& id) {
  outbox out;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end())
      return;
    auto& p = *it->second;
    const auto now = events::envelope::now_ns();
    if (now >= p.deadline && p.resume) {
      // A watch moving to another server has no deadline of its own: its
      // client is still connected and waiting for changes. Dropping the
      // pending move would leave the watch served by nobody, silently; so it
      // keeps being offered, a round at a time, until a server takes it or
      // the client goes.
      spdlog::warn("director: no management server took the watch {} within {} ms (tried {}); trying on",
                   hex_id(id), opts_.request_timeout.count(), p.attempts);
      p.deadline = now + std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.request_timeout).count();
    }
    if (now >= p.deadline) {
      out.emplace_back(p.client, error_response(id, "unavailable",
                                                "no management server answered in time (tried " +
                                                    std::to_string(p.attempts) + ")",
                                                p.attempts));
      if (p.what == dr::request_class::watch)
        watches_.erase(id);
      pending_.erase(it);  // p dies with it: nothing of it is read after this
    } else {
      std::vector<dr::server_view> servers;
      view_.with_cluster([&](const cl::state& s) {
        const double threshold = s.config.phi_threshold;
        for (const auto& m : s.members()) {
          auto l = peers_.find(m);
          if (l == peers_.end())
            continue;
          auto d = detectors_.find(m);
          dr::server_view v;
          v.id = m;
          v.member = true;
          v.healthy = d != detectors_.end() && d->second.phi(now) < threshold;
          v.applied_offset = l->second->applied;
          servers.push_back(std::move(v));
        }
        return 0;
      });
      auto order = dr::route(servers, p.what, head_, opts_.routing, p.tried);
      if (order.empty() && !p.tried.empty()) {
        // Everyone has been tried: start the round again (a server that was
        // catching up may be at the head now).
        p.tried.clear();
        order = dr::route(servers, p.what, head_, opts_.routing, p.tried);
      }
      if (order.empty()) {
        p.at.clear();  // the ticker tries again
      } else {
        p.at = order.front();
        ++p.attempts;
        const auto attempt = std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.attempt_timeout).count();
        p.attempt_deadline = std::min(p.deadline, now + attempt);
        out.emplace_back(peers_[p.at]->link, p.request);
      }
    }
  }
  flush(out);
}

void director_agent::link_closed(const std::string& peer, const std::shared_ptr<channel>& link) {
  std::vector<std::string> retry;
  outbox out;
  {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(peer);
    if (it != peers_.end() && it->second->link == link)
      peers_.erase(it);
    for (auto& [id, p] : pending_)
      if (p->at == peer) {
        p->tried.push_back(peer);
        p->at.clear();
        retry.push_back(id);
      }
    // Watches served there move on, resuming at the first revision the
    // client has not seen.
    for (auto& [id, w] : watches_) {
      if (w->server != peer || pending_.count(id))
        continue;
      capnp::MallocMessageBuilder copy;
      bool ok = read_message(w->request, [&](PeerMessage::Reader m) -> result<void> {
                  auto root = copy.initRoot<PeerMessage>();
                  root.setRequest(m.getRequest());
                  root.getRequest().getWatch().setStartRevision(w->next_revision);
                  return success();
                }).has_value();
      if (!ok)
        continue;
      auto p = std::make_shared<pending>();
      p->id = id;
      p->client = w->client;
      p->request = encode(copy);
      p->what = dr::request_class::watch;
      p->tried.push_back(peer);
      p->resume = true;
      p->deadline = events::envelope::now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.request_timeout).count();
      w->server.clear();
      pending_[id] = p;
      retry.push_back(id);
    }
  }
  spdlog::info("director: tunnel from {} closed", peer);
  for (const auto& id : retry)
    dispatch(id);
}

void director_agent::client_closed(const std::shared_ptr<channel>& link) {
  outbox out;
  {
    std::lock_guard lock(mutex_);
    clients_.erase(link);
    for (auto it = pending_.begin(); it != pending_.end();)
      it = it->second->client == link ? pending_.erase(it) : std::next(it);
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (it->second->client != link) {
        ++it;
        continue;
      }
      auto s = peers_.find(it->second->server);
      if (s != peers_.end())
        out.emplace_back(s->second->link, encode_with([&](PeerMessage::Builder b) {
                           auto req = b.initRequest();
                           req.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(it->first.data()),
                                                         it->first.size()));
                           req.setCancelWatch();
                         }));
      it = watches_.erase(it);
    }
  }
  flush(out);
  link->close("client gone");
}

cl::phi_accrual& director_agent::detector(const std::string& id, std::int64_t interval) {
  auto d = detectors_.find(id);
  if (d != detectors_.end())
    return d->second;
  if (interval <= 0)
    interval = 100'000'000;
  cl::phi_settings ps;
  ps.first_heartbeat_estimate_ns = interval;
  ps.min_std_dev_ns = std::max<std::int64_t>(interval / 2, 10'000'000);
  ps.acceptable_pause_ns = opts_.acceptable_pause_ns;
  d = detectors_.emplace(id, cl::phi_accrual(ps)).first;
  // Heard of before heard from: count from now, so that a peer that never
  // shows up is suspected like one that went silent (Akka's bootstrap).
  d->second.heartbeat(events::envelope::now_ns());
  return d->second;
}

void director_agent::run(const std::atomic<bool>& stop) {
  started_ns_ = events::envelope::now_ns();
  view_.start();
  while (!stop) {
    std::this_thread::sleep_for(opts_.tick);
    tick();
  }
}

void director_agent::tick() {
  const auto now = events::envelope::now_ns();
  if (!view_.caught_up_once())
    return;  // roles and keys may be stale: judge nobody yet
  if (!swept_) {
    swept_ = true;
    close_tunnels_of_a_previous_run();
  }
  if (now - head_checked_ns_ > 200'000'000) {
    auto h = writer_->head(view_.kv_topic(), opts_.cluster);
    std::lock_guard lock(mutex_);
    if (h)
      head_ = h.value();
    head_checked_ns_ = now;
  }
  std::vector<std::string> retry;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, p] : pending_)
      if (p->at.empty() || now >= p->attempt_deadline) {
        if (!p->at.empty())
          p->tried.push_back(p->at);
        p->at.clear();
        retry.push_back(id);
      }
  }
  for (const auto& id : retry)
    dispatch(id);
  if (now - started_ns_ >= std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.startup_grace).count())
    monitor(now);
  expire_leases(now);
  enforce_allow_list();
}

void director_agent::monitor(std::int64_t now) {
  dr::observation o;
  o.observer = opts_.name;
  o.now_ns = now;
  std::vector<cl::command> todo;
  {
    std::lock_guard lock(mutex_);
    o.head_offset = static_cast<std::uint64_t>(std::max<std::int64_t>(0, head_));
    view_.with_cluster([&](const cl::state& s) {
      for (const auto& [id, p] : s.peers) {
        if (p.role == cl::role::removed)
          continue;
        auto& d = detector(id, s.config.heartbeat_interval_ns);
        dr::peer_facts f;
        f.phi = d.phi(now);
        f.last_heartbeat_ns = d.last_heartbeat_ns().value_or(0);
        auto l = peers_.find(id);
        f.applied_offset = l == peers_.end() ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(0, l->second->applied));
        if (l == peers_.end())
          f.last_heartbeat_ns = 0;  // no tunnel: not alive, whatever its detector's bootstrap says
        o.peers[id] = f;
      }
      todo = dr::assess(s, o);
      return 0;
    });
    std::vector<cl::command> admitted;
    for (auto& c : todo)
      if (pacer_.admit(dr::describe(c), now))
        admitted.push_back(std::move(c));
    todo = std::move(admitted);
  }
  for (const auto& c : todo) {
    spdlog::info("director: {}", dr::describe(c));
    auto sent = writer_->submit(cl::entity::kind, opts_.cluster, command_writer::new_id(),
                                [&](schema::Envelope::Builder e) { cl::entity::write_command(c, e); });
    if (!sent)
      spdlog::warn("director: {} not sent: {}", dr::describe(c), sent.error().message());
  }
}

void director_agent::expire_leases(std::int64_t now) {
  const bool due = view_.with_replica([&](const kv::replica& r) {
    for (const auto& [id, l] : r.current().leases)
      if (l.deadline_ns <= now)
        return true;
    return false;
  });
  bool admit;
  {
    std::lock_guard lock(mutex_);
    admit = due && pacer_.admit("expire_leases", now);
  }
  if (!admit)
    return;
  kv::command c = kv::expire_leases{now};
  auto sent = writer_->submit(kv::entity::kind, opts_.cluster, command_writer::new_id(),
                              [&](schema::Envelope::Builder e) { kv::entity::write_command(c, e); });
  if (!sent)
    spdlog::warn("director: expire_leases not sent: {}", sent.error().message());
}

void director_agent::enforce_allow_list() {
  // A peer removed loses its tunnel; a member demoted to a node gets a new one
  // (it reconnects as what it is now).
  std::vector<std::pair<std::shared_ptr<channel>, std::string>> close;
  {
    std::lock_guard lock(mutex_);
    view_.with_cluster([&](const cl::state& s) {
      for (const auto& [id, p] : peers_) {
        const auto* peer = s.find(id);
        if (!peer || peer->role == cl::role::removed)
          close.emplace_back(p->link, "removed from the cluster");
        else if (p->serving && peer->role == cl::role::node)
          close.emplace_back(p->link, "demoted to a node");
      }
      return 0;
    });
  }
  for (auto& [link, why] : close)
    link->close(why);
}

void director_agent::close_tunnels_of_a_previous_run() {
  // Tunnels the log says this director had open, that it does not hold now:
  // a previous run ended without recording their close.
  std::set<std::string> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, p] : peers_)
      live.insert(p->link->handshake_hash());
    for (const auto& c : clients_)
      live.insert(c->handshake_hash());
  }
  auto stale = view_.with_cluster([&](const cl::state& s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& t : s.tunnels)
      if (t.closed_at_ns == 0 && t.with == opts_.name && !live.count(t.handshake_hash))
        out.emplace_back(t.peer, t.handshake_hash);
    return out;
  });
  for (const auto& [peer, hash] : stale)
    record_tunnel(peer, hash, false, "the director restarted");
}

void director_agent::record_tunnel(const std::string& peer, const std::string& hash, bool opened,
                                   const std::string& reason) {
  // Recorded from the tunnel's own reader thread, so its close never
  // overtakes its opening in the log.
  cl::command c = cl::record_tunnel{peer, opts_.name, hash, opened, reason, events::envelope::now_ns()};
  auto sent = writer_->submit(cl::entity::kind, opts_.cluster, command_writer::new_id(),
                              [&](schema::Envelope::Builder e) { cl::entity::write_command(c, e); });
  if (!sent)
    spdlog::warn("director: the tunnel of {} not recorded: {}", peer, sent.error().message());
}

} // namespace storemesh::actors::coordination
