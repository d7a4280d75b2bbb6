#pragma once
// An edge unit's process (`storemesh edge serve`), or the origin's (role
// origin). On loopback, through message_server:
//
//   PUT /v1/slices/<content>.<segment>.<pillar>   X-Storemesh-Delivery: <group>:<content>
//        the slice file (SLICE_FORMAT.md). Checked against the log before it
//        is kept: placed on this edge (404 not_placed, 409 wrong_edge: never
//        here or moved away), its header and payload checksums, and the CRC
//        the plan holds (422 bad_slice); stored durably, then `confirm` to the
//        delivery; 201 once the log accepted it. Confirmed already and held:
//        200, nothing stored or sent again.
//   GET  /v1/slices/<name>      200 + the slice file | 404
//   GET  /v1/content/<name>     origin: the content (Range: bytes=A-B -> 206)
//   GET  /v1/status             what it holds, what it was sent, its counters
//
// At start it reads the log to its end, then attaches (endpoint, place,
// capacity, window size; an edge that was down comes back up) and reports
// its free bytes. At stop it reports itself down.
//
//   created --start()--> serving --stop()--> stopped

#include "actors/agents/edge_unit/edge_view.hpp"
#include "actors/agents/edge_unit/slice_store.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "actors/agents/http/message_server.hpp"
#include "services/delivery/edge_unit.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace storemesh::agents::edge_unit {

struct edge_options {
  std::string name;
  std::string endpoint;  ///< host:port it is reachable at (recorded by attach)
  services::delivery::edge_unit::role role = services::delivery::edge_unit::role::edge;
  services::delivery::location at;
  std::uint64_t capacity_bytes = 0, window_bytes = 0;
  std::filesystem::path dir;  ///< its slices; the origin: the content store
  std::chrono::milliseconds decide_timeout{30'000};
  std::chrono::milliseconds plan_wait{5'000};  ///< for a just-appended plan to reach the view
  std::chrono::milliseconds catch_up_timeout{30'000};
  /// If set, one line per slice request: "<method> <slice> <status> <code>".
  std::filesystem::path request_log;
};

class edge_service {
public:
  edge_service(edge_options o, std::unique_ptr<events::event_log> read_log,
               std::unique_ptr<actors::coordination::command_writer> writer, actors::topics names);
  ~edge_service();
  edge_service(const edge_service&) = delete;
  edge_service& operator=(const edge_service&) = delete;

  [[nodiscard]] result<void> start();
  /// Reports itself down (best effort) and stops reading the log.
  void stop();

  [[nodiscard]] http::response handle(const http::request& r);

private:
  http::response put_slice(const http::request& r, const std::string& name);
  http::response get_slice(const std::string& name);
  http::response get_content(const http::request& r, const std::string& name);
  http::response status();
  /// Appends one command to its own entity or a delivery and waits for the
  /// log's answer: "" when accepted, else "<code>: <reason>".
  std::string submit(std::string_view kind, const std::string& id,
                     const std::function<void(schema::Envelope::Builder)>& fill);
  void note(const std::string& method, const std::string& name, unsigned status, std::string_view code);

  edge_options opts_;
  edge_view view_;
  std::unique_ptr<actors::coordination::command_writer> writer_;
  std::optional<slice_store> store_;
  std::mutex log_mutex_;
  std::ofstream request_log_;
  struct counters {
    std::atomic<std::uint64_t> stored{0}, already{0}, refused{0}, served{0}, served_bytes{0}, origin_bytes{0};
  } counters_;
  bool started_ = false;
};

} // namespace storemesh::agents::edge_unit
