#include "services/consensus/topology/topology_check.hpp"

#include "services/consensus/topology/forwarding_table.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

namespace storemesh::services::consensus {
namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

// "r1, r2 and 3 more": a readable list of router names.
std::string name_list(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 8;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

// The statements on their own: names, duplicates, declarations.
void check_statements(const topology& t, const std::set<std::string>& known, std::vector<topology_problem>& out) {
  const auto unknown = [&](const std::string& name, const char* role, std::size_t line) {
    if (!known.count(name))
      out.push_back({problem_kind::unknown_router, line, "router " + q(name) + " (" + role + ") is not a known router"});
  };
  std::map<route_prefix, const prefix_statement*> declared;
  for (const auto& p : t.prefixes) {
    if (p.at) unknown(*p.at, "the router that delivers the prefix", p.line);
    else
      out.push_back({problem_kind::prefix_without_at, p.line,
                     "prefix " + p.prefix.to_string() + " has no 'at ROUTER': no router delivers it"});
    auto [it, fresh] = declared.emplace(p.prefix, &p);
    if (!fresh)
      out.push_back({problem_kind::duplicate_statement, p.line,
                     "prefix " + p.prefix.to_string() + " is declared again (first on line " +
                         std::to_string(it->second->line) + ")"});
  }
  std::map<std::tuple<std::string, route_prefix, std::string>, std::size_t> seen;
  for (const auto& r : t.routes) {
    unknown(r.owner, "the route's owner", r.line);
    unknown(r.via, "the next hop", r.line);
    auto [it, fresh] = seen.emplace(std::make_tuple(r.owner, r.prefix, r.via), r.line);
    if (!fresh)
      out.push_back({problem_kind::duplicate_statement, r.line,
                     "route at " + r.owner + " for " + r.prefix.to_string() + " via " + r.via +
                         " is given again (first on line " + std::to_string(it->second) + ")"});
    const auto d = declared.find(r.prefix);
    if (d == declared.end())
      out.push_back({problem_kind::undeclared_prefix, r.line,
                     "route for " + r.prefix.to_string() + ", which no 'prefix' statement declares"});
    else if (d->second->at && *d->second->at == r.owner)
      out.push_back({problem_kind::shadowed_route, r.line,
                     "route at " + r.owner + " for " + r.prefix.to_string() + ", which " + r.owner +
                         " delivers itself (line " + std::to_string(d->second->line) + "): it is never used"});
    if (r.via == r.owner)
      out.push_back({problem_kind::loop, r.line,
                     "route at " + r.owner + " for " + r.prefix.to_string() + " has " + r.owner +
                         " itself as its next hop"});
  }
}

// How forwarding of one address from a router ends.
struct outcome {
  enum kind_t { delivered, dead_end, misdelivered, looped, left } kind = delivered;  // left: to an unknown router
  std::size_t where = 0;  // the router it ends at (dead_end, misdelivered), or the loop's id
};

class walker {
public:
  walker(const topology& t, const std::set<std::string>& known) : names_(known.begin(), known.end()) {
    std::set<std::string> present;
    for (const auto& p : t.prefixes)
      if (p.at) present.insert(*p.at);
    for (const auto& r : t.routes) present.insert(r.owner);
    for (const auto& n : names_)  // a known router the file never mentions has no table: every walk ends there
      tables_.push_back(present.count(n) ? std::make_unique<forwarding_table>(forwarding_table::build(t, n)) : nullptr);
  }

  // Walks `address` from every known router; `expected` delivers it.
  void walk(std::uint32_t address, const std::string& expected, const prefix_statement& dest,
            std::vector<topology_problem>& out) {
    const std::size_t n = names_.size();
    state_.assign(n, 0);
    result_.assign(n, outcome{});
    cycles_.clear();
    std::vector<std::size_t> path;
    for (std::size_t start = 0; start < n; ++start) {
      path.clear();
      std::size_t x = start;
      outcome end;
      for (;;) {
        if (state_[x] == 2) { end = result_[x]; break; }
        if (state_[x] == 1) {  // came back to a router on this path
          const auto from = std::find(path.begin(), path.end(), x);
          cycles_.emplace_back(from, path.end());
          end = {outcome::looped, cycles_.size() - 1};
          break;
        }
        state_[x] = 1;
        path.push_back(x);
        const forwarding_table::entry* e = tables_[x] ? tables_[x]->lookup_entry(address) : nullptr;
        if (!e) { end = {outcome::dead_end, x}; break; }
        if (e->next == forwarding_table::deliver_here) {
          end = {names_[x] == expected ? outcome::delivered : outcome::misdelivered, x};
          break;
        }
        const auto& via = tables_[x]->next_hops()[e->next];
        const auto it = std::lower_bound(names_.begin(), names_.end(), via);
        if (it == names_.end() || *it != via) { end = {outcome::left, x}; break; }  // reported as unknown_router
        x = static_cast<std::size_t>(it - names_.begin());
      }
      for (const auto r : path) { state_[r] = 2; result_[r] = end; }
    }
    report(address, expected, dest, out);
  }

private:
  void report(std::uint32_t address, const std::string& expected, const prefix_statement& dest,
              std::vector<topology_problem>& out) const {
    const std::string what = format_ipv4(address) + " (of " + dest.prefix.to_string() + ", delivered at " + expected + ")";
    std::map<std::pair<int, std::size_t>, std::vector<std::string>> groups;  // (kind, where) -> routers
    for (std::size_t r = 0; r < names_.size(); ++r)
      if (result_[r].kind != outcome::delivered && result_[r].kind != outcome::left)
        groups[{result_[r].kind, result_[r].where}].push_back(names_[r]);
    for (const auto& [key, from] : groups) {
      const auto [kind, where] = key;
      if (kind == outcome::looped) {
        const auto& cycle = cycles_[where];
        std::string hops;
        for (const auto r : cycle) hops += names_[r] + " -> ";
        hops += names_[cycle.front()];
        const auto* back = tables_[cycle.back()]->lookup_entry(address);  // the route that closes the loop
        out.push_back({problem_kind::loop, back->line,
                       what + " loops: " + hops + " (reached from " + name_list(from) + ")"});
      } else if (kind == outcome::dead_end) {
        out.push_back({problem_kind::unreachable, dest.line,
                       what + " is unreachable from " + name_list(from) + ": forwarding ends at " + names_[where] +
                           ", which has no route for it"});
      } else {
        const auto* e = tables_[where]->lookup_entry(address);
        out.push_back({problem_kind::unreachable, dest.line,
                       what + " is unreachable from " + name_list(from) + ": " + names_[where] + " delivers it (" +
                           e->prefix.to_string() + " at " + names_[where] + ", line " + std::to_string(e->line) + ")"});
      }
    }
  }

  std::vector<std::string> names_;  // the known routers, sorted
  std::vector<std::unique_ptr<forwarding_table>> tables_;
  std::vector<char> state_;         // 0 not visited, 1 on the current path, 2 outcome known
  std::vector<outcome> result_;
  std::vector<std::vector<std::size_t>> cycles_;
};

// Every declared prefix's probe addresses, walked from every known router.
void check_forwarding(const topology& t, const std::set<std::string>& known, std::vector<topology_problem>& out) {
  // The destinations: for every declared prefix (the first statement of a
  // duplicate), who delivers it, looked up by the same longest-prefix match.
  std::map<route_prefix, const prefix_statement*> declared;
  for (const auto& p : t.prefixes) declared.emplace(p.prefix, &p);
  std::vector<route_prefix> sorted;
  std::vector<forwarding_table::entry> entries;
  std::vector<const prefix_statement*> by_index;
  for (const auto& [prefix, s] : declared) {
    sorted.push_back(prefix);
    entries.push_back({prefix, static_cast<forwarding_table::hop>(0), 0});
    by_index.push_back(s);
  }
  if (sorted.empty()) return;
  // The hop of a destination entry is unused; the entry's position in the
  // table's sorted entries finds its statement.
  const auto destinations = forwarding_table::from_entries(std::move(entries), {"-"});
  std::vector<std::uint32_t> probes;
  for (const auto& p : sorted) {
    probes.push_back(p.first());
    if (const auto own = first_own_address(p, sorted); own && *own != p.first()) probes.push_back(*own);
  }
  std::sort(probes.begin(), probes.end());
  probes.erase(std::unique(probes.begin(), probes.end()), probes.end());
  walker w(t, known);
  for (const auto a : probes) {
    const auto* e = destinations.lookup_entry(a);
    const prefix_statement& dest = *by_index[static_cast<std::size_t>(e - destinations.entries().data())];
    if (!dest.at || !known.count(*dest.at)) continue;  // reported as prefix_without_at / unknown_router
    w.walk(a, *dest.at, dest, out);
  }
}

} // namespace

const char* to_string(problem_kind k) noexcept {
  switch (k) {
    case problem_kind::unknown_router: return "unknown router";
    case problem_kind::duplicate_statement: return "duplicate statement";
    case problem_kind::prefix_without_at: return "prefix without 'at'";
    case problem_kind::undeclared_prefix: return "undeclared prefix";
    case problem_kind::shadowed_route: return "shadowed route";
    case problem_kind::loop: return "loop";
    case problem_kind::unreachable: return "unreachable";
  }
  return "?";
}

std::string topology_problem::message() const { return "line " + std::to_string(line) + ": " + reason; }

topology_check check_topology(const topology& t, const std::set<std::string>& known_routers) {
  std::vector<topology_problem> all;
  check_statements(t, known_routers, all);
  check_forwarding(t, known_routers, all);
  std::stable_sort(all.begin(), all.end(), [](const topology_problem& a, const topology_problem& b) {
    return std::tie(a.line, a.kind) < std::tie(b.line, b.kind);
  });
  topology_check c;
  if (all.size() > max_listed_problems) {
    c.omitted = all.size() - max_listed_problems;
    all.resize(max_listed_problems);
  }
  c.problems = std::move(all);
  return c;
}

} // namespace storemesh::services::consensus
