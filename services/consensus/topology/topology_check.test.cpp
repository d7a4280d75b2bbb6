// check_topology: every problem kind, with its line, on small networks whose
// forwarding can be followed by hand.

#include "services/consensus/topology/forwarding_step.hpp"
#include "services/consensus/topology/topology_check.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>

using namespace storemesh::services::consensus;

namespace {

const std::set<std::string> r123{"r1", "r2", "r3"};

// r1 - r2 - r3 in a line; 10.1.0.0/16 is at r3, 10.1.2.0/24 (inside it) at r1.
const std::string chain = R"(topology 1
prefix 10.1.0.0/16 at r3
prefix 10.1.2.0/24 at r1
route r1 10.1.0.0/16 via r2 metric 10
route r2 10.1.0.0/16 via r3 metric 10
route r2 10.1.2.0/24 via r1 metric 10
route r3 10.1.2.0/24 via r2 metric 10
)";

topology_check check(const std::string& text, const std::set<std::string>& known = r123) {
  auto t = parse_topology(text);
  BOOST_REQUIRE_MESSAGE(t, (t ? std::string() : t.error().message()));
  return check_topology(t.value(), known);
}

std::string all(const topology_check& c) {
  std::string out;
  for (const auto& p : c.problems) out += std::string(to_string(p.kind)) + " | " + p.message() + '\n';
  return out;
}

// Exactly one problem of `kind` on `line` whose reason mentions `what`.
void has(const topology_check& c, problem_kind kind, std::size_t line, const std::string& what) {
  std::size_t found = 0;
  for (const auto& p : c.problems)
    if (p.kind == kind && p.line == line && p.reason.find(what) != std::string::npos) ++found;
  BOOST_TEST(found == 1u, "expected one " << to_string(kind) << " on line " << line << " with '" << what << "' in:\n"
                                          << all(c));
}

} // namespace

BOOST_AUTO_TEST_CASE(a_sound_chain_has_no_problem) {
  const auto c = check(chain);
  BOOST_TEST(c.ok(), all(c));
  BOOST_TEST(c.omitted == 0u);
}

BOOST_AUTO_TEST_CASE(routers_that_are_not_known_are_named) {
  const auto c = check(chain + "prefix 10.3.0.0/16 at r8\nroute r9 10.1.0.0/16 via r7 metric 1\n");
  has(c, problem_kind::unknown_router, 8, "router 'r8' (the router that delivers the prefix) is not a known router");
  has(c, problem_kind::unknown_router, 9, "router 'r9' (the route's owner)");
  has(c, problem_kind::unknown_router, 9, "router 'r7' (the next hop)");
  // a prefix at an unknown router is not also reported unreachable from everywhere
  for (const auto& p : c.problems) BOOST_TEST((p.kind != problem_kind::unreachable), p.message());
}

