#include "actors/agents/delivery/world.hpp"

#include <algorithm>
#include <tuple>

namespace storemesh::agents::delivery {
namespace {
namespace sd = services::delivery;
} // namespace

std::string world::origin_endpoint() const {
  for (const auto& [name, e] : edges)
    if (e.attached && e.role == sd::edge_unit::role::origin && e.up)
      return e.endpoint;
  for (const auto& [name, e] : edges)  // a stopped origin's last endpoint beats none: the error names it
    if (e.attached && e.role == sd::edge_unit::role::origin)
      return e.endpoint;
  return {};
}

std::vector<std::string> nearest_edges(const world& w, sd::location at, bool up_only) {
  std::vector<std::pair<double, std::string>> by;
  for (const auto& [name, e] : w.edges)
    if (e.attached && e.role == sd::edge_unit::role::edge && (!up_only || e.up))
      by.emplace_back(sd::distance_m(at, e.at), name);
  std::sort(by.begin(), by.end());
  std::vector<std::string> out;
  for (auto& [d, name] : by)
    out.push_back(std::move(name));
  return out;
}

} // namespace storemesh::agents::delivery
