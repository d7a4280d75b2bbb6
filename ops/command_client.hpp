#pragma once
// How the CLI injects a command: build the envelope, sign it, append it to the
// commands topic, then (unless --no-wait) follow the entity's events partition
// and the rejected topic until the outcome appears.

#include "actors/topics.hpp"
#include "events/crypto/keys.hpp"
#include "events/event_log.hpp"
#include "schemas/envelope.capnp.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace storemesh::ops {

struct command_outcome {
  bool accepted = false;
  std::string code;                       ///< rejection code
  std::string reason;                     ///< rejection reason
  std::vector<std::string> event_json;    ///< the events it produced, as JSON
};

struct command_request {
  std::string kind;
  std::string entity_id;
  std::function<void(schema::Envelope::Builder)> fill;  ///< writes the payload
};

class command_client {
public:
  command_client(events::event_log& log, actors::topics names, const events::crypto::key_pair& key)
      : log_(log), names_(std::move(names)), key_(key) {}

  /// Appends the signed command; with wait, blocks for its outcome (or throws
  /// cli_error after `timeout`).
  [[nodiscard]] command_outcome submit(const command_request& request, bool wait,
                                       std::chrono::milliseconds timeout);

  /// Signs the commands by the batch (`batch` commands per signature; a
  /// batch of one is signed alone), appends each to its entity's partition,
  /// and with wait blocks until every one has an outcome (or throws
  /// cli_error after `timeout`). Outcomes in the order of `requests`; their
  /// event_json is left empty (a file of commands can be long).
  [[nodiscard]] std::vector<command_outcome> submit_all(const std::vector<command_request>& requests,
                                                        std::size_t batch, bool wait,
                                                        std::chrono::milliseconds timeout);

private:
  /// submit_all, and with `with_events` each accepted command's events as JSON.
  [[nodiscard]] std::vector<command_outcome> send(const std::vector<command_request>& requests, std::size_t batch,
                                                  bool wait, std::chrono::milliseconds timeout, bool with_events);

  events::event_log& log_;
  actors::topics names_;
  const events::crypto::key_pair& key_;
};

/// Who the CLI's commands say wrote them: "cli@<hostname>".
[[nodiscard]] std::string producer_name();

/// Loads --key / $STOREMESH_KEY, with a clear error when absent.
[[nodiscard]] events::crypto::key_pair load_signing_key(const std::string& path);

} // namespace storemesh::ops
