// route_prefix: parsing and printing, containment, and the helpers the check
// and the tables rest on (the linear LPM reference, a prefix's own address).

#include "services/consensus/topology/route_prefix.hpp"
#include "services/consensus/topology/topology_errc.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::consensus;

namespace {
route_prefix P(const char* text) {
  auto p = route_prefix::parse(text);
  BOOST_REQUIRE_MESSAGE(p, text);
  return p.value();
}
} // namespace

BOOST_AUTO_TEST_CASE(prefixes_parse_and_print_back) {
  for (const char* text : {"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "192.168.1.128/25", "255.255.255.255/32"})
    BOOST_TEST(P(text).to_string() == text);
  BOOST_TEST(P("10.1.0.0/16").address == 0x0A010000u);
  BOOST_TEST(P("10.1.0.0/16").length == 16);
  BOOST_TEST(P("10.1.0.0/16").last() == 0x0A01FFFFu);
  BOOST_TEST(P("0.0.0.0/0").last() == 0xFFFFFFFFu);
}

BOOST_AUTO_TEST_CASE(host_bits_are_refused_with_the_prefix_meant) {
  auto p = route_prefix::parse("10.1.2.3/16");
  BOOST_REQUIRE(!p);
  BOOST_TEST(p.error().code == make_error_code(topology_errc::bad_prefix));
  BOOST_TEST(p.error().detail.find("did you mean 10.1.0.0/16") != std::string::npos, p.error().detail);
}

BOOST_AUTO_TEST_CASE(malformed_prefixes_are_refused) {
  for (const char* text : {"", "10.1.0.0", "10.1.0/16", "10.1.0.0.0/16", "256.0.0.0/8", "10.01.0.0/16", "10.1.0.0/33",
                           "10.1.0.0/", "10.1.0.0/-1", "10.1.0.0/016", "a.b.c.d/8", "10.1.0.0/16/1", " 10.0.0.0/8"}) {
    auto p = route_prefix::parse(text);
    BOOST_TEST(!p, text);
    if (!p) BOOST_TEST(p.error().code == make_error_code(topology_errc::bad_prefix));
  }
  BOOST_TEST(!route_prefix::make(0, 33));
}

BOOST_AUTO_TEST_CASE(addresses_parse_and_format) {
  BOOST_TEST(parse_ipv4("1.2.3.4").value() == 0x01020304u);
  BOOST_TEST(format_ipv4(0xC0A80101u) == "192.168.1.1");
  BOOST_TEST(!parse_ipv4("1.2.3"));
  BOOST_TEST(!parse_ipv4("1.2.3.4."));
  BOOST_TEST(!parse_ipv4("1..3.4"));
}

BOOST_AUTO_TEST_CASE(containment_and_cover) {
  const auto a = P("10.1.0.0/16"), b = P("10.1.2.0/24"), c = P("10.2.0.0/16");
  BOOST_TEST(a.contains(0x0A01FFFFu));
  BOOST_TEST(!a.contains(0x0A020000u));
  BOOST_TEST(a.covers(b));
  BOOST_TEST(!b.covers(a));
  BOOST_TEST(a.covers(a));
  BOOST_TEST(!a.covers(c));
  BOOST_TEST(P("0.0.0.0/0").contains(0xDEADBEEFu));
  BOOST_TEST((a < b && b < c));
}

BOOST_AUTO_TEST_CASE(linear_longest_match_picks_the_most_specific) {
  const std::vector<route_prefix> v{P("10.0.0.0/8"), P("10.1.2.0/24"), P("10.1.0.0/16")};
  BOOST_TEST(longest_match_linear(v, 0x0A010203u).value() == 1u);
  BOOST_TEST(longest_match_linear(v, 0x0A010303u).value() == 2u);
  BOOST_TEST(longest_match_linear(v, 0x0A090303u).value() == 0u);
  BOOST_TEST(!longest_match_linear(v, 0x0B000000u));
}

BOOST_AUTO_TEST_CASE(own_address_skips_more_specific_prefixes) {
  std::vector<route_prefix> v{P("10.1.0.0/16"), P("10.1.0.0/24"), P("10.1.1.0/24"), P("10.1.1.0/25"),
                              P("10.1.3.0/24"), P("10.2.0.0/16"), P("10.0.0.0/8")};
  std::sort(v.begin(), v.end());
  // 10.1.0.0/24 and 10.1.1.0/24 cover the start of the /16: its own range starts at 10.1.2.0.
  BOOST_TEST(format_ipv4(first_own_address(P("10.1.0.0/16"), v).value()) == "10.1.2.0");
  // the /8's own range starts right away (10.0.0.0 is in no more specific prefix)
  BOOST_TEST(format_ipv4(first_own_address(P("10.0.0.0/8"), v).value()) == "10.0.0.0");
  BOOST_TEST(format_ipv4(first_own_address(P("10.1.1.0/24"), v).value()) == "10.1.1.128");
  // a prefix wholly covered by two halves has no own address
  std::vector<route_prefix> halves{P("10.0.0.0/24"), P("10.0.0.0/25"), P("10.0.0.128/25")};
  std::sort(halves.begin(), halves.end());
  BOOST_TEST(!first_own_address(P("10.0.0.0/24"), halves));
  // the top of the address space does not wrap
  std::vector<route_prefix> top{P("255.255.255.0/24"), P("255.255.255.0/25"), P("255.255.255.128/26")};
  std::sort(top.begin(), top.end());
  BOOST_TEST(format_ipv4(first_own_address(P("255.255.255.0/24"), top).value()) == "255.255.255.192");
}