BOOST_AUTO_TEST_CASE(a_next_hop_that_is_not_known_is_reported_once) {
  const auto c = check("topology 1\nprefix 10.0.0.0/8 at r1\nroute r2 10.0.0.0/8 via r1 metric 1\n"
                       "route r3 10.0.0.0/8 via r7 metric 1\n");
  has(c, problem_kind::unknown_router, 4, "'r7'");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(duplicate_statements_point_at_the_first) {
  const auto c = check(chain + "prefix 10.1.0.0/16 at r3\nprefix 10.1.2.0/24 at r2\nroute r1 10.1.0.0/16 via r2 metric 99\n");
  has(c, problem_kind::duplicate_statement, 8, "prefix 10.1.0.0/16 is declared again (first on line 2)");
  has(c, problem_kind::duplicate_statement, 9, "prefix 10.1.2.0/24 is declared again (first on line 3)");
  has(c, problem_kind::duplicate_statement, 10, "route at r1 for 10.1.0.0/16 via r2 is given again (first on line 4)");
}

BOOST_AUTO_TEST_CASE(a_prefix_without_at_is_delivered_nowhere) {
  const auto c = check(chain + "prefix 10.7.0.0/16\n");
  has(c, problem_kind::prefix_without_at, 8, "prefix 10.7.0.0/16 has no 'at ROUTER'");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(a_route_for_an_undeclared_prefix_is_refused) {
  const auto c = check(chain + "route r1 10.8.0.0/16 via r2 metric 1\n");
  has(c, problem_kind::undeclared_prefix, 8, "route for 10.8.0.0/16, which no 'prefix' statement declares");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(a_route_at_the_delivering_router_is_shadowed) {
  const auto c = check(chain + "route r3 10.1.0.0/16 via r2 metric 1\n");
  has(c, problem_kind::shadowed_route, 8, "r3 delivers itself (line 2): it is never used");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(forwarding_in_a_circle_is_a_loop_on_the_route_that_closes_it) {
  // r2 sends 10.1.0.0/16 back to r1 (metric 5 beats its route to r3).
  const auto c = check(chain + "route r2 10.1.0.0/16 via r1 metric 5\n");
  has(c, problem_kind::loop, 8, "10.1.0.0 (of 10.1.0.0/16, delivered at r3) loops: r1 -> r2 -> r1 (reached from r1, r2)");
}

BOOST_AUTO_TEST_CASE(a_route_to_itself_is_a_loop) {
  const auto c = check(chain + "route r1 10.1.0.0/16 via r1 metric 50\n");
  has(c, problem_kind::loop, 8, "has r1 itself as its next hop");
  BOOST_TEST(c.problems.size() == 1u, all(c));  // not chosen (metric 50 > 10): no loop in the walk
}

BOOST_AUTO_TEST_CASE(a_missing_route_leaves_the_routers_behind_it_unreachable) {
  // r2 has no route for 10.1.0.0/16: r1 and r2 cannot reach r3's prefix.
  const auto c = check(R"(topology 1
prefix 10.1.0.0/16 at r3
route r1 10.1.0.0/16 via r2 metric 10
)");
  has(c, problem_kind::unreachable, 2,
      "10.1.0.0 (of 10.1.0.0/16, delivered at r3) is unreachable from r1, r2: forwarding ends at r2, which has no route for it");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(every_known_router_must_reach_every_prefix) {
  // r4 is known but the file gives it no route at all.
  const auto c = check(chain, {"r1", "r2", "r3", "r4"});
  has(c, problem_kind::unreachable, 2, "10.1.0.0 (of 10.1.0.0/16, delivered at r3) is unreachable from r4");
  has(c, problem_kind::unreachable, 3, "10.1.2.0 (of 10.1.2.0/24, delivered at r1) is unreachable from r4");
}

BOOST_AUTO_TEST_CASE(delivery_by_a_less_specific_prefix_elsewhere_is_unreachable) {
  // r2 and r3 have no route for the /24, so r2's /16 route sends 10.1.2.0
  // to r3, which delivers it as part of 10.1.0.0/16: not where the /24 lives.
  const auto c = check(R"(topology 1
prefix 10.1.0.0/16 at r3
prefix 10.1.2.0/24 at r1
route r1 10.1.0.0/16 via r2 metric 10
route r2 10.1.0.0/16 via r3 metric 10
)");
  has(c, problem_kind::unreachable, 3,
      "10.1.2.0 (of 10.1.2.0/24, delivered at r1) is unreachable from r2, r3: r3 delivers it (10.1.0.0/16 at r3, line 2)");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(the_walk_probes_the_address_only_the_prefix_covers) {
  // 10.1.0.0/24 (at r1) covers the /16's first address, and every router
  // reaches it; but r1 has no route for the rest of the /16: its own
  // addresses, from 10.1.1.0 on, are unreachable from r1.
  const auto c = check(R"(topology 1
prefix 10.1.0.0/16 at r3
prefix 10.1.0.0/24 at r1
route r2 10.1.0.0/16 via r3 metric 10
route r2 10.1.0.0/24 via r1 metric 10
route r3 10.1.0.0/24 via r2 metric 10
)");
  has(c, problem_kind::unreachable, 2,
      "10.1.1.0 (of 10.1.0.0/16, delivered at r3) is unreachable from r1: forwarding ends at r1");
  BOOST_TEST(c.problems.size() == 1u, all(c));
}

BOOST_AUTO_TEST_CASE(problems_come_sorted_by_line_and_are_capped) {
  std::string text = "topology 1\n";
  for (int i = 0; i < 150; ++i) text += "prefix 10." + std::to_string(i) + ".0.0/16\n";
  const auto c = check(text);
  BOOST_TEST(c.problems.size() == max_listed_problems);
  BOOST_TEST(c.omitted == 50u);
  for (std::size_t i = 1; i < c.problems.size(); ++i) BOOST_TEST(c.problems[i - 1].line <= c.problems[i].line);
}

namespace {

// Where forwarding_step takes a datagram for `address` from `start`: the
// router that delivers it, or "" (dropped, or more hops than routers).
std::string forward_from(const std::map<std::string, forwarding_table>& tables, const std::string& start,
                         std::uint32_t address) {
  forwarding_datagram d;
  d.destination = address;
  d.ttl = 255;
  auto wire = encode_datagram(d).value();
  std::string at = start;
  for (std::size_t hops = 0; hops <= tables.size(); ++hops) {
    const auto& table = tables.at(at);
    const auto o = forwarding_step(wire.data(), wire.size(), at,
                                   [&](topology_epoch) -> const forwarding_table* { return &table; });
    if (std::holds_alternative<deliver_decision>(o)) return at;
    if (!std::holds_alternative<forward_decision>(o)) return "";
    const auto& f = std::get<forward_decision>(o);
    if (!tables.count(f.next_hop)) return "";
    at = f.next_hop;
    wire = f.wire;
  }
  return "";
}

} // namespace

// What is validated is what gets forwarded: on random tree networks with
// nested prefixes, shortest-path routes plus worse alternatives pass the
// check; then, with routes removed or redirected at random, whenever the
// check still passes, forwarding_step delivers random addresses of every
// prefix from every router at the right router.
BOOST_AUTO_TEST_CASE(a_passing_check_means_every_address_is_delivered_where_it_belongs) {
  std::mt19937 rng(7);
  int passed_after_mutation = 0, refused_after_mutation = 0;
  for (int round = 0; round < 60; ++round) {
    const std::size_t n = 3 + rng() % 6;
    std::vector<std::string> names;
    std::set<std::string> known;
    for (std::size_t i = 0; i < n; ++i) known.insert(names.emplace_back("r" + std::to_string(i)));
    std::vector<std::vector<std::size_t>> adj(n);
    for (std::size_t i = 1; i < n; ++i) {  // a random tree
      const std::size_t p = rng() % i;
      adj[i].push_back(p);
      adj[p].push_back(i);
    }
    topology t;
    t.version = 1;
    std::set<route_prefix> used;
    for (int k = 0; k < 6; ++k) {  // nested prefixes under 10.0.0.0/8
      const unsigned len = 8 + rng() % 20;
      const route_prefix p{(0x0A000000u | (static_cast<std::uint32_t>(rng()) & 0x00030303u)) & route_prefix::mask_of(len),
                           static_cast<std::uint8_t>(len)};
      if (used.insert(p).second) t.prefixes.push_back({p, names[rng() % n], 0});
    }
    for (const auto& p : t.prefixes) {
      // next hop toward p.at from every router: BFS from the at router
      const std::size_t target = static_cast<std::size_t>(std::stoi(p.at->substr(1)));
      std::vector<std::size_t> toward(n, n);
      std::vector<std::size_t> queue{target};
      toward[target] = target;
      for (std::size_t qi = 0; qi < queue.size(); ++qi)
        for (const auto nb : adj[queue[qi]])
          if (toward[nb] == n) { toward[nb] = queue[qi]; queue.push_back(nb); }
      for (std::size_t r = 0; r < n; ++r) {
        if (r == target) continue;
        t.routes.push_back({names[r], p.prefix, names[toward[r]], 10, 0});
        if (rng() % 3 == 0) {  // a worse alternative that is never chosen
          const std::size_t other = rng() % n;
          if (other != r && other != toward[r]) t.routes.push_back({names[r], p.prefix, names[other], 20, 0});
        }
      }
    }
    for (int variant = 0; variant < 4; ++variant) {
      topology u = t;
      if (variant > 0) {
        for (int m = 0; m < variant && !u.routes.empty(); ++m) {
          auto& victim = u.routes[rng() % u.routes.size()];
          if (rng() % 2) victim = u.routes.back(), u.routes.pop_back();  // removed
          else victim.metric = 1, victim.via = names[rng() % n];        // redirected
        }
      }
      const auto c = check_topology(u, known);
      if (variant == 0) BOOST_REQUIRE_MESSAGE(c.ok(), canonical_text(u) << all(c));
      if (!c.ok()) {
        ++refused_after_mutation;
        continue;
      }
      if (variant > 0) ++passed_after_mutation;
      std::map<std::string, forwarding_table> tables;
      for (const auto& name : names) tables.emplace(name, forwarding_table::build(u, name));
      std::vector<route_prefix> prefixes;
      for (const auto& p : u.prefixes) prefixes.push_back(p.prefix);
      for (int k = 0; k < 200; ++k) {
        const auto& p = u.prefixes[rng() % u.prefixes.size()];
        const std::uint32_t a = p.prefix.address | (static_cast<std::uint32_t>(rng()) & ~p.prefix.mask());
        const auto& owner = *u.prefixes[*longest_match_linear(prefixes, a)].at;
        for (const auto& start : names)
          BOOST_REQUIRE_MESSAGE(forward_from(tables, start, a) == owner,
                                format_ipv4(a) << " from " << start << " not delivered at " << owner << " in\n"
                                               << canonical_text(u));
      }
    }
  }
  // both sides of the property were exercised
  BOOST_TEST(passed_after_mutation > 0);
  BOOST_TEST(refused_after_mutation > 0);
}
