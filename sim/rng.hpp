#pragma once
// The simulator's one source of randomness. xoshiro256** seeded by
// splitmix64, with its own integer and real draws: std::uniform_int_distribution
// differs between standard libraries, and a seed must replay bit for bit on
// any machine that builds storemesh.

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::sim {

class rng {
public:
  explicit rng(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const auto result = rotl(s_[1] * 5, 7) * 9;
    const auto t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, n); 0 when n is 0 (Lemire's multiply-shift: one draw,
  /// bias below 2^-32 for the small n the simulator uses).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0)
      return 0;
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// True with probability `per_mille` / 1000.
  bool chance(unsigned per_mille) { return below(1000) < per_mille; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  /// A child generator: one draw here, an independent stream there.
  rng fork() { return rng(next()); }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

} // namespace storemesh::sim
