#include "sim/scenarios/scenarios.hpp"

#include <functional>
#include <utility>

namespace storemesh::sim {
namespace {

const std::vector<std::pair<std::string, std::function<std::unique_ptr<scenario>()>>>& makers() {
  static const std::vector<std::pair<std::string, std::function<std::unique_ptr<scenario>()>>> all{
      {"runtime", &make_runtime_scenario},
      {"migration", &make_migration_scenario},
      {"rebalancing", &make_rebalancing_scenario},
      {"access", &make_access_scenario},
      {"delivery", &make_delivery_scenario},
      {"quorum", &make_quorum_scenario},
      {"consensus", &make_consensus_scenario},
      {"control_path", &make_control_path_scenario},
  };
  return all;
}

} // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, make] : makers())
      n.push_back(name);
    n.push_back("mixed");
    return n;
  }();
  return names;
}

std::unique_ptr<scenario> make_scenario(std::string_view name) {
  for (const auto& [n, make] : makers())
    if (n == name)
      return make();
  return nullptr;  // "mixed" is the simulator's: it runs every scenario at once
}

} // namespace storemesh::sim
