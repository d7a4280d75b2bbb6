// segment_coder: a segment's bytes -> k+m payloads -> any k of them -> the
// same bytes, for full and short segments, in the copying and the view forms.
#include "services/delivery/coding/coding_errc.hpp"
#include "services/delivery/coding/segment_coder.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

using namespace storemesh;
using namespace storemesh::services::delivery;

namespace {

geometry geo(std::uint32_t k, std::uint32_t m, std::uint64_t segment_bytes) {
  return geometry{segment_bytes * 3 - 100, segment_bytes, k, m};
}

segment_coder make_coder(const geometry& g) {
  auto c = segment_coder::make(g);
  BOOST_REQUIRE(c.has_value());
  return std::move(c).value();
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v)
    b = static_cast<std::uint8_t>(rng());
  return v;
}

/// k+m payload buffers carved out of one aligned buffer.
struct slice_set {
  aligned_buffer mem;
  std::vector<std::uint8_t*> ptr;
  slice_set(std::uint32_t pillars, std::size_t s) : mem(pillars * s) {
    for (std::uint32_t p = 0; p < pillars; ++p)
      ptr.push_back(mem.data() + p * s);
  }
};

/// The payloads with the pillars of `erased` absent.
std::vector<const std::uint8_t*> without(const std::vector<std::uint8_t*>& all, pillar_set erased) {
  std::vector<const std::uint8_t*> v(all.begin(), all.end());
  for (std::size_t p = 0; p < v.size(); ++p)
    if (erased & pillar_bit(static_cast<std::uint32_t>(p)))
      v[p] = nullptr;
  return v;
}

pillar_set random_erasure(std::mt19937& rng, std::uint32_t k, std::uint32_t m) {
  pillar_set e = 0;
  const std::uint32_t count = rng() % (m + 1);  // 0..m
  while (static_cast<std::uint32_t>(__builtin_popcountll(e)) < count)
    e |= pillar_bit(rng() % (k + m));
  return e;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_segment_coder)

BOOST_AUTO_TEST_CASE(full_and_short_segments_round_trip_from_any_k_slices) {
  std::mt19937 rng(99);
  for (auto [k, m] : {std::pair{1u, 1u}, {4u, 2u}, {10u, 4u}, {32u, 16u}}) {
    const auto g = geo(k, m, 64 * 1024);
    auto c = make_coder(g);
    BOOST_TEST(c.slice_bytes() == slice_bytes(g));
    // Full, one byte short, a few bytes, exactly one slice, one slice + 1.
    for (const std::size_t len : {std::size_t{g.segment_bytes}, std::size_t{g.segment_bytes - 1}, std::size_t{5},
                                  c.slice_bytes(), c.slice_bytes() + 1}) {
      if (len > g.segment_bytes)
        continue;
      const auto data = random_bytes(len, static_cast<std::uint32_t>(len + k));
      slice_set slices(c.pillars(), c.slice_bytes());
      BOOST_REQUIRE(c.encode(data.data(), len, slices.ptr.data()).has_value());
      // Data pillars are the bytes, zero padded.
      for (std::uint32_t i = 0; i < k; ++i)
        for (std::size_t b = 0; b < c.slice_bytes(); ++b) {
          const std::size_t at = i * c.slice_bytes() + b;
          BOOST_TEST_REQUIRE(slices.ptr[i][b] == (at < len ? data[at] : 0));
        }
      for (int round = 0; round < 6; ++round) {
        const auto in = without(slices.ptr, random_erasure(rng, k, m));
        std::vector<std::uint8_t> out(len + 16, 0xEE);  // guard bytes after len
        BOOST_REQUIRE(c.decode(in.data(), out.data(), len).has_value());
        BOOST_TEST_REQUIRE(std::equal(data.begin(), data.end(), out.begin()));
        BOOST_TEST_REQUIRE(std::all_of(out.begin() + static_cast<std::ptrdiff_t>(len), out.end(),
                                       [](std::uint8_t b) { return b == 0xEE; }));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_view_forms_give_the_same_payloads_and_bytes) {
  std::mt19937 rng(7);
  const auto g = geo(10, 4, 1 << 20);
  auto c = make_coder(g);
  for (const std::size_t len : {std::size_t{1} << 20, std::size_t{300000}, std::size_t{1}}) {
    const auto data = random_bytes(len, static_cast<std::uint32_t>(len));
    slice_set copied(c.pillars(), c.slice_bytes());
    BOOST_REQUIRE(c.encode(data.data(), len, copied.ptr.data()).has_value());
    const auto views = c.encode_views(data.data(), len);
    BOOST_REQUIRE(views.has_value());
    BOOST_REQUIRE_EQUAL(views.value()->count, c.pillars());
    for (std::uint32_t p = 0; p < c.pillars(); ++p)
      BOOST_TEST_REQUIRE(std::memcmp(views.value()->payload[p], copied.ptr[p], c.slice_bytes()) == 0);
    for (int round = 0; round < 8; ++round) {
      const auto in = without(copied.ptr, random_erasure(rng, 10, 4));
      const auto dv = c.decode_views(in.data(), len);
      BOOST_REQUIRE(dv.has_value());
      BOOST_REQUIRE_EQUAL(dv.value()->count, 10u);
      for (std::uint32_t i = 0; i < 10; ++i)  // every data pillar, padding included
        BOOST_TEST_REQUIRE(std::memcmp(dv.value()->payload[i], copied.ptr[i], c.slice_bytes()) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(decode_refuses_fewer_than_k_slices_and_lengths_outside_the_segment) {
  const auto g = geo(4, 2, 4096);
  auto c = make_coder(g);
  const auto data = random_bytes(4096, 1);
  slice_set slices(c.pillars(), c.slice_bytes());
  BOOST_REQUIRE(c.encode(data.data(), 4096, slices.ptr.data()).has_value());
  std::vector<std::uint8_t> out(4096);
  const auto three = without(slices.ptr, 0b100101);
  const auto r = c.decode(three.data(), out.data(), 4096);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == make_error_code(coding_errc::too_few_slices));
  BOOST_TEST(c.decode_views(three.data(), 4096).error().code == make_error_code(coding_errc::too_few_slices));
  const auto all = without(slices.ptr, 0);
  BOOST_TEST(c.decode(all.data(), out.data(), 0).error().code == make_error_code(coding_errc::bad_pillar));
  BOOST_TEST(c.decode(all.data(), out.data(), 4097).error().code == make_error_code(coding_errc::bad_pillar));
  BOOST_TEST(c.encode(data.data(), 4097, slices.ptr.data()).error().code == make_error_code(coding_errc::bad_pillar));
  BOOST_TEST(c.encode_views(data.data(), 0).error().code == make_error_code(coding_errc::bad_pillar));
}

BOOST_AUTO_TEST_CASE(a_geometry_check_geometry_refuses_is_refused) {
  for (const auto& g : {geometry{0, 4096, 4, 2}, geometry{1000, 4000, 4, 2}, geometry{1000, 4096, 0, 2},
                        geometry{1000, 4096, 4, 17}}) {
    const auto c = segment_coder::make(g);
    BOOST_REQUIRE(!c.has_value());
    BOOST_TEST(c.error().code == make_error_code(coding_errc::bad_geometry));
    BOOST_TEST(!c.error().detail.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
