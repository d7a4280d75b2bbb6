#pragma once
// Numbers and sizes as an operator types them, in flags and config files.
// A bad one is a cli_error naming where it came from.

#include <cstdint>
#include <string>

namespace storemesh::ops {

/// A finite decimal number.
[[nodiscard]] double parse_number(const std::string& where, const std::string& key, const std::string& text);
/// "200", "100M", "100MiB", "2G": bytes (suffixes are powers of 1024, like --max-rate).
[[nodiscard]] std::uint64_t parse_size(const std::string& where, const std::string& key, const std::string& text);

} // namespace storemesh::ops
