// The delivery scenario: an origin and six edges, two user groups, three
// contents coded k+m (slices abstract: a CRC32C number each, no coding),
// and the people and programs around them:
//
//  - the operator adds them, records requests, and plans deliveries as the
//    planner does (k + m pillars per segment, pillar j of segment s on the
//    (s+j)-th of the k + m nearest up edges), sometimes a plan that breaks
//    dispersal (k slices of a segment on one edge, a segment short of k) or
//    differs from one already made: refused;
//  - each up edge confirms the slices due on it by the current window, with
//    the plan's CRC, sometimes a corrupted one or a slice placed elsewhere;
//    a down edge that still runs (a zombie) confirms too;
//  - edges go down (one at a time) and come back (attach again); the runner
//    reschedules every delivery waiting on a down edge to the up edges
//    nearest the group, again while slices stay on it.
//
// Agents fold the entities' states from the log with their own evolve, as
// the runner reads them; check() shares none of that (delivery_invariant).

#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "sim/scenarios/delivery_invariant.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <algorithm>

namespace storemesh::sim {
namespace {

namespace dl = services::delivery;
namespace pr = dl::process;
namespace eu = dl::edge_unit;
namespace ct = dl::content;
namespace ug = dl::user_group;
using commands = std::vector<services::issued_command>;

constexpr std::uint64_t gib = 1ull << 30;
constexpr std::uint64_t segment_bytes = 4096;
/// Steps without the outcome in the log before a command is sent again: about
/// the simulated dedup window (60 ms of 1 ms steps), past which the first
/// one, if it still arrives, is refused as expired.
constexpr std::uint64_t resend_after = 60;

/// The states of one entity kind, by id, folded from its events.
template <class Entity>
struct views {
  std::map<std::string, typename Entity::state_type> by_id;
  const typename Entity::state_type& at(const std::string& id) const {
    static const typename Entity::state_type none{};
    const auto it = by_id.find(id);
    return it == by_id.end() ? none : it->second;
  }
  void fold(const logged_record& r, const log_view& log) {
    if (r.topic != log.events_topic(Entity::kind) || r.env->entity_kind() != Entity::kind ||
        !Entity::is_event(r.env->reader()))
      return;
    if (auto e = Entity::read_event(r.env->reader())) {
      auto& s = by_id[std::string(r.env->entity_id())];
      s = Entity::evolve(std::move(s), e.value());
    }
  }
};

struct edge_spec {
  std::string name;
  eu::attach attach;
};

class delivery_scenario final : public scenario {
public:
  std::string_view name() const override { return "delivery"; }

  void setup(step_context& ctx, commands& out) override {
    auto& r = ctx.random;
    auto place = [&] { return dl::location{r.between(-5000, 5000), r.between(-5000, 5000)}; };
    edges_.push_back({"origin", eu::attach{"127.0.0.1:4100", eu::role::origin, {0, 0}, 0, 0, 0}});
    for (int i = 1; i <= 6; ++i)
      edges_.push_back({"e" + std::to_string(i),
                        eu::attach{"127.0.0.1:41" + std::to_string(10 + i), eu::role::edge, place(), gib, 64 << 10, 0}});
    for (const auto* g : {"g1", "g2"})
      groups_[g] = ug::add{place(), static_cast<std::uint32_t>(r.between(10, 50)), 0};
    // k + 2m <= 6: with one of six edges down, a reschedule still finds an
    // edge holding none of the segment (the plan's one-slice-per-edge shape).
    static const std::vector<std::pair<std::uint32_t, std::uint32_t>> codings{{2, 1}, {2, 2}, {3, 1}, {4, 1}};
    for (const auto* c : {"c1", "c2", "c3"}) {
      const auto [k, m] = r.pick(codings);
      ct::add a;
      a.geometry = dl::geometry{1 + r.below(3 * segment_bytes), segment_bytes, k, m};
      a.sha256 = hex64(r);
      a.origin = std::string(c) + ".bin";
      for (std::uint64_t i = 0; i < dl::segments(a.geometry) * dl::pillars(a.geometry); ++i)
        a.slice_crc32c.push_back(static_cast<std::uint32_t>(r.next()));
      contents_[c] = a;
    }
    send_setup(ctx, out);
  }

  void step(step_context& ctx, commands& out) override {
    read(ctx.log);
    auto& r = ctx.random;
    if (ctx.step >= setup_sent_ + resend_after)
      send_setup(ctx, out);
    if (ctx.step % 5 == 0)
      ++window_;
    reschedule_lost(ctx, out);
    // Planning is most of what a short run can see: often until a few are made.
    const auto roll = r.below(1000);
    if (roll < (planned_ids().size() < 3 ? 150u : 60u))
      plan(ctx, out);
    else if (roll < 520)
      confirm(ctx, out);
    else if (roll < 545)
      take_down(ctx, out);
    else if (roll < 585)
      bring_back(ctx, out);
    else if (roll < 610)
      request(ctx, out);
    else if (roll < 620)
      out.push_back(services::issue<pr::entity>(  // a reschedule of an edge the delivery never used
          r.pick(planned_ids()), pr::reschedule{"e9", "probe", {"e1"}, window_, ctx.now_ns}));
  }

