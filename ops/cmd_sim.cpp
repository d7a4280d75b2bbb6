// storemesh sim: runs the deterministic simulator (sim/world.hpp) over one
// seed or many, prints the first failure with its seed and the shortest fault
// schedule that still fails, and replays a schedule exactly.
//
//   storemesh sim --scenario mixed --seeds 1000 --faults all     search
//   storemesh sim --seed 42 --scenario runtime --trace           one run, every action
//   storemesh sim --seed 42 --steps 37 --schedule '3:crash:1:12' replay a shrunk failure
//   storemesh sim --soak --seeds 1000000                         all cores

#include "events/planted_bugs.hpp"
#include "ops/cli_context.hpp"
#include "sim/scenarios/scenarios.hpp"
#include "sim/shrink.hpp"
#include "sim/world.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace storemesh::ops {
namespace {

struct sim_args {
  std::uint64_t seed = 1;
  std::uint64_t seeds = 1;
  std::string scenario = "mixed";
  std::uint64_t steps = 200;
  std::string faults = "all";
  std::string schedule;
  std::vector<std::string> plant;
  unsigned jobs = 1;
  bool soak = false;
  bool trace = false;
  bool no_shrink = false;
  bool expect_failure = false;
};

std::string replay_command(const sim::run_options& o) {
  auto cmd = fmt::format("storemesh sim --seed {} --scenario {} --steps {}", o.seed, o.scenario, o.steps);
  if (o.schedule)
    cmd += " --schedule '" + (o.schedule->empty() ? std::string("none") : sim::schedule_text(*o.schedule)) + "'";
  return cmd;
}

void print_run(const sim::run_options& o, const sim::run_result& r) {
  fmt::print("seed {} ({}, {} steps, faults {}): {} — {} commands, {} decisions, {} events, {} refusals, "
             "{} recoveries, {} snapshots, {} appends fenced; trace {}\n",
             o.seed, o.scenario, r.steps_run, o.schedule ? "as scheduled" : o.faults.text(), r.ok ? "ok" : "FAILED",
             r.commands, r.decisions, r.events, r.rejections, r.recoveries, r.snapshots, r.fenced_appends,
             r.trace_hash);
}

int run_sim(const sim_args& a) {
  for (const auto& name : a.plant) {
    auto bug = events::planted_bug_named(name);
    if (!bug)
      throw cli_error("no planted bug '" + name + "' (known: skip_dedup, skip_fencing, promote_lagging)");
    events::planted_bugs() |= static_cast<unsigned>(*bug);
  }
  sim::run_options base;
  base.scenario = a.scenario;
  base.steps = a.steps;
  base.faults = must(sim::fault_set::parse(a.faults), "--faults");
  if (!a.schedule.empty())
    base.schedule = a.schedule == "none" ? std::vector<sim::fault_event>{}
                                         : must(sim::parse_schedule(a.schedule), "--schedule");
  if (!sim::make_scenario(a.scenario) && a.scenario != "mixed") {
    std::string known;
    for (const auto& n : sim::scenario_names())
      known += (known.empty() ? "" : ", ") + n;
    throw cli_error("no scenario '" + a.scenario + "' (known: " + known + ")");
  }
  if (a.seeds == 1 || a.trace) {
    base.seed = a.seed;
    base.keep_trace = a.trace;
    const auto r = sim::run(base);
    for (const auto& line : r.trace_lines)
      fmt::print("{}\n", line);
    print_run(base, r);
    if (!r.ok) {
      fmt::print("violation at step {}: {}\n", r.failed_step, r.violation);
      if (!a.no_shrink && !base.schedule) {
        const auto s = sim::shrink(base, r);
        fmt::print("shortest failing schedule ({} faults, found in {} runs): {}\n  -> {}\n",
                   s.options.schedule ? s.options.schedule->size() : 0, s.runs, replay_command(s.options),
                   s.result.violation);
      }
      return a.expect_failure ? 0 : 3;
    }
    return a.expect_failure ? 3 : 0;
  }

  // Many seeds: on `jobs` threads (each run is one thread's alone), stopping
  // at the first failure.
  const unsigned jobs = a.soak ? std::max(1u, std::thread::hardware_concurrency()) : std::max(1u, a.jobs);
  std::atomic<std::uint64_t> next{a.seed}, passed{0}, decisions{0}, events_made{0}, faults_struck{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::optional<std::pair<sim::run_options, sim::run_result>> failure;
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (;;) {
      const auto seed = next.fetch_add(1);
      if (stop || seed >= a.seed + a.seeds)
        return;
      auto o = base;
      o.seed = seed;
      auto r = sim::run(o);
      decisions += r.decisions;
      events_made += r.events;
      faults_struck += r.schedule.size();
      if (r.ok) {
        ++passed;
        continue;
      }
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure || seed < failure->first.seed)
        failure.emplace(o, std::move(r));
      stop = true;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < jobs; ++i)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("{}: {} seeds from {} passed ({} steps each, faults {}), {} decisions, {} events, {} faults struck, "
             "{:.1f} s on {} threads ({:.0f} runs/s)\n",
             a.scenario, passed.load(), a.seed, a.steps, base.faults.text(), decisions.load(), events_made.load(),
             faults_struck.load(), secs, jobs, static_cast<double>(passed.load()) / std::max(secs, 1e-9));
  if (!failure)
    return a.expect_failure ? 3 : 0;
  const auto& [o, r] = *failure;
  print_run(o, r);
  fmt::print("violation at step {}: {}\n", r.failed_step, r.violation);
  if (!a.no_shrink) {
    const auto s = sim::shrink(o, r);
    fmt::print("shortest failing schedule ({} faults, found in {} runs): {}\n  -> {}\n",
               s.options.schedule ? s.options.schedule->size() : 0, s.runs, replay_command(s.options),
               s.result.violation);
  }
  return a.expect_failure ? 0 : 3;
}

} // namespace

