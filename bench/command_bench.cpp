// Group 3: signed command intake (decode + verify_command) beside the raw
// Ed25519 verification it cannot go faster than, on 1 and on 2 threads.

#include "bench/bench_data.hpp"
#include "bench/groups.hpp"

#include "events/crypto/command_signing.hpp"
#include "events/envelope/decoded_envelope.hpp"

#include <sodium.h>

#include <algorithm>
#include <random>
#include <thread>

namespace storemesh::bench {
namespace {

constexpr std::size_t distinct = 1000;  // distinct commands, cycled

/// Runs `per_thread(t)` on `threads` threads at once; returns wall seconds.
template <class F>
double on_threads(int threads, F&& per_thread) {
  const auto t0 = clock::now();
  std::vector<std::thread> others;
  for (int t = 1; t < threads; ++t) others.emplace_back([&, t] { per_thread(t); });
  per_thread(0);
  for (auto& t : others) t.join();
  return seconds_since(t0);
}

} // namespace

void command_group(const options& o) {
  const auto signer = events::crypto::key_pair::generate();
  const events::crypto::trusted_keys trusted{signer.public_key()};
  aligned_values commands;
  std::size_t command_bytes = 0;
  for (std::size_t i = 0; i < distinct; ++i) {
    const std::string v = make_signed_command(i, signer);
    command_bytes += v.size();
    commands.add(v);
  }

  // The raw reference: what verify_command hands libsodium, a signature over
  // a 32 B digest, by the same key.
  std::mt19937_64 rng(4);
  std::vector<events::crypto::digest> messages(distinct);
  std::vector<std::array<std::uint8_t, 64>> signatures;
  for (auto& m : messages) {
    for (auto& b : m) b = static_cast<std::uint8_t>(rng());
    signatures.push_back(signer.sign(m.data(), m.size()));
  }
  const auto key = signer.public_key();

  const std::size_t per_thread = o.quick ? 1000 : 10000;
  const auto lib = [&](int t) {
    for (std::size_t i = 0; i < per_thread; ++i) {
      auto d = events::envelope::decoded_envelope::decode(commands[(i + t * 500) % distinct]);
      if (!d) fail("decode: " + d.error().message());
      auto who = events::crypto::verify_command(d.value().reader(), trusted);
      if (!who) fail("verify_command: " + who.error().message());
    }
  };
  const auto raw = [&](int t) {
    for (std::size_t i = 0; i < per_thread; ++i) {
      const std::size_t k = (i + t * 500) % distinct;
      if (crypto_sign_verify_detached(signatures[k].data(), messages[k].data(), messages[k].size(),
                                      key.bytes.data()) != 0)
        fail("raw verify failed");
    }
  };

  std::vector<row> rows;
  double raw1 = 0;
  for (int threads : {1, 2}) {
    double best_lib = 1e300, best_raw = 1e300;
    for (int run = 0; run < o.runs; ++run) {
      best_raw = std::min(best_raw, on_threads(threads, raw));
      best_lib = std::min(best_lib, on_threads(threads, lib));
    }
    const double n = static_cast<double>(per_thread) * threads;
    const std::string t = std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    rows.push_back({"decode + verify_command, " + t, per_second(n, best_lib, "cmd/s"),
                    "raw crypto_sign_verify_detached (32 B), " + t, per_second(n, best_raw, "verifies/s")});
    if (threads == 1) raw1 = n / best_raw;
    if (threads == 2) {
      rows.push_back({"raw crypto_sign_verify_detached, 2 threads", per_second(n, best_raw, "verifies/s"),
                      "the same, 1 thread (scaling)", rate{raw1, "verifies/s"}});
    }
  }
  char title[160];
  std::snprintf(title, sizeof title,
                "3. Signed command verification (host register commands, avg %zu B, from 8-aligned memory)",
                command_bytes / distinct);
  print_group(title, rows);
}

} // namespace storemesh::bench
