#include "bench/raw_refs.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/record_hashes.hpp"
#include "events/envelope/decoded_envelope.hpp"

#include "schemas/envelope.capnp.h"

#include <capnp/serialize.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <vector>

namespace storemesh::bench {
namespace {

namespace fs = std::filesystem;
using events::crypto::digest;

template <class F>
double timed(F&& f) {
  const auto t0 = clock::now();
  f();
  return seconds_since(t0);
}

void best(double& slot, double s) { slot = slot == 0 ? s : std::min(slot, s); }

std::vector<fs::path> segment_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".seg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::uint64_t raw_read(const std::vector<fs::path>& files) {
  constexpr std::size_t chunk = std::size_t{1} << 20;
  static const std::unique_ptr<std::uint64_t[]> buf(new std::uint64_t[chunk / 8]);
  std::uint64_t total = 0;
  for (const auto& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open " + f.string());
    for (off_t pos = 0;;) {
      const ssize_t n = ::pread(fd, buf.get(), chunk, pos);
      if (n < 0) fail("pread " + f.string());
      if (n == 0) break;
      pos += n;
      total += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
  }
  keep(buf[0]);
  return total;
}

std::uint64_t raw_decode(const aligned_values& values) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto v = values[i];
    capnp::FlatArrayMessageReader reader(
        kj::arrayPtr(reinterpret_cast<const capnp::word*>(v.data()), v.size() / sizeof(capnp::word)));
    sum += reader.getRoot<schema::Envelope>().getSequence();
  }
  return sum;
}

std::uint64_t lib_decode(const aligned_values& values) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto d = events::envelope::decoded_envelope::decode(values[i]);
    if (!d) fail("decode: " + d.error().message());
    sum += d.value().reader().getSequence();
  }
  return sum;
}

std::uint8_t raw_blake(const aligned_values& values) {
  std::uint8_t acc = 0;
  digest out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto v = values[i];
    crypto_generichash_blake2b(out.data(), out.size(), reinterpret_cast<const unsigned char*>(v.data()), v.size(),
                               nullptr, 0);
    acc ^= out[0];
  }
  return acc;
}

std::uint8_t lib_blake(const aligned_values& values) {
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < values.size(); ++i) acc ^= events::crypto::record_hash(values[i])[0];
  return acc;
}

// As the replay's decode stage calls it: a chunk of 64 records at a time.
std::uint8_t lib_lanes(const aligned_values& values) {
  constexpr std::size_t chunk = 64;
  std::uint8_t acc = 0;
  std::array<std::string_view, chunk> views;
  std::array<digest, chunk> out;
  for (std::size_t i = 0; i < values.size(); i += chunk) {
    const std::size_t n = std::min(chunk, values.size() - i);
    for (std::size_t k = 0; k < n; ++k) views[k] = values[i + k];
    events::crypto::record_hashes(views.data(), n, out.data());
    for (std::size_t k = 0; k < n; ++k) acc ^= out[k][0];
  }
  return acc;
}

} // namespace

component_results measure_components(const options& o, const fs::path& root, const aligned_values& all,
                                      const aligned_values& hashed, const events::crypto::key_pair& sealer,
                                      std::size_t verifies) {
  const auto files = segment_files(root);
  const auto key = sealer.public_key();

  // Ed25519 inputs: what verify_seal hands libsodium is a 32 B digest.
  std::mt19937_64 rng(3);
  std::vector<digest> messages(64);
  std::vector<std::array<std::uint8_t, 64>> signatures;
  for (auto& m : messages) {
    for (auto& b : m) b = static_cast<std::uint8_t>(rng());
    signatures.push_back(sealer.sign(m.data(), m.size()));
  }
  // A seal as the log carries them: over 1000 record hashes.
  std::vector<digest> covered(1000);
  for (auto& d : covered)
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
  const auto seal = events::crypto::seal_signature(events_topic, 0, covered, sealer);
  const std::string_view seal_view(reinterpret_cast<const char*>(seal.data()), seal.size());
  const std::vector<std::uint8_t> big(std::size_t{1} << 20, 0x5a);
  constexpr int big_rounds = 64;

  component_results r;
  for (int run = 0; run < o.runs; ++run) {
    std::uint64_t bytes = 0;
    best(r.read_seconds, timed([&] { bytes = raw_read(files); }));
    r.read_bytes = bytes;
    best(r.decode_seconds, timed([&] { keep(raw_decode(all)); }));
    best(r.lib_decode_seconds, timed([&] { keep(lib_decode(all)); }));
    best(r.blake_seconds, timed([&] { keep(raw_blake(hashed)); }));
    best(r.lib_blake_seconds, timed([&] { keep(lib_blake(hashed)); }));
    best(r.lib_lanes_seconds, timed([&] { keep(lib_lanes(hashed)); }));
    const double v = timed([&] {
      for (std::size_t i = 0; i < verifies; ++i) {
        const std::size_t k = i % messages.size();
        if (crypto_sign_verify_detached(signatures[k].data(), messages[k].data(), messages[k].size(),
                                        key.bytes.data()) != 0)
          fail("raw verify failed");
      }
    });
    best(r.verify_seconds_each, v / static_cast<double>(verifies));
    const std::size_t seal_verifies = std::max<std::size_t>(verifies / 2, 1);
    const double sv = timed([&] {
      for (std::size_t i = 0; i < seal_verifies; ++i)
        if (!events::crypto::verify_seal(events_topic, 0, covered, key, seal_view))
          fail("verify_seal failed");
    });
    best(r.lib_verify_seal_seconds_each, sv / static_cast<double>(seal_verifies));
    const double bs = timed([&] {
      digest out;
      for (int i = 0; i < big_rounds; ++i) {
        crypto_generichash_blake2b(out.data(), out.size(), big.data(), big.size(), nullptr, 0);
        keep(out);
      }
    });
    r.blake_big_mb_per_second = std::max(r.blake_big_mb_per_second, big_rounds * double(big.size()) / bs / 1e6);
  }
  return r;
}

} // namespace storemesh::bench
