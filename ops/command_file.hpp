#pragma once
// A file of commands, one per line, for `storemesh apply` and
// `storemesh command encode --batch`:
//
//   # comment
//   KIND ID PAYLOAD-JSON
//   host h1 {"hostCommand":{"setState":{"state":"draining","reason":"rack 4"}}}
//
// The payload is JSON as `events tail --json` shows it, checked by the same
// strict parser as `command encode --payload`. The whole file is read and
// checked before anything is signed or appended: a bad line is an error that
// names it, and nothing of the file reaches the log.

#include "ops/command_client.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace storemesh::ops {

struct command_line {
  std::size_t line = 0;  ///< 1-based, for messages
  std::string kind, id, payload;
};

/// Reads and checks every line (known kind, non-empty id, a payload that
/// parses). Throws cli_error (exit 2) naming the first bad line.
[[nodiscard]] std::vector<command_line> read_command_file(const std::filesystem::path& path);

/// The line as a request for command_client.
[[nodiscard]] command_request request_of(const command_line& c);

} // namespace storemesh::ops
