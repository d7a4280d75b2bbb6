#pragma once
// bench_daemon: what bench_daemon's groups share. Each group measures, then
// prints rows: a figure beside a reference measured in the same run.

#include "events/error.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace storemesh::dbench {

struct options {
  std::filesystem::path dir;          // fresh scratch directory, removed at exit
  std::size_t commands = 20000;       // group 1: pipelined commands per run
  std::size_t hosts = 1000;           // group 1: hosts they are spread over
  std::size_t single = 200;           // group 1: one-at-a-time commands
  std::size_t entity_events = 10000;  // group 2: events of the recovered entity
  std::size_t other_events = 100000;  // group 2: events of other entities, interleaved
  int runs = 3;                       // best of
  bool quick = false;
  std::string kafka;  // bootstrap: run groups 1 and 3 on Kafka (group 1 transactional, as `serve --kafka`)
  bool group = false; // with kafka: as `serve --group`, positions in every transaction
  std::vector<std::size_t> batches{1, 16, 256, 4096};  // group 1: commands per signature, one pass each
  unsigned intake_threads = 0;                          // group 1: the daemon's (0: one per core)
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

/// The q-quantile (0..1) of `v` (sorted in place).
[[nodiscard]] inline double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// One line of a group's table. `ratio` is figure / reference as printed
/// (see the group's header line for which way round); < 0: no ratio.
struct row {
  std::string what;
  std::string figure;
  std::string reference;
  std::string ref_figure;
  double ratio = -1;
  std::string note;
};

void print_table(const std::string& title, const std::vector<row>& rows);
[[nodiscard]] std::string human(double v);  // 3 significant digits, k/M suffix
[[nodiscard]] std::string ms(double seconds);  // "12.3 ms"

void intake_group(const options& o);    // 1. signed-command intake through the daemon
void recovery_group(const options& o);  // 2. recovery of one entity, with and without snapshots
void takeover_group(const options& o);  // 3. a partition of 100k entities restored in one pass

} // namespace storemesh::dbench
