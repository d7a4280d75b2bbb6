#pragma once
// Which process serves a state directory now.
//
// Kafka answers a daemon whose transactional id has a newer epoch
// PRODUCER_FENCED in two cases it does not tell apart: another process took
// the id (a second daemon started on the same state while the first hangs
// on: the first must stop, or the two would fence each other in turn), or
// the transaction coordinator bumped the epoch itself when it aborted a
// transaction it timed out (a broker outage or a pause longer than the
// transaction timeout: nobody else is there, and the daemon must carry on
// with a new client). Every start claims the state with a fresh token in
// `instance`; a fenced daemon whose token is still there was fenced by the
// coordinator.

#include "events/error.hpp"

#include <filesystem>
#include <string>

namespace storemesh::ops {

class instance_claim {
public:
  /// Writes a fresh token to STATE_DIR/instance (replacing any other).
  [[nodiscard]] static result<instance_claim> take(const std::filesystem::path& state_dir);

  /// Whether no later start has claimed the state since (read anew).
  [[nodiscard]] result<bool> still_ours() const;

  [[nodiscard]] const std::string& token() const { return token_; }

private:
  instance_claim(std::filesystem::path file, std::string token) : file_(std::move(file)), token_(std::move(token)) {}

  std::filesystem::path file_;
  std::string token_;
};

} // namespace storemesh::ops
