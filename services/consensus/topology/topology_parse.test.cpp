// parse_topology: what it reads, every error kind with its line, and the
// canonical text's round trip.

#include "services/consensus/topology/topology.hpp"
#include "services/consensus/topology/topology_errc.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace storemesh::services::consensus;

namespace {

const char* example = R"(# the example of FORMAT.md
topology 7                              # version: a new file must carry a greater one
prefix 10.1.0.0/16 at r3                # r3 delivers this prefix

	route r1 10.1.0.0/16 via r2 metric 10   # at r1, traffic for the prefix goes to r2
route r1 10.1.0.0/16 via r4 metric 20
prefix 10.9.0.0/16
)";

// The error of parsing `text`, which must fail with `code` and mention `what`.
void refused(const std::string& text, topology_errc code, const std::string& what) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(!t, "accepted: " << text);
  BOOST_TEST(t.error().code == make_error_code(code), t.error().message());
  BOOST_TEST(t.error().detail.find(what) != std::string::npos, "'" << t.error().detail << "' lacks '" << what << "'");
}

} // namespace

BOOST_AUTO_TEST_CASE(the_example_parses_into_its_statements) {
  auto r = parse_topology(example);
  BOOST_REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message()));
  const topology& t = r.value();
  BOOST_TEST(t.version == 7u);
  BOOST_REQUIRE(t.prefixes.size() == 2u);
  BOOST_TEST(t.prefixes[0].prefix.to_string() == "10.1.0.0/16");
  BOOST_TEST(t.prefixes[0].at.value() == "r3");
  BOOST_TEST(t.prefixes[0].line == 3u);
  BOOST_TEST(!t.prefixes[1].at);
  BOOST_REQUIRE(t.routes.size() == 2u);
  BOOST_TEST(t.routes[0].owner == "r1");
  BOOST_TEST(t.routes[0].via == "r2");
  BOOST_TEST(t.routes[0].metric == 10u);
  BOOST_TEST(t.routes[0].line == 5u);
  BOOST_TEST(t.routes[1].via == "r4");
  BOOST_TEST(t.routes[1].metric == 20u);
}

BOOST_AUTO_TEST_CASE(crlf_and_a_missing_last_newline_are_fine) {
  auto t = parse_topology("topology 1\r\nprefix 10.0.0.0/8 at a\r\nroute b 10.0.0.0/8 via a metric 0");
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  BOOST_TEST(t.value().routes.size() == 1u);
  BOOST_TEST(t.value().prefixes[0].at.value() == "a");
}

BOOST_AUTO_TEST_CASE(a_misspelt_keyword_names_line_and_column) {
  auto t = parse_topology("topology 1\nprefix 10.1.0.0/16 at r3\n\nroute r1 10.1.0.0/16 vai r2 metric 10\n");
  BOOST_REQUIRE(!t);
  BOOST_TEST(t.error().code == make_error_code(topology_errc::unexpected_token));
  BOOST_TEST(t.error().detail == "line 4: expected 'via', got 'vai' (column 22)");
}

BOOST_AUTO_TEST_CASE(every_syntax_error_kind_is_refused_with_its_line) {
  const std::string v = "topology 3\n";
  refused(v + "prefix 10.0.0.0/8 at a\nfoo bar\n", topology_errc::unknown_statement,
          "line 3: expected 'topology', 'prefix' or 'route', got 'foo' (column 1)");
  refused(v + "route r1 10.0.0.0/8 via r2\n", topology_errc::unexpected_token,
          "line 2: expected 'metric', got the end of the line (column 27)");
  refused(v + "route r1 10.0.0.0/8 via r2 metric 1 extra\n", topology_errc::unexpected_token,
          "line 2: unexpected 'extra' after a complete statement (column 37)");
  refused(v + "prefix 10.0.0.0/8 on a\n", topology_errc::unexpected_token, "line 2: expected 'at', got 'on'");
  refused(v + "prefix 10.0.0.0/8 at\n", topology_errc::unexpected_token, "line 2: expected the router that delivers");
  refused(v + "route\n", topology_errc::unexpected_token, "line 2: expected the router that owns the route");
  refused(v + "\nprefix 10.1.2.3/16 at a\n", topology_errc::bad_prefix, "line 3: host bits set");
  refused(v + "prefix 10.1.0.0/40 at a\n", topology_errc::bad_prefix, "line 2: '40' is not a prefix length");
  refused(v + "prefix 10.1.0.0/16 at R3\n", topology_errc::bad_router_name, "line 2: 'R3' is not a router name");
  refused(v + "route r1 10.0.0.0/8 via " + std::string(33, 'x') + " metric 1\n", topology_errc::bad_router_name,
          "line 2:");
  refused(v + "route r1 10.0.0.0/8 via r2 metric 4294967296\n", topology_errc::bad_number,
          "line 2: metric '4294967296' is not a decimal number 0 .. 4294967295");
  refused(v + "route r1 10.0.0.0/8 via r2 metric -1\n", topology_errc::bad_number, "line 2: metric '-1'");
  refused("topology 0\n", topology_errc::bad_number, "line 1: version '0'");
  refused("topology 18446744073709551616\n", topology_errc::bad_number, "line 1: version");
  refused("topology x7\n", topology_errc::bad_number, "line 1: version 'x7'");
  refused("# nothing\n\nprefix 10.0.0.0/8 at a\ntopology 1\n", topology_errc::missing_version,
          "line 3: expected 'topology VERSION' as the first statement, got 'prefix'");
  refused("# only a comment\n\n", topology_errc::missing_version, "line 2: expected 'topology VERSION', got the end");
  refused("", topology_errc::missing_version, "line 1:");
  refused(v + "topology 4\n", topology_errc::duplicate_version,
          "line 2: a second 'topology' statement (the first is on line 1)");
  refused(v + "prefix 10.0.0.0/8 at a\x01\n", topology_errc::bad_character, "line 2: byte 0x01 in a statement");
  refused(v + "prefix 10.0.0.0/8 at caf\xc3\xa9\n", topology_errc::bad_character, "line 2: byte 0xc3 in a statement (only printable ASCII) (column 25)");
  refused(v + "# a \x7f in a comment\n", topology_errc::bad_character, "line 2: byte 0x7f in a comment");
  refused(v + std::string(max_line_bytes + 1, ' ') + "\n", topology_errc::line_too_long, "line 2: 1025 bytes");
}

