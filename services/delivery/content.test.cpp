// The content entity: given / when / then for every rule and refusal code,
// and expected_crc's indexing.
#include "services/delivery/content.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::delivery::content;
using storemesh::services::delivery::geometry;
using storemesh::services::testing::spec;

namespace {

struct decider {
  using state_type = state;
  using command_type = command;
  using event_type = event;
  static state evolve(state s, const event& e) { return storemesh::services::delivery::content::evolve(std::move(s), e); }
  static storemesh::services::decision<event> decide(const state& s, const command& c) {
    return storemesh::services::delivery::content::decide(s, c);
  }
};

// 10000 bytes in segments of 4096: 3 segments of k + m = 5 slices.
const geometry g{10000, 4096, 3, 2};
const std::string sha(64, 'c');

std::vector<std::uint32_t> crcs(std::size_t n) {
  std::vector<std::uint32_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint32_t>(1000 + i);
  return v;
}

add adding() { return add{g, sha, "films/a.mkv", crcs(15), 7}; }
added the_added() { return added{g, sha, "films/a.mkv", crcs(15), 7}; }

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_content)

BOOST_AUTO_TEST_CASE(a_content_is_added_once_and_the_same_again_changes_nothing) {
  spec<decider>().when(adding()).then({the_added()});
  auto again = adding();
  again.at_ns = 99;
  spec<decider>().given({the_added()}).when(again).then({});
}

BOOST_AUTO_TEST_CASE(adding_it_again_differently_is_already_added) {
  auto other_hash = adding();
  other_hash.sha256 = std::string(64, 'd');
  spec<decider>().given({the_added()}).when(other_hash).then_rejected("already_added");
  auto other_crc = adding();
  other_crc.slice_crc32c[14] += 1;
  spec<decider>().given({the_added()}).when(other_crc).then_rejected("already_added");
  auto other_origin = adding();
  other_origin.origin = "films/b.mkv";
  spec<decider>().given({the_added()}).when(other_origin).then_rejected("already_added");
}

BOOST_AUTO_TEST_CASE(a_bad_geometry_hash_origin_or_checksum_count_is_invalid) {
  auto bad = adding();
  bad.geometry.k = 0;
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.geometry.segment_bytes = 4100;  // not a multiple of the slice alignment
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.sha256 = std::string(64, 'C');  // upper case
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.sha256 = std::string(63, 'c');
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.origin = "../etc/passwd";
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.origin = "/abs";
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.slice_crc32c = crcs(14);
  spec<decider>().when(bad).then_rejected("invalid");
  bad = adding();
  bad.slice_crc32c = crcs(16);
  spec<decider>().when(bad).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(expected_crc_indexes_segment_times_pillars_plus_pillar) {
  auto s = evolve(initial, the_added());
  std::uint32_t crc = 0;
  BOOST_TEST(expected_crc(s, 0, 0, crc));
  BOOST_TEST(crc == 1000u);
  BOOST_TEST(expected_crc(s, 1, 3, crc));
  BOOST_TEST(crc == 1000u + 1 * 5 + 3);
  BOOST_TEST(expected_crc(s, 2, 4, crc));
  BOOST_TEST(crc == 1014u);
  BOOST_TEST(!expected_crc(s, 3, 0, crc));  // no 4th segment
  BOOST_TEST(!expected_crc(s, 0, 5, crc));  // no 6th pillar
  BOOST_TEST(!expected_crc(initial, 0, 0, crc));
}

BOOST_AUTO_TEST_SUITE_END()