void register_sim(CLI::App& app) {
  auto args = std::make_shared<sim_args>();
  auto* cmd = app.add_subcommand("sim", "Run the whole fabric in one thread from a seed, with faults; "
                                        "check the invariants after every step");
  cmd->add_option("--seed", args->seed, "The (first) seed")->capture_default_str();
  cmd->add_option("--seeds", args->seeds, "How many seeds, from --seed on")->capture_default_str();
  cmd->add_option("--scenario", args->scenario, "A mechanism's scenario, or mixed (all at once)")
      ->capture_default_str();
  cmd->add_option("--steps", args->steps, "Steps per run (then a quiet phase lets everything settle)")
      ->capture_default_str();
  cmd->add_option("--faults", args->faults,
                  "all, none, or a list: crash,rebalance,zombie,abort,slow_log,delay,duplicate,loss,partition,"
                  "torn_write,disk_full,slow_disk,skew")
      ->capture_default_str();
  cmd->add_option("--schedule", args->schedule,
                  "Replay exactly these faults (step:fault:target:span,...; as a failure prints it), drawing none");
  cmd->add_option("--plant", args->plant, "Plant a bug for the simulator to find: skip_dedup, skip_fencing, "
                                          "promote_lagging (tests only)");
  cmd->add_option("--jobs", args->jobs, "Threads for many seeds")->capture_default_str();
  cmd->add_flag("--soak", args->soak, "Use every core (for long runs: --seeds 1000000)");
  cmd->add_flag("--trace", args->trace, "Print every action and appended record of one run");
  cmd->add_flag("--no-shrink", args->no_shrink, "Do not shrink a failure");
  cmd->add_flag("--expect-failure", args->expect_failure,
                "Succeed only if some seed fails (a planted bug must be found)");
  cmd->callback([args] {
    const int rc = run_sim(*args);
    if (rc != 0)
      throw cli_error(args->expect_failure ? "no seed failed: the planted bug was not found"
                                           : "an invariant failed (the seed and the schedule are above)",
                      rc);
  });
}

} // namespace storemesh::ops
