// bench_rebalance: the rebalance planner on a simulated site of 1,000
// replication gateways and 50,000 workloads (copy jobs), timed as the
// rebalancer's decider runs it.
//
//   bench_rebalance [--gateways N] [--workloads N] [--skew hot|zipf|both] [--runs N] [--seed N]
//
// Per skew (default both), best and median of N runs (default 5) of:
//   read       assess_site: the fleet view -> scored gateways, weighted workloads
//   plan       make_plan: the moves
//   decide     the rebalancer's decide(evaluate): both, plus its events
//   reference  one std::sort of every workload's weight: what any planner that
//              looks at the workloads in order of weight pays at least
// then the moves against the lower bound (lower_bound_moves, see below), the
// spread before and after, and a check of every move. Once without a move
// limit (the whole plan), once with the default max_moves (100: one
// evaluation's worth with default settings).

#include "bench/bench_args.hpp"
#include "bench/machine_info.hpp"
#include "bench/rebalance_sim.hpp"
#include "services/gateway/rebalancer.hpp"
#include "services/gateway/site_loads.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

namespace gw = storemesh::services::gateway;
namespace rb = storemesh::services::rebalancer;
using storemesh::rbench::sim_options;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_rebalance [--gateways N] [--workloads N] [--skew hot|zipf|both] [--runs N] [--seed N]\n"
               "  --gateways N    gateways of the site (default 1000)\n"
               "  --workloads N   copy jobs placed on them (default 50000)\n"
               "  --skew S        hot: a tenth of the gateways hold half the workloads; zipf: gateway i gets a\n"
               "                  share in 1/i; both (default)\n"
               "  --runs N        best and median of N (default 5)\n"
               "  --seed N        of the simulation (default 1)\n");
  std::exit(code);
}

std::uint64_t positive(const char* s) { return storemesh::bench::positive(s, usage); }

struct timing {
  double best = 0, median = 0;  // milliseconds
};

timing time_runs(int runs, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i <= runs; ++i) {  // run 0 warms the allocator and caches up, not counted
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0) ms.push_back(took);
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2]};
}

struct extremes {
  double highest = 0, lowest = 0, mean = 0;
  std::size_t overloaded = 0;
};

extremes extremes_of(const std::map<std::string, double>& scores, double overload) {
  extremes e;
  e.lowest = scores.empty() ? 0 : scores.begin()->second;
  for (const auto& [id, s] : scores) {
    e.highest = std::max(e.highest, s);
    e.lowest = std::min(e.lowest, s);
    e.mean += s;
    e.overloaded += s >= overload;
  }
  e.mean /= static_cast<double>(std::max<std::size_t>(1, scores.size()));
  return e;
}

void print_scores(const char* when, const extremes& e, double spread) {
  std::printf("    %-7s highest %7.1f  lowest %6.1f  mean %6.1f  spread %.4f  overloaded %zu\n", when, e.highest,
              e.lowest, e.mean, spread, e.overloaded);
}

