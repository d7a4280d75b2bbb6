#include "events/event_log.hpp"

#include <boost/test/unit_test.hpp>

#include <climits>

using storemesh::events::partition_for;

BOOST_AUTO_TEST_SUITE(partitioner)

// Values from Kafka's own UtilsTest.testMurmur2, made positive the way
// Utils.toPositive does; with INT32_MAX partitions the modulo changes nothing.
BOOST_AUTO_TEST_CASE(matches_kafka_murmur2_partitioner) {
  auto positive = [](std::int64_t h) { return static_cast<std::int32_t>(h & 0x7fffffff); };
  BOOST_TEST(partition_for("21", INT_MAX).value == positive(-973932308));
  BOOST_TEST(partition_for("foobar", INT_MAX).value == positive(-790332482));
  BOOST_TEST(partition_for("a-little-bit-long-string", INT_MAX).value == positive(-985981536));
  BOOST_TEST(partition_for("a-little-bit-longer-string", INT_MAX).value == positive(-1486304829));
  BOOST_TEST(partition_for("abc", INT_MAX).value == positive(479470107));
}

BOOST_AUTO_TEST_CASE(same_key_same_partition_and_in_range) {
  for (int n = 1; n < 17; ++n) {
    const auto p = partition_for("host-a", n);
    BOOST_TEST(p.value >= 0);
    BOOST_TEST(p.value < n);
    BOOST_TEST(partition_for("host-a", n).value == p.value);
  }
}

BOOST_AUTO_TEST_SUITE_END()