  std::optional<std::string> check(const log_view& log) override { return invariant_.advance(log); }

private:
  static std::string hex64(rng& r) {
    static const char* d = "0123456789abcdef";
    std::string s;
    while (s.size() < 64)
      s.push_back(d[r.below(16)]);
    return s;
  }

  void read(const log_view& log) {
    for (; seen_ < log.size(); ++seen_) {
      const auto& rec = log.at(seen_);
      if (!rec.env)
        continue;

      edges_view_.fold(rec, log);
      deliveries_.fold(rec, log);
      remember_moves(rec, log);
      contents_view_.fold(rec, log);
      groups_view_.fold(rec, log);
    }
  }

  /// The slices moved away from each edge, for an edge that comes back and
  /// confirms what it was sent before it went down (refused: wrong_edge).
  void remember_moves(const logged_record& rec, const log_view& log) {
    if (rec.topic != log.events_topic(pr::entity::kind) || !pr::entity::is_event(rec.env->reader()))
      return;
    auto e = pr::entity::read_event(rec.env->reader());
    if (!e)
      return;
    if (const auto* r = std::get_if<pr::rescheduled>(&e.value()))
      for (const auto& m : r->moves)
        moved_away_.push_back({std::string(rec.env->entity_id()), m});
  }

  /// What the log does not show yet is sent again (lost on the way; a late
  /// duplicate changes nothing). Edges are attached only once here: a down
  /// edge comes back through bring_back().
  void send_setup(step_context& ctx, commands& out) {
    setup_sent_ = ctx.step;
    for (auto& e : edges_)
      if (!edges_view_.at(e.name).attached) {
        e.attach.at_ns = ctx.now_ns;
        out.push_back(services::issue<eu::entity>(e.name, e.attach));
      }
    for (auto& [g, a] : groups_)
      if (!groups_view_.at(g).exists)
        out.push_back(services::issue<ug::entity>(g, a));
    for (auto& [c, a] : contents_)
      if (!contents_view_.at(c).exists)
        out.push_back(services::issue<ct::entity>(c, a));
  }