void run_scenario(const sim_options& o, int runs) {
  auto cfg = storemesh::rbench::sim_settings();
  const auto fleet = storemesh::rbench::simulate(o);
  rb::state st;
  st.site = "primary";
  st.configured = true;
  st.config = cfg;
  const auto recent = st.recent();

  std::printf("\nskew %s: %zu gateways, %zu workloads, spread threshold %.2f, overload at %.0f\n", o.skew.c_str(),
              o.gateways, o.workloads, cfg.spread_threshold, cfg.overload_threshold);
  gw::site_view site;
  const auto read = time_runs(runs, [&] { site = gw::assess_site(fleet, "primary", cfg, recent, o.at_ns); });
  gw::plan p;
  const auto plan = time_runs(runs, [&] { p = gw::make_plan(site.input); });
  std::size_t decided = 0;
  const auto decide = time_runs(runs, [&] {
    decided = rb::decide(st, rb::evaluate{"primary", rb::trigger::on_demand, o.at_ns}, fleet).events.size();
  });
  std::vector<double> weights;
  for (const auto& g : site.input.gateways)
    for (const auto& w : g.workloads)
      weights.push_back(w.weight);
  const auto reference = time_runs(runs, [&] {
    auto copy = weights;
    std::sort(copy.begin(), copy.end());
  });

  std::map<std::string, double> before;
  for (const auto& g : site.input.gateways)
    before[g.id] = g.score;
  print_scores("before", extremes_of(before, cfg.overload_threshold), p.spread_before);
  std::printf("    %-9s best %8.2f ms  median %8.2f ms\n", "read", read.best, read.median);
  std::printf("    %-9s best %8.2f ms  median %8.2f ms   %.1f x the reference\n", "plan", plan.best, plan.median,
              plan.best / reference.best);
  std::printf("    %-9s best %8.2f ms  median %8.2f ms   (%zu events)\n", "decide", decide.best, decide.median, decided);
  std::printf("    %-9s best %8.2f ms  median %8.2f ms   (sort %zu weights once)\n", "reference", reference.best,
              reference.median, weights.size());

  const auto bound = gw::lower_bound_moves(site.input);
  const auto check = storemesh::rbench::check_moves(site.input, p);
  std::printf("    moves %zu, lower bound %zu: %.3f x the bound (%s)\n", p.moves.size(), bound,
              bound == 0 ? 1.0 : static_cast<double>(p.moves.size()) / static_cast<double>(bound),
              gw::to_string(p.outcome));
  print_scores("after", extremes_of(p.after, cfg.overload_threshold), p.spread_after);
  std::printf("    check: %s\n", check.empty() ? "every move leaves its target no busier than its source and not "
                                                  "overloaded; the spread is at or under the threshold"
                                                : check.c_str());
  if (!check.empty() || p.spread_after > cfg.spread_threshold + 1e-9)
    std::printf("    FAILED%s\n", p.reason.empty() ? "" : (": " + p.reason).c_str());

  // One evaluation with the default cap.
  auto capped = site.input;
  capped.max_moves = gw::settings{}.max_moves;
  const auto q = gw::make_plan(capped);
  std::printf("    with max_moves %u (the default): %zu moves, spread %.4f -> %.4f\n", capped.max_moves,
              q.moves.size(), q.spread_before, q.spread_after);
}

} // namespace

int main(int argc, char** argv) {
  sim_options o;
  int runs = 5;
  std::string skew = "both";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--gateways") o.gateways = positive(argv[++i]);
    else if (a == "--workloads") o.workloads = positive(argv[++i]);
    else if (a == "--skew") skew = argv[++i];
    else if (a == "--runs") runs = static_cast<int>(positive(argv[++i]));
    else if (a == "--seed") o.seed = positive(argv[++i]);
    else usage(2);
  }
  if (skew != "hot" && skew != "zipf" && skew != "both") usage(2);

  utsname u{};
  ::uname(&u);
  std::printf("storemesh bench_rebalance\n");
  std::printf("command: %s\n", storemesh::bench::command_line(argc, argv).c_str());
  std::printf("machine: nproc %ld, %s, Linux %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              storemesh::bench::cpu_model().c_str(), u.release, storemesh::bench::first_line("/proc/loadavg").c_str());
  std::printf("build: %s; best and median of %d runs, one thread, wall clock\n", storemesh::bench::build_kind(), runs);
  std::printf(
      "lower bound: with t the threshold and m the mean score (moves keep it), at the end highest <= m / (1 - t)\n"
      "  and lowest >= (1 - t) m; so each gateway above m / (1 - t) gives away at least as many workloads as its\n"
      "  heaviest need to cover the excess, and each one below (1 - t) m receives at least deficit / heaviest\n"
      "  workload of the site; every move has one source and one target: the bound is the larger of the two sums.\n");
  for (const char* s : {"hot", "zipf"})
    if (skew == "both" || skew == s) {
      o.skew = s;
      run_scenario(o, runs);
    }
  std::printf("\nload average at end %s (other processes on these cores disturb the figures)\n",
              storemesh::bench::first_line("/proc/loadavg").c_str());
  return 0;
}