BOOST_AUTO_TEST_CASE(utf8_in_comments_is_fine) {
  auto t = parse_topology("topology 1 # r\xc3\xa9seau\n");
  BOOST_TEST(t.has_value());
}

BOOST_AUTO_TEST_CASE(bounds_are_enforced) {
  refused(std::string(max_topology_bytes + 1, '#'), topology_errc::file_too_large, "bytes, at most 4194304");
  refused("topology 1\n" + std::string(max_topology_lines, '\n'), topology_errc::too_many_lines,
          "line 200001: more than 200000 lines");
  std::string many = "topology 1\n";
  for (std::size_t i = 0; i <= max_routes; ++i) many += "route a 10.0.0.0/8 via b metric " + std::to_string(i) + '\n';
  refused(many, topology_errc::too_many_statements, "line 50002: more than 50000 'route' statements");
  std::string prefixes = "topology 1\n";
  for (std::uint32_t i = 0; i <= max_prefixes; ++i) prefixes += "prefix " + format_ipv4(i << 8) + "/24\n";
  refused(prefixes, topology_errc::too_many_statements, "more than 50000 'prefix' statements");
}

BOOST_AUTO_TEST_CASE(canonical_text_is_a_normal_form_that_parses_back) {
  const topology t = parse_topology(example).value();
  const std::string c = canonical_text(t);
  BOOST_TEST(c == "topology 7\n"
                  "prefix 10.1.0.0/16 at r3\n"
                  "prefix 10.9.0.0/16\n"
                  "route r1 10.1.0.0/16 via r2 metric 10\n"
                  "route r1 10.1.0.0/16 via r4 metric 20\n");
  const auto back = parse_topology(c);
  BOOST_REQUIRE(back);
  BOOST_TEST((back.value() == t));
  BOOST_TEST(canonical_text(back.value()) == c);
}

BOOST_AUTO_TEST_CASE(canonical_round_trip_of_random_topologies) {
  std::mt19937 rng(12);
  for (int round = 0; round < 50; ++round) {
    topology t;
    t.version = rng() % 1000 + 1;
    const auto name = [&] { return "r" + std::to_string(rng() % 6); };
    const auto prefix = [&] {
      const unsigned len = rng() % 33;
      return route_prefix{static_cast<std::uint32_t>(rng()) & route_prefix::mask_of(len), static_cast<std::uint8_t>(len)};
    };
    for (int i = 0, n = static_cast<int>(rng() % 8); i < n; ++i)
      t.prefixes.push_back({prefix(), rng() % 4 ? std::optional<std::string>(name()) : std::nullopt, 0});
    for (int i = 0, n = static_cast<int>(rng() % 12); i < n; ++i)
      t.routes.push_back({name(), prefix(), name(), static_cast<std::uint32_t>(rng()), 0});
    const auto back = parse_topology(canonical_text(t));
    BOOST_REQUIRE_MESSAGE(back, (back ? std::string() : back.error().message()));
    BOOST_TEST((back.value() == t), canonical_text(t));
    // a shuffled order is the same topology, and prints the same
    topology shuffled = t;
    std::shuffle(shuffled.routes.begin(), shuffled.routes.end(), rng);
    std::shuffle(shuffled.prefixes.begin(), shuffled.prefixes.end(), rng);
    BOOST_TEST((shuffled == t));
    BOOST_TEST(canonical_text(shuffled) == canonical_text(t));
  }
}

BOOST_AUTO_TEST_CASE(equality_sees_every_field) {
  const topology t = parse_topology(example).value();
  topology u = t;
  u.version = 8;
  BOOST_TEST((u != t));
  u = t;
  u.routes[0].metric = 11;
  BOOST_TEST((u != t));
  u = t;
  u.prefixes[1].at = "r1";
  BOOST_TEST((u != t));
  u = t;
  u.routes.push_back(u.routes[0]);  // a duplicate is a different multiset
  BOOST_TEST((u != t));
  u = t;
  u.routes[0].line = 99;  // lines are not part of it
  BOOST_TEST((u == t));
}
