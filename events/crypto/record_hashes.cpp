#include "events/crypto/record_hashes.hpp"

// GCC 12's AVX-512 intrinsics start from a deliberately undefined vector
// (`__m512i __Y = __Y;`), which -Wmaybe-uninitialized reports at every use.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace storemesh::events::crypto {
namespace {

// BLAKE2b (RFC 7693): the IV and the message schedule of its 12 rounds.
constexpr std::uint64_t iv[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                 0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
constexpr std::uint8_t sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

constexpr std::size_t lanes = 8;
constexpr std::size_t block = 128;
// Longer values take libsodium: in lanes they would hold the other seven
// lanes idle for all their extra blocks.
constexpr std::size_t longest_in_lanes = 16 * block;
// Fewer values than this in a group go through libsodium one by one: a group
// costs the same however many of its lanes are busy.
constexpr std::size_t fewest_in_lanes = 3;

bool avx512_available() {
  // cpu_init: libgcc fills the CPU model in a constructor, and this may run
  // in another static initialiser before it.
  static const bool available = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f"));
  return available;
}

#define SM_B2_G(a, b, c, d, x, y)                     \
  do {                                               \
    a = _mm512_add_epi64(_mm512_add_epi64(a, b), x); \
    d = _mm512_ror_epi64(_mm512_xor_si512(d, a), 32); \
    c = _mm512_add_epi64(c, d);                      \
    b = _mm512_ror_epi64(_mm512_xor_si512(b, c), 24); \
    a = _mm512_add_epi64(_mm512_add_epi64(a, b), y); \
    d = _mm512_ror_epi64(_mm512_xor_si512(d, a), 16); \
    c = _mm512_add_epi64(c, d);                      \
    b = _mm512_ror_epi64(_mm512_xor_si512(b, c), 63); \
  } while (false)

/// BLAKE2b-256 of `count` (<= 8) values, value k in lane k; each at most
/// longest_in_lanes bytes. Lanes past `count` run on a zero block, masked out.
__attribute__((target("avx512f"))) void hash_group(const std::string_view* values, std::size_t count,
                                                    digest* out) {
  alignas(64) static const std::uint8_t zero_block[block] = {};
  alignas(64) std::uint8_t tails[lanes][block];  // each lane's last, partial block, zero-padded
  std::size_t blocks[lanes] = {};
  std::size_t most = 0;
  for (std::size_t l = 0; l < count; ++l) {
    blocks[l] = std::max<std::size_t>(1, (values[l].size() + block - 1) / block);
    most = std::max(most, blocks[l]);
  }

  __m512i h[8];
  // The parameter block of an unkeyed 32-byte digest: depth 1, fanout 1, length 32.
  h[0] = _mm512_set1_epi64(static_cast<long long>(iv[0] ^ 0x01010020ULL));
  for (int i = 1; i < 8; ++i) h[i] = _mm512_set1_epi64(static_cast<long long>(iv[i]));

  alignas(64) std::uint64_t address[lanes];
  alignas(64) std::uint64_t counter[lanes];
  alignas(64) std::uint64_t final_flag[lanes];
  for (std::size_t b = 0; b < most; ++b) {
    __mmask8 active = 0;
    for (std::size_t l = 0; l < lanes; ++l) {
      const std::uint8_t* src = zero_block;
      counter[l] = 0;
      final_flag[l] = 0;
      if (l < count && b < blocks[l]) {
        active = static_cast<__mmask8>(active | (1u << l));
        const std::size_t size = values[l].size();
        const std::size_t start = b * block;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(values[l].data());
        if (start + block <= size) {
          src = bytes + start;
        } else {  // the partial (or empty) last block
          std::memset(tails[l], 0, block);
          if (size > start) std::memcpy(tails[l], bytes + start, size - start);
          src = tails[l];
        }
        counter[l] = std::min(size, start + block);
        if (b + 1 == blocks[l]) final_flag[l] = ~std::uint64_t{0};
      }
      address[l] = reinterpret_cast<std::uintptr_t>(src);
    }

    // Word j of every lane's block, by absolute address.
    const __m512i base = _mm512_load_si512(address);
    __m512i m[16];
    for (int j = 0; j < 16; ++j) {
      m[j] = _mm512_i64gather_epi64(_mm512_add_epi64(base, _mm512_set1_epi64(8 * j)), nullptr, 1);
    }

    __m512i v[16];
    for (int i = 0; i < 8; ++i) v[i] = h[i];
    for (int i = 0; i < 8; ++i) v[8 + i] = _mm512_set1_epi64(static_cast<long long>(iv[i]));
    v[12] = _mm512_xor_si512(v[12], _mm512_load_si512(counter));  // the high half of the counter is 0
    v[14] = _mm512_xor_si512(v[14], _mm512_load_si512(final_flag));
    for (int r = 0; r < 12; ++r) {
      const std::uint8_t* s = sigma[r];
      SM_B2_G(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
      SM_B2_G(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
      SM_B2_G(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
      SM_B2_G(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
      SM_B2_G(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
      SM_B2_G(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
      SM_B2_G(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
      SM_B2_G(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; ++i) {
      h[i] = _mm512_mask_mov_epi64(h[i], active, _mm512_xor_si512(h[i], _mm512_xor_si512(v[i], v[8 + i])));
    }
  }

  alignas(64) std::uint64_t words[4][lanes];
  for (int i = 0; i < 4; ++i) _mm512_store_si512(words[i], h[i]);
  for (std::size_t l = 0; l < count; ++l) {
    for (int i = 0; i < 4; ++i) std::memcpy(out[l].data() + 8 * i, &words[i][l], 8);  // little-endian, as x86
  }
}

#undef SM_B2_G

} // namespace

bool record_hashes_in_lanes() { return avx512_available(); }

void record_hashes(const std::string_view* values, std::size_t n, digest* out) {
  if (!avx512_available()) {
    for (std::size_t i = 0; i < n; ++i) out[i] = record_hash(values[i]);
    return;
  }
  // Gather short values into groups of eight; long ones go one by one.
  std::array<std::string_view, lanes> group;
  std::array<std::size_t, lanes> index;
  std::array<digest, lanes> digests;
  std::size_t count = 0;
  const auto flush = [&] {
    if (count < fewest_in_lanes) {
      for (std::size_t k = 0; k < count; ++k) out[index[k]] = record_hash(group[k]);
    } else {
      hash_group(group.data(), count, digests.data());
      for (std::size_t k = 0; k < count; ++k) out[index[k]] = digests[k];
    }
    count = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i].size() > longest_in_lanes) {
      out[i] = record_hash(values[i]);
      continue;
    }
    group[count] = values[i];
    index[count] = i;
    if (++count == lanes) flush();
  }
  flush();
}

} // namespace storemesh::events::crypto
