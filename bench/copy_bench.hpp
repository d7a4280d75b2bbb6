#pragma once
// bench_copy: what its files share. The contenders copy one source file into
// one directory; each is timed best of N, beside its reference.

#include "events/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace storemesh::cbench {

struct options {
  std::filesystem::path dir;           // fresh scratch directory, removed at exit
  std::uint64_t size = 1024ull << 20;  // the source file
  std::uint64_t chunk = 8ull << 20;    // the engine's chunk size
  int runs = 3;                        // best of
};

using clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what);

template <class T>
T must(result<T> r, const std::string& what) {
  if (!r) fail(what + ": " + r.error().message());
  if constexpr (!std::is_void_v<T>) return std::move(r).value();
}

[[nodiscard]] inline double seconds_since(clock::time_point t0) {
  return std::chrono::duration<double>(clock::now() - t0).count();
}

// -- the source (copy_bench_source.cpp) ------------------------------------------

/// Writes `size` pseudo-random bytes (xoshiro256**: incompressible, never
/// repeating, ~0.2 s per GiB) to `file` and fdatasyncs it.
void write_random_file(const std::filesystem::path& file, std::uint64_t size);
/// Reads the whole file, so that it is in the page cache for every contender.
void read_through(const std::filesystem::path& file);

// -- the contenders (copy_bench_runs.cpp) ----------------------------------------

/// One timed run: seconds, and the stages it reports (name, seconds) if any.
struct timing {
  double seconds = 0;
  std::vector<std::pair<std::string, double>> stages;
};

struct contender {
  std::string name;
  std::function<timing()> run;        // copies dir/src; the source is cached, no destination exists
  std::vector<std::filesystem::path> outputs;  // removed before every run
};

/// engine unverified, engine verified, cp, cp + sha256sum, rsync --whole-file.
[[nodiscard]] std::vector<contender> contenders(const options& o);

} // namespace storemesh::cbench
