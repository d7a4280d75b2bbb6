// bench_clamd: the raw rate of a real clamd's INSTREAM through clamd_client
// (the ceiling of a scanned session's put/get), beside SHA-256 of the same
// bytes (services/migration/engine/chunk_hash: OpenSSL EVP, what the verdict
// cache keys are made of) in the same run -- DESIGN.md, "How we test".
//
//   bench_clamd [benchmark flags]
//
// clamd: $STOREMESH_CLAMD (a socket path or host:port of a running clamd),
// else one started here with ops/clamav in a scratch directory (the EICAR
// signature only) and stopped at the end. Buffers of 1, 16 and 64 MiB of
// random bytes; each scan must come back clean. Measured while writing it
// (16 MiB, one signature): random bytes ~20-35 MB/s, zeros or text ~85 MB/s;
// turning every format parser off (ScanPE, ScanArchive, ScanPDF ... no) only
// took random bytes from 23 to 32 MB/s: the cost is libclamav's raw scan of
// the bytes, not a signature set or an option. Times are wall-clock
// (UseRealTime): clamd's work is in another process, so the client's CPU
// time would say nothing. Build in Release (ops/build Release bench_clamd).

#include "actors/agents/access_server/clamd_client.hpp"
#include "bench/machine_info.hpp"
#include "services/migration/engine/chunk_hash.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sa = storemesh::agents::access_server;
namespace fs = std::filesystem;

namespace {

std::string g_address;  // the clamd every benchmark talks to

// n random bytes (the same for a given n in every run).
const std::vector<std::uint8_t>& buffer(std::size_t n) {
  static std::map<std::size_t, std::vector<std::uint8_t>> cache;
  auto& b = cache[n];
  if (b.size() != n) {
    b.resize(n);
    std::mt19937_64 rng(n);
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      const auto v = rng();
      std::memcpy(&b[i], &v, 8);
    }
  }
  return b;
}

// fresh: every scan sends other bytes (an 8-byte counter at the front), as
// distinct files do -- libclamav keeps the MD5s of clean files it scanned and
// answers a repeat from that cache after hashing, which `repeat` measures:
// the cost of the transfer, clamd's spool file and the hash alone.
void clamd_instream(benchmark::State& state, bool fresh) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto b = buffer(n);  // a copy: the counter is written into it
  sa::clamd_options o;
  o.address = g_address;
  o.io_timeout = std::chrono::seconds(60);
  sa::clamd_client c(o);
  static std::uint64_t counter = 0;  // never the same bytes twice in one run
  if (!fresh) {  // repeat: clamd has seen these bytes once already (untimed)
    auto s = c.instream();
    s->feed(b.data(), n);
    (void)s->finish();
  }
  for (auto _ : state) {
    if (fresh) {
      ++counter;
      std::memcpy(b.data(), &counter, sizeof counter);
    }
    // As an access streams: 64 KiB reads fed one by one (the client packs
    // them into chunk_bytes INSTREAM chunks).
    auto s = c.instream();
    for (std::size_t at = 0; at < n; at += 64 << 10) s->feed(b.data() + at, std::min<std::size_t>(64 << 10, n - at));
    const auto r = s->finish();
    if (r.what != sa::scan_result::kind::clean) {
      state.SkipWithError(("not clean: " + r.error + r.signature).c_str());
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
// MinTime: one 64 MiB scan takes seconds; a single one is noise.
BENCHMARK_CAPTURE(clamd_instream, fresh, true)->Arg(1 << 20)->Arg(16 << 20)->Arg(64 << 20)->MinTime(5.0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(clamd_instream, repeat, false)->Arg(1 << 20)->Arg(16 << 20)->Arg(64 << 20)->MinTime(3.0)->UseRealTime()->Unit(benchmark::kMillisecond);

void sha256_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& b = buffer(n);
  for (auto _ : state) benchmark::DoNotOptimize(storemesh::services::migration::sha256(b.data(), n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(sha256_reference)->Arg(1 << 20)->Arg(16 << 20)->Arg(64 << 20)->UseRealTime()->Unit(benchmark::kMillisecond);

// Keeps each run's wall time per iteration (ns) for the ratios printed at the end.
class ratio_reporter : public benchmark::ConsoleReporter {
public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) ns[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

std::string run(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out = buf;  // the last line
    if (::pclose(p) != 0) return {};
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

} // namespace

int main(int argc, char** argv) {
  fs::path scratch;
  if (const char* a = std::getenv("STOREMESH_CLAMD"); a && *a) {
    g_address = a;
  } else {
    scratch = storemesh::bench::make_scratch_dir(storemesh::bench::default_scratch_base(), "bench-clamd");
    if (scratch.empty()) return 1;
    g_address = run(std::string(STOREMESH_SOURCE_DIR) + "/ops/clamav start --dir " + (scratch / "c").string());
    if (g_address.empty()) {
      std::fprintf(stderr, "bench_clamd: ops/clamav start failed (or set STOREMESH_CLAMD=socket)\n");
      return 1;
    }
  }
  storemesh::bench::print_header("bench_clamd", argc, argv, scratch.empty() ? fs::path("/tmp") : scratch);
  sa::clamd_options o;
  o.address = g_address;
  const auto v = sa::clamd_client(o).version();
  std::printf("clamd: %s (%s)\n", g_address.c_str(), v.ok ? (v.engine + ", database " + v.db_version).c_str() : v.error.c_str());

  benchmark::Initialize(&argc, argv);
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  // Names carry the options ("clamd_instream/fresh/16777216/min_time:5.000/real_time"):
  // a row is found by its prefix. Times are in the benchmarks' unit, ms per iteration.
  const auto ms_of = [&](const std::string& prefix) {
    for (const auto& [name, ms] : rep.ns)
      if (name.rfind(prefix, 0) == 0) return ms;
    return 0.0;
  };
  std::printf("\n%8s  %12s  %12s  %12s  %s\n", "buffer", "fresh MiB/s", "repeat MiB/s", "SHA-256 MiB/s",
              "fresh/SHA-256");
  for (int mib : {1, 16, 64}) {
    const auto size = std::to_string(mib << 20) + "/";
    const double f = ms_of("clamd_instream/fresh/" + size), r = ms_of("clamd_instream/repeat/" + size),
                 h = ms_of("sha256_reference/" + size);
    const auto rate = [&](double ms) { return ms > 0 ? mib * 1e3 / ms : 0.0; };
    std::printf("%5d MiB  %12.1f  %12.1f  %12.0f  %.3f\n", mib, rate(f), rate(r), rate(h), h > 0 && f > 0 ? h / f : 0.0);
  }
  if (!scratch.empty()) {
    (void)run(std::string(STOREMESH_SOURCE_DIR) + "/ops/clamav stop --dir " + (scratch / "c").string() + " 2>/dev/null");
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
  return 0;
}
