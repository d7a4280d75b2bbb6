// layout: geometry checks at their boundaries, slice sizes and alignment, the
// last segment's data, slice names (round trip and refusals, content names
// with dots), delivery ids.
#include "services/delivery/layout.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::delivery;

namespace storemesh::services::delivery {
std::ostream& boost_test_print_type(std::ostream& o, const slice_ref& s) { return o << to_string(s); }
} // namespace storemesh::services::delivery

namespace {

geometry valid() { return geometry{10000, 4096, 3, 2}; }

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_layout)

BOOST_AUTO_TEST_CASE(check_geometry_accepts_the_limits_and_refuses_one_past_them) {
  BOOST_TEST(check_geometry(valid()).empty());
  auto g = valid();
  g.bytes = 0;
  BOOST_TEST(!check_geometry(g).empty());
  g = valid();
  g.bytes = 1;
  BOOST_TEST(check_geometry(g).empty());
  for (std::uint32_t k : {0u, max_k + 1}) {
    g = valid();
    g.k = k;
    BOOST_TEST(!check_geometry(g).empty(), "k " << k);
  }
  for (std::uint32_t k : {1u, max_k}) {
    g = valid();
    g.k = k;
    BOOST_TEST(check_geometry(g).empty(), "k " << k);
  }
  for (std::uint32_t m : {0u, max_m + 1}) {
    g = valid();
    g.m = m;
    BOOST_TEST(!check_geometry(g).empty(), "m " << m);
  }
  for (std::uint32_t m : {1u, max_m}) {
    g = valid();
    g.m = m;
    BOOST_TEST(check_geometry(g).empty(), "m " << m);
  }
  for (std::uint64_t sb : {min_segment_bytes - slice_alignment, max_segment_bytes + slice_alignment,
                           min_segment_bytes + 1, std::uint64_t{0}}) {
    g = valid();
    g.segment_bytes = sb;
    BOOST_TEST(!check_geometry(g).empty(), "segment_bytes " << sb);
  }
  for (std::uint64_t sb : {min_segment_bytes, max_segment_bytes, min_segment_bytes + slice_alignment}) {
    g = valid();
    g.segment_bytes = sb;
    BOOST_TEST(check_geometry(g).empty(), "segment_bytes " << sb);
  }
}

BOOST_AUTO_TEST_CASE(segments_and_pillars) {
  BOOST_TEST(segments(valid()) == 3u);  // 4096 + 4096 + 1808
  BOOST_TEST(segments(geometry{8192, 4096, 3, 2}) == 2u);
  BOOST_TEST(segments(geometry{8193, 4096, 3, 2}) == 3u);
  BOOST_TEST(segments(geometry{1, 4096, 3, 2}) == 1u);
  BOOST_TEST(pillars(valid()) == 5u);
}

BOOST_AUTO_TEST_CASE(slice_bytes_is_a_kth_of_a_segment_rounded_up_to_the_alignment) {
  for (std::uint32_t k = 1; k <= max_k; ++k)
    for (std::uint64_t sb : {min_segment_bytes, std::uint64_t{1} << 20, min_segment_bytes + 64 * 7}) {
      const geometry g{sb, sb, k, 2};
      const auto bytes = slice_bytes(g);
      BOOST_TEST(bytes % slice_alignment == 0u);
      BOOST_TEST(bytes * k >= sb);                   // k slices hold the segment
      BOOST_TEST((bytes - slice_alignment) * k < sb);  // and no alignment step more than needed
    }
  BOOST_TEST(slice_bytes(geometry{4096, 4096, 3, 2}) == 1408u);  // 1366 -> 1408
  BOOST_TEST(slice_bytes(geometry{4096, 4096, 4, 2}) == 1024u);  // exact
  BOOST_TEST(slice_bytes(geometry{4096, 4096, 0, 2}) == 0u);
}

BOOST_AUTO_TEST_CASE(the_last_segment_holds_what_is_left) {
  const auto g = valid();
  BOOST_TEST(segment_data_bytes(g, 0) == 4096u);
  BOOST_TEST(segment_data_bytes(g, 1) == 4096u);
  BOOST_TEST(segment_data_bytes(g, 2) == 10000u - 8192u);
  BOOST_TEST(segment_data_bytes(g, 3) == 0u);
  const geometry even{8192, 4096, 3, 2};
  BOOST_TEST(segment_data_bytes(even, 1) == 4096u);
  std::uint64_t total = 0;
  for (std::uint64_t s = 0; s < segments(g); ++s)
    total += segment_data_bytes(g, s);
  BOOST_TEST(total == g.bytes);
}

BOOST_AUTO_TEST_CASE(slice_names_round_trip_including_content_names_with_dots) {
  for (const auto& ref : {slice_ref{"film", 0, 0}, slice_ref{"film.a.mkv", 12, 4}, slice_ref{"a", 4294967295u, 47},
                          slice_ref{"x.1.2", 3, 9}}) {
    const auto text = to_string(ref);
    slice_ref back;
    BOOST_TEST_REQUIRE(parse_slice_ref(text, back), text);
    BOOST_TEST(back == ref, text);
  }
  BOOST_TEST(to_string(slice_ref{"film.a", 3, 9}) == "film.a.3.9");
}

BOOST_AUTO_TEST_CASE(text_that_is_not_a_slice_name_is_refused_and_leaves_the_output_alone) {
  for (const char* bad : {"", "film", "film.1", ".1.2", "film..2", "film.1.", "Film.1.2", "film.01.2", "film.1.02",
                          "film.-1.2", "film.1.+2", "film.4294967296.0", "film.1.2x", "film. 1.2", "fi lm.1.2",
                          "film.99999999999.1"}) {
    slice_ref out{"keep", 7, 7};
    BOOST_TEST(!parse_slice_ref(bad, out), "'" << bad << "'");
    BOOST_TEST(out == (slice_ref{"keep", 7, 7}));
  }
}

BOOST_AUTO_TEST_CASE(slices_order_by_content_segment_pillar) {
  BOOST_TEST((slice_ref{"a", 1, 9} < slice_ref{"a", 2, 0}));
  BOOST_TEST((slice_ref{"a", 1, 1} < slice_ref{"a", 1, 2}));
  BOOST_TEST((slice_ref{"a", 9, 9} < slice_ref{"b", 0, 0}));
  BOOST_TEST(!(slice_ref{"a", 1, 1} < slice_ref{"a", 1, 1}));
}

BOOST_AUTO_TEST_CASE(delivery_ids_round_trip_and_refuse_what_is_not_one) {
  const auto id = delivery_id("city.north", "film.a");
  BOOST_TEST(id == "city.north:film.a");
  std::string g = "g0", c = "c0";
  BOOST_TEST_REQUIRE(parse_delivery_id(id, g, c));
  BOOST_TEST(g == "city.north");
  BOOST_TEST(c == "film.a");
  for (const char* bad : {"", "nogroup", ":film", "city:", "city:film:x", "City:film", "city:fi lm", "city~film"}) {
    std::string gg = "keep", cc = "keep";
    BOOST_TEST(!parse_delivery_id(bad, gg, cc), "'" << bad << "'");
    BOOST_TEST(gg == "keep");
    BOOST_TEST(cc == "keep");
  }
}

BOOST_AUTO_TEST_CASE(distance_is_euclidean_in_metres) {
  BOOST_TEST(distance_m(location{0, 0}, location{3, 4}) == 5.0);
  BOOST_TEST(distance_m(location{-3, -4}, location{0, 0}) == 5.0);
  BOOST_TEST(distance_m(location{7, 7}, location{7, 7}) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
