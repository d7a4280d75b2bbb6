#pragma once
// What a benchmark prints about the machine it ran on, so that a figure can be
// read against its hardware and load.

#include <filesystem>
#include <string>

namespace storemesh::bench {

/// "model name" from /proc/cpuinfo.
[[nodiscard]] std::string cpu_model();
/// The first line of a (proc) file, e.g. /proc/loadavg.
[[nodiscard]] std::string first_line(const char* file);
/// The file system under `dir`, with a warning where fsync figures mean nothing.
[[nodiscard]] std::string fs_type(const std::filesystem::path& dir);
/// The command line, quoted so that it can be pasted back into a shell.
[[nodiscard]] std::string command_line(int argc, char** argv);

} // namespace storemesh::bench
