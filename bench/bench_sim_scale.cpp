// bench_sim_scale: the fleet at full size through the deciders production
// uses, in one process: 100,000 hosts, 1,000 gateways and their two
// rebalancers, 1,000,000 copy jobs and 10,000 routers (sim_scale_fleet.hpp
// says what each one's life is).
//
//   bench_sim_scale [--scale FRACTION] [--seed N] [--json]
//
// Reports, per entity kind:
//   decisions/s    through the runtime's path (decide, make_event_record with
//                  the hash chain, fold_event back into the image), beside the
//                  decider's own maximum: decide + evolve on bare states, the
//                  same commands, in the same invocation (run first). Rates
//                  are per CPU second of this thread (the machine is shared);
//                  wall-clock rates are printed beside them.
//   memory         resident-set and heap growth per entity while its kind was
//                  built (its log's bytes taken out), the state's snapshot
//                  size (Entity::write_state) and the snapshot record's.
//   recovery       every entity rebuilt from its snapshot (image_of_snapshot)
//                  versus from all its events (fold_event over each), and the
//                  ratio; both must give the same image, entity by entity.
// Fails (exit 1) when more than 2% of a kind's commands are refused: the
// figures must be of decisions that take effect.

#include "bench/bench_args.hpp"
#include "bench/machine_info.hpp"
#include "bench/process_memory.hpp"
#include "bench/sim_scale_fleet.hpp"
#include "bench/sim_scale_population.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace sm = storemesh;
namespace ss = storemesh::bench::sim_scale;
namespace fl = storemesh::services::fleet;
using host_e = sm::services::host::entity;
using job_e = sm::services::copy_job::entity;
using router_e = sm::services::router::entity;
using rebalancer_e = sm::services::rebalancer::entity;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_sim_scale [--scale FRACTION] [--seed N] [--json]\n"
               "  --scale  the fleet's size as a fraction of 100,000 hosts, 1,000 gateways, 1,000,000 copy jobs\n"
               "           and 10,000 routers (default 1.0; 0.01 for a quick run)\n"
               "  --json   the figures as one JSON object on stdout instead of the tables\n");
  std::exit(code);
}

double fraction(const char* s) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (*end != '\0' || !(v > 0) || v > 10)
    usage(2);
  return v;
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// A generator's answer, a command or none, as an optional.
template <class T>
auto as_optional(T&& v) {
  if constexpr (is_optional<std::decay_t<T>>::value)
    return std::forward<T>(v);
  else
    return std::optional<std::decay_t<T>>(std::forward<T>(v));
}

/// One step of every entity of a population, in blocks.
template <class Pop, class Gen>
void run_step(Pop& pop, std::uint32_t n, const fl::view& fleet, Gen&& gen) {
  typename Pop::block b;
  b.reserve(Pop::batch);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (auto c = as_optional(gen(i)))
      b.emplace_back(i, std::move(*c));
    if (b.size() == Pop::batch) {
      pop.decide_block(b, &fleet);
      b.clear();
    }
  }
  if (!b.empty())
    pop.decide_block(b, &fleet);
}

struct ids {
  std::vector<std::string> hosts, gateways, sites, jobs, routers;
};

/// The runtime's populations, or the reference's; the same fleet view built
/// from either.
template <template <class> class Pop>
struct world {
  fl::view fleet;
  std::optional<Pop<host_e>> hosts, gateways;
  std::optional<Pop<rebalancer_e>> rebalancers;
  std::optional<Pop<job_e>> jobs;
  std::optional<Pop<router_e>> routers;
  ss::tally submits;  ///< the jobs' first step alone: the one decision that reads the fleet's datastores
};

template <class E>
struct reference_of : ss::reference_population<E> {
  using ss::reference_population<E>::reference_population;
  static constexpr std::size_t batch = ss::population<E>::batch;
};

template <class P>
void make(std::optional<P>& slot, const char* label, const std::vector<std::string>& id_list, std::uint8_t tag) {
  if constexpr (std::is_constructible_v<P, std::string, std::vector<std::string>, std::uint8_t>)
    slot.emplace(label, id_list, tag);
  else
    slot.emplace(id_list.size());
}

