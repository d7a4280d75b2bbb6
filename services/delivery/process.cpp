#include "services/delivery/process.hpp"

#include "services/names.hpp"

#include <algorithm>
#include <optional>
#include <tuple>

namespace storemesh::services::delivery::process {
namespace {

using D = decision<event>;
using key = std::pair<std::uint32_t, std::uint32_t>;  // (segment, pillar)

// The members each operator== compares, in one place per type.
auto tie(const placement& x) { return std::tie(x.segment, x.pillar, x.edge, x.window, x.crc32c); }
auto tie(const move& x) { return std::tie(x.segment, x.pillar, x.from, x.to, x.window); }
auto tie(const planned& x) {
  return std::tie(x.group, x.content, x.geometry, x.edges, x.placements, x.reason, x.at_ns);
}
auto tie(const slice_confirmed& x) { return std::tie(x.segment, x.pillar, x.edge, x.crc32c, x.at_ns); }
auto tie(const rescheduled& x) { return std::tie(x.edge, x.reason, x.moves, x.stranded, x.at_ns); }
auto tie(const completed& x) { return std::tie(x.at_ns); }
auto tie(const slot& x) { return std::tie(x.edge, x.window, x.crc32c, x.confirmed); }
auto tie(const state& x) {
  return std::tie(x.planned, x.group, x.content, x.geometry, x.edges, x.slots, x.confirmed, x.rescheduled,
                  x.complete, x.planned_ns, x.completed_ns);
}

void use_edge(std::vector<std::string>& edges, const std::string& e) {
  if (std::find(edges.begin(), edges.end(), e) == edges.end())
    edges.push_back(e);
}

state apply(state s, const planned& x) {
  s.planned = true;
  s.group = x.group;
  s.content = x.content;
  s.geometry = x.geometry;
  s.edges = x.edges;
  s.slots.clear();
  for (const auto& p : x.placements)
    s.slots[{p.segment, p.pillar}] = slot{p.edge, p.window, p.crc32c, false};
  s.planned_ns = x.at_ns;
  return s;
}
state apply(state s, const slice_confirmed& x) {
  if (auto it = s.slots.find({x.segment, x.pillar}); it != s.slots.end() && !it->second.confirmed) {
    it->second.confirmed = true;
    s.confirmed += 1;
  }
  return s;
}
state apply(state s, const rescheduled& x) {
  for (const auto& m : x.moves) {
    if (auto it = s.slots.find({m.segment, m.pillar}); it != s.slots.end()) {
      it->second.edge = m.to;
      it->second.window = m.window;
      it->second.confirmed = false;
      s.rescheduled += 1;
      use_edge(s.edges, m.to);
    }
  }
  return s;
}
state apply(state s, const completed& x) {
  s.complete = true;
  s.completed_ns = x.at_ns;
  return s;
}

// -- plan -----------------------------------------------------------------------

/// "" when the plan is well formed (names, geometry, placements in range and
/// unique, on listed edges), else why not. The dispersal rule is apart: it has its own code.
std::string check_plan(const plan& c) {
  if (auto why = check_name(c.group); !why.empty())
    return "group '" + c.group + "' " + why;
  if (auto why = check_name(c.content); !why.empty())
    return "content '" + c.content + "' " + why;
  if (auto why = check_geometry(c.geometry); !why.empty())
    return "geometry: " + why;
  std::set<std::string> edges;
  for (const auto& e : c.edges) {
    if (auto why = check_name(e); !why.empty())
      return "edge '" + e + "' " + why;
    if (!edges.insert(e).second)
      return "edge '" + e + "' is listed twice";
  }
  const auto n_segments = segments(c.geometry);
  const auto n_pillars = pillars(c.geometry);
  std::set<key> seen;
  for (const auto& p : c.placements) {
    const auto name = "slice " + std::to_string(p.segment) + "." + std::to_string(p.pillar);
    if (p.segment >= n_segments)
      return name + ": segment out of range (the content has " + std::to_string(n_segments) + ")";
    if (p.pillar >= n_pillars)
      return name + ": pillar out of range (k + m = " + std::to_string(n_pillars) + ")";
    if (edges.count(p.edge) == 0)
      return name + ": edge '" + p.edge + "' is not among the plan's edges";
    if (!seen.insert({p.segment, p.pillar}).second)
      return name + " is placed twice";
  }
  return {};
}

/// "" when every segment can be rebuilt from its placements and no edge
/// holds k or more slices of one segment, else why not.
std::string check_dispersal(const plan& c) {
  const auto k = c.geometry.k;
  const auto n_segments = segments(c.geometry);
  if (c.placements.size() < n_segments * k)  // before counting per segment: a huge content with few placements
    return std::to_string(c.placements.size()) + " placements cannot give each of " + std::to_string(n_segments) +
           " segments its k = " + std::to_string(k) + " slices";
  std::map<std::uint32_t, std::uint32_t> per_segment;
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> per_edge;
  for (const auto& p : c.placements) {
    per_segment[p.segment] += 1;
    if (++per_edge[{p.segment, p.edge}] >= k)
      return "edge '" + p.edge + "' would hold " + std::to_string(k) + " slices of segment " +
             std::to_string(p.segment) + ": k of them rebuild it, so the edge alone would hold its data";
  }
  for (std::uint64_t seg = 0; seg < n_segments; ++seg) {
    auto it = per_segment.find(static_cast<std::uint32_t>(seg));
    const auto have = it == per_segment.end() ? 0u : it->second;
    if (have < k)
      return "segment " + std::to_string(seg) + " has " + std::to_string(have) + " placements, fewer than k = " +
             std::to_string(k) + ": the edges could not rebuild it";
  }
  return {};
}

/// Whether `c` is the plan this delivery was made by (a runner started again
/// plans the same): the same group, content, coding and slice checksums, its
/// edges first in the state's. Before any reschedule every placement must
/// match its slot exactly; afterwards slots have moved, and the slices alone
/// are compared.
bool same_plan(const state& s, const plan& c) {
  if (!s.planned || s.group != c.group || s.content != c.content || !(s.geometry == c.geometry) ||
      c.edges.size() > s.edges.size() || !std::equal(c.edges.begin(), c.edges.end(), s.edges.begin()) ||
      c.placements.size() != s.slots.size())
    return false;
  for (const auto& p : c.placements) {
    auto it = s.slots.find({p.segment, p.pillar});
    if (it == s.slots.end() || it->second.crc32c != p.crc32c)
      return false;
    if (s.rescheduled == 0 && (it->second.edge != p.edge || it->second.window != p.window))
      return false;
  }
  return true;
}

D decide_plan(const state& s, const plan& c) {
  if (auto why = check_plan(c); !why.empty())
    return D::reject("invalid", why);
  if (s.planned) {
    if (same_plan(s, c))
      return D::accept(std::vector<event>{});
    return D::reject("already_planned", "the delivery was planned before, differently");
  }
  if (auto why = check_dispersal(c); !why.empty())
    return D::reject("not_dispersed", why);
  return D::accept(planned{c.group, c.content, c.geometry, c.edges, c.placements, c.reason, c.at_ns});
}

// -- confirm --------------------------------------------------------------------

/// A refusal, or the slot the confirmation is about.
std::variant<rejection, const slot*> check_confirm(const state& s, const confirm& c) {
  const auto name = "slice " + std::to_string(c.segment) + "." + std::to_string(c.pillar);
  if (!s.planned)
    return rejection{"not_planned", "the delivery has not been planned"};
  auto it = s.slots.find({c.segment, c.pillar});
  if (it == s.slots.end())
    return rejection{"not_placed", name + " is not part of the plan"};
  if (it->second.edge != c.edge)
    return rejection{"wrong_edge", name + " is placed on '" + it->second.edge + "', not on '" + c.edge +
                                       "' (a slice moved away by a reschedule is not taken back)"};
  if (it->second.crc32c != c.crc32c)
    return rejection{"checksum_mismatch", name + ": the edge reports CRC32C " + std::to_string(c.crc32c) +
                                              ", the origin coded " + std::to_string(it->second.crc32c)};
  return &it->second;
}

D decide_confirm(const state& s, const confirm& c) {
  auto checked = check_confirm(s, c);
  if (auto* r = std::get_if<rejection>(&checked))
    return D::reject(r->code, r->reason);
  if (std::get<const slot*>(checked)->confirmed)
    return D::accept(std::vector<event>{});  // a retried confirmation
  std::vector<event> out{slice_confirmed{c.segment, c.pillar, c.edge, c.crc32c, c.at_ns}};
  if (!s.complete && s.confirmed + 1 == s.slots.size())
    out.push_back(completed{c.at_ns});
  return D::accept(std::move(out));
}

// -- reschedule -----------------------------------------------------------------

bool known_edge(const state& s, const std::string& edge) {
  return std::find(s.edges.begin(), s.edges.end(), edge) != s.edges.end();
}

std::optional<rejection> check_reschedule(const state& s, const reschedule& c) {
  if (auto why = check_name(c.edge); !why.empty())
    return rejection{"invalid", "edge '" + c.edge + "' " + why};
  for (const auto& e : c.candidates)
    if (auto why = check_name(e); !why.empty())
      return rejection{"invalid", "candidate edge '" + e + "' " + why};
  if (!s.planned)
    return rejection{"not_planned", "the delivery has not been planned"};
  // Every edge that ever held a placement is in s.edges (the plan's, then each move's target).
  if (!known_edge(s, c.edge))
    return rejection{"unknown_edge", "edge '" + c.edge + "' holds no slice of this delivery"};
  return std::nullopt;
}

/// Where each of the edge's unconfirmed slices goes (the rule in the header),
/// for a valid command on a planned delivery.
rescheduled plan_moves(const state& s, const reschedule& c) {
  // Who holds how many slices of each segment, updated as slices move so that
  // two slices moved in one go do not break the dispersal rule together.
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> held;
  for (const auto& [k, sl] : s.slots)
    held[{k.first, sl.edge}] += 1;
  rescheduled out{c.edge, c.reason, {}, {}, c.at_ns};
  for (const auto& [k, sl] : s.slots) {
    if (sl.edge != c.edge || sl.confirmed)
      continue;
    const std::string* to = nullptr;
    for (const auto& e : c.candidates)  // a candidate with none of this segment: the loss of one edge costs one slice
      if (e != c.edge && held[{k.first, e}] == 0) {
        to = &e;
        break;
      }
    if (to == nullptr)
      for (const auto& e : c.candidates)
        if (e != c.edge && held[{k.first, e}] + 1 < s.geometry.k) {
          to = &e;
          break;
        }
    if (to == nullptr) {
      out.stranded.emplace_back(k);
      continue;
    }
    held[{k.first, c.edge}] -= 1;
    held[{k.first, *to}] += 1;
    out.moves.push_back(move{k.first, k.second, c.edge, *to, c.window});
  }
  return out;
}

D decide_reschedule(const state& s, const reschedule& c) {
  if (auto r = check_reschedule(s, c))
    return D::reject(r->code, r->reason);
  auto out = plan_moves(s, c);
  // Nothing can move (nothing unconfirmed there, or every slice stranded):
  // the state stays as it is, so the same command again is the same outcome.
  // A runner that asks every window would otherwise log the same stranded
  // list each time; it reads a lost edge's stranded slices from due().
  if (out.moves.empty())
    return D::accept(std::vector<event>{});
  return D::accept(std::move(out));
}

} // namespace

bool placement::operator==(const placement& o) const { return tie(*this) == tie(o); }
bool move::operator==(const move& o) const { return tie(*this) == tie(o); }
bool planned::operator==(const planned& o) const { return tie(*this) == tie(o); }
bool slice_confirmed::operator==(const slice_confirmed& o) const { return tie(*this) == tie(o); }
bool rescheduled::operator==(const rescheduled& o) const { return tie(*this) == tie(o); }
bool completed::operator==(const completed& o) const { return tie(*this) == tie(o); }
bool slot::operator==(const slot& o) const { return tie(*this) == tie(o); }
bool state::operator==(const state& o) const { return tie(*this) == tie(o); }

state evolve(state s, const event& e) {
  return std::visit([&](const auto& x) { return apply(std::move(s), x); }, e);
}

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const plan& x) { return decide_plan(s, x); },
                        [&](const confirm& x) { return decide_confirm(s, x); },
                        [&](const reschedule& x) { return decide_reschedule(s, x); },
                    },
                    c);
}

