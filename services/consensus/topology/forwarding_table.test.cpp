// forwarding_table: what build chooses, and the DIR-16-8-8 lookup against a
// linear longest-prefix match on random tables (the property that matters).

#include "services/consensus/topology/forwarding_table.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace storemesh::services::consensus;

namespace {

topology T(const std::string& text) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  return t.value();
}

std::uint32_t A(const char* text) { return parse_ipv4(text).value(); }

// The name lookup() answers for `address`: a router, "deliver", or "none".
std::string where(const forwarding_table& t, const char* address) {
  const auto h = t.lookup(A(address));
  if (!h) return "none";
  if (*h == forwarding_table::deliver_here) return "deliver";
  return t.next_hops().at(*h);
}

} // namespace

BOOST_AUTO_TEST_CASE(build_picks_the_lowest_metric_then_the_first_name) {
  const auto t = T(R"(topology 1
prefix 10.0.0.0/8 at r9
prefix 10.1.0.0/16 at r3
prefix 10.1.2.0/24 at r1
prefix 10.1.2.128/25 at r5
route r1 10.0.0.0/8 via r4 metric 20
route r1 10.0.0.0/8 via r2 metric 10
route r1 10.1.0.0/16 via r7 metric 5
route r1 10.1.0.0/16 via r6 metric 5
route r1 10.1.2.0/24 via r2 metric 1
route r1 10.1.2.128/25 via r5 metric 3
route r2 10.0.0.0/8 via r1 metric 1
)");
  const auto f = forwarding_table::build(t, "r1");
  BOOST_TEST(f.router() == "r1");
  BOOST_TEST(where(f, "10.9.9.9") == "r2");      // /8: metric 10 beats 20
  BOOST_TEST(where(f, "10.1.9.9") == "r6");      // /16: tie on 5, r6 sorts before r7
  BOOST_TEST(where(f, "10.1.2.3") == "deliver"); // /24 is at r1: its route via r2 is ignored
  BOOST_TEST(where(f, "10.1.2.200") == "r5");    // /25 beats the /24
  BOOST_TEST(where(f, "11.0.0.0") == "none");
  BOOST_TEST((f.next_hops() == std::vector<std::string>{"r2", "r5", "r6"}));
  BOOST_TEST(f.lookup_entry(A("10.1.2.200"))->line == 11u);
  BOOST_TEST(f.lookup_entry(A("10.1.2.200"))->prefix.to_string() == "10.1.2.128/25");
  BOOST_TEST(where(forwarding_table::build(t, "r2"), "10.200.0.1") == "r1");
  BOOST_TEST(where(forwarding_table::build(t, "nobody"), "10.200.0.1") == "none");
}

BOOST_AUTO_TEST_CASE(edges_of_the_levels) {
  // /0, /16, /24, /32 and prefixes that start or end exactly at block borders.
  std::vector<forwarding_table::entry> e{
      {route_prefix::parse("0.0.0.0/0").value(), 0, 0},        {route_prefix::parse("10.1.0.0/16").value(), 1, 0},
      {route_prefix::parse("10.1.255.0/24").value(), 2, 0},    {route_prefix::parse("10.1.255.255/32").value(), 3, 0},
      {route_prefix::parse("255.255.255.255/32").value(), 4, 0}, {route_prefix::parse("10.2.0.0/17").value(), 5, 0},
  };
  const auto f = forwarding_table::from_entries(e, {"a", "b", "c", "d", "e", "f"});
  BOOST_TEST(where(f, "1.2.3.4") == "a");
  BOOST_TEST(where(f, "10.1.0.0") == "b");
  BOOST_TEST(where(f, "10.1.254.255") == "b");
  BOOST_TEST(where(f, "10.1.255.0") == "c");
  BOOST_TEST(where(f, "10.1.255.254") == "c");
  BOOST_TEST(where(f, "10.1.255.255") == "d");
  BOOST_TEST(where(f, "255.255.255.255") == "e");
  BOOST_TEST(where(f, "255.255.255.254") == "a");
  BOOST_TEST(where(f, "10.2.127.255") == "f");
  BOOST_TEST(where(f, "10.2.128.0") == "a");
}

BOOST_AUTO_TEST_CASE(lookup_agrees_with_a_linear_longest_match_on_random_tables) {
  std::mt19937 rng(20240612);
  for (int round = 0; round < 20; ++round) {
    // Prefixes clustered under a few /8s so that they nest and share blocks.
    std::vector<route_prefix> prefixes;
    const std::size_t n = 50 + rng() % 2000;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned len = rng() % 33;
      const std::uint32_t base = (static_cast<std::uint32_t>(rng() % 4) << 24) | (rng() & 0x00FFFFFFu);
      const route_prefix p{(rng() % 8 ? base : static_cast<std::uint32_t>(rng())) & route_prefix::mask_of(len),
                           static_cast<std::uint8_t>(len)};
      if (std::find(prefixes.begin(), prefixes.end(), p) == prefixes.end()) prefixes.push_back(p);
    }
    std::vector<forwarding_table::entry> entries;
    std::vector<std::string> names{"a", "b", "c", "d", "e"};
    std::vector<forwarding_table::hop> hop_of;
    for (const auto& p : prefixes) {
      const auto h = static_cast<forwarding_table::hop>(rng() % 6 == 5 ? forwarding_table::deliver_here : rng() % 5);
      hop_of.push_back(h);
      entries.push_back({p, h, 0});
    }
    const auto f = forwarding_table::from_entries(entries, names);
    for (int k = 0; k < 20000; ++k) {
      // Half the addresses inside a random prefix (near its edges too), half anywhere.
      std::uint32_t a = static_cast<std::uint32_t>(rng());
      if (k % 2) {
        const auto& p = prefixes[rng() % prefixes.size()];
        a = k % 6 == 1 ? p.first() : k % 6 == 3 ? p.last() : p.address | (a & ~p.mask());
      }
      const auto want = longest_match_linear(prefixes, a);
      const auto got = f.lookup(a);
      BOOST_REQUIRE_MESSAGE(want.has_value() == got.has_value(), "address " << format_ipv4(a));
      if (want) {
        BOOST_REQUIRE_MESSAGE(*got == hop_of[*want], "address " << format_ipv4(a) << " want " << prefixes[*want].to_string());
        BOOST_REQUIRE(f.lookup_entry(a)->prefix == prefixes[*want]);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(from_entries_refuses_a_hop_out_of_range) {
  std::vector<forwarding_table::entry> e{{route_prefix::parse("10.0.0.0/8").value(), 3, 0}};
  BOOST_CHECK_THROW(forwarding_table::from_entries(e, {"a"}), std::invalid_argument);
}