/// Drives a world through the fleet's life. `begin(group)` / `end(group)`
/// bracket each group of kinds built together (the memory figures).
template <class W>
void drive(W& w, const ss::fleet_sizes& f, const ss::topologies& topo, const ids& id,
           const std::function<void(const char*)>& begin, const std::function<void(const char*)>& end) {
  begin("host");
  make(w.hosts, "host", id.hosts, 1);
  for (std::uint32_t step = 0; step < ss::host_steps; ++step)
    run_step(*w.hosts, f.hosts, w.fleet, [&](std::uint32_t i) { return ss::host_command(f, i, step); });
  end("host");
  for (std::uint32_t i = 0; i < f.hosts; ++i)  // what the fleet board learns (untimed)
    host_e::publish(w.fleet, id.hosts[i], w.hosts->state(i));

  begin("gateway");
  make(w.gateways, "gateway", id.gateways, 2);
  make(w.rebalancers, "rebalancer", id.sites, 3);
  for (std::uint32_t round = 0; round <= f.report_rounds; ++round) {
    run_step(*w.gateways, f.gateways, w.fleet, [&](std::uint32_t i) { return ss::gateway_command(i, round); });
    for (std::uint32_t i = 0; i < f.gateways; ++i)
      host_e::publish(w.fleet, id.gateways[i], w.gateways->state(i));
    run_step(*w.rebalancers, 2, w.fleet, [&](std::uint32_t s) { return ss::rebalancer_command(f, s, round); });
  }
  end("gateway");

  begin("copy_job");
  make(w.jobs, "copy_job", id.jobs, 4);
  for (std::uint32_t step = 0; step < ss::job_steps; ++step) {
    run_step(*w.jobs, f.jobs, w.fleet, [&](std::uint32_t i) { return ss::job_command(f, i, step); });
    if (step == 0)
      w.submits = w.jobs->decisions();
  }
  end("copy_job");

  begin("router");
  make(w.routers, "router", id.routers, 5);
  for (std::uint32_t step = 0; step <= f.announces; ++step)
    run_step(*w.routers, f.routers, w.fleet, [&](std::uint32_t i) { return ss::router_command(f, topo, i, step); });
  end("router");
}

struct memory_delta {
  sm::bench::memory_sample before, after;
  std::uint64_t log_resident = 0, log_heap = 0;
  [[nodiscard]] double resident_per(std::size_t n) const {
    return (static_cast<double>(after.resident) - static_cast<double>(before.resident) -
            static_cast<double>(log_resident)) / static_cast<double>(n);
  }
  [[nodiscard]] double heap_per(std::size_t n) const {
    return (static_cast<double>(after.heap) - static_cast<double>(before.heap) - static_cast<double>(log_heap)) /
           static_cast<double>(n);
  }
};

/// One kind's figures, for the tables and the JSON.
struct row {
  std::string kind;
  std::size_t entities = 0;
  ss::tally runtime, reference;
  std::string memory_group;  ///< the group its memory was measured in
  double resident_per = 0, heap_per = 0;
  double bare_heap_per = 0;  ///< the same group's growth in the decider-alone pass: bare states
  double state_bytes = 0, snapshot_bytes = 0, event_bytes = 0, events_per_entity = 0;
  double snapshot_write = 0, from_snapshots = 0, replay = 0;  ///< seconds of CPU
};