bool changes_nothing(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const plan& x) { return check_plan(x).empty() && same_plan(s, x); },
                        [&](const confirm& x) {
                          auto checked = check_confirm(s, x);
                          auto* sl = std::get_if<const slot*>(&checked);
                          return sl != nullptr && (*sl)->confirmed;
                        },
                        [&](const reschedule& x) { return !check_reschedule(s, x) && plan_moves(s, x).moves.empty(); },
                    },
                    c);
}

std::vector<placement> due(const state& s, std::string_view edge, std::uint32_t window) {
  std::vector<placement> out;
  for (const auto& [k, sl] : s.slots)
    if (sl.edge == edge && !sl.confirmed && sl.window <= window)
      out.push_back(placement{k.first, k.second, sl.edge, sl.window, sl.crc32c});
  return out;
}

std::uint32_t last_window(const state& s) {
  std::uint32_t last = 0;
  for (const auto& [k, sl] : s.slots)
    if (!sl.confirmed)
      last = std::max(last, sl.window);
  return last;
}

int tolerance(const state& s) {
  if (!s.planned)
    return -1;
  // Confirmed slices per (segment, edge); a segment with none confirmed has no entry.
  std::map<std::uint32_t, std::map<std::string, std::uint32_t>> held;
  for (const auto& [k, sl] : s.slots)
    if (sl.confirmed)
      held[k.first][sl.edge] += 1;
  const auto k = s.geometry.k;
  if (held.size() < segments(s.geometry))
    return -1;
  int best = -1;
  for (const auto& [seg, by_edge] : held) {
    std::vector<std::uint32_t> counts;
    std::uint64_t total = 0;
    for (const auto& [e, n] : by_edge) {
      counts.push_back(n);
      total += n;
    }
    if (total < k)
      return -1;
    std::sort(counts.rbegin(), counts.rend());  // the worst loss: the fullest edges first
    int lost = 0;
    for (auto n : counts) {
      if (total - n < k)
        break;
      total -= n;
      ++lost;
    }
    best = best < 0 ? lost : std::min(best, lost);
  }
  return best;
}

std::map<std::string, std::vector<std::uint32_t>> holders(const state& s, std::uint32_t segment) {
  std::map<std::string, std::vector<std::uint32_t>> out;
  for (auto it = s.slots.lower_bound({segment, 0}); it != s.slots.end() && it->first.first == segment; ++it)
    if (it->second.confirmed)
      out[it->second.edge].push_back(it->first.second);
  return out;
}

} // namespace storemesh::services::delivery::process
