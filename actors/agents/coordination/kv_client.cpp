#include "actors/agents/coordination/kv_client.hpp"

#include "actors/agents/coordination/command_writer.hpp"
#include "actors/agents/coordination/coordination_errc.hpp"

namespace storemesh::actors::coordination {

using schema::coordination::PeerMessage;

result<std::unique_ptr<kv_client>> kv_client::open(std::shared_ptr<channel> link, std::string name) {
  auto hello = encode_with([&](PeerMessage::Builder m) {
    auto h = m.initHello();
    h.setPeer(name);
    h.setRole("client");
  });
  SM_TRYV(link->send(hello));
  std::unique_ptr<kv_client> c(new kv_client(std::move(link)));
  c->reader_ = std::thread([p = c.get()] { p->read_loop(); });
  return c;
}

kv_client::~kv_client() {
  stop_ = true;
  link_->close("client done");
  if (reader_.joinable())
    reader_.join();
}

void kv_client::on_watch_event(std::function<void(const std::string&)> f) {
  std::lock_guard lock(mutex_);
  on_watch_ = std::move(f);
}

std::string kv_client::broken() const {
  std::lock_guard lock(mutex_);
  return broken_;
}

void kv_client::read_loop() {
  while (!stop_) {
    auto got = link_->receive(std::chrono::milliseconds(200));
    if (!got) {
      std::lock_guard lock(mutex_);
      broken_ = got.error().message();
      answered_.notify_all();
      return;
    }
    if (!got.value())
      continue;
    const std::string& bytes = *got.value();
    std::string id;
    bool watch_event = false;
    (void)read_message(bytes, [&](PeerMessage::Reader m) -> result<void> {
      if (m.isResponse())
        id = as_string(m.getResponse().getId());
      else if (m.isWatchEvent())
        watch_event = true;
      return success();
    });
    std::lock_guard lock(mutex_);
    if (watch_event && on_watch_) {
      on_watch_(bytes);
    } else if (!id.empty() && waiting_.count(id)) {
      answers_[id] = bytes;
      answered_.notify_all();
    }
  }
}

result<std::string> kv_client::call(const request_fill& fill, std::chrono::milliseconds timeout, std::string id) {
  if (id.empty()) {
    auto fresh = command_writer::new_id();
    id.assign(reinterpret_cast<const char*>(fresh.data()), fresh.size());
  }
  auto msg = encode_with([&](PeerMessage::Builder m) {
    auto r = m.initRequest();
    r.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(id.data()), id.size()));
    r.setTimeoutMs(static_cast<std::uint32_t>(timeout.count()));
    fill(r);
  });
  {
    std::lock_guard lock(mutex_);
    waiting_[id] = true;
  }
  if (auto sent = link_->send(msg); !sent) {
    std::lock_guard lock(mutex_);
    waiting_.erase(id);
    return sent.error();
  }
  std::unique_lock lock(mutex_);
  // The director answers within the request's own timeout; a little more
  // here so that its answer, not our impatience, says what happened.
  const bool got = answered_.wait_for(lock, timeout + std::chrono::seconds(2),
                                      [&] { return answers_.count(id) || !broken_.empty(); });
  waiting_.erase(id);
  if (!got)
    return make_error(coordination_errc::timeout, "no answer from the director");
  auto it = answers_.find(id);
  if (it == answers_.end())
    return make_error(coordination_errc::link_closed, broken_);
  auto out = std::move(it->second);
  answers_.erase(it);
  return out;
}

} // namespace storemesh::actors::coordination
