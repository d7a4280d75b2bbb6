// bench_log: the log's throughput, each figure beside a reference measured in
// the same run (what the disk, Cap'n Proto or libsodium give on their own).
//
//   bench_log [--dir DIR] [--events N] [--quick] [--only append|replay|commands]
//
// DIR (default $TMPDIR, else /tmp) gets a fresh storemesh-bench-* directory,
// removed at the end. N is the replay data set (default 1,000,000 events).
// Every figure is the best of 3 runs, wall clock (steady_clock).

#include "bench/bench_util.hpp"
#include "bench/groups.hpp"

#include "bench/machine_info.hpp"

#include <sodium.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace storemesh::bench;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_log [--dir DIR] [--events N] [--quick] [--only GROUP]\n"
               "  --dir DIR    where to write (a fresh subdirectory, removed afterwards); default $TMPDIR or /tmp\n"
               "  --events N   events in the replay data set (default 1000000; --quick caps it at 100000)\n"
               "  --quick      about 1/8 of the work everywhere: a smoke run, not a measurement\n"
               "  --only G     run one group: append, replay or commands (e.g. under a profiler)\n");
  std::exit(code);
}


} // namespace

int main(int argc, char** argv) {
  options o;
  std::string only;
  fs::path base = default_scratch_base();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "append" && only != "replay" && only != "commands") usage(2);
    } else if (a == "--dir" && i + 1 < argc) {
      base = argv[++i];
    } else if (a == "--events" && i + 1 < argc) {
      char* end = nullptr;
      o.events = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || o.events == 0) usage(2);
    } else {
      usage(2);
    }
  }
  if (sodium_init() < 0) fail("sodium_init");

  o.dir = make_scratch_dir(base, "storemesh-bench");
  if (o.dir.empty()) fail("mkdtemp in " + base.string());
  set_scratch_dir(o.dir);

  print_header("bench_log", argc, argv, o.dir);
  const char* build = build_kind();
  std::printf("build: %s; libsodium %s; every figure is the best of %d runs, wall clock; ratio = figure / reference\n",
              build, sodium_version_string(), o.runs);
  if (o.quick) std::printf("--quick: a smoke run with little work; do not quote these figures\n");
  std::fflush(stdout);

  if (only.empty() || only == "append") append_group(o);
  if (only.empty() || only == "replay") replay_group(o);
  if (only.empty() || only == "commands") command_group(o);

  std::printf("\nload average at end %s (other processes on these 2 cores disturb the figures)\n",
              storemesh::bench::first_line("/proc/loadavg").c_str());
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  return 0;
}