  std::vector<std::string> planned_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, d] : deliveries_.by_id)
      if (d.planned)
        ids.push_back(id);
    if (ids.empty())
      ids.push_back(dl::delivery_id("g1", "c1"));  // not planned: the probe is refused not_planned
    return ids;
  }

  /// Up edges (never the origin), nearest `at` first, then by name.
  std::vector<std::string> up_edges(dl::location at, const std::string& except = {}) const {
    std::vector<std::pair<double, std::string>> near;
    for (const auto& e : edges_) {
      const auto& s = edges_view_.at(e.name);
      if (s.attached && s.up && s.role == eu::role::edge && e.name != except)
        near.emplace_back(dl::distance_m(s.at, at), e.name);
    }
    std::sort(near.begin(), near.end());
    std::vector<std::string> out;
    for (auto& [d, n] : near)
      out.push_back(std::move(n));
    return out;
  }

  void plan(step_context& ctx, commands& out) {
    auto& r = ctx.random;
    const std::string g = r.chance(500) ? "g1" : "g2";
    const std::string c = "c" + std::to_string(1 + r.below(3));
    const auto& content = contents_view_.at(c);
    const auto& group = groups_view_.at(g);
    const auto id = dl::delivery_id(g, c);
    if (!content.exists || !group.exists)
      return;
    const auto& geo = content.geometry;
    const auto n = dl::pillars(geo);
    auto edges = up_edges(group.at);
    if (edges.size() < n)
      return;
    edges.resize(n);
    pr::plan p{g, c, geo, edges, {}, "scenario", ctx.now_ns};
    for (std::uint32_t s = 0; s < dl::segments(geo); ++s)
      for (std::uint32_t j = 0; j < n; ++j)
        p.placements.push_back(pr::placement{s, j, edges[(s + j) % n], static_cast<std::uint32_t>(r.below(3)),
                                             content.slice_crc32c[s * n + j]});
    const bool planned = deliveries_.at(id).planned;
    if (planned && !r.chance(300))
      return;
    switch (r.below(planned ? 1 : 8)) {
      case 0:  // planned already: differently (already_planned), else a well-dispersed plan
        if (planned)
          p.placements.front().crc32c ^= 1;
        break;
      case 1:  // segment 0's first k pillars on one edge: not_dispersed
        for (std::uint32_t j = 0; j < geo.k; ++j)
          p.placements[j].edge = edges.front();
        break;
      case 2:  // segment 0 short of k placements: not_dispersed
        p.placements.erase(p.placements.begin(), p.placements.begin() + (n - geo.k + 1));
        break;
      default: break;
    }
    out.push_back(services::issue<pr::entity>(id, std::move(p)));
  }

  /// One edge confirms one slice due on it: mostly right, sometimes with a
  /// corrupted CRC or a slice placed on another edge (both refused).
  void confirm(step_context& ctx, commands& out) {
    auto& r = ctx.random;
    const auto& e = edges_[1 + r.below(edges_.size() - 1)].name;
    const auto& es = edges_view_.at(e);
    if (!es.attached || (!es.up && !r.chance(100)))  // a down edge that still runs confirms now and then
      return;
    std::vector<std::pair<std::string, pr::placement>> due;
    for (const auto& [id, d] : deliveries_.by_id)
      for (auto& p : pr::due(d, e, window_))
        due.emplace_back(id, std::move(p));
    if (!moved_away_.empty() && r.chance(20)) {  // sent before the edge went down, stored after
      const auto& [id, m] = r.pick(moved_away_);
      const auto& d = deliveries_.at(id);
      if (const auto it = d.slots.find({m.segment, m.pillar}); it != d.slots.end())
        out.push_back(services::issue<pr::entity>(id, pr::confirm{m.segment, m.pillar, m.from, it->second.crc32c,
                                                                  ctx.now_ns}));
      return;
    }
    if (due.empty())
      return;
    const auto& [id, p] = r.pick(due);
    pr::confirm c{p.segment, p.pillar, e, p.crc32c, ctx.now_ns};
    const auto x = r.below(100);
    if (x < 5)
      c.crc32c ^= 1u << r.below(32);
    else if (x < 8)
      c.edge = edges_[1 + r.below(edges_.size() - 1)].name;
    out.push_back(services::issue<pr::entity>(id, c));
  }

  std::size_t down_count() const {
    std::size_t n = 0;
    for (const auto& [name, s] : edges_view_.by_id)
      n += s.attached && !s.up && s.role == eu::role::edge;
    return n;
  }

  void take_down(step_context& ctx, commands& out) {
    if (down_count() != 0 || ctx.step < down_sent_ + resend_after)
      return;
    const auto& e = edges_[1 + ctx.random.below(edges_.size() - 1)];
    const auto& s = edges_view_.at(e.name);
    if (!s.attached || !s.up)
      return;
    down_sent_ = ctx.step;
    out.push_back(services::issue<eu::entity>(
        e.name, eu::report{false, s.free_bytes, "connection refused at " + e.attach.endpoint, ctx.now_ns}));
  }

  void bring_back(step_context& ctx, commands& out) {
    for (auto& e : edges_) {
      const auto& s = edges_view_.at(e.name);
      if (s.attached && !s.up) {
        e.attach.at_ns = ctx.now_ns;
        out.push_back(services::issue<eu::entity>(e.name, e.attach));
        return;
      }
    }
  }

  void request(step_context& ctx, commands& out) {
    const std::string g = ctx.random.chance(500) ? "g1" : "g2";
    out.push_back(services::issue<ug::entity>(
        g, ug::record_request{"c" + std::to_string(1 + ctx.random.below(3)), ctx.now_ns > 0 ? ctx.now_ns : 1}));
  }

  /// The runner: a delivery with unconfirmed slices on a down edge is
  /// rescheduled to the up edges nearest its group, and again every
  /// resend_after steps while slices stay there (lost command, stranded).
  void reschedule_lost(step_context& ctx, commands& out) {
    for (const auto& [edge, es] : edges_view_.by_id) {
      if (!es.attached || es.up || es.role != eu::role::edge)
        continue;
      for (const auto& [id, d] : deliveries_.by_id) {
        if (!d.planned || pr::due(d, edge, ~0u).empty())
          continue;
        auto& last = rescheduled_[{id, edge}];
        if (last != 0 && ctx.step < last + resend_after)
          continue;
        last = ctx.step;
        out.push_back(services::issue<pr::entity>(
            id, pr::reschedule{edge, "edge down", up_edges(groups_view_.at(d.group).at, edge), window_ + 1,
                               ctx.now_ns}));
      }
    }
  }

  std::vector<edge_spec> edges_;
  std::map<std::string, ug::add> groups_;
  std::map<std::string, ct::add> contents_;
  views<eu::entity> edges_view_;
  views<pr::entity> deliveries_;
  views<ct::entity> contents_view_;
  views<ug::entity> groups_view_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> rescheduled_;
  std::vector<std::pair<std::string, pr::move>> moved_away_;  ///< (delivery, move), as the log recorded them
  std::uint32_t window_ = 0;
  std::uint64_t setup_sent_ = 0, down_sent_ = 0;
  std::size_t seen_ = 0;
  delivery_invariant invariant_;
};

} // namespace

std::unique_ptr<scenario> make_delivery_scenario() { return std::make_unique<delivery_scenario>(); }

} // namespace storemesh::sim
