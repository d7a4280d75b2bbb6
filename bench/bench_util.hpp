#pragma once
// What every measurement group of bench_log shares: its options, the scratch
// directory, timing (best of N, steady_clock), and the table it prints.
//
// Every row of the table is a figure beside a reference measured in the same
// run, and their ratio (figure / reference, both as rates: < 1 means slower
// than the reference).

#include "events/error.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace storemesh::bench {

struct options {
  std::filesystem::path dir;      // scratch directory, ours, removed at exit
  std::uint64_t events = 1'000'000;  // replay data set size
  bool quick = false;
  int runs = 3;                   // best of
};

// -- errors: thrown away at the process edge -------------------------------------

/// Prints "bench_log: <what>", removes the scratch directory, exits 1.
[[noreturn]] void fail(const std::string& what);
/// The directory fail() removes (the one main() created).
void set_scratch_dir(const std::filesystem::path& dir);

/// The value of `r`, or fail() with its error.
template <class T>
T must(result<T> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().message());
  if constexpr (!std::is_void_v<T>) return std::move(r).value();
}

// -- files ------------------------------------------------------------------------

/// syncfs(2) of the file system holding `dir`: no writeback left to run
/// behind the next measurement.
void sync_tree(const std::filesystem::path& dir);
/// Total size of the regular files under `dir`.
[[nodiscard]] std::uint64_t tree_bytes(const std::filesystem::path& dir);

// -- timing ----------------------------------------------------------------------

using clock = std::chrono::steady_clock;

[[nodiscard]] inline double seconds_since(clock::time_point t0) {
  return std::chrono::duration<double>(clock::now() - t0).count();
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
template <class T>
inline void keep(const T& v) {
  asm volatile("" : : "g"(&v) : "memory");
}

// -- the table -------------------------------------------------------------------

/// A rate: how many `unit`s per second (e.g. 1.2e6 "ev/s"), with an optional
/// second figure (e.g. MB/s) printed beside it.
struct rate {
  double per_second = 0;
  const char* unit = "/s";
  double mb_per_second = -1;  // < 0: not shown
};

[[nodiscard]] inline rate per_second(double items, double seconds, const char* unit, double bytes = -1) {
  return rate{items / seconds, unit, bytes < 0 ? -1 : bytes / seconds / 1e6};
}

struct row {
  row(std::string w, rate f, std::string r, rate rf, std::string n = {})
      : what(std::move(w)), figure(f), reference(std::move(r)), ref(rf), note(std::move(n)) {}

  std::string what;
  rate figure;
  std::string reference;  // what the reference is
  rate ref;
  std::string note;       // optional, printed under the row
};

/// Prints the rows of one group under a title, aligned.
void print_group(const std::string& title, const std::vector<row>& rows);
/// "1.23M", "45.6k", "789": three significant digits.
[[nodiscard]] std::string human(double v);
[[nodiscard]] std::string format_rate(const rate& r);

} // namespace storemesh::bench
