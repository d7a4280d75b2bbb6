#pragma once
// For the scenarios' check() tests: BOOST_TEST(says(h.check(), "counted twice"))
// passes when check() found a violation that says so, and on failure shows
// what it found instead.

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace storemesh::sim::testing {

inline boost::test_tools::predicate_result says(const std::optional<std::string>& violation, std::string_view what) {
  if (violation && violation->find(what) != std::string::npos)
    return true;
  boost::test_tools::predicate_result r(false);
  r.message() << (violation ? "the violation found: " + *violation : std::string("no violation found"))
              << "; expected one saying: " << what;
  return r;
}

} // namespace storemesh::sim::testing
