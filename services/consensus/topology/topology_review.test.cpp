// diff_topologies and review_topology: what a voting router says, and why.

#include "services/consensus/topology/topology_review.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::consensus;

namespace {

const std::set<std::string> known{"r1", "r2", "r3"};

topology T(const std::string& text) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  return t.value();
}

const std::string body = R"(prefix 10.1.0.0/16 at r3
route r1 10.1.0.0/16 via r2 metric 10
route r2 10.1.0.0/16 via r3 metric 10
)";

} // namespace

BOOST_AUTO_TEST_CASE(diff_sorts_changes_into_added_removed_moved_changed) {
  const auto a = T("topology 7\n" + body + "prefix 10.2.0.0/16 at r1\nprefix 10.3.0.0/16 at r1\n"
                   "route r2 10.2.0.0/16 via r1 metric 1\nroute r3 10.2.0.0/16 via r2 metric 1\n");
  const auto b = T("topology 8\n" + body + "prefix 10.2.0.0/16 at r2\nprefix 10.4.0.0/16 at r1\n"
                   "route r2 10.2.0.0/16 via r1 metric 5\nroute r3 10.2.0.0/16 via r1 metric 1\n");
  const auto d = diff_topologies(a, b);
  BOOST_TEST(d.from_version == 7u);
  BOOST_TEST(d.to_version == 8u);
  BOOST_REQUIRE(d.prefixes_added.size() == 1u);
  BOOST_TEST(d.prefixes_added[0].prefix.to_string() == "10.4.0.0/16");
  BOOST_REQUIRE(d.prefixes_removed.size() == 1u);
  BOOST_TEST(d.prefixes_removed[0].prefix.to_string() == "10.3.0.0/16");
  BOOST_REQUIRE(d.prefixes_moved.size() == 1u);
  BOOST_TEST(d.prefixes_moved[0].at.value() == "r2");
  BOOST_REQUIRE(d.routes_changed.size() == 1u);
  BOOST_TEST(d.routes_changed[0].metric == 5u);
  BOOST_REQUIRE(d.routes_added.size() == 1u);
  BOOST_TEST(d.routes_added[0].via == "r1");
  BOOST_REQUIRE(d.routes_removed.size() == 1u);
  BOOST_TEST(d.routes_removed[0].via == "r2");
  BOOST_TEST(d.summary() == "version 7 -> 8, 1 prefix added, 1 prefix removed, 1 prefix moved, 1 route added, "
                            "1 route removed, 1 route changed");
  BOOST_TEST(!d.same_statements());
}

BOOST_AUTO_TEST_CASE(diff_of_reordered_files_changes_nothing) {
  const auto a = T("topology 1\n" + body);
  const auto b = T("topology 2\nroute r2 10.1.0.0/16 via r3 metric 10\nroute r1 10.1.0.0/16 via r2 metric 10\n"
                   "prefix 10.1.0.0/16 at r3\n");
  const auto d = diff_topologies(a, b);
  BOOST_TEST(d.same_statements());
  BOOST_TEST(d.summary() == "version 1 -> 2, no statement changed");
}

BOOST_AUTO_TEST_CASE(a_valid_newer_topology_is_accepted_with_its_summary) {
  const auto current = T("topology 7\n" + body);
  const auto proposed = T("topology 8\n" + body + "prefix 10.2.0.0/16 at r1\nroute r2 10.2.0.0/16 via r1 metric 1\n"
                          "route r3 10.2.0.0/16 via r2 metric 1\n");
  const auto v = review_topology(current, proposed, known);
  BOOST_TEST(v.accept);
  BOOST_TEST(v.reason == "accept: version 7 -> 8, 1 prefix added, 2 routes added");
}

BOOST_AUTO_TEST_CASE(a_version_not_greater_is_rejected) {
  const auto current = T("topology 7\n" + body);
  for (const char* version : {"7", "6"}) {
    const auto v = review_topology(current, T(std::string("topology ") + version + "\n" + body), known);
    BOOST_TEST(!v.accept);
    BOOST_TEST(v.reason == std::string("reject: version ") + version + " is not greater than the current version 7");
  }
}

BOOST_AUTO_TEST_CASE(an_invalid_topology_is_rejected_with_its_first_problem) {
  const auto current = T("topology 7\n" + body);
  const auto proposed = T("topology 8\n" + body + "route r1 10.9.0.0/16 via r9 metric 1\n");
  const auto v = review_topology(current, proposed, known);
  BOOST_TEST(!v.accept);
  BOOST_TEST(v.reason == "reject: line 5: router 'r9' (the next hop) is not a known router (and 1 more problem)");
}

BOOST_AUTO_TEST_CASE(the_first_topology_is_reviewed_against_the_empty_one) {
  const auto v = review_topology(topology{}, T("topology 1\n" + body), known);
  BOOST_TEST(v.accept);
  BOOST_TEST(v.reason == "accept: version 0 -> 1, 1 prefix added, 2 routes added");
}