template <class E>
row figures(ss::population<E>& p, const ss::tally& reference, const memory_delta& m, const memory_delta& bare,
            std::size_t group_entities, const char* group) {
  row r;
  r.bare_heap_per = bare.heap_per(group_entities);
  r.kind = p.label();
  r.entities = p.size();
  r.runtime = p.decisions();
  r.reference = reference;
  r.memory_group = group;
  r.resident_per = m.resident_per(group_entities);
  r.heap_per = m.heap_per(group_entities);
  r.events_per_entity = static_cast<double>(p.log().size()) / static_cast<double>(p.size());
  r.event_bytes = p.log().size() == 0 ? 0 : static_cast<double>(p.log().bytes()) / static_cast<double>(p.log().size());
  p.write_snapshots();
  p.recover_from_snapshots();
  p.replay_from_start();
  r.state_bytes = static_cast<double>(p.state_bytes()) / static_cast<double>(p.size());
  r.snapshot_bytes = static_cast<double>(p.snapshots().bytes()) / static_cast<double>(p.size());
  r.snapshot_write = p.snapshot_writing().cpu;
  r.from_snapshots = p.snapshot_recovery().cpu;
  r.replay = p.replay().cpu;
  p.release_logs();
  return r;
}

double per_cpu_second(const ss::tally& t) { return t.clock.cpu > 0 ? static_cast<double>(t.commands) / t.clock.cpu : 0; }
double per_wall_second(const ss::tally& t) {
  return t.clock.wall > 0 ? static_cast<double>(t.commands) / t.clock.wall : 0;
}

double rest_per_cpu_second(const ss::tally& all, const ss::tally& first) {
  const double cpu = all.clock.cpu - first.clock.cpu;
  return cpu > 0 ? static_cast<double>(all.commands - first.commands) / cpu : 0;
}

template <class... A>
std::string fmt(const char* format, A... a) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, a...);
  return buf;
}

std::string refusals(const ss::tally& t) {
  std::string out;
  for (const auto& [code, n] : t.refused)
    out += (out.empty() ? "" : ", ") + code + " " + std::to_string(n);
  return out;
}

void print_tables(const std::vector<row>& rows, const std::vector<std::string>& notes, std::uint64_t peak,
                  double total_s) {
  std::printf("\ndecisions (rates per CPU second of the deciding thread; wall clock in brackets)\n");
  std::printf("  %-10s %9s %9s %7s %9s %14s %20s %14s %6s\n", "kind", "entities", "commands", "refused", "events",
              "runtime /s", "(wall /s)", "decider /s", "ratio");
  ss::tally all_rt, all_ref;
  for (const auto& r : rows) {
    std::printf("  %-10s %9zu %9llu %7llu %9llu %14.0f %20.0f %14.0f %6.3f\n", r.kind.c_str(), r.entities,
                static_cast<unsigned long long>(r.runtime.commands),
                static_cast<unsigned long long>(r.runtime.rejected()),
                static_cast<unsigned long long>(r.runtime.events), per_cpu_second(r.runtime),
                per_wall_second(r.runtime), per_cpu_second(r.reference),
                per_cpu_second(r.runtime) / per_cpu_second(r.reference));
    for (auto [sum, t] : {std::pair<ss::tally*, const ss::tally*>{&all_rt, &r.runtime}, {&all_ref, &r.reference}}) {
      sum->commands += t->commands;
      sum->accepted += t->accepted;
      sum->events += t->events;
      sum->clock.cpu += t->clock.cpu;
      sum->clock.wall += t->clock.wall;
    }
  }
  std::size_t entities = 0;
  for (const auto& r : rows)
    entities += r.entities;
  std::printf("  %-10s %9zu %9llu %7llu %9llu %14.0f %20.0f %14.0f %6.3f\n", "all", entities,
              static_cast<unsigned long long>(all_rt.commands), static_cast<unsigned long long>(all_rt.rejected()),
              static_cast<unsigned long long>(all_rt.events), per_cpu_second(all_rt), per_wall_second(all_rt),
              per_cpu_second(all_ref), per_cpu_second(all_rt) / per_cpu_second(all_ref));
  std::printf("  runtime = decide + make_event_record (BLAKE2b chain) + fold_event; decider = decide + evolve;\n"
              "  ratio = runtime / decider (the decider's own maximum)\n");
  for (const auto& n : notes)
    std::printf("  %s\n", n.c_str());

  std::printf("\nmemory per entity (growth while its group was built, its log taken out)\n");
  std::printf("  %-10s %-19s %9s %9s %12s %10s %12s %8s %12s\n", "kind", "group", "RSS B", "heap B", "bare heap B",
              "state B", "snapshot B", "events", "event rec B");
  for (const auto& r : rows)
    std::printf("  %-10s %-19s %9.0f %9.0f %12.0f %10.1f %12.1f %8.2f %12.1f\n", r.kind.c_str(),
                r.memory_group.c_str(), r.resident_per, r.heap_per, r.bare_heap_per, r.state_bytes, r.snapshot_bytes,
                r.events_per_entity, r.event_bytes);
  std::printf("  RSS B, heap B = the entity as the runtime holds it (entity_image: state, sequence, hash, dedup ids);\n"
              "  bare heap B = its bare state in the decider-alone pass; state B = Entity::write_state(state).size();\n"
              "  snapshot B = the make_snapshot_record value; events = events per entity;\n"
              "  peak RSS of the process %.2f GiB (the logs and snapshots are held in memory too)\n",
              static_cast<double>(peak) / (1u << 30));

  std::printf("\nrecovery of every entity (CPU seconds)\n");
  std::printf("  %-10s %9s %14s %16s %14s %16s %8s\n", "kind", "entities", "snapshots", "from snapshots",
              "µs / entity", "replay events", "ratio");
  double snap = 0, replay = 0, write = 0;
  for (const auto& r : rows) {
    std::printf("  %-10s %9zu %14.3f %16.3f %14.2f %16.3f %8.2f\n", r.kind.c_str(), r.entities, r.snapshot_write,
                r.from_snapshots, r.from_snapshots / static_cast<double>(r.entities) * 1e6, r.replay,
                r.replay / r.from_snapshots);
    snap += r.from_snapshots;
    replay += r.replay;
    write += r.snapshot_write;
  }
  std::printf("  %-10s %9zu %14.3f %16.3f %14.2f %16.3f %8.2f\n", "all", entities, write, snap,
              snap / static_cast<double>(entities) * 1e6, replay, replay / snap);
  std::printf("  snapshots = writing them (write_state + make_snapshot_record); from snapshots = image_of_snapshot;\n"
              "  replay events = fold_event over all of the entity's events; ratio = replay / from snapshots\n");
  std::printf("\ntotal %.1f s\n", total_s);
}

