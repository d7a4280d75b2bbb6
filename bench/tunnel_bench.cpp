// bench_tunnel: what a tunnel costs against the raw primitives it is made of,
// measured in the same run (DESIGN.md, "How we test"):
//   1. a full Noise_XX handshake in memory (both sides) vs raw X25519
//      scalar multiplications: XX costs each side 3 DH (crypto_scalarmult)
//      plus 1 ephemeral key generation (crypto_scalarmult_base), so one
//      handshake (both sides) is 6 DH + 2 base multiplications;
//   2. tunnel throughput, 16 KiB and 64 KiB messages: seal (type byte,
//      fragment, encrypt, frame) and open (deframe, decrypt, reassemble) vs
//      raw crypto_aead_chacha20poly1305_ietf encrypt / decrypt of the same bytes.
// Build in Release: cmake -DCMAKE_BUILD_TYPE=Release -DSTOREMESH_BENCH=ON.

#include "bench/machine_info.hpp"
#include "services/tunnels/noise/tunnel_handshake.hpp"

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <map>

using namespace storemesh::tunnels::noise;

namespace {

// -- 1. handshakes ----------------------------------------------------------------

void raw_x25519(benchmark::State& state) {
  auto a = generate_keypair(), b = generate_keypair();
  std::uint8_t out[32];
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult(out, a.priv.data(), b.pub.data()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(raw_x25519);

void raw_x25519_base(benchmark::State& state) {
  auto a = generate_keypair();
  std::uint8_t out[32];
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_base(out, a.priv.data()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(raw_x25519_base);

void xx_handshake(benchmark::State& state) {
  const tunnel_identity ia{generate_keypair(), "bench", {}}, ib{generate_keypair(), "bench", {}};
  for (auto _ : state) {
    auto a = tunnel_handshake::create(true, ia).value();
    auto b = tunnel_handshake::create(false, ib).value();
    auto m1 = a.output().value();
    (void)b.feed(m1.data(), m1.size());
    auto m2 = b.output().value();
    (void)a.feed(m2.data(), m2.size());
    auto m3 = a.output().value();
    (void)b.feed(m3.data(), m3.size());
    if (!b.finished()) state.SkipWithError("handshake failed");
    auto sa = a.into_session({}, tunnel_clock::now()).value();
    benchmark::DoNotOptimize(sa.handshake_hash());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(xx_handshake);

// -- 2. throughput ------------------------------------------------------------------

void raw_chacha_encrypt(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  bytes pt(n, 0x5a), ct(n + 16);
  std::uint8_t k[32] = {1}, nonce[12] = {};
  unsigned long long clen = 0;
  for (auto _ : state) {
    ++nonce[4];
    crypto_aead_chacha20poly1305_ietf_encrypt(ct.data(), &clen, pt.data(), n, nullptr, 0, nullptr, nonce, k);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(raw_chacha_encrypt)->Arg(16 << 10)->Arg(64 << 10);

void raw_chacha_decrypt(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  bytes pt(n, 0x5a), ct(n + 16);
  std::uint8_t k[32] = {1}, nonce[12] = {};
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(ct.data(), &len, pt.data(), n, nullptr, 0, nullptr, nonce, k);
  for (auto _ : state) {
    if (crypto_aead_chacha20poly1305_ietf_decrypt(pt.data(), &len, nullptr, ct.data(), ct.size(), nullptr, 0, nonce, k) != 0)
      state.SkipWithError("decrypt failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(raw_chacha_decrypt)->Arg(16 << 10)->Arg(64 << 10);

struct session_pair {
  tunnel_session a, b;
};

session_pair sessions() {
  const tunnel_identity ia{generate_keypair(), "bench", {}}, ib{generate_keypair(), "bench", {}};
  auto a = tunnel_handshake::create(true, ia).value();
  auto b = tunnel_handshake::create(false, ib).value();
  auto m1 = a.output().value();
  (void)b.feed(m1.data(), m1.size());
  auto m2 = b.output().value();
  (void)a.feed(m2.data(), m2.size());
  auto m3 = a.output().value();
  (void)b.feed(m3.data(), m3.size());
  // The default schedule (a rekey every 100,000 messages or 2 minutes) is part of the cost.
  return {a.into_session({}, tunnel_clock::now()).value(), b.into_session({}, tunnel_clock::now()).value()};
}

void tunnel_seal(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto s = sessions();
  bytes msg(n, 0x5a), wire;
  const auto now = tunnel_clock::now();
  for (auto _ : state) {
    wire.clear();
    if (!s.a.seal(msg.data(), n, now, wire)) state.SkipWithError("seal failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(tunnel_seal)->Arg(16 << 10)->Arg(64 << 10);

void tunnel_open(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto s = sessions();
  bytes msg(n, 0x5a);
  // Nonces only go forward, so the frames are sealed ahead, 16 at a time,
  // untimed (16 x 64 KiB still fits the cache, as bytes just read from a socket do).
  std::vector<bytes> batch(16);
  std::size_t next = batch.size();
  std::vector<incoming> in;
  const auto now = tunnel_clock::now();
  for (auto _ : state) {
    if (next == batch.size()) {
      state.PauseTiming();
      for (auto& w : batch) {
        w.clear();
        (void)s.a.seal(msg.data(), n, now, w);
      }
      next = 0;
      state.ResumeTiming();
    }
    in.clear();
    if (!s.b.open(batch[next].data(), batch[next].size(), in) || in.size() != 1) state.SkipWithError("open failed");
    ++next;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(tunnel_open)->Arg(16 << 10)->Arg(64 << 10);

// Keeps each run's CPU time per iteration (ns) for the ratios printed at the end: on
// a shared machine the CPU time is the one that does not count other processes.
class ratio_reporter : public benchmark::ConsoleReporter {
public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration) ns[r.benchmark_name()] = r.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

} // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  std::printf("bench_tunnel  cpu: %s  load: %s  build: %s\n", storemesh::bench::cpu_model().c_str(),
              storemesh::bench::first_line("/proc/loadavg").c_str(), storemesh::bench::build_kind());
  benchmark::Initialize(&argc, argv);
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  auto& t = rep.ns;
  auto per_s = [](double ns) { return ns > 0 ? 1e9 / ns : 0.0; };
  if (t.count("xx_handshake") && t.count("raw_x25519") && t.count("raw_x25519_base")) {
    const double floor_ns = 6 * t["raw_x25519"] + 2 * t["raw_x25519_base"];
    std::printf("\nXX handshakes/s (both sides, in memory): %.0f; raw X25519/s: %.0f; base mults/s: %.0f\n",
                per_s(t["xx_handshake"]), per_s(t["raw_x25519"]), per_s(t["raw_x25519_base"]));
    std::printf("  XX = 3 DH + 1 key generation per side. X25519 ops per handshake time: %.2f "
                "(ideal 6 DH + 2 base = %.0f us; actual %.0f us: %.0f%% in the curve)\n",
                t["xx_handshake"] / t["raw_x25519"], floor_ns / 1e3, t["xx_handshake"] / 1e3,
                100.0 * floor_ns / t["xx_handshake"]);
  }
  for (const char* size : {"16384", "65536"}) {
    const std::string sz = size;
    auto ratio = [&](const std::string& ours, const std::string& raw) {
      if (!t.count(ours + "/" + sz) || !t.count(raw + "/" + sz)) return;
      const double mb = std::stod(sz) / (1 << 20);
      std::printf("%s %6s B: tunnel %.0f MiB/s, raw %.0f MiB/s, tunnel/raw %.2f\n", ours.c_str(), size,
                  mb * per_s(t[ours + "/" + sz]), mb * per_s(t[raw + "/" + sz]), t[raw + "/" + sz] / t[ours + "/" + sz]);
    };
    ratio("tunnel_seal", "raw_chacha_encrypt");
    ratio("tunnel_open", "raw_chacha_decrypt");
  }
  benchmark::Shutdown();
  return 0;
}
