#include "events/file_log/segment_name.hpp"

#include "events/file_log/topic_dir.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_detail;

BOOST_AUTO_TEST_SUITE(file_log_names)

BOOST_AUTO_TEST_CASE(segment_names_are_20_digit_base_offsets) {
  BOOST_TEST(segment_file_name(offset{0}) == "00000000000000000000.seg");
  BOOST_TEST(segment_file_name(offset{1234}) == "00000000000000001234.seg");
  BOOST_TEST(parse_segment_file_name("00000000000000001234.seg").value() == offset{1234});
  BOOST_TEST(parse_segment_file_name("09223372036854775807.seg").value() == offset{INT64_MAX});
}

BOOST_AUTO_TEST_CASE(other_names_are_not_segments) {
  for (const char* name : {"lock", "partitions", "1234.seg", "0000000000000000123x.seg", "00000000000000001234.log",
                           "00000000000000001234.seg.tmp", "99999999999999999999.seg"})
    BOOST_TEST(!parse_segment_file_name(name).has_value(), name);
}

BOOST_AUTO_TEST_CASE(listing_returns_segments_in_offset_order_and_ignores_other_files) {
  testing::temp_dir dir;
  for (std::int64_t base : {300, 0, 20})
    std::ofstream(segment_path(dir.path(), offset{base}));
  std::ofstream(dir / "lock");
  auto bases = list_segments(dir.path());
  BOOST_REQUIRE(bases);
  BOOST_TEST(bases.value() == (std::vector<offset>{offset{0}, offset{20}, offset{300}}));
}

BOOST_AUTO_TEST_CASE(topic_names_follow_the_kafka_alphabet) {
  for (const char* good : {"storemesh.commands", "a", "A-b_c.9", ".hidden", "..."})
    BOOST_TEST(validate_topic_name(good).has_value(), good);
  for (std::string bad : {std::string(), std::string("."), std::string(".."), std::string("a/b"),
                          std::string("a b"), std::string("é"), std::string(201, 'x'), std::string("a\0b", 3)}) {
    auto r = validate_topic_name(bad);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == make_error_code(log_errc::bad_topic_name));
  }
  BOOST_TEST(validate_topic_name(std::string(200, 'x')).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
