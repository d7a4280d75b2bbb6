// bench_planner: the batch planner on a synthetic fleet of 10,000 groups x
// 100,000 contents x 1,000 edges with ~1M requests of history, timed stage by
// stage as `storemesh delivery plan` runs it.
//
//   bench_planner [--groups N] [--contents N] [--edges N] [--requests N] [--top-n N] [--runs N] [--seed N]
//
// Stages (best and median wall clock of N runs, default 3, and the least CPU time of a run):
//   index      preference_index: the history folded by group, by content, co-occurrence
//   predict    the model's top_n for every group
//   plan       plan_batch with the fitted index: predict + edge selection + schedule, capacity shared
//   total      index + plan: what `delivery plan` costs
//   reference  one pass that only reads every input (history, contents' checksums, edges, groups):
//              the floor any planner pays
// then the plan itself (deliveries, skipped by reason, placements, windows, bytes) and a back-test
// of the model against global popularity on the same history.

#include "bench/bench_args.hpp"
#include "bench/machine_info.hpp"
#include "services/delivery/planning/backtest.hpp"
#include "services/delivery/planning/planner.hpp"
#include "services/delivery/planning/synthetic_history.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

namespace pl = storemesh::services::delivery::planning;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_planner [--groups N] [--contents N] [--edges N] [--requests N] [--top-n N] [--runs N] "
               "[--seed N]\n"
               "  defaults: 10000 groups, 100000 contents, 1000 edges, 1000000 requests over 60 days, top-n 3,\n"
               "  3 runs, seed 1\n");
  std::exit(code);
}

std::uint64_t positive(const char* s) { return storemesh::bench::positive(s, usage); }

struct timing {
  double best = 0, median = 0;  // wall clock, milliseconds
  double cpu = 0;               // the least CPU time of a run (this process), milliseconds
};

double cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Wall and CPU time: on a shared 2-core machine other builds take the CPU away, and the CPU
// time says what the planner itself costs.
timing time_runs(int runs, const std::function<void()>& f) {
  std::vector<double> ms, cpu;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto c0 = cpu_ms();
    f();
    cpu.push_back(cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], *std::min_element(cpu.begin(), cpu.end())};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Reads every byte the planner is given once: the floor.
std::uint64_t read_everything(const pl::plan_input& in) {
  std::uint64_t sum = 0;
  for (const auto& r : in.history)
    sum += r.group.size() + r.content.size() + static_cast<std::uint64_t>(r.at_ns) + r.group[0] + r.content.back();
  for (const auto& c : in.contents) {
    sum += c.name.size() + c.geometry.bytes;
    for (auto crc : c.slice_crc32c)
      sum += crc;
  }
  for (const auto& e : in.edges)
    sum += e.name.size() + e.free_bytes + static_cast<std::uint64_t>(e.at.x_m);
  for (const auto& g : in.groups)
    sum += g.name.size() + static_cast<std::uint64_t>(g.at.y_m);
  return sum;
}

void print_row(const char* name, const timing& t, const timing& ref, const char* note) {
  std::printf("  %-10s %10.1f %10.1f %10.1f %9.1f x %9.1f x  %s\n", name, t.best, t.median, t.cpu,
              t.best / ref.best, t.cpu / ref.cpu, note);
}

} // namespace

