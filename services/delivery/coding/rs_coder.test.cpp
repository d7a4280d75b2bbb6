// rs_coder: encode, then erase pillars and decode, for several codes; every
// erasure pattern of up to m for small codes; the parity checked against a
// multiplication written here (not ISA-L's) over the coding matrix.
#include "services/delivery/coding/coding_errc.hpp"
#include "services/delivery/coding/rs_coder.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

using namespace storemesh;
using namespace storemesh::services::delivery;

namespace {

/// GF(2^8) multiply, polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), bit by bit.
std::uint8_t slow_mul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & 1)
      r ^= a;
    const bool carry = a & 0x80;
    a = static_cast<std::uint8_t>(a << 1);
    if (carry)
      a ^= 0x1d;
    b >>= 1;
  }
  return r;
}

struct stripe {
  std::uint32_t k, m;
  std::size_t len;
  std::vector<std::vector<std::uint8_t>> pillar;  // k + m buffers

  stripe(std::uint32_t k_, std::uint32_t m_, std::size_t len_, std::uint32_t seed) : k(k_), m(m_), len(len_) {
    std::mt19937 rng(seed);
    pillar.assign(k + m, std::vector<std::uint8_t>(len));
    for (std::uint32_t i = 0; i < k; ++i)
      for (auto& b : pillar[i])
        b = static_cast<std::uint8_t>(rng());
  }
  std::vector<const std::uint8_t*> data() const {
    std::vector<const std::uint8_t*> v;
    for (std::uint32_t i = 0; i < k; ++i)
      v.push_back(pillar[i].data());
    return v;
  }
  std::vector<std::uint8_t*> parity() {
    std::vector<std::uint8_t*> v;
    for (std::uint32_t j = 0; j < m; ++j)
      v.push_back(pillar[k + j].data());
    return v;
  }
};

rs_coder make_coder(std::uint32_t k, std::uint32_t m) {
  auto c = rs_coder::make(k, m);
  BOOST_REQUIRE(c.has_value());
  return std::move(c).value();
}

/// Erases `erased` (a pillar set), decodes every erased pillar, compares.
void check_pattern(rs_coder& c, const stripe& s, pillar_set erased) {
  const std::uint32_t n = c.pillars();
  std::vector<const std::uint8_t*> in(n, nullptr);
  std::vector<std::vector<std::uint8_t>> rebuilt(n);
  std::vector<std::uint8_t*> out(n, nullptr);
  for (std::uint32_t p = 0; p < n; ++p) {
    if (erased & pillar_bit(p)) {
      rebuilt[p].assign(s.len, 0xAA);
      out[p] = rebuilt[p].data();
    } else {
      in[p] = s.pillar[p].data();
    }
  }
  const auto r = c.decode(s.len, in.data(), out.data());
  BOOST_REQUIRE_MESSAGE(r.has_value(), "erased set " << erased);
  for (std::uint32_t p = 0; p < n; ++p)
    if (erased & pillar_bit(p))
      BOOST_TEST_REQUIRE((rebuilt[p] == s.pillar[p]), "pillar " << p << " of erased set " << erased);
}

/// Calls f(set) for every subset of {0..n-1} with 1..max_size elements.
template <class F>
void for_each_subset(std::uint32_t n, std::uint32_t max_size, F f) {
  for (pillar_set s = 1; s < pillar_bit(n); ++s)
    if (static_cast<std::uint32_t>(__builtin_popcountll(s)) <= max_size)
      f(s);
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_rs_coder)

BOOST_AUTO_TEST_CASE(the_matrix_is_systematic_and_parity_is_the_matrix_times_the_data) {
  for (auto [k, m] : {std::pair{1u, 1u}, {4u, 2u}, {10u, 4u}}) {
    auto c = make_coder(k, m);
    const auto& a = c.matrix();
    BOOST_REQUIRE_EQUAL(a.size(), std::size_t{k + m} * k);
    for (std::uint32_t r = 0; r < k; ++r)
      for (std::uint32_t j = 0; j < k; ++j)
        BOOST_TEST(a[r * k + j] == (r == j ? 1 : 0));
    stripe s(k, m, 333, k * 100 + m);  // an odd length: ISA-L's tail path
    c.encode(s.len, s.data().data(), s.parity().data());
    for (std::uint32_t j = 0; j < m; ++j)
      for (std::size_t b = 0; b < s.len; ++b) {
        std::uint8_t want = 0;
        for (std::uint32_t i = 0; i < k; ++i)
          want ^= slow_mul(a[(k + j) * k + i], s.pillar[i][b]);
        BOOST_TEST_REQUIRE(s.pillar[k + j][b] == want);
      }
  }
}

