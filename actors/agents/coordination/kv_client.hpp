#pragma once
// A client of the director: the `kv` CLI, a node's own requests, the
// benchmark. One tunnel, any number of requests in flight (matched by id),
// watch events to a callback. Thread-safe.

#include "actors/agents/coordination/channel.hpp"
#include "actors/agents/coordination/messages.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace storemesh::actors::coordination {

class kv_client {
public:
  /// Says hello as client `name` on an open tunnel to the director.
  [[nodiscard]] static result<std::unique_ptr<kv_client>> open(std::shared_ptr<channel> link, std::string name);
  ~kv_client();

  using request_fill = std::function<void(schema::coordination::Request::Builder)>;

  /// Sends one request (id: 16 bytes; empty: a fresh one) and returns the
  /// response message's bytes (read them with read_message).
  [[nodiscard]] result<std::string> call(const request_fill& fill, std::chrono::milliseconds timeout,
                                         std::string id = {});

  /// Watch events (message bytes) arrive here, on the client's reader thread.
  void on_watch_event(std::function<void(const std::string&)> f);

  [[nodiscard]] const channel& link() const { return *link_; }

  /// Why the tunnel to the director ended (empty while it is open): a
  /// long-lived watch checks it, since no call of its own would notice.
  [[nodiscard]] std::string broken() const;

private:
  explicit kv_client(std::shared_ptr<channel> link) : link_(std::move(link)) {}
  void read_loop();

  std::shared_ptr<channel> link_;
  mutable std::mutex mutex_;
  std::condition_variable answered_;
  std::map<std::string, std::string> answers_;
  std::map<std::string, bool> waiting_;
  std::function<void(const std::string&)> on_watch_;
  std::string broken_;
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

} // namespace storemesh::actors::coordination
