// Which start serves a state directory: the latest claim wins, and the one it
// replaced can tell.
#include "ops/instance_claim.hpp"

#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using storemesh::ops::instance_claim;

BOOST_AUTO_TEST_SUITE(instance_claims)

BOOST_AUTO_TEST_CASE(a_claim_holds_until_a_later_start_claims_the_state) {
  storemesh::testing::temp_dir dir;
  auto first = instance_claim::take(dir.path());
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first.value().still_ours().value());
  auto second = instance_claim::take(dir.path());
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(first.value().token() != second.value().token());
  BOOST_TEST(!first.value().still_ours().value());
  BOOST_TEST(second.value().still_ours().value());
}

BOOST_AUTO_TEST_CASE(a_state_whose_claim_is_gone_is_an_error_not_ours) {
  storemesh::testing::temp_dir dir;
  auto claim = instance_claim::take(dir.path());
  BOOST_TEST_REQUIRE(claim.has_value());
  std::filesystem::remove(dir.path() / "instance");
  const auto ours = claim.value().still_ours();
  BOOST_TEST(!ours.has_value());
}

BOOST_AUTO_TEST_CASE(a_directory_that_cannot_be_written_is_refused_with_its_path) {
  const auto taken = instance_claim::take("/nonexistent/state");
  BOOST_TEST_REQUIRE(!taken.has_value());
  BOOST_TEST(taken.error().message().find("/nonexistent/state") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
