// The delivery process manager under random plans, confirmations and
// reschedules (rapidcheck): the dispersal rule holds on every slot, placed or
// confirmed, after every accepted command; plan refuses exactly the plans
// that break it; replaying the events rebuilds the live state; a delivery
// completes once, when every slot is confirmed.
#include "services/delivery/process.hpp"

#include <rapidcheck/boost_test.h>

#include <map>
#include <set>

using namespace storemesh::services::delivery::process;
using storemesh::services::delivery::geometry;
using storemesh::services::delivery::segments;
using storemesh::services::decision;

namespace {

std::string edge_name(int i) { return "e" + std::to_string(i); }

/// The most slices of one segment any one edge holds (placed or confirmed).
std::uint32_t most_on_one_edge(const state& s) {
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> held;
  std::uint32_t most = 0;
  for (const auto& [k, sl] : s.slots)
    most = std::max(most, ++held[{k.first, sl.edge}]);
  return most;
}

/// Whether a plan's placements give every segment k slices with no edge holding k of one.
bool dispersed(const plan& p) {
  std::map<std::uint32_t, std::uint32_t> per_segment;
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> per_edge;
  for (const auto& x : p.placements) {
    per_segment[x.segment] += 1;
    if (++per_edge[{x.segment, x.edge}] >= p.geometry.k)
      return false;
  }
  for (std::uint64_t seg = 0; seg < segments(p.geometry); ++seg)
    if (per_segment[static_cast<std::uint32_t>(seg)] < p.geometry.k)
      return false;
  return true;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_process_property)

RC_BOOST_PROP(random_plans_confirms_and_reschedules_keep_the_dispersal_rule, ()) {
  // k = 1 is never dispersed (one slice is the whole segment): the example tests cover its refusal.
  const auto k = *rc::gen::inRange<std::uint32_t>(2, 5);
  const auto m = *rc::gen::inRange<std::uint32_t>(1, 4);
  const auto n_segments = *rc::gen::inRange<std::uint64_t>(1, 4);
  const auto n_edges = *rc::gen::inRange<int>(static_cast<int>(k) - 1, static_cast<int>(k + m) + 3);
  const geometry g{n_segments * 4096 - *rc::gen::inRange<std::uint64_t>(0, 4096), 4096, k, m};

  plan p{"grp", "film", g, {}, {}, "random", 1};
  for (int i = 0; i < n_edges; ++i)
    p.edges.push_back(edge_name(i));
  // Mostly pillar p on edge p + offset (dispersed when there are enough edges), one slice in eight on a
  // random edge, one in 25 left out: both accepted and refused plans occur.
  for (std::uint32_t seg = 0; seg < n_segments; ++seg) {
    const auto offset = *rc::gen::inRange<int>(0, n_edges);
    for (std::uint32_t pillar = 0; pillar < k + m; ++pillar) {
      if (*rc::gen::inRange(0, 25) == 0)
        continue;
      const int e = *rc::gen::inRange(0, 8) == 0 ? *rc::gen::inRange(0, n_edges)
                                                 : (static_cast<int>(pillar) + offset) % n_edges;
      p.placements.push_back(placement{seg, pillar, edge_name(e), 0, seg * 1000 + pillar});
    }
  }
  auto d = decide(initial, p);
  RC_ASSERT(d.accepted() == dispersed(p));
  RC_TAG(d.accepted() ? "accepted plan" : "refused plan");
  if (!d.accepted()) {
    RC_ASSERT(d.why().code == std::string("not_dispersed"));
    return;
  }
  std::vector<event> log;
  state s = initial;
  auto apply = [&](const decision<event>& dd) {
    for (const auto& e : dd.events) {
      s = evolve(std::move(s), e);
      log.push_back(e);
    }
  };
  apply(d);
  RC_ASSERT(most_on_one_edge(s) < k);

  const auto steps = *rc::gen::inRange(1, 40);
  for (int step = 0; step < steps; ++step) {
    // Edges beyond the plan's (up to e9) appear as reschedule candidates.
    if (*rc::gen::inRange(0, 3) == 0) {
      reschedule r{edge_name(*rc::gen::inRange(0, n_edges)), "lost", {}, static_cast<std::uint32_t>(step), step};
      const auto n_candidates = *rc::gen::inRange(0, 5);
      for (int c = 0; c < n_candidates; ++c)
        r.candidates.push_back(edge_name(*rc::gen::inRange(0, 10)));
      const auto rd = decide(s, r);
      RC_ASSERT(changes_nothing(s, r) == (rd.accepted() && rd.events.empty()));
      if (rd.accepted() && !rd.events.empty()) {
        const auto& x = std::get<rescheduled>(rd.events.front());
        RC_ASSERT(!x.moves.empty());  // an event only when something moves
        for (const auto& mv : x.moves) {  // a move goes to a candidate, never back to the lost edge
          RC_ASSERT(mv.to != r.edge);
          RC_ASSERT(std::find(r.candidates.begin(), r.candidates.end(), mv.to) != r.candidates.end());
        }
      }
      apply(rd);
    } else {
      // Confirm a random slot, from its edge or (one in four) from another.
      auto it = s.slots.begin();
      std::advance(it, *rc::gen::inRange<std::size_t>(0, s.slots.size()));
      const bool right_edge = *rc::gen::inRange(0, 4) != 0;
      const std::string by = right_edge ? it->second.edge : edge_name(*rc::gen::inRange(0, 10));
      const confirm c{it->first.first, it->first.second, by, it->second.crc32c, step};
      const auto cd = decide(s, c);
      RC_ASSERT(changes_nothing(s, c) == (cd.accepted() && cd.events.empty()));
      RC_ASSERT(cd.accepted() == (by == it->second.edge));
      apply(cd);
    }
    RC_ASSERT(most_on_one_edge(s) < k);
    std::uint64_t confirmed = 0;
    for (const auto& [key, sl] : s.slots)
      confirmed += sl.confirmed;
    RC_ASSERT(confirmed == s.confirmed);
    RC_ASSERT(s.complete == (confirmed == s.slots.size()));
  }
  // Replay rebuilds the live state; completion happened at most once.
  state replayed = initial;
  int completions = 0;
  for (const auto& e : log) {
    replayed = evolve(std::move(replayed), e);
    completions += std::holds_alternative<completed>(e);
  }
  RC_ASSERT(replayed == s);
  RC_ASSERT(completions == (s.complete ? 1 : 0));
}

BOOST_AUTO_TEST_SUITE_END()
