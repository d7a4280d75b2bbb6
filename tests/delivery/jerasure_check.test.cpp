// The independent check of issue 15: slices that ISA-L encoded (rs_coder)
// are decoded by Jerasure (Plank's library, Debian's libjerasure-dev), which
// shares no code with ISA-L, given the same coding matrix; and Jerasure's
// parity from that matrix equals ISA-L's. Both compute in GF(2^8) with the
// primitive polynomial 0x11d (x^8+x^4+x^3+x^2+1): ISA-L's only field, and
// GF-Complete's default for w = 8, which Jerasure uses. If either side
// changed its field, matrix or byte layout, these tests would fail.
#include "services/delivery/coding/rs_coder.hpp"

#include <boost/test/unit_test.hpp>

extern "C" {
#include <jerasure.h>
}

#include <cstring>
#include <random>
#include <vector>

using namespace storemesh::services::delivery;

namespace {

constexpr int w = 8;             // GF(2^8): one byte per symbol, as ISA-L
constexpr std::size_t len = 4096;  // Jerasure wants a multiple of sizeof(long)

/// One stripe of k+m pillars of len bytes each, the data random.
struct stripe {
  std::uint32_t k, m;
  std::vector<std::vector<std::uint8_t>> pillar;
  stripe(std::uint32_t k_, std::uint32_t m_, std::uint32_t seed) : k(k_), m(m_) {
    std::mt19937 rng(seed);
    pillar.assign(k + m, std::vector<std::uint8_t>(len, 0));
    for (std::uint32_t i = 0; i < k; ++i)
      for (auto& b : pillar[i])
        b = static_cast<std::uint8_t>(rng());
  }
};

rs_coder coder_for(std::uint32_t k, std::uint32_t m) {
  auto c = rs_coder::make(k, m);
  BOOST_REQUIRE(c.has_value());
  return std::move(c).value();
}

/// Jerasure's coding matrix: rows k..k+m-1 of ISA-L's (the identity rows are
/// implicit in Jerasure), as ints.
std::vector<int> jerasure_matrix(const rs_coder& c) {
  const auto& a = c.matrix();
  return std::vector<int>(a.begin() + std::size_t{c.k()} * c.k(), a.end());
}

void isal_encode(const rs_coder& c, stripe& s) {
  std::vector<const std::uint8_t*> data;
  std::vector<std::uint8_t*> parity;
  for (std::uint32_t i = 0; i < c.k(); ++i)
    data.push_back(s.pillar[i].data());
  for (std::uint32_t j = 0; j < c.m(); ++j)
    parity.push_back(s.pillar[c.k() + j].data());
  c.encode(len, data.data(), parity.data());
}

/// Erases `erased` (pillar numbers: Jerasure numbers data 0..k-1 and coding
/// k..k+m-1, as we do) in a copy, has Jerasure decode it, compares every pillar.
void jerasure_decodes(const rs_coder& c, const stripe& s, const std::vector<int>& erased) {
  auto copy = s.pillar;
  for (int p : erased)
    std::memset(copy[p].data(), 0x5A, len);  // garbage where the slice is lost
  std::vector<char*> data, coding;
  for (std::uint32_t i = 0; i < c.k(); ++i)
    data.push_back(reinterpret_cast<char*>(copy[i].data()));
  for (std::uint32_t j = 0; j < c.m(); ++j)
    coding.push_back(reinterpret_cast<char*>(copy[c.k() + j].data()));
  auto matrix = jerasure_matrix(c);
  std::vector<int> erasures = erased;
  erasures.push_back(-1);
  const int rc = jerasure_matrix_decode(static_cast<int>(c.k()), static_cast<int>(c.m()), w, matrix.data(), 0,
                                        erasures.data(), data.data(), coding.data(), static_cast<int>(len));
  BOOST_REQUIRE_EQUAL(rc, 0);
  for (std::uint32_t p = 0; p < c.pillars(); ++p)
    BOOST_TEST_REQUIRE((copy[p] == s.pillar[p]), "pillar " << p << " after erasing " << erased.size());
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_jerasure_check)

BOOST_AUTO_TEST_CASE(jerasure_decodes_isal_slices_for_every_erasure_pattern_of_rs_4_2) {
  const auto c = coder_for(4, 2);
  stripe s(4, 2, 1);
  isal_encode(c, s);
  int patterns = 0;
  for (int a = 0; a < 6; ++a) {
    jerasure_decodes(c, s, {a});
    ++patterns;
    for (int b = a + 1; b < 6; ++b) {
      jerasure_decodes(c, s, {a, b});
      ++patterns;
    }
  }
  BOOST_TEST(patterns == 6 + 15);
}

BOOST_AUTO_TEST_CASE(jerasure_decodes_isal_slices_for_random_erasures_of_rs_10_4_and_32_16) {
  std::mt19937 rng(10);
  for (auto [k, m] : {std::pair{10u, 4u}, {32u, 16u}}) {
    const auto c = coder_for(k, m);
    stripe s(k, m, k + m);
    isal_encode(c, s);
    for (int round = 0; round < 100; ++round) {
      std::vector<int> erased;
      const std::uint32_t count = 1 + rng() % m;
      while (erased.size() < count) {
        const int p = static_cast<int>(rng() % (k + m));
        if (std::find(erased.begin(), erased.end(), p) == erased.end())
          erased.push_back(p);
      }
      jerasure_decodes(c, s, erased);
    }
  }
}

BOOST_AUTO_TEST_CASE(jerasure_encodes_the_same_parity_as_isal_and_isal_decodes_it) {
  for (auto [k, m] : {std::pair{1u, 1u}, {4u, 2u}, {10u, 4u}, {32u, 16u}}) {
    auto c = coder_for(k, m);
    stripe isal(k, m, 7 * k + m);
    isal_encode(c, isal);
    stripe jer = isal;
    for (std::uint32_t j = 0; j < m; ++j)
      std::memset(jer.pillar[k + j].data(), 0, len);
    std::vector<char*> data, coding;
    for (std::uint32_t i = 0; i < k; ++i)
      data.push_back(reinterpret_cast<char*>(jer.pillar[i].data()));
    for (std::uint32_t j = 0; j < m; ++j)
      coding.push_back(reinterpret_cast<char*>(jer.pillar[k + j].data()));
    auto matrix = jerasure_matrix(c);
    jerasure_matrix_encode(static_cast<int>(k), static_cast<int>(m), w, matrix.data(), data.data(), coding.data(),
                           static_cast<int>(len));
    for (std::uint32_t j = 0; j < m; ++j)
      BOOST_TEST_REQUIRE((jer.pillar[k + j] == isal.pillar[k + j]), "parity " << j << " of (" << k << "," << m << ")");
    // And the other way: ISA-L rebuilds the first m data pillars from
    // Jerasure's parity and the remaining data.
    std::vector<const std::uint8_t*> in(k + m, nullptr);
    std::vector<std::uint8_t*> out(k + m, nullptr);
    std::vector<std::vector<std::uint8_t>> got(k + m, std::vector<std::uint8_t>(len));
    for (std::uint32_t p = 0; p < k + m; ++p) {
      if (p < std::min(k, m))
        out[p] = got[p].data();
      else
        in[p] = jer.pillar[p].data();
    }
    BOOST_REQUIRE(c.decode(len, in.data(), out.data()).has_value());
    for (std::uint32_t p = 0; p < std::min(k, m); ++p)
      BOOST_TEST_REQUIRE((got[p] == isal.pillar[p]));
  }
}

BOOST_AUTO_TEST_SUITE_END()
