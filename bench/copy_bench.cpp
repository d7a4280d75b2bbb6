// bench_copy: the copy engine against the tools an operator would otherwise
// use, on the same file and disk, in the same run.
//
//   bench_copy [--dir DIR] [--size-mib 1024] [--chunk-mib 8] [--runs 3]
//
// DIR (default $TMPDIR, else /tmp) gets a fresh storemesh-copy-* directory,
// removed at the end. Every contender starts alike: the source in the page
// cache (read once before), no destination (removed before each run), no
// writeback pending (sync before each run). Rounds interleave the contenders,
// so drift on the machine spreads over all of them; a first, uncounted round
// warms everything up.
//
// The engine, verified, does more than cp: it hashes every chunk, fdatasyncs,
// drops the written pages and reads them back from the disk to compare. The
// tools do not sync; their destinations may still be in the page cache only.

#include "bench/bench_args.hpp"
#include "bench/copy_bench.hpp"
#include "bench/machine_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace {

namespace fs = std::filesystem;
using namespace storemesh::cbench;

fs::path scratch;  // removed by fail()

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_copy [--dir DIR] [--size-mib N] [--chunk-mib N] [--runs N]\n"
               "  --dir DIR        where to write (a fresh subdirectory, removed afterwards); default $TMPDIR or /tmp\n"
               "  --size-mib N     the source file (default 1024)\n"
               "  --chunk-mib N    the engine's chunk size (default 8)\n"
               "  --runs N         best of N (default 3)\n");
  std::exit(code);
}

std::uint64_t positive(const char* s) { return storemesh::bench::positive(s, usage); }

struct measured {
  std::vector<timing> runs;
  [[nodiscard]] const timing& best() const {
    return *std::min_element(runs.begin(), runs.end(),
                             [](const timing& a, const timing& b) { return a.seconds < b.seconds; });
  }
};

struct target {
  std::string what;       // the contender
  std::string reference;  // what it is compared with
  double at_least;        // reference time / contender time must reach this
  bool strictly;          // ... and exceed it
  const char* wording;
};

} // namespace

namespace storemesh::cbench {
void fail(const std::string& what) {
  std::fprintf(stderr, "bench_copy: %s\n", what.c_str());
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
  std::exit(1);
}
} // namespace storemesh::cbench

int main(int argc, char** argv) {
  options o;
  fs::path base = storemesh::bench::default_scratch_base();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--dir") base = argv[++i];
    else if (a == "--size-mib") o.size = positive(argv[++i]) << 20;
    else if (a == "--chunk-mib") o.chunk = positive(argv[++i]) << 20;
    else if (a == "--runs") o.runs = static_cast<int>(positive(argv[++i]));
    else usage(2);
  }
  o.dir = storemesh::bench::make_scratch_dir(base, "storemesh-copy");
  if (o.dir.empty()) fail("mkdtemp in " + base.string());
  scratch = o.dir;

  storemesh::bench::print_header("bench_copy", argc, argv, o.dir);
  std::error_code ec;
  const char* build = storemesh::bench::build_kind();
  std::printf("build: %s; source %.0f MiB, chunk %.0f MiB; best of %d, wall clock\n", build,
              static_cast<double>(o.size) / (1 << 20), static_cast<double>(o.chunk) / (1 << 20), o.runs);
  std::fflush(stdout);

  write_random_file(o.dir / "src", o.size);
  read_through(o.dir / "src");

  const auto all = contenders(o);
  // Every run starts from the same state: no destination of any contender
  // (their pages freed, ready for reuse), no writeback pending, the source
  // cached.
  const auto clean_slate = [&] {
    for (const auto& c : all)
      for (const auto& p : c.outputs) fs::remove(p, ec);
    ::sync();
    read_through(o.dir / "src");  // cheap when cached; makes sure it is
  };
  // Round 0 is a warm-up, not counted: in a VM, memory the guest has never
  // touched costs a host page fault per page, and the first run of each
  // contender would pay for it (measured: cp of 1 GiB 1.0 s instead of 0.3 s).
  std::map<std::string, measured> results;
  for (int round = 0; round <= o.runs; ++round) {
    for (const auto& c : all) {
      clean_slate();
      const timing t = c.run();
      if (round > 0) results[c.name].runs.push_back(t);
    }
  }
  for (const auto& c : all)
    for (const auto& p : c.outputs) fs::remove(p, ec);

  const double gb = static_cast<double>(o.size) / 1e9;
  const auto runs_of = [&](const contender& c) {
    std::string runs;
    for (const auto& t : results[c.name].runs) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.3f ", t.seconds);
      runs += buf;
    }
    return runs;
  };
  int w_runs = 8;
  for (const auto& c : all) w_runs = std::max(w_runs, static_cast<int>(runs_of(c).size()));
  std::printf("\n  %-42s %-*s %8s %7s\n", "what", w_runs, "runs (s)", "best (s)", "GB/s");
  std::printf("  %s\n", std::string(61 + w_runs, '-').c_str());
  for (const auto& c : all) {
    const auto& best = results[c.name].best();
    std::printf("  %-42s %-*s %8.3f %7.2f\n", c.name.c_str(), w_runs, runs_of(c).c_str(), best.seconds,
                gb / best.seconds);
    if (best.stages.size() > 1) {
      std::string stages;
      for (const auto& [name, sec] : best.stages) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%s %.3f s", stages.empty() ? "" : ", ", name.c_str(), sec);
        stages += buf;
      }
      std::printf("  %-42s (best run: %s)\n", "", stages.c_str());
    }
  }

  const std::vector<target> targets{
      {all[0].name, all[2].name, 0.95, false, "unverified >= 0.95 x cp"},
      {all[1].name, all[3].name, 1.5, false, "verified >= 1.5 x faster than cp + sha256sum"},
      {all[1].name, all[4].name, 1.0, true, "verified faster than rsync"},
  };
  std::printf("\n  %-46s %-10s %s\n", "target", "ratio", "(reference time / engine time)");
  bool all_met = true;
  for (const auto& t : targets) {
    const double ratio = results[t.reference].best().seconds / results[t.what].best().seconds;
    const bool met = t.strictly ? ratio > t.at_least : ratio >= t.at_least;
    all_met = all_met && met;
    std::printf("  %-46s %-10.2f %s\n", t.wording, ratio, met ? "met" : "MISSED");
  }
  std::printf("\nload average at end %s (other processes on these cores disturb the figures)\n",
              storemesh::bench::first_line("/proc/loadavg").c_str());
  fs::remove_all(o.dir, ec);
  if (!all_met) std::printf("some targets missed (see above)\n");
  return 0;
}
