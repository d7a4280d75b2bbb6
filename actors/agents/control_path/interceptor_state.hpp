#pragma once
// What an interceptor's connections share (internal to interceptor*.cpp,
// relay.cpp, control_session.cpp). Everything here runs on the one io
// thread, except the atomics (read by counters()) and the worker pool.

#include "actors/agents/control_path/interceptor.hpp"
#include "actors/agents/control_path/worker_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace storemesh::agents::control_path {

struct interceptor_state {
  interceptor_options opts;
  control_handler handler;
  boost::asio::io_context* io = nullptr;
  std::vector<boost::asio::ip::tcp::endpoint> upstream;  // empty: no upstream, pass-through is closed
  // Not owned: the interceptor stops the pool before the state can go, so
  // a worker never drops the last reference to what owns it.
  worker_pool* pool = nullptr;
  std::atomic<std::size_t> open{0};

  std::atomic<std::uint64_t> accepted{0}, over_limit{0}, control_connections{0}, pass_through_connections{0},
      upstream_failures{0}, requests{0}, replies{0}, refused{0}, busy{0}, bytes_to_upstream{0}, bytes_to_client{0};
};

/// A connection's place under max_connections, given back when the
/// connection object that holds it goes.
class connection_slot {
public:
  connection_slot() = default;
  explicit connection_slot(std::shared_ptr<interceptor_state> s) : s_(std::move(s)) {}
  connection_slot(connection_slot&&) noexcept = default;
  connection_slot& operator=(connection_slot&&) = delete;  // would drop a slot uncounted
  ~connection_slot() {
    if (s_) s_->open.fetch_sub(1);
  }
  [[nodiscard]] interceptor_state& state() const { return *s_; }

private:
  std::shared_ptr<interceptor_state> s_;
};

using bytes = std::vector<std::uint8_t>;

/// Pass-through: connects to the upstream, writes `initial` (what
/// classification read), then relays both ways. client_eof: the client
/// already closed its side (the upstream gets a shutdown(send) after `initial`).
void start_relay(connection_slot slot, boost::asio::ip::tcp::socket client, bytes initial, bool client_eof);

/// Control: `initial` are the first bytes read (they start with "SMCP").
void start_control_session(connection_slot slot, boost::asio::ip::tcp::socket client, bytes initial);

} // namespace storemesh::agents::control_path
