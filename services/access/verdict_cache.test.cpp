// The verdict cache: keyed by content and database version, LRU, counted.
#include "services/access/verdict_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace storemesh::services::access;

namespace {
// A distinct 64-hex-digit digest per n.
std::string digest(int n) {
  std::string s(64, '0');
  const auto tail = std::to_string(n);
  return s.replace(64 - tail.size(), tail.size(), tail);
}
const cached_verdict clean{false, ""};
const cached_verdict eicar{true, "Storemesh.Test.EICAR.UNOFFICIAL"};
} // namespace

BOOST_AUTO_TEST_SUITE(access_verdict_cache)

BOOST_AUTO_TEST_CASE(a_verdict_is_found_under_its_digest_and_version) {
  verdict_cache c(4);
  c.insert(digest(1), "7", eicar);
  const auto v = c.find(digest(1), "7");
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->infected);
  BOOST_TEST(v->signature == eicar.signature);
  BOOST_TEST(!c.find(digest(2), "7").has_value());
}

BOOST_AUTO_TEST_CASE(a_new_database_version_misses) {
  verdict_cache c(4);
  c.insert(digest(1), "7", clean);
  BOOST_TEST(!c.find(digest(1), "8").has_value());
  BOOST_TEST(c.find(digest(1), "7").has_value());
  // The new database's verdict lives beside the old one, and may differ.
  c.insert(digest(1), "8", eicar);
  BOOST_TEST(c.find(digest(1), "8")->infected);
  BOOST_TEST(!c.find(digest(1), "7")->infected);
}

BOOST_AUTO_TEST_CASE(unversioned_or_reloaded_verdicts_are_not_cached) {
  verdict_cache c(4);
  c.insert(digest(1), "", clean);
  c.insert(digest(2), "7->8", clean);  // a reload during the scan
  c.insert("not-a-digest", "7", clean);
  BOOST_TEST(c.size() == 0u);
  BOOST_TEST(!c.find(digest(1), "").has_value());
  BOOST_TEST(!c.find(digest(2), "7->8").has_value());
  BOOST_TEST(!c.find(digest(2), "7").has_value());
}

BOOST_AUTO_TEST_CASE(digests_match_in_either_case) {
  verdict_cache c(2);
  const std::string lower(64, 'a'), upper(64, 'A');
  c.insert(upper, "3", eicar);
  BOOST_TEST(c.find(lower, "3").has_value());
}

BOOST_AUTO_TEST_CASE(the_least_recently_used_goes_first) {
  verdict_cache c(3);
  c.insert(digest(1), "7", clean);
  c.insert(digest(2), "7", clean);
  c.insert(digest(3), "7", clean);
  BOOST_TEST(c.find(digest(1), "7").has_value());  // 1 is now the most recent; 2 the least
  c.insert(digest(4), "7", clean);
  BOOST_TEST(c.size() == 3u);
  BOOST_TEST(!c.find(digest(2), "7").has_value());
  BOOST_TEST(c.find(digest(1), "7").has_value());
  BOOST_TEST(c.find(digest(3), "7").has_value());
  BOOST_TEST(c.find(digest(4), "7").has_value());
  // Re-inserting refreshes instead of duplicating: 1 stays, 3 is evicted by 5... after 1 and 4 are used.
  c.insert(digest(1), "7", eicar);
  BOOST_TEST(c.size() == 3u);
  c.insert(digest(5), "7", clean);  // least recent now: 3
  BOOST_TEST(!c.find(digest(3), "7").has_value());
  BOOST_TEST(c.find(digest(1), "7")->infected);
}

BOOST_AUTO_TEST_CASE(many_inserts_never_exceed_capacity) {
  verdict_cache c(16);
  for (int i = 0; i < 1000; ++i) {
    c.insert(digest(i), "1", clean);
    BOOST_TEST_REQUIRE(c.size() <= 16u);
  }
  BOOST_TEST(c.size() == 16u);
  for (int i = 984; i < 1000; ++i) BOOST_TEST(c.find(digest(i), "1").has_value());
  BOOST_TEST(!c.find(digest(983), "1").has_value());
}

BOOST_AUTO_TEST_CASE(zero_capacity_caches_nothing) {
  verdict_cache c(0);
  c.insert(digest(1), "7", clean);
  BOOST_TEST(c.size() == 0u);
  BOOST_TEST(!c.find(digest(1), "7").has_value());
}

BOOST_AUTO_TEST_CASE(hits_and_misses_are_counted) {
  verdict_cache c(4);
  BOOST_TEST(c.hits() == 0u);
  BOOST_TEST(c.misses() == 0u);
  (void)c.find(digest(1), "7");
  c.insert(digest(1), "7", clean);
  (void)c.find(digest(1), "7");
  (void)c.find(digest(1), "7");
  (void)c.find(digest(1), "8");
  (void)c.find(digest(1), "");
  BOOST_TEST(c.hits() == 2u);
  BOOST_TEST(c.misses() == 3u);
  BOOST_TEST(c.capacity() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