BOOST_AUTO_TEST_CASE(every_erasure_pattern_of_up_to_m_pillars_decodes_for_small_codes) {
  for (auto [k, m] : {std::pair{4u, 2u}, {6u, 3u}, {1u, 1u}, {3u, 3u}}) {
    auto c = make_coder(k, m);
    stripe s(k, m, 4096 + 64, 7 * k + m);
    c.encode(s.len, s.data().data(), s.parity().data());
    int patterns = 0;
    for_each_subset(k + m, m, [&](pillar_set erased) {
      check_pattern(c, s, erased);
      ++patterns;
    });
    BOOST_TEST_MESSAGE("(" << k << "," << m << "): " << patterns << " patterns");
  }
}

BOOST_AUTO_TEST_CASE(random_erasures_decode_for_large_codes) {
  std::mt19937 rng(15);
  for (auto [k, m] : {std::pair{10u, 4u}, {32u, 16u}, {16u, 1u}, {1u, 16u}}) {
    auto c = make_coder(k, m);
    stripe s(k, m, 8192, k + 31 * m);
    c.encode(s.len, s.data().data(), s.parity().data());
    for (int round = 0; round < 40; ++round) {
      pillar_set erased = 0;
      const std::uint32_t count = 1 + rng() % m;
      while (static_cast<std::uint32_t>(__builtin_popcountll(erased)) < count)
        erased |= pillar_bit(rng() % (k + m));
      check_pattern(c, s, erased);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_present_pillar_can_be_wanted_and_plans_are_reused) {
  auto c = make_coder(4, 2);
  stripe s(4, 2, 256, 3);
  c.encode(s.len, s.data().data(), s.parity().data());
  // Pillars 0 and 5 lost; ask for 0, 1 (present) and 5.
  std::vector<const std::uint8_t*> in{nullptr, s.pillar[1].data(), s.pillar[2].data(), s.pillar[3].data(),
                                      s.pillar[4].data(), nullptr};
  std::vector<std::vector<std::uint8_t>> got(6, std::vector<std::uint8_t>(256));
  std::vector<std::uint8_t*> out{got[0].data(), got[1].data(), nullptr, nullptr, nullptr, got[5].data()};
  BOOST_REQUIRE(c.decode(256, in.data(), out.data()).has_value());
  BOOST_TEST((got[0] == s.pillar[0]));
  BOOST_TEST((got[1] == s.pillar[1]));
  BOOST_TEST((got[5] == s.pillar[5]));
  const auto p1 = c.plan(0b011110, 0b100011);
  const auto p2 = c.plan(0b011110, 0b100011);
  BOOST_REQUIRE(p1.has_value());
  BOOST_REQUIRE(p2.has_value());
  BOOST_TEST(p1.value() == p2.value());
  BOOST_TEST(p1.value()->sources == pillar_set{0b011110});
  BOOST_TEST(p1.value()->target_count == 3u);
}

BOOST_AUTO_TEST_CASE(decode_refuses_fewer_than_k_slices_and_bad_arguments) {
  auto c = make_coder(4, 2);
  stripe s(4, 2, 128, 5);
  std::vector<const std::uint8_t*> in{s.pillar[0].data(), nullptr, nullptr, s.pillar[3].data(), s.pillar[4].data(),
                                      nullptr};
  std::vector<std::uint8_t> buf(128);
  std::vector<std::uint8_t*> out{nullptr, buf.data(), nullptr, nullptr, nullptr, nullptr};
  const auto r = c.decode(128, in.data(), out.data());
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(coding_errc::too_few_slices));
  BOOST_TEST(c.plan(0b111111, 0).error().code == make_error_code(coding_errc::bad_pillar));
  BOOST_TEST(c.plan(0b1111111, 0b1).error().code == make_error_code(coding_errc::bad_pillar));
  for (auto [k, m] : {std::pair{0u, 1u}, {1u, 0u}, {max_k + 1, 1u}, {1u, max_m + 1}}) {
    const auto bad = rs_coder::make(k, m);
    BOOST_REQUIRE(!bad.has_value());
    BOOST_TEST(bad.error().code == make_error_code(coding_errc::bad_geometry));
  }
  BOOST_TEST(rs_coder::make(max_k, max_m).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