void print_json(const std::vector<row>& rows, const std::vector<std::string>& notes, const ss::fleet_sizes& f,
                double scale, std::uint64_t peak, double total_s) {
  std::printf("{\"bench\":\"bench_sim_scale\",\"scale\":%g,\"seed\":%llu,\"peak_rss_bytes\":%llu,\"total_s\":%.3f,"
              "\"sizes\":{\"hosts\":%u,\"gateways\":%u,\"jobs\":%u,\"routers\":%u},\"kinds\":[",
              scale, static_cast<unsigned long long>(f.seed), static_cast<unsigned long long>(peak), total_s, f.hosts,
              f.gateways, f.jobs, f.routers);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    std::printf("%s{\"kind\":\"%s\",\"entities\":%zu,\"commands\":%llu,\"refused\":%llu,\"events\":%llu,"
                "\"runtime_per_cpu_s\":%.1f,\"runtime_per_wall_s\":%.1f,\"decider_per_cpu_s\":%.1f,"
                "\"decider_per_wall_s\":%.1f,\"ratio\":%.4f,\"memory_group\":\"%s\",\"rss_bytes_per_entity\":%.1f,"
                "\"heap_bytes_per_entity\":%.1f,\"bare_state_heap_bytes_per_entity\":%.1f,\"state_bytes\":%.1f,\"snapshot_bytes\":%.1f,"
                "\"events_per_entity\":%.3f,\"event_record_bytes\":%.1f,\"snapshot_write_cpu_s\":%.4f,"
                "\"recover_from_snapshots_cpu_s\":%.4f,\"replay_cpu_s\":%.4f,\"replay_over_snapshots\":%.3f}",
                k == 0 ? "" : ",", r.kind.c_str(), r.entities, static_cast<unsigned long long>(r.runtime.commands),
                static_cast<unsigned long long>(r.runtime.rejected()),
                static_cast<unsigned long long>(r.runtime.events), per_cpu_second(r.runtime),
                per_wall_second(r.runtime), per_cpu_second(r.reference), per_wall_second(r.reference),
                per_cpu_second(r.runtime) / per_cpu_second(r.reference), r.memory_group.c_str(), r.resident_per,
                r.heap_per, r.bare_heap_per, r.state_bytes, r.snapshot_bytes, r.events_per_entity, r.event_bytes, r.snapshot_write,
                r.from_snapshots, r.replay, r.replay / r.from_snapshots);
  }
  std::printf("],\"notes\":[");
  for (std::size_t k = 0; k < notes.size(); ++k)
    std::printf("%s\"%s\"", k == 0 ? "" : ",", notes[k].c_str());  // no quote or backslash in them
  std::printf("]}\n");
}

} // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  std::uint64_t seed = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    else if (a == "--json") json = true;
    else if (a == "--scale" && i + 1 < argc) scale = fraction(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = sm::bench::positive(argv[++i], usage);
    else usage(2);
  }
  const auto t_start = std::chrono::steady_clock::now();
  const auto f = ss::scaled(scale, seed);
  const auto topo = ss::make_topologies(f);
  // Progress and the header go to stderr with --json, so stdout is the JSON alone.
  std::FILE* info = json ? stderr : stdout;
  utsname u{};
  ::uname(&u);
  std::fprintf(info, "storemesh bench_sim_scale\ncommand: %s\n", sm::bench::command_line(argc, argv).c_str());
  std::fprintf(info, "machine: nproc %ld, %s, Linux %s; load average at start %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
               sm::bench::cpu_model().c_str(), u.release, sm::bench::first_line("/proc/loadavg").c_str());
  std::fprintf(info, "build: %s; one thread\n", sm::bench::build_kind());
  std::fprintf(info,
               "fleet (scale %g, seed %llu): %u hosts in %u datastore groups, %u gateways x %u load reports, "
               "2 rebalancers (every %u reports), %u copy jobs (1 in %u migrated mid-copy), %u routers x %u "
               "announcements\n",
               scale, static_cast<unsigned long long>(seed), f.hosts, f.groups, f.gateways, f.report_rounds,
               f.evaluate_every, f.jobs, f.migrate_every, f.routers, f.announces);
  std::fflush(info);

  ids id{ss::host_ids(f.hosts), ss::gateway_ids(f.gateways), ss::sites(), ss::job_ids(f.jobs),
         ss::router_ids(f.routers)};
  auto progress = [&](const char* what) {
    std::fflush(stdout);
    std::fprintf(stderr, "  [%6.1f s] %s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(), what);
  };

  // 1. The decider's own maximum, first, then let go.
  std::map<std::string, ss::tally> reference;
  std::map<std::string, memory_delta> bare;
  ss::tally ref_submits;
  std::vector<std::string> notes;
  {
    world<reference_of> ref;
    drive(ref, f, topo, id,
          [&](const char* g) {
            progress((std::string("decider alone: ") + g).c_str());
            bare[g].before = sm::bench::sample_memory();
          },
          [&](const char* g) { bare[g].after = sm::bench::sample_memory(); });
    reference["host"] = ref.hosts->decisions();
    reference["gateway"] = ref.gateways->decisions();
    reference["rebalancer"] = ref.rebalancers->decisions();
    reference["copy_job"] = ref.jobs->decisions();
    reference["router"] = ref.routers->decisions();
    ref_submits = ref.submits;
  }

  // 2. The runtime's path, kind by kind, with the memory each group takes.
  world<ss::population> rt;
  std::map<std::string, memory_delta> memory;
  drive(rt, f, topo, id,
        [&](const char* g) {
          progress((std::string("runtime path: ") + g).c_str());
          memory[g].before = sm::bench::sample_memory();
        },
        [&](const char* g) {
          auto& m = memory[g];
          m.after = sm::bench::sample_memory();
          auto count_log = [&](const auto& pop) {
            if (pop) {
              m.log_resident += pop->log_resident();
              m.log_heap += pop->log_heap();
            }
          };
          if (std::string(g) == "host") count_log(rt.hosts);
          if (std::string(g) == "gateway") { count_log(rt.gateways); count_log(rt.rebalancers); }
          if (std::string(g) == "copy_job") count_log(rt.jobs);
          if (std::string(g) == "router") count_log(rt.routers);
        });

  // Not in the figures: what the fleet board does with a copy job's state
  // after each batch the runtime appends (copy_job::entity::publish).
  ss::stopwatch publish;
  const std::uint32_t published = std::min<std::uint32_t>(f.jobs, 1000);
  publish.time([&] {
    for (std::uint32_t i = 0; i < published; ++i)
      job_e::publish(rt.fleet, id.jobs[i], rt.jobs->state(i));
  });
  notes.push_back(fmt("copy_job submit (its first step) alone: runtime path %.0f/s, decider alone %.0f/s; "
                      "the other steps: %.0f/s, %.0f/s (per CPU second)",
                      per_cpu_second(rt.submits), per_cpu_second(ref_submits),
                      rest_per_cpu_second(rt.jobs->decisions(), rt.submits),
                      rest_per_cpu_second(reference["copy_job"], ref_submits)));
  notes.push_back(fmt("not in the figures: publishing a copy job's state to the fleet view "
                      "(copy_job::entity::publish, after every appended batch) with %zu hosts in it: %.1f us per job",
                      rt.fleet.hosts.size(), publish.cpu / published * 1e6));

  // Refusals: the figures must be of decisions that took effect.
  bool refused_too_many = false;
  auto check = [&](const std::string& kind, const ss::tally& t, const char* path) {
    if (t.commands == 0 || static_cast<double>(t.rejected()) > 0.02 * static_cast<double>(t.commands)) {
      std::fprintf(stderr, "bench_sim_scale: %s (%s): %llu of %llu commands refused: %s\n", kind.c_str(), path,
                   static_cast<unsigned long long>(t.rejected()), static_cast<unsigned long long>(t.commands),
                   refusals(t).c_str());
      refused_too_many = true;
    } else if (t.rejected() > 0) {
      std::fprintf(stderr, "  %s (%s): %llu refused: %s\n", kind.c_str(), path,
                   static_cast<unsigned long long>(t.rejected()), refusals(t).c_str());
    }
  };
  check("host", rt.hosts->decisions(), "runtime");
  check("gateway", rt.gateways->decisions(), "runtime");
  check("rebalancer", rt.rebalancers->decisions(), "runtime");
  check("copy_job", rt.jobs->decisions(), "runtime");
  check("router", rt.routers->decisions(), "runtime");
  for (const auto& [kind, t] : reference)
    check(kind, t, "decider alone");
  if (refused_too_many)
    return 1;

  // 3. Snapshots, recovery from them, and replay from the first event.
  std::vector<row> rows;
  try {
    const auto gateway_group = f.gateways + 2;
    progress("snapshots and recovery: host");
    rows.push_back(figures(*rt.hosts, reference["host"], memory["host"], bare["host"], f.hosts, "host"));
    progress("snapshots and recovery: gateway, rebalancer");
    rows.push_back(figures(*rt.gateways, reference["gateway"], memory["gateway"], bare["gateway"], gateway_group,
                           "gateway+rebalancer"));
    rows.push_back(figures(*rt.rebalancers, reference["rebalancer"], memory["gateway"], bare["gateway"], gateway_group,
                           "gateway+rebalancer"));
    progress("snapshots and recovery: copy_job");
    rows.push_back(figures(*rt.jobs, reference["copy_job"], memory["copy_job"], bare["copy_job"], f.jobs, "copy_job"));
    progress("snapshots and recovery: router");
    rows.push_back(figures(*rt.routers, reference["router"], memory["router"], bare["router"], f.routers, "router"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sim_scale: %s\n", e.what());
    return 1;
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const auto peak = sm::bench::peak_resident();
  if (json)
    print_json(rows, notes, f, scale, peak, total_s);
  else
    print_tables(rows, notes, peak, total_s);
  return 0;
}