int main(int argc, char** argv) {
  pl::synthetic_options o;
  std::uint32_t top_n = 3;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--groups") o.groups = positive(argv[++i]);
    else if (a == "--contents") o.contents = positive(argv[++i]);
    else if (a == "--edges") o.edges = positive(argv[++i]);
    else if (a == "--requests") o.requests = positive(argv[++i]);
    else if (a == "--top-n") top_n = static_cast<std::uint32_t>(positive(argv[++i]));
    else if (a == "--runs") runs = static_cast<int>(positive(argv[++i]));
    else if (a == "--seed") o.seed = positive(argv[++i]);
    else usage(2);
  }

  utsname u{};
  ::uname(&u);
  std::printf("storemesh bench_planner\n");
  std::printf("command: %s\n", storemesh::bench::command_line(argc, argv).c_str());
  std::printf("machine: nproc %ld, %s, Linux %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              storemesh::bench::cpu_model().c_str(), u.release, storemesh::bench::first_line("/proc/loadavg").c_str());
  std::printf("build: %s; best and median of %d runs, one thread, wall clock\n", storemesh::bench::build_kind(), runs);

  auto t0 = std::chrono::steady_clock::now();
  const auto fleet = pl::make_fleet(o);
  std::printf("fleet: %zu groups, %zu contents (%llu..%llu MiB, RS(%u,%u), %llu MiB segments), %zu edges, %zu "
              "requests over %lld days (made in %.1f s, not timed below)\n",
              fleet.groups.size(), fleet.contents.size(), static_cast<unsigned long long>(o.min_bytes >> 20),
              static_cast<unsigned long long>(o.max_bytes >> 20), o.k, o.m,
              static_cast<unsigned long long>(o.segment_bytes >> 20), fleet.edges.size(), fleet.history.size(),
              static_cast<long long>(o.days), seconds_since(t0));

  pl::plan_input in;
  in.groups = fleet.groups;
  in.contents = fleet.contents;
  in.edges = fleet.edges;
  in.history = fleet.history;
  in.settings.top_n = top_n;
  in.settings.window_total_bytes = 512ull << 30;  // off-peak: 512 GiB per window over the fleet
  in.settings.max_windows = 16;
  in.now_ns = fleet.history.back().at_ns + 1;
  std::printf("settings: top-n %u, k + m edges per delivery, window caps %llu GiB per edge and %llu GiB in all, "
              "%u windows; model: half-life %lld d, horizon %lld d, co-weight %.2f, prior %.2f, %u neighbours\n\n",
              top_n, static_cast<unsigned long long>(o.edge_window_bytes >> 30),
              static_cast<unsigned long long>(in.settings.window_total_bytes >> 30), in.settings.max_windows,
              static_cast<long long>(in.settings.model.half_life_ns / pl::ns_per_day),
              static_cast<long long>(in.settings.model.horizon_ns / pl::ns_per_day), in.settings.model.co_weight,
              in.settings.model.prior_weight, in.settings.model.neighbours);

  volatile std::uint64_t sink = 0;
  const auto reference = time_runs(runs, [&] { sink = sink + read_everything(in); });
  pl::preference_index index;
  const auto build = time_runs(runs, [&] { index = pl::preference_index(in.history, in.settings.model, in.now_ns); });
  std::size_t predicted = 0;
  const auto predict = time_runs(runs, [&] {
    predicted = 0;
    for (const auto& g : in.groups)
      predicted += index.predict(g.name, top_n).size();
  });
  pl::batch_plan plan;
  const auto planning = time_runs(runs, [&] { plan = pl::plan_batch(in, index); });
  timing total;
  total.best = build.best + planning.best;
  total.median = build.median + planning.median;
  total.cpu = build.cpu + planning.cpu;

  std::printf("  %-10s %10s %10s %10s %11s %11s\n", "stage", "best ms", "median ms", "cpu ms", "wall / ref",
              "cpu / ref");
  print_row("index", build, reference, "");
  char note[160];
  std::snprintf(note, sizeof note, "(%zu predictions)", predicted);
  print_row("predict", predict, reference, note);
  std::snprintf(note, sizeof note, "(predict + select + schedule; cpu %.1f ms without predict)",
                planning.cpu - predict.cpu);
  print_row("plan", planning, reference, note);
  print_row("total", total, reference, "index + plan");
  print_row("reference", reference, reference, "(read every input once)");

  std::uint64_t placements = 0, bytes = 0;
  for (const auto& d : plan.deliveries) {
    placements += d.placements.size();
    bytes += d.bytes;
  }
  std::map<std::string, std::size_t> reasons;
  for (const auto& s : plan.skipped)
    reasons[s.why.substr(0, s.why.find_first_of("0123456789"))]++;
  std::printf("\nplan: %s%zu deliveries, %llu placements, %.1f GiB staged on %zu edges over %u windows\n",
              plan.refused.empty() ? "" : ("REFUSED: " + plan.refused + "; ").c_str(), plan.deliveries.size(),
              static_cast<unsigned long long>(placements), static_cast<double>(bytes) / (1ull << 30),
              plan.edge_window_bytes.size(), plan.windows);
  for (const auto& [why, n] : reasons)
    std::printf("  skipped %6zu: %s...\n", n, why.c_str());

  t0 = std::chrono::steady_clock::now();
  pl::backtest_settings bs;
  bs.model = in.settings.model;
  bs.top_n = top_n;
  const auto bt = pl::backtest(in.history, bs);
  std::printf("\nback-test (last %.0f %% held out, top %u, %zu groups scored, %.1f s):\n", bs.holdout * 100, top_n,
              bt.groups, seconds_since(t0));
  std::printf("  model     precision %.3f  recall %.3f\n", bt.model.precision, bt.model.recall);
  std::printf("  baseline  precision %.3f  recall %.3f  (global popularity)\n", bt.baseline.precision,
              bt.baseline.recall);
  std::printf("\nload average at end %s (other processes on these cores disturb the figures)\n",
              storemesh::bench::first_line("/proc/loadavg").c_str());
  return plan.refused.empty() ? 0 : 1;
}
