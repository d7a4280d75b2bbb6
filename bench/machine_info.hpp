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

/// "optimised (NDEBUG)", or a warning that the figures mean nothing.
[[nodiscard]] const char* build_kind();
/// The lines every benchmark prints first: its name, the command, the
/// machine (CPU, kernel, load) and the scratch directory with its file system.
void print_header(const char* name, int argc, char** argv, const std::filesystem::path& dir);
/// $TMPDIR, else /tmp: where scratch directories go without --dir.
[[nodiscard]] std::filesystem::path default_scratch_base();
/// A fresh directory BASE/PREFIX-XXXXXX; empty on failure.
[[nodiscard]] std::filesystem::path make_scratch_dir(const std::filesystem::path& base, const std::string& prefix);

} // namespace storemesh::bench
