#include "services/consensus/topology/topology_review.hpp"

#include <map>
#include <tuple>

namespace storemesh::services::consensus {
namespace {

// "1 prefix added", "2 prefixes added".
std::string count(std::size_t n, const char* one, const char* many, const char* how) {
  return std::to_string(n) + ' ' + (n == 1 ? one : many) + ' ' + how;
}

} // namespace

bool topology_diff::same_statements() const noexcept {
  return prefixes_added.empty() && prefixes_removed.empty() && prefixes_moved.empty() && routes_added.empty() &&
         routes_removed.empty() && routes_changed.empty();
}

std::string topology_diff::summary() const {
  std::string out = "version " + std::to_string(from_version) + " -> " + std::to_string(to_version);
  const std::pair<std::size_t, std::string> parts[] = {
      {prefixes_added.size(), count(prefixes_added.size(), "prefix", "prefixes", "added")},
      {prefixes_removed.size(), count(prefixes_removed.size(), "prefix", "prefixes", "removed")},
      {prefixes_moved.size(), count(prefixes_moved.size(), "prefix", "prefixes", "moved")},
      {routes_added.size(), count(routes_added.size(), "route", "routes", "added")},
      {routes_removed.size(), count(routes_removed.size(), "route", "routes", "removed")},
      {routes_changed.size(), count(routes_changed.size(), "route", "routes", "changed")},
  };
  for (const auto& [n, text] : parts)
    if (n) out += ", " + text;
  if (same_statements()) out += ", no statement changed";
  return out;
}

topology_diff diff_topologies(const topology& a, const topology& b) {
  topology_diff d;
  d.from_version = a.version;
  d.to_version = b.version;
  std::map<route_prefix, const prefix_statement*> pa, pb;
  for (const auto& p : a.prefixes) pa[p.prefix] = &p;
  for (const auto& p : b.prefixes) pb[p.prefix] = &p;
  for (const auto& [prefix, s] : pb) {
    const auto it = pa.find(prefix);
    if (it == pa.end()) d.prefixes_added.push_back(*s);
    else if (it->second->at != s->at) d.prefixes_moved.push_back(*s);
  }
  for (const auto& [prefix, s] : pa)
    if (!pb.count(prefix)) d.prefixes_removed.push_back(*s);
  using route_key = std::tuple<std::string, route_prefix, std::string>;
  std::map<route_key, const route_statement*> ra, rb;
  for (const auto& r : a.routes) ra[{r.owner, r.prefix, r.via}] = &r;
  for (const auto& r : b.routes) rb[{r.owner, r.prefix, r.via}] = &r;
  for (const auto& [key, r] : rb) {
    const auto it = ra.find(key);
    if (it == ra.end()) d.routes_added.push_back(*r);
    else if (it->second->metric != r->metric) d.routes_changed.push_back(*r);
  }
  for (const auto& [key, r] : ra)
    if (!rb.count(key)) d.routes_removed.push_back(*r);
  return d;
}

review_verdict review_topology(const topology& current, const topology& proposed,
                               const std::set<std::string>& known_routers) {
  if (proposed.version <= current.version)
    return {false, "reject: version " + std::to_string(proposed.version) +
                       " is not greater than the current version " + std::to_string(current.version)};
  const auto check = check_topology(proposed, known_routers);
  if (!check.ok()) {
    std::string reason = "reject: " + check.problems.front().message();
    const std::size_t more = check.problems.size() - 1 + check.omitted;
    if (more) reason += " (and " + std::to_string(more) + " more problem" + (more == 1 ? ")" : "s)");
    return {false, std::move(reason)};
  }
  return {true, "accept: " + diff_topologies(current, proposed).summary()};
}

} // namespace storemesh::services::consensus
