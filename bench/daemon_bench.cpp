// bench_daemon: the in-process daemon end to end, each figure beside a
// reference measured in the same run.
//
//   bench_daemon [--dir DIR] [--quick] [--only intake|recovery|takeover] [--kafka B [--group]]
//
// 1. intake: N pre-signed host commands appended to storemesh.commands as fast
//    as the bench thread can, until every outcome is in the log; beside raw
//    Ed25519 verification on one thread (the intake verifies on one thread).
//    Then commands one at a time with wait (the CLI's path), beside one raw
//    fsync'd append of the same log.
// 2. recovery: recover_entity of a host with 10k events interleaved with 100k
//    others, with its latest snapshot, an older one, and none.
// 3. takeover: a partition of 100k hosts restored in one pass (with and
//    without snapshots), beside a raw read + decode of the same records and
//    beside one recover_entity per host.

#include "bench/daemon_bench.hpp"

#include "bench/machine_info.hpp"

#include <sodium.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

namespace storemesh::dbench {

namespace fs = std::filesystem;

namespace {
fs::path scratch;
}

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_daemon: %s\n", what.c_str());
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
  std::exit(1);
}

std::string human(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e3) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 0.01 ? "%.2f ms" : "%.1f ms", seconds * 1e3);
  return buf;
}

void print_table(const std::string& title, const std::vector<row>& rows) {
  std::size_t w0 = 4, w1 = 6, w2 = 9, w3 = 3;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.what.size());
    w1 = std::max(w1, r.figure.size());
    w2 = std::max(w2, r.reference.size());
    w3 = std::max(w3, r.ref_figure.size());
  }
  std::printf("\n%s\n", title.c_str());
  std::printf("  %-*s  %*s   %-*s  %*s  %6s\n", int(w0), "what", int(w1), "figure", int(w2), "reference", int(w3),
              "ref", "ratio");
  for (const auto& r : rows) {
    char ratio[16] = "";
    if (r.ratio >= 0) std::snprintf(ratio, sizeof ratio, "%.2f", r.ratio);
    std::printf("  %-*s  %*s   %-*s  %*s  %6s\n", int(w0), r.what.c_str(), int(w1), r.figure.c_str(), int(w2),
                r.reference.c_str(), int(w3), r.ref_figure.c_str(), ratio);
    if (!r.note.empty()) std::printf("      %s\n", r.note.c_str());
  }
  std::fflush(stdout);
}

} // namespace storemesh::dbench

namespace {

namespace fs = std::filesystem;
using namespace storemesh::dbench;

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_daemon [--dir DIR] [--quick] [--only intake|recovery|takeover] [--kafka HOST:PORT [--group]]\n"
               "  --kafka B   groups 1 and 3 on a Kafka broker (ops/kafka start); group 1 with Kafka's\n"
               "              ProducerPerformance at the same record size as the reference, run after each run\n"
               "  --group     with --kafka: the daemon in a consumer group (serve --group): every\n"
               "              transaction also commits the intake's positions (KIP-447)\n"
               "  --batches L commands per signature, one pass each (default 1,16,256,4096; 1 = signed alone)\n"
               "  --commands N  group 1: pipelined commands per run (default 20000)\n"
               "  --intake-threads N  the daemon's command-checking threads (default 0: one per core)\n"
               "  --dir DIR   where to write (a fresh subdirectory, removed afterwards); default $TMPDIR or /tmp\n"
               "  --quick     about 1/10 of the work: a smoke run, not a measurement\n"
               "  --only G    run one group: intake, recovery or takeover\n");
  std::exit(code);
}


} // namespace

int main(int argc, char** argv) {
  options o;
  std::string only;
  fs::path base = storemesh::bench::default_scratch_base();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "intake" && only != "recovery" && only != "takeover") usage(2);
    } else if (a == "--dir" && i + 1 < argc) {
      base = argv[++i];
    } else if (a == "--kafka" && i + 1 < argc) {
      o.kafka = argv[++i];
    } else if (a == "--group") {
      o.group = true;
    } else if (a == "--batches" && i + 1 < argc) {
      o.batches.clear();
      std::string list = argv[++i];
      for (std::size_t at = 0; at < list.size();) {
        const auto comma = std::min(list.find(',', at), list.size());
        o.batches.push_back(std::max<std::size_t>(1, std::stoul(list.substr(at, comma - at))));
        at = comma + 1;
      }
    } else if (a == "--commands" && i + 1 < argc) {
      o.commands = std::max<std::size_t>(1, std::stoul(argv[++i]));
    } else if (a == "--intake-threads" && i + 1 < argc) {
      o.intake_threads = static_cast<unsigned>(std::stoul(argv[++i]));
    } else {
      usage(2);
    }
  }
  if (o.quick) {
    o.commands = 2000;
    o.hosts = 100;
    o.single = 30;
    o.other_events = 10000;
  }
  if (sodium_init() < 0) fail("sodium_init");
  o.dir = storemesh::bench::make_scratch_dir(base, "storemesh-dbench");
  if (o.dir.empty()) fail("mkdtemp in " + base.string());
  scratch = o.dir;

  storemesh::bench::print_header("bench_daemon", argc, argv, o.dir);
  std::printf("build: %s; libsodium %s; best of %d runs where marked, wall clock\n", storemesh::bench::build_kind(),
              sodium_version_string(), o.runs);
  if (o.quick) std::printf("--quick: a smoke run with little work; do not quote these figures\n");
  std::fflush(stdout);

  if (only.empty() || only == "intake") intake_group(o);
  if (only.empty() || only == "recovery") recovery_group(o);
  if (only.empty() || only == "takeover") takeover_group(o);

  std::printf("\nload average at end %s (other processes on these cores disturb the figures)\n",
              storemesh::bench::first_line("/proc/loadavg").c_str());
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  return 0;
}
